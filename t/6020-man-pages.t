#!/bin/sh
# 6020: every flag of `ebpfexp-load --help` and `ebpfexp-read --help` is documented in the
# OPTIONS and SYNOPSIS of its man page, and the page documents no flag the program lacks;
# the pages have the sections STYLE.md asks for; all three pages are clean under
# `mandoc -Tlint`
#
# The flags come from --help at test time, so a flag added to a program without its page
# fails here. mandoc looks the pages named by .Xr up in /usr/share/man, where ours are
# not installed: the lint runs on a `make install PREFIX=/usr` laid over /usr with
# overlayfs in a private mount namespace, as on an installed system.
. "${0%/*}/lib.sh"
use_binary_copies
need BUILD
command -v mandoc >/dev/null || skip_all "needs mandoc (apt-get install mandoc)"

MAN=$TOP/man

# flags BIN: the options --help lists, one a line (-h and --help included)
flags() {
	"$1" --help | sed -n 's/^ \{1,\}\(-h, \)\{0,1\}\(--[a-z][a-z0-9.-]*\).*/\2/p'
}

# render PAGE: plain text, wide enough that no option line wraps
render() {
	mandoc -Tascii -O width=200 "$1" | col -b
}

# section PAGE NAME: the rendered text of one section
section() {
	render "$1" | awk -v s="$2" '/^[A-Z][A-Z ]*$/ { on = ($0 == s); next } on'
}

# documented PAGE: the flags the OPTIONS section describes (its item heads)
documented() {
	section "$1" OPTIONS | sed -n 's/^ \{1,7\}\(-h, \)\{0,1\}\(--[a-z][a-z0-9.-]*\).*/\2/p' | sort -u
}

# check_flags BIN PAGE
check_flags() {
	flags "$1" | sort -u > "$T/help.flags"
	test -s "$T/help.flags" || { echo "no flags found in $1 --help"; return 1; }
	documented "$2" > "$T/man.flags"
	echo "--help flags missing from OPTIONS of $2, and flags only the page has:"
	diff "$T/help.flags" "$T/man.flags"
}

# check_synopsis BIN PAGE: each flag but -h/--help/--version also in the SYNOPSIS
check_synopsis() {
	section "$2" SYNOPSIS > "$T/synopsis"
	_bad=0
	for _f in $(flags "$1"); do
		grep -q -- "$_f\\([]=| ]\\|$\\)" "$T/synopsis" || { echo "not in SYNOPSIS: $_f"; _bad=1; }
	done
	return $_bad
}

# check_defaults BIN PAGE: each absolute path --help gives as a default is in the page
check_defaults() {
	_bad=0
	for _p in $("$1" --help | grep -o '(default: /[^,)]*' | sed 's/(default: //'); do
		render "$2" | grep -qF -- "$_p" || { echo "default $_p not in $2"; _bad=1; }
	done
	return $_bad
}

# check_sections PAGE SECTION...
check_sections() {
	_p=$1
	shift
	render "$_p" | grep '^[A-Z][A-Z ]*$' > "$T/sections"
	for _s in "$@"; do
		grep -qx "$_s" "$T/sections" || { echo "$_p: no section $_s"; return 1; }
	done
}

for b in load read; do
	tcase "every flag of ebpfexp-$b --help is in the OPTIONS of ebpfexp-$b(8), and no other" \
		"check_flags '$T/bin/ebpfexp-$b' '$MAN/ebpfexp-$b.8'"
	tcase "and in its SYNOPSIS" "check_synopsis '$T/bin/ebpfexp-$b' '$MAN/ebpfexp-$b.8'"
	tcase "the defaults --help names are in the page" \
		"check_defaults '$T/bin/ebpfexp-$b' '$MAN/ebpfexp-$b.8'"
	tcase "ebpfexp-$b(8) has NAME SYNOPSIS DESCRIPTION OPTIONS FILES EXIT STATUS EXAMPLES SEE ALSO" \
		"check_sections '$MAN/ebpfexp-$b.8' NAME SYNOPSIS DESCRIPTION OPTIONS FILES \
			'EXIT STATUS' EXAMPLES 'SEE ALSO'"
