#!/bin/sh
# packaging/allowsync.bash-completion, sourced in a real bash: commands,
# a command's options (from its usage), the output names of the
# configuration given with -c, help's command names, files for -c.
# With bash-completion's _init_completion when installed, without it
# otherwise (the file falls back to COMP_WORDS).
. ../lib/pipe.sh
command -v bash >/dev/null || skip "bash not installed"
comp=$(cd ../../../packaging && pwd)/allowsync.bash-completion
printf '8.8.8.8\n' >"$T/list.txt"
conf <<EOF2
[source feed-a]
type = file
path = $T/list.txt
[output relays]
type = text
path = $T/o/relays.txt
[output relays6]
type = text
path = $T/o/relays6.txt
[output mx]
type = text
path = $T/o/mx.txt
EOF2

# complete WORD...: COMPREPLY, sorted, one a line, for the command line
# "allowsync WORD..." with the cursor at the end of the last WORD.
complete() {
	bash -c '
		[ -r /usr/share/bash-completion/bash_completion ] &&
			. /usr/share/bash-completion/bash_completion
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_allowsync "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' sh "$comp" "$ALLOWSYNC" "$@" | sort >"$T/got"
}
# expect WANT...: the completions are exactly WANT.
expect() {
	printf '%s\n' "$@" | sort >"$T/want"
	diff "$T/want" "$T/got" >&2 || fail "completions differ (- wanted, + got)"
}

complete ''
expect run check diff show why status aggregate publish keygen presets triage spf help
complete s
expect show status spf
complete -c "$C" st
expect status
complete --v
expect --verbose --version
complete diff --
expect --offline --force --json --help
complete run --
expect --offline --force --splay --help
complete status -
expect --json -h --help
complete spf --ma
expect --max-lookups
complete triage --
expect --json --offline --no-presets --help
complete show --
expect --fetch --postfix --help
complete -c "$C" show rel
expect relays relays6
complete -c "$C" show ''
expect mx relays relays6
complete help ag
expect aggregate
: >"$T/conf.d"
complete -c "$T/conf."
expect "$T/conf.d"
# triage reads log files.
complete triage "$T/conf."
expect "$T/conf.d"
# A configuration that does not load: no names, and no error on screen.
complete -c "$T/nonexistent.conf" show ''
[ ! -s "$T/got" ] || fail "names from a missing configuration: $(cat "$T/got")"

# The listing it uses: sources and outputs, nothing else.
expect_exit 0 as check --names
printf 'source feed-a\noutput relays\noutput relays6\noutput mx\n' | cmp -s - "$T/out" ||
	fail "check --names: $(cat "$T/out")"
echo "ok"
