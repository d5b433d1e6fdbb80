#!/bin/sh
# Bad configurations: every command refuses them with FILE:LINE: reason
# and exit 2, before anything is fetched or touched.
. ../lib/pipe.sh
echo "8.8.8.8" >"$T/list.txt"
echo "old" >"$T/o/t.txt"
before=$(sig "$T/o/t.txt")

# case LINE REASON: the configuration on stdin must be refused at LINE
# (the two lines conf() prepends count).
case_bad() {
	line=$1 reason=$2
	conf
	for cmd in check run diff "run --offline" show "why 8.8.8.8" status; do
		# shellcheck disable=SC2086
		expect_exit 2 as $cmd
		expect_grep "^allowsync: error: $C:$line: .*$reason" "$T/err"
		[ "$(wc -l <"$T/err")" -eq 1 ] || fail "more than one line for $cmd: $(cat "$T/err")"
	done
	[ "$(sig "$T/o/t.txt")" = "$before" ] || fail "output touched ($reason)"
	[ ! -e "$T/state/lock" ] || fail "state touched ($reason)"
}

case_bad 3 'unknown section \[sorce a\]' <<EOF2
[sorce a]
EOF2
case_bad 5 'unknown key "pth"' <<EOF2
[source a]
type = file
pth = $T/list.txt
EOF2
case_bad 6 'duplicate section \[source a\]' <<EOF2
[source a]
type = file
path = $T/list.txt
[source a]
type = file
path = $T/list.txt
EOF2
# The valid types are named, from the registry.
case_bad 4 'unknown source type "fil" (one of static, file, spf, url)' <<EOF2
[source a]
type = fil
EOF2
case_bad 7 'unknown output type "nft4" (one of text, postfix, nftables, nft-file, nginx, exim, ipset)' <<EOF2
[source a]
type = static
prefixes = 8.8.8.8
[output o]
type = nft4
EOF2
case_bad 3 'missing required key "path"' <<EOF2
[source a]
type = file
EOF2
case_bad 6 'given twice' <<EOF2
[source a]
type = file
path = $T/list.txt
path = $T/other.txt
EOF2
case_bad 6 'below the hard floor /8' <<EOF2
[source a]
type = file
path = $T/list.txt
min_prefix4 = 4
EOF2
case_bad 6 'contradicts allow_empty' <<EOF2
[source a]
type = file
path = $T/list.txt
max_entries = 0
EOF2
case_bad 9 'unknown source "b"' <<EOF2
[source a]
type = file
path = $T/list.txt
[output t]
type = text
path = $T/o/t.txt
sources = a b
EOF2
case_bad 9 'writes .*t.txt, as \[output t\]' <<EOF2
[source a]
type = file
path = $T/list.txt
[output t]
type = text
path = $T/o/t.txt
[output p]
type = postfix
path = $T/o/t.txt
EOF2
# Output paths are compared with their directory canonicalised: ".." or a
# symlinked directory does not make two outputs on one file different.
case_bad 11 "path = $T/o/../o/t.txt: the same file as output \"t\" ($T/o/t.txt)" <<EOF2
[source a]
type = file
path = $T/list.txt
[output t]
type = text
path = $T/o/t.txt
[output p]
type = postfix
path = $T/o/../o/t.txt
EOF2
ln -s o "$T/olink"
case_bad 11 "path = $T/olink/t.txt: the same file as output \"t\" ($T/o/t.txt)" <<EOF2
[source a]
type = file
path = $T/list.txt
[output t]
type = text
path = $T/o/t.txt
[output p]
type = postfix
path = $T/olink/t.txt
EOF2
# Nor may an output write the state (but its lists/ subdirectory), the
# lock or the configuration file.
case_bad 8 "path = $T/olink/../state/x.txt: inside state_dir $T/state (outputs may write there only below $T/state/lists/)" <<EOF2
[source a]
type = file
path = $T/list.txt
[output t]
type = text
path = $T/olink/../state/x.txt
EOF2
[ ! -e "$T/state/x.txt" ] || fail "output written inside state_dir"
case_bad 8 "path = $T/state/lock: the lock file $T/state/lock" <<EOF2
[source a]
type = file
path = $T/list.txt
[output t]
type = text
path = $T/state/lock
EOF2
case_bad 8 "path = $C: the configuration file itself" <<EOF2
[source a]
type = file
path = $T/list.txt
[output t]
type = text
path = $C
EOF2
grep -q '^\[output t\]' "$C" || fail "configuration file overwritten"
case_bad 6 'max_stale = 7y: bad duration unit' <<EOF2
[source a]
type = file
path = $T/list.txt
max_stale = 7y
EOF2
# [publish] is the publisher's to check, but every command refuses a bad one.
case_bad 9 '\[publish\]: unknown key "colour"' <<EOF2
[source a]
type = file
path = $T/list.txt
[publish]
dir = $T/o
name = relay
colour = red
EOF2
case_bad 12 '\[publish\] sources: "w" is a url source; the inventory comes from static and file sources only' <<EOF2
[source a]
type = file
path = $T/list.txt
[source w]
type = url
url = https://127.0.0.1:1/x
[publish]
dir = $T/o
name = relay
sources = a w
EOF2

