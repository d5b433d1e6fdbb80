#!/bin/sh
# make demo: aggregate the bundled example list.
set -eu
bin=${1:-build/allowsync}
here=$(dirname "$0")
echo "\$ allowsync aggregate examples/relays.txt"
"$bin" aggregate "$here/relays.txt"
