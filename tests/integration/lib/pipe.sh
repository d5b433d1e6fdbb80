# Helpers for the pipeline cases (run, guards, faults): . ../lib/pipe.sh
# $T/conf is the configuration, $T/state the state directory, $T/o the
# output directory.
. ../lib/common.sh
mkdir -p "$T/state" "$T/o"
C=$T/conf

# conf [LINE...]: $C from stdin, with [global] state_dir (and the LINEs
# given, e.g. "max_shrink = 100%") prepended: see conf_file.
conf() { conf_file "$C" "$T/state" "$@"; }
# as: allowsync with our configuration.
as() { "$ALLOWSYNC" -c "$C" "$@"; }
# sig FILE: inode and modification time (nanoseconds) — "not touched".
sig() { stat -c '%i %y' "$1"; }
# temps DIR: our temporary files left in DIR.
temps() { ls -A "$1" | grep '\.allowsync-' || true; }