# No source at all: FILE: reason (no line to point at).
conf </dev/null
expect_exit 2 as check
expect_grep "^allowsync: error: $C: no \[source NAME\] section" "$T/err"

# Running as root, the file must be root's and not group/other-writable.
if [ "$(id -u)" = 0 ]; then
	printf '[source a]\ntype = file\npath = %s/list.txt\n' "$T" | conf
	chmod 666 "$C"
	expect_exit 2 as check
	expect_grep "$C: refusing a configuration writable by group or others" "$T/err"
	chmod 600 "$C"
	chown 1:1 "$C"
	expect_exit 2 as check
	expect_grep "not owned by root" "$T/err"
	chown 0:0 "$C"
	expect_exit 0 as check

	# So must the state directory be, sticky or not.
	for mode in 775 757 1777; do
		chmod $mode "$T/state"
		case_bad 2 "refusing a state_dir $T/state writable by group or others (running as root: it must be owned by root and not writable by group or others)" <<EOF2
[source a]
type = file
path = $T/list.txt
[output t]
type = text
path = $T/o/t.txt
EOF2
	done
	chmod 755 "$T/state"
	expect_exit 0 as check

	# And the directory that holds the configuration.
	mkdir -m 775 "$T/cd"
	cd_real=$(cd "$T/cd" && pwd -P)
	printf '[source a]\ntype = file\npath = %s/list.txt\n[output t]\ntype = text\npath = %s/o/t.txt\n' "$T" "$T" |
		conf_file "$T/cd/conf" "$T/state"
	for cmd in check run diff "run --offline" show "why 8.8.8.8" status; do
		# shellcheck disable=SC2086
		expect_exit 2 "$ALLOWSYNC" -c "$T/cd/conf" $cmd
		expect_grep "^allowsync: error: $T/cd/conf: refusing a configuration directory $cd_real writable by group or others (running as root" "$T/err"
		[ "$(wc -l <"$T/err")" -eq 1 ] || fail "more than one line for $cmd: $(cat "$T/err")"
	done
	[ "$(sig "$T/o/t.txt")" = "$before" ] || fail "output touched (configuration directory)"
	[ ! -e "$T/state/lock" ] || fail "state touched (configuration directory)"
	chmod 755 "$T/cd"
	expect_exit 0 "$ALLOWSYNC" -c "$T/cd/conf" check
fi
# A missing file.
expect_exit 2 "$ALLOWSYNC" -c "$T/nonexistent.conf" check
expect_grep "$T/nonexistent.conf: cannot open: No such file or directory" "$T/err"
