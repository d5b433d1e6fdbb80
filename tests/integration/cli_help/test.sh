#!/bin/sh
# The command line a script can trust: every command's -h/--help prints
# its usage on stdout and exits 0 (before reading any configuration);
# `help CMD` prints the same; an unknown one exits 2 with the list; `why`
# exits 0 when an output holds the address, 1 when none does, 2 on error.
. ../lib/pipe.sh
cmds="run check diff show why status aggregate publish keygen presets triage spf help"
for c in $cmds; do
	for h in -h --help; do
		expect_exit 0 "$ALLOWSYNC" -c "$T/nonexistent.conf" "$c" "$h"
		expect_grep "^usage: allowsync $c" "$T/out"
		[ ! -s "$T/err" ] || fail "$c $h wrote to stderr: $(cat "$T/err")"
		cp "$T/out" "$T/h.$c"
	done
	expect_exit 0 "$ALLOWSYNC" help "$c"
	cmp -s "$T/out" "$T/h.$c" || fail "help $c differs from $c --help"
	# Every command is listed by --help, with its summary.
	expect_exit 0 "$ALLOWSYNC" --help
	grep -q "^  $c  *[a-z]" "$T/out" || fail "--help does not list $c"
done
expect_exit 0 "$ALLOWSYNC" help
expect_grep '^  why ' "$T/out"
expect_exit 2 "$ALLOWSYNC" help frobnicate
expect_grep 'unknown command "frobnicate"' "$T/err"
expect_grep '^  status ' "$T/err"
expect_exit 2 "$ALLOWSYNC" frobnicate
expect_exit 2 "$ALLOWSYNC" run --bogus
expect_grep '^usage: allowsync run ' "$T/err"
[ ! -s "$T/out" ] || fail "a usage error wrote to stdout"
# The command names, one a line, for the shell completion.
expect_exit 0 "$ALLOWSYNC" help --names
[ "$(tr '\n' ' ' <"$T/out")" = "$cmds " ] || fail "help --names: $(cat "$T/out")"

# why's exit status.
printf '8.8.8.0/24\n9.9.9.9\n' >"$T/list.txt"
conf <<EOF2
[source s]
type = file
path = $T/list.txt
[output t]
type = text
path = $T/o/t.txt
exclude = 9.9.9.9
EOF2
expect_exit 0 as why --fetch 8.8.8.9
expect_grep 'output "t": holds it, as 8.8.8.0/24' "$T/out"
expect_exit 1 as why --fetch 9.9.9.9
expect_grep 'output "t": excluded by 9.9.9.9' "$T/out"
expect_exit 1 as why --fetch 1.1.1.1
expect_grep 'in no source' "$T/out"
expect_exit 2 as why 1.1.1.300
expect_exit 2 as why
expect_exit 2 "$ALLOWSYNC" -c "$T/nonexistent.conf" why 8.8.8.9

# Counts read naturally.
expect_exit 0 as check
expect_grep ': OK: 1 source, 1 output$' "$T/out"
expect_exit 0 as run
expect_exit 0 as status
expect_grep '^source "s" (file): .*, 2 entries from ' "$T/out"
expect_grep '^output "t" (text): .*, 1 entry$' "$T/out"
echo "ok"
