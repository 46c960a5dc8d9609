#!/bin/sh
# 5740: no manifest is news, not silence: with an empty or a missing state dir the reader
# still writes ebpfexp.prom with ebpfexp_loader_up 0, says on stderr what to look at and
# exits 2; an empty state dir reads cleanly under SANITIZE=1 too (no qsort of nothing);
# --textfile.clean is a usage error without --textfile.dir
. "${0%/*}/lib.sh"
need BUILD

read_into() {	# read_into STATE_DIR: one run into $TEXTFILE, stderr in $T/err
	"$READ" --state.dir="$1" --bpffs.root="$BPFFS_ROOT" --textfile.dir="$TEXTFILE" \
		2>"$T/err"
	_rc=$?
	cat "$T/err"
	return $_rc
}

tcase 'an empty state dir: exit 2, loader_up 0 in ebpfexp.prom, and why on stderr' \
	'read_into "$STATE"; rc=$?; [ $rc = 2 ] &&
	 grep -qx "ebpfexp_loader_up 0" "$TEXTFILE/ebpfexp.prom" &&
	 grep -q "no manifest in $STATE and ebpfexp-load is not running: .*systemctl status ebpfexp-load" "$T/err" &&
	 ! grep -q "runtime error" "$T/err"'
tcase 'a missing state dir (a boot before the loader): the same, and it names the dir' \
	'read_into "$T/gone"; rc=$?; [ $rc = 2 ] &&
	 grep -qx "ebpfexp_loader_up 0" "$TEXTFILE/ebpfexp.prom" &&
	 grep -q "state dir $T/gone: No such file or directory: ebpfexp-load has not run since boot" "$T/err" &&
	 grep -q "journalctl -u ebpfexp-load" "$T/err"'
tcase 'ebpfexp.prom holds no per-config series then' \
	'! grep -q "config=" "$TEXTFILE/ebpfexp.prom"'
tcase 'an empty state dir with --output=-: the built-in metrics, exit 2, no sanitizer report' \
	'"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --output=- >"$T/out" 2>"$T/err";
	 rc=$?; cat "$T/err"; [ $rc = 2 ] && grep -qx "ebpfexp_loader_up 0" "$T/out" &&
	 ! grep -q "runtime error" "$T/err"'
tcase '--textfile.clean without --textfile.dir: exit 2 and a clear message' \
	'"$READ" --textfile.clean 2>"$T/err" </dev/null >/dev/null; rc=$?; cat "$T/err"; [ $rc = 2 ] &&
	 grep -q "textfile.clean needs --textfile.dir=DIR" "$T/err"'
tcase '--textfile.clean with --output: exit 2' \
	'"$READ" --textfile.dir="$TEXTFILE" --textfile.clean --output=- 2>"$T/err"; [ $? = 2 ]'
tcase '--textfile.clean of a missing dir: nothing to clean, exit 0' \
	'"$READ" --textfile.dir="$T/nodir" --textfile.clean'
tcase '--textfile.clean removes what these runs wrote, and its dot files' \
	'echo "apt_upgrades_pending 0" > "$TEXTFILE/apt.prom" &&
	 "$READ" --textfile.dir="$TEXTFILE" --textfile.clean 2>"$T/err"; rc=$?; cat "$T/err";
	 ls -A "$TEXTFILE"; [ $rc = 0 ] && [ "$(ls -A "$TEXTFILE")" = apt.prom ]'
tdone
