#!/bin/sh
# 5000: the reader writes its files safely: atomic, exact modes, no symlink followed, leftovers
# cleaned, concurrent runs serialised, a failing config leaves its old file and the rest go on;
# a garbled, symlinked or FIFO state file is a warning, never a failed or hung run
. "${0%/*}/lib.sh"
need ROOT BPF BUILD PROMTOOL

read_all() {
	"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --textfile.dir="$TEXTFILE" "$@"
}

tcase 'loader up with timers and syscalls' 'start_loader timers,syscalls'
tcase 'first run writes one file per config and ebpfexp.prom, exit 0' \
	'read_all && test -s "$TEXTFILE/ebpfexp_timers.prom" &&
	 test -s "$TEXTFILE/ebpfexp_syscalls.prom" && test -s "$TEXTFILE/ebpfexp.prom"'
tcase 'the .prom files are regular files of mode 0644' \
	'for f in "$TEXTFILE"/*.prom; do
		[ "$(stat -c %a:%F "$f")" = "644:regular file" ] || { echo "$f"; return 1; }
	 done'
tcase 'the reader state file is private (0600) and not a .prom' \
	'[ "$(stat -c %a "$TEXTFILE/.ebpfexp-read.state")" = 600 ]'
tcase 'every file passes promtool check metrics' \
	'for f in "$TEXTFILE"/*.prom; do promcheck < "$f" || return 1; done'
tcase 'a symlink planted at a target is replaced, its target untouched' \
	'echo precious > "$T/victim" && rm "$TEXTFILE/ebpfexp_timers.prom" &&
	 ln -s "$T/victim" "$TEXTFILE/ebpfexp_timers.prom" && read_all &&
	 [ "$(cat "$T/victim")" = precious ] && test ! -L "$TEXTFILE/ebpfexp_timers.prom" &&
	 grep -q "^ebpf_exporter_timer_starts_total{" "$TEXTFILE/ebpfexp_timers.prom"'
tcase 'a temp file left by a killed run is removed by the next run' \
	'echo partial > "$TEXTFILE/.ebpfexp_timers.prom.tmp.AbC123" && read_all &&
	 test ! -e "$TEXTFILE/.ebpfexp_timers.prom.tmp.AbC123"'
tcase 'files of other tools are left alone' \
	'echo "other_metric 1" > "$TEXTFILE/other.prom" &&
	 echo x > "$TEXTFILE/.other.prom.tmp" && read_all &&
	 test -e "$TEXTFILE/other.prom" && test -e "$TEXTFILE/.other.prom.tmp"'
tcase 'two readers at once both succeed and leave valid files' \
	'read_all & p1=$!; read_all & p2=$!; wait $p1 && wait $p2 &&
	 for f in "$TEXTFILE"/ebpfexp*.prom; do promcheck < "$f" || return 1; done &&
	 ! ls -A "$TEXTFILE" | grep -q "^\.ebpfexp.*tmp"'
tcase 'a read-only textfile dir: exit 2, the message names the dir' \
	'unshare -m sh -c "mount --bind \"$TEXTFILE\" \"$TEXTFILE\" &&
		mount -o remount,bind,ro \"$TEXTFILE\" &&
		\"$READ\" --state.dir=\"$STATE\" --bpffs.root=\"$BPFFS_ROOT\" \
			--textfile.dir=\"$TEXTFILE\"" 2>"$T/ro.err";
	 rc=$?; cat "$T/ro.err"; [ $rc -ne 0 ] && grep -q "$TEXTFILE" "$T/ro.err" &&
	 grep -q "Read-only file system" "$T/ro.err"'
tcase 'a config whose pin is gone: exit 1, named in the message, others still written' \
	'cp "$TEXTFILE/ebpfexp_syscalls.prom" "$T/syscalls.before" &&
	 before=$(stat -c %Y.%y "$TEXTFILE/ebpfexp_timers.prom") &&
	 id=$(jq ".metrics[] | select(.name == \"syscalls_total\") | .map.id" "$STATE/syscalls.json") &&
	 rm "$BPFFS_ROOT/syscalls/syscalls_total" &&
	 { read_all 2>"$T/miss.err"; rc=$?; } ;
	 bpftool map pin id "$id" "$BPFFS_ROOT/syscalls/syscalls_total";
	 cat "$T/miss.err"; [ $rc = 1 ] &&
	 grep -q "config \"syscalls\".*metric \"syscalls_total\".*syscalls_total: No such file" "$T/miss.err" &&
	 cmp "$T/syscalls.before" "$TEXTFILE/ebpfexp_syscalls.prom" &&
	 [ "$(stat -c %Y.%y "$TEXTFILE/ebpfexp_timers.prom")" != "$before" ] &&
	 grep -qx "ebpfexp_read_success{config=\"syscalls\"} 0" "$TEXTFILE/ebpfexp.prom" &&
	 grep -qx "ebpfexp_read_success{config=\"timers\"} 1" "$TEXTFILE/ebpfexp.prom"'