done
tcase 'ebpfexp-load(8) documents NOTIFY_SOCKET under ENVIRONMENT' \
	'section "$MAN/ebpfexp-load.8" ENVIRONMENT | grep -q NOTIFY_SOCKET'
tcase 'ebpfexp-load(8) documents WATCHDOG_USEC and WATCHDOG_PID under ENVIRONMENT' \
	'section "$MAN/ebpfexp-load.8" ENVIRONMENT > "$T/env" &&
	 grep -q "^ *WATCHDOG_USEC$" "$T/env" && grep -q "^ *WATCHDOG_PID$" "$T/env"'
tcase 'ebpfexp.yaml(5) has NAME DESCRIPTION FILES EXAMPLES SEE ALSO' \
	'check_sections "$MAN/ebpfexp.yaml.5" NAME DESCRIPTION FILES EXAMPLES "SEE ALSO"'
tcase 'the exit statuses of ebpfexp-read --help are the ones of its page' \
	'test "$(section "$MAN/ebpfexp-read.8" "EXIT STATUS" | grep -c "^ \{5,7\}[012][[:space:]]")" = 3 &&
	 "$READ" --help | grep -q "^Exit status: 0 .*; 1 " && "$READ" --help | grep -q "^2 "'

# Lint. mandoc prints "outdated mandoc.db lacks NAME(N) entry" when /usr/share/man has no
# index that lists a page it found: a remark about this system's index, not a finding in
# our pages, and the only line allowed besides none.
set --
for f in "$BUILD"/ebpfexp-load "$BUILD"/ebpfexp-read "$BUILD"/bpf/*.bpf.o; do
	set -- "$@" -o "${f#"$TOP"/}"
done
MAKE_OLD="$*"
PAGES="man5/ebpfexp.yaml.5 man8/ebpfexp-load.8 man8/ebpfexp-read.8"

lint_installed() {
	make -s -C "$TOP" install DESTDIR="$T/root" PREFIX=/usr $MAKE_OLD || return 1
	mkdir -p "$T/up" "$T/work"
	unshare -m sh -c "mount --make-rprivate / &&
		mount -t overlay overlay -o lowerdir=$T/root/usr:/usr,upperdir=$T/up,workdir=$T/work /usr &&
		cd /usr/share/man && mandoc -Tlint $PAGES" >"$T/lint" 2>&1
	_rc=$?
	cat "$T/lint"
	[ "$_rc" = 0 ] && ! grep -v ': outdated mandoc.db lacks .* entry, run makewhatis' "$T/lint" | grep -q .
}

# the pages as they are in the tree, for when no overlay can be mounted: references to
# our own pages cannot be found then, and are the only finding allowed
lint_in_tree() {
	(cd "$MAN" && mandoc -Tlint ebpfexp.yaml.5 ebpfexp-load.8 ebpfexp-read.8) >"$T/lint" 2>&1
	cat "$T/lint"
	! grep -v -e ': outdated mandoc.db lacks .* entry, run makewhatis' \
		-e 'STYLE: referenced manual not found: Xr ebpfexp\(-load 8\|-read 8\|\.yaml 5\)' \
		"$T/lint" | grep -q .
}

if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && mkdir -p "$T/o/l" "$T/o/u" "$T/o/w" "$T/o/m" &&
	unshare -m sh -c "mount -t overlay overlay -o lowerdir=$T/o/l,upperdir=$T/o/u,workdir=$T/o/w $T/o/m" 2>/dev/null
then
	tcase 'mandoc -Tlint: all three pages clean, installed under /usr/share/man' 'lint_installed'
else
	diag "no overlayfs in a mount namespace here: linting the pages in the tree"
	tcase 'mandoc -Tlint: all three pages clean but for references to each other' 'lint_in_tree'
fi
if command -v groff >/dev/null; then
	tcase 'groff renders each page without a warning' \
		'for p in "$MAN"/ebpfexp.yaml.5 "$MAN"/ebpfexp-load.8 "$MAN"/ebpfexp-read.8; do
			groff -mandoc -Tutf8 -ww -z "$p" 2>&1 | tee "$T/groff" && ! test -s "$T/groff" || return 1
		 done'
fi
tdone
