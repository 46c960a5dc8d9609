#!/bin/sh
# 5700: the loader writes a binary symbol index that an unprivileged reader maps instead of
# parsing kallsyms; a missing, broken or stale index falls back with a warning saying why;
# the loader writes it again on reload; no .prom file holds a kernel address by default
. "${0%/*}/lib.sh"
need ROOT BPF BUILD
command -v setpriv >/dev/null || skip_all "needs setpriv (util-linux)"

GROUP=ebpfexp-t$$
NOBODY=65534
groupadd -r "$GROUP" || skip_all "cannot create a group"
tcleanup "groupdel $GROUP"
GID=$(getent group "$GROUP" | cut -d: -f3)
chmod 0711 "$T"
chgrp "$GROUP" "$TEXTFILE" && chmod 0770 "$TEXTFILE"
IDX=$STATE/kallsyms.idx

as_reader() {
	setpriv --reuid=$NOBODY --regid=$NOBODY --groups="$GID" --inh-caps=-all \
		--bounding-set=-all --no-new-privs -- "$@"
}

# read_as_reader: one run into $TEXTFILE, its stderr in $T/read.err
read_as_reader() {
	as_reader "$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" \
		--textfile.dir="$TEXTFILE" 2>"$T/read.err"
}

# tamper_read 'tamper' 'ERE of the warning': tamper with the index, run a reader, require the
# warning. The loader writes the index again (a rename: another inode) when modules are
# loaded or removed, which may undo a tamper before the reader sees it: only then is it
# tampered with again. A reader that does not warn about the index it was given fails.
tamper_read() {
	_n=0
	while :; do
		_ino=$(stat -c %i "$IDX" 2>/dev/null)
		eval "$1" || return 1
		read_as_reader
		cat "$T/read.err"
		grep -q "$2" "$T/read.err" && return 0
		[ "$(stat -c %i "$IDX" 2>/dev/null)" != "$_ino" ] && [ $_n -lt 10 ] || return 1
		_n=$((_n + 1))
		echo "the loader wrote the index again: tampering again"
	done
}

# the loader's start is over: it writes the index once before its first manifest and again
# after its programs are loaded, then only when modules change or on a reload
started() {
	wait_for "grep -q \"start: .* running\" $T/loader.log" 20 || { cat "$T/loader.log"; false; }
}

resolved() {
	grep "^ebpf_exporter_timer_starts_total{" "$TEXTFILE/ebpfexp_timers.prom" |
		grep -v unknown_addr | grep -q "function=\"[a-z_]"
}

tcase 'loader up with --bpffs.group' "start_loader timers --bpffs.group=$GROUP && started &&
	test -s $IDX"
tcase 'the index is 0640 and the group'"'"'s, like the manifests' \
	'[ "$(stat -c %a:%G "$IDX")" = "640:$GROUP" ] && head -c 8 "$IDX" | grep -q EBPFKSYM'
tcase 'a reader without CAP_SYSLOG resolves names with the index, and no warning' \
	'as_reader grep -m1 -q "^0000000000000000 " /proc/kallsyms &&
	 read_as_reader && cat "$T/read.err" && ! grep -q "symbol index" "$T/read.err" &&
	 wait_for "read_as_reader && resolved" 20'
tcase 'no kernel address in any .prom file' \
	'cat "$TEXTFILE"/*.prom >/dev/null && ! grep -l "0xffff" "$TEXTFILE"/*.prom'
tcase 'a broken index: a warning that says why, and the snapshot resolves names' \
	'tamper_read "head -c 200 \"\$IDX\" >\"\$T/idx\" && cat \"\$T/idx\" >\"\$IDX\"" \
		"symbol index is not used: .*outside the file" && resolved'
tcase 'a stale index (another boot): a warning that says so' \
	'stop_loader && rm "$IDX" && start_loader timers --bpffs.group='"$GROUP"' &&
	 started && test -s "$IDX" &&
	 tamper_read "printf X | dd of=\"\$IDX\" bs=1 seek=64 conv=notrunc 2>/dev/null" \
		"symbol index is not used: .*another boot" && resolved'
tcase 'no index: a warning naming the file' \
	'tamper_read "rm -f \"\$IDX\"" \
		"symbol index is not used: open .*kallsyms.idx: No such file" && resolved'
tcase 'a reload writes the index again' \
	'kill -HUP "$LOADER_PID" && wait_for "test -s $IDX" 20 &&
	 read_as_reader && ! grep -q "symbol index" "$T/read.err"'
tdone