tcase 'decoder error counters never go down across runs' \
	'a=$(grep "^ebpf_exporter_decoder_errors_total{config=\"syscalls\"}" "$TEXTFILE/ebpfexp.prom" | cut -d" " -f2) &&
	 read_all && b=$(grep "^ebpf_exporter_decoder_errors_total{config=\"syscalls\"}" "$TEXTFILE/ebpfexp.prom" | cut -d" " -f2) &&
	 [ "$a" -ge 1 ] && [ "$b" -ge "$a" ]'
STATEFILE=$TEXTFILE/.ebpfexp-read.state
derrs() {	# the syscalls config's decoder error total in the last ebpfexp.prom
	grep "^ebpf_exporter_decoder_errors_total{config=\"syscalls\"}" "$TEXTFILE/ebpfexp.prom" |
		cut -d" " -f2
}
tcase 'a garbled state file: a warning, exit 0; its good lines are kept, the file is written anew' \
	'printf "garbage\nsyscalls\t900\t0\ntimers\tmany\t0\n" > "$STATEFILE" &&
	 read_all 2>"$T/err"; rc=$?; cat "$T/err"; [ $rc = 0 ] &&
	 grep -q "state .ebpfexp-read.state: ignored malformed lines" "$T/err" &&
	 [ "$(derrs)" -ge 900 ] && ! grep -q garbage "$STATEFILE" &&
	 read_all 2>"$T/err2" && ! grep -q state "$T/err2"'
tcase 'a symlink planted at the state file: not followed, a warning, exit 0, replaced' \
	'echo precious > "$T/victim" && rm "$STATEFILE" && ln -s "$T/victim" "$STATEFILE" &&
	 read_all 2>"$T/err"; rc=$?; cat "$T/err"; [ $rc = 0 ] &&
	 grep -q "state .ebpfexp-read.state: .*(a symlink, not followed): decoder error totals start again from zero" "$T/err" &&
	 [ "$(cat "$T/victim")" = precious ] && ! test -L "$STATEFILE" && test -f "$STATEFILE" &&
	 [ "$(derrs)" -lt 900 ]'
tcase 'a FIFO planted at the state file does not hang the run; it is replaced' \
	'rm "$STATEFILE" && mkfifo "$STATEFILE" && timeout 60 "$READ" --state.dir="$STATE" \
		--bpffs.root="$BPFFS_ROOT" --textfile.dir="$TEXTFILE" 2>"$T/err"; rc=$?; cat "$T/err";
	 [ $rc = 0 ] && grep -q "state .ebpfexp-read.state: not a regular file" "$T/err" &&
	 test -f "$STATEFILE" && ! test -p "$STATEFILE"'
tcase '--output=- prints every family once, as prom' \
	'"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --output=- > "$T/all.prom" &&
	 promcheck < "$T/all.prom" &&
	 [ "$(grep -c "^# TYPE ebpf_exporter_enabled_configs " "$T/all.prom")" = 1 ]'
tcase '--output to a device or a FIFO writes into it, never replaces it' \
	'"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --output=/dev/null &&
	 test -c /dev/null && mkfifo "$T/fifo" && { cat "$T/fifo" > "$T/from_fifo" & cat_pid=$!; } &&
	 "$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --output="$T/fifo" && wait $cat_pid &&
	 test -p "$T/fifo" && grep -q "^ebpf_exporter_timer_starts_total{" "$T/from_fifo"'
tcase '--format=json parses and has every series with labels and values' \
	'"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --format=json > "$T/all.json" &&
	 jq -e "[.. | objects | select(has(\"labels\"))] | length > 0" "$T/all.json" >/dev/null &&
	 jq -e "tostring | contains(\"ebpf_exporter_timer_starts_total\")" "$T/all.json" >/dev/null'
tcase '--format=table draws a table with a header per family' \
	'"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --format=table --config.names=timers > "$T/table" &&
	 grep -q "^ebpf_exporter_timer_starts_total (counter): " "$T/table" &&
	 grep -q "^function *value$" "$T/table"'
tcase '--config.names with an unknown config: exit 2 and a clear message' \
	'"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --config.names=nope --output=- \
		>/dev/null 2>"$T/nope.err"; [ $? = 2 ] && grep -q "nope" "$T/nope.err"'
tcase 'a manifest pointing outside --bpffs.root is refused' \
	'"$READ" --state.dir="$STATE" --bpffs.root=/sys/fs/bpf/elsewhere --output=- \
		>/dev/null 2>"$T/root.err"; [ $? = 2 ] && grep -q "outside --bpffs.root" "$T/root.err"'
tcase 'loader stopped: ebpfexp_loader_up 0, counters still served, a warning says so' \
	'stop_loader && read_all 2>"$T/down.err" &&
	 grep -qx "ebpfexp_loader_up 0" "$TEXTFILE/ebpfexp.prom" &&
	 grep -q "not running" "$T/down.err" &&
	 grep -q "^ebpf_exporter_timer_starts_total{" "$TEXTFILE/ebpfexp_timers.prom"'
tdone
