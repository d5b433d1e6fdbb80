# Helpers for the pipeline cases (run, guards, faults): . ../lib/pipe.sh
# $T/conf is the configuration, $T/state the state directory, $T/o the
# output directory.
. ../lib/common.sh
mkdir -p "$T/state" "$T/o"
C=$T/conf

# conf: the configuration from stdin, with [global] state_dir prepended.
conf() {
	{ printf '[global]\nstate_dir = %s/state\n' "$T"; cat; } >"$C"
	chmod 600 "$C"
}
# as: allowsync with our configuration.
as() { "$ALLOWSYNC" -c "$C" "$@"; }
# sig FILE: inode and modification time (nanoseconds) — "not touched".
sig() { stat -c '%i %y' "$1"; }
# temps DIR: our temporary files left in DIR.
temps() { ls -A "$1" | grep '\.allowsync-' || true; }
