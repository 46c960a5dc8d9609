#!/bin/sh
# 0050: every C file that scripts/format-files lists is laid out as .clang-format says, and
# `make format` formats exactly those files
. "${0%/*}/lib.sh"
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
command -v "$CLANG_FORMAT" >/dev/null ||
	skip_all "needs $CLANG_FORMAT (scripts/install-deps installs clang-format)"
cd "$TOP" || exit 1
scripts/format-files >"$T/files"

tcase 'scripts/format-files lists existing C files, the decoder sources among them' '
	scripts/format-files >/dev/null || return 1
	[ -s "$T/files" ] || { echo "scripts/format-files lists nothing"; return 1; }
	while read -r f; do
		[ -f "$f" ] || { echo "listed but missing: $f"; return 1; }
		case $f in
		*.c | *.h) ;;
		*) echo "not a C file: $f"; return 1 ;;
		esac
	done <"$T/files"
	grep -qx collector/decoders/uint.c "$T/files" && grep -qx collector/read_main.c "$T/files"
'

tcase 'make format formats the files of scripts/format-files, no more, no fewer' '
	make -s -n format >"$T/cmd" || return 1
	tr " " "\n" <"$T/cmd" | grep "\.[ch]\$" >"$T/made"
	diff -u "$T/files" "$T/made"
'

tcase 'the check catches a file that is not formatted' '
	printf "int  f(void) { return 0 ; }\n" >"$T/bad.c"
	! "$CLANG_FORMAT" --style="file:$TOP/.clang-format" --dry-run -Werror "$T/bad.c"
'

# One run over all the files; each one with a violation is named once.
tcase "every listed file is formatted (if not: run make format)" '
	"$CLANG_FORMAT" --dry-run -Werror $(cat "$T/files") >"$T/out" 2>&1
	rc=$?
	sed -n "s/^\([^:]*\):[0-9]*:[0-9]*: error: .*clang-format-violations.*/\1/p" "$T/out" |
		uniq >"$T/bad"
	[ "$rc" = 0 ] && [ ! -s "$T/bad" ] && return 0
	if [ ! -s "$T/bad" ]; then
		cat "$T/out"
		echo "$CLANG_FORMAT failed (exit $rc)"
		return 1
	fi
	first=$(head -n 1 "$T/bad")
	echo "how $first differs from its formatted self (the start):"
	"$CLANG_FORMAT" "$first" | diff -u "$first" - | head -n 20
	echo "$(wc -l <"$T/bad") of $(wc -l <"$T/files") files are not formatted" \
		"($("$CLANG_FORMAT" --version))"
	return 1
'
# each file by name, beyond the 40 lines of a failing case that lib.sh shows
if [ -s "$T/bad" ]; then
	sed "s/^/#   not formatted: /" "$T/bad" >&2
	echo "#   to fix: make format (it formats the files of scripts/format-files)" >&2
fi
tdone
