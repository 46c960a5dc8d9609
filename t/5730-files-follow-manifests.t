#!/bin/sh
# 5730: what node_exporter serves is what runs now. With a real loader, reader and
# node_exporter, beside a foreign apt.prom, a hand-written ebpfexp_other.prom and the files
# of a second reader (another loader, another state dir, the same textfile dir): a run
# limited by --config.names removes nothing outside them; a config removed and reloaded,
# or left out of a restart, loses its file and its series at the next run; a simulated reboot (pins and state dir
# gone) shows ebpfexp_loader_up 0 and no series of the previous boot; a loader whose every
# config failed says so; --textfile.clean takes only what the readers wrote
. "${0%/*}/lib.sh"
need ROOT BPF BUILD NODE_EXPORTER PROMTOOL
use_binary_copies

mkdir -p "$T/configs" "$T/configs2" "$T/broken"
for c in timers syscalls runqlat; do
	cp "$TOP/configs/$c.yaml" "$BUILD/bpf/$c.bpf.o" "$T/configs/"
done
cp "$TOP/configs/softirqs.yaml" "$BUILD/bpf/softirqs.bpf.o" "$T/configs2/"
cp "$TOP/t/data/configs/fentry_fail.yaml" "$BUILD/t/bpf/fentry_fail.bpf.o" "$T/broken/"
STATE2=$T/state2
BPFFS_ROOT2=$BPFFS/two
echo "apt_upgrades_pending 3" > "$TEXTFILE/apt.prom"
printf '# TYPE ebpfexp_other gauge\nebpfexp_other 1\n' > "$TEXTFILE/ebpfexp_other.prom"
cp "$TEXTFILE/apt.prom" "$TEXTFILE/ebpfexp_other.prom" "$T/"

# a loader over every *.yaml of a dir (the dir is the set, so removing one and HUP drops it),
# its pid in the variable VAR. Run in this shell, never in $(...): there the loader would not
# be a child of this shell (wait does not wait for it) and the cleanup would be lost.
start_dir_loader() {	# start_dir_loader VAR CONFIG_DIR STATE_DIR BPFFS_ROOT LOG
	"$LOAD" --config.dir="$2" --bpf.dir="$2" --bpffs.root="$4" --state.dir="$3" \
		--log.no-timestamps >"$5" 2>&1 &
	_pid=$!
	tcleanup "stop_pid $_pid"
	eval "$1=$_pid"
}
read1() {	# the first reader; stderr in $T/err
	"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --textfile.dir="$TEXTFILE" \
		"$@" 2>"$T/err"
	_rc=$?
	cat "$T/err"
	return $_rc
}
read2() {
	"$READ" --state.dir="$STATE2" --bpffs.root="$BPFFS_ROOT2" --textfile.dir="$TEXTFILE"
}
foreign_untouched() {
	cmp "$T/apt.prom" "$TEXTFILE/apt.prom" && cmp "$T/ebpfexp_other.prom" "$TEXTFILE/ebpfexp_other.prom"
}
# node_exporter has read the files as they are now: its mtimes list exactly them
served() {	# served 'ERE of the .prom files expected'
	wait_for "scrape > $T/metrics && [ \"\$(grep '^node_textfile_mtime_seconds' $T/metrics |
		sed 's/.*file=\"\\([^\"]*\\)\".*/\\1/' | xargs -n1 basename | sort | tr '\\n' ' ')\" = '$1' ]" 20 ||
		{ grep '^node_textfile_mtime_seconds' "$T/metrics"; return 1; }
}

tcase 'the first loader runs timers, syscalls and runqlat' \
	'start_dir_loader LOADER_PID "$T/configs" "$STATE" "$BPFFS_ROOT" "$T/loader.log" &&
	 wait_for "test -s $STATE/timers.json && test -s $STATE/syscalls.json && test -s $STATE/runqlat.json" 60 ||
	 { cat "$T/loader.log"; false; }'
tcase 'a second loader, of another state dir and pin root, runs softirqs' \
	'start_dir_loader LOADER2_PID "$T/configs2" "$STATE2" "$BPFFS_ROOT2" "$T/loader2.log" &&
	 wait_for "test -s $STATE2/softirqs.json" 60 || { cat "$T/loader2.log"; false; }'
tcase 'node_exporter serves the textfile dir on 127.0.0.1' 'start_node_exporter'
tcase 'both readers write their files into one textfile dir' \
	'read2 && read1 && test -s "$TEXTFILE/ebpfexp_softirqs.prom" &&
	 test -s "$TEXTFILE/ebpfexp_timers.prom" && test -s "$TEXTFILE/ebpfexp_syscalls.prom" &&
	 test -s "$TEXTFILE/ebpfexp_runqlat.prom" &&
	 promcheck < "$TEXTFILE/ebpfexp.prom"'
tcase 'node_exporter serves them all, foreign files among them' \
	'served "apt.prom ebpfexp.prom ebpfexp_other.prom ebpfexp_runqlat.prom ebpfexp_softirqs.prom ebpfexp_syscalls.prom ebpfexp_timers.prom " &&
	 grep -q "^ebpf_exporter_syscalls_total{" "$T/metrics" && grep -qx "ebpfexp_loader_up 1" "$T/metrics"'
tcase 'syscalls removed from the config dir and the loader reloaded: its manifest goes' \
	'rm "$T/configs/syscalls.yaml" && kill -HUP "$LOADER_PID" &&
	 wait_for "! test -e $STATE/syscalls.json" 60 && test -s "$STATE/timers.json"'
tcase 'a run limited by --config.names=timers removes nothing outside those names' \
	'read1 --config.names=timers && test -s "$TEXTFILE/ebpfexp_syscalls.prom" &&
	 ! grep -q removed "$T/err"'
tcase 'the next full run removes ebpfexp_syscalls.prom, and says so' \
	'read1 && ! test -e "$TEXTFILE/ebpfexp_syscalls.prom" &&
	 grep -q "removed ebpfexp_syscalls.prom: no manifest in $STATE any more" "$T/err"'
tcase 'its series vanish from node_exporter, the others stay' \
	'served "apt.prom ebpfexp.prom ebpfexp_other.prom ebpfexp_runqlat.prom ebpfexp_softirqs.prom ebpfexp_timers.prom " &&
	 ! grep -q "^ebpf_exporter_syscalls_total" "$T/metrics" &&
	 ! grep -q "config=\"syscalls\"" "$T/metrics" &&
	 grep -q "^ebpf_exporter_timer_starts_total{" "$T/metrics"'
tcase 'foreign files and the second reader'"'"'s are untouched' \
	'foreign_untouched && test -s "$TEXTFILE/ebpfexp_softirqs.prom"'
tcase 'the loader restarted without runqlat: its manifest goes (its pins stay)' \
	'stop_pid "$LOADER_PID" && rm "$T/configs/runqlat.yaml" &&
	 start_dir_loader LOADER_PID "$T/configs" "$STATE" "$BPFFS_ROOT" "$T/loader.log" &&
	 wait_for "jq -e \".loader_pid == $LOADER_PID\" $STATE/timers.json" 60 &&
	 ! test -e "$STATE/runqlat.json" && test -d "$BPFFS_ROOT/runqlat"'
tcase 'the next run removes ebpfexp_runqlat.prom, node_exporter no longer serves it' \
	'read1 && grep -q "removed ebpfexp_runqlat.prom: no manifest" "$T/err" &&
	 served "apt.prom ebpfexp.prom ebpfexp_other.prom ebpfexp_softirqs.prom ebpfexp_timers.prom " &&
	 ! grep -q "^ebpf_exporter_run_queue_latency_seconds" "$T/metrics" &&
	 grep -qx "ebpfexp_loader_up 1" "$T/metrics"'
tcase 'a simulated reboot: the loader gone, pins and state dir emptied' \
	'stop_pid "$LOADER_PID" && rm -rf "$STATE" "$BPFFS_ROOT" &&
	 ! test -e "$STATE"'
tcase 'the reader exits 2 and says what to look at' \
	'read1; rc=$?; [ $rc = 2 ] &&
	 grep -q "state dir $STATE: No such file or directory: ebpfexp-load has not run since boot.*systemctl status ebpfexp-load" "$T/err" &&
	 grep -q "removed ebpfexp_timers.prom: no manifest" "$T/err"'
tcase 'node_exporter shows ebpfexp_loader_up 0 and no series of the previous boot' \
	'served "apt.prom ebpfexp.prom ebpfexp_other.prom ebpfexp_softirqs.prom " &&
	 grep -qx "ebpfexp_loader_up 0" "$T/metrics" &&
	 ! grep -q "^ebpf_exporter_timer_starts_total" "$T/metrics" &&
	 ! grep -q "config=\"timers\"" "$T/metrics"'
tcase 'the second reader'"'"'s file and the foreign ones are still there' \
	'foreign_untouched && test -s "$TEXTFILE/ebpfexp_softirqs.prom" && read2 &&
	 test -s "$TEXTFILE/ebpfexp_softirqs.prom"'
tcase 'a loader whose every config failed at its start: it exits; the reader exits 2, the failure is served' \
	'mkdir -p "$STATE" && start_dir_loader LOADER_PID "$T/broken" "$STATE" "$BPFFS_ROOT" "$T/loader3.log" &&
	 wait_gone "$LOADER_PID" 60 && test -s "$STATE/fentry_fail.failed" &&
	 read1; rc=$?; [ $rc = 2 ] &&
	 grep -q "no manifest in $STATE: every config failed to load (1, .*$STATE/NAME.failed), and ebpfexp-load is not running" "$T/err" &&
	 grep -qx "ebpfexp_config_load_failed{config=\"fentry_fail\"} 1" "$TEXTFILE/ebpfexp.prom" &&
	 grep -qx "ebpfexp_loader_up 0" "$TEXTFILE/ebpfexp.prom" && served "apt.prom ebpfexp.prom ebpfexp_other.prom ebpfexp_softirqs.prom " &&
	 grep -qx "ebpfexp_config_load_failed{config=\"fentry_fail\"} 1" "$T/metrics"'
tcase '--textfile.clean --state.dir=STATE2 takes only the second reader'"'"'s config file' \
	'"$READ" --textfile.dir="$TEXTFILE" --state.dir="$STATE2" --textfile.clean &&
	 ! test -e "$TEXTFILE/ebpfexp_softirqs.prom" && test -e "$TEXTFILE/ebpfexp.prom" &&
	 test -e "$TEXTFILE/.ebpfexp-read.state" && foreign_untouched'
tcase '--textfile.clean (as on package removal) takes every file the readers wrote, nothing else' \
	'read2 && test -s "$TEXTFILE/ebpfexp_softirqs.prom" &&
	 "$READ" --textfile.dir="$TEXTFILE" --textfile.clean 2>"$T/err"; rc=$?; cat "$T/err";
	 [ $rc = 0 ] && [ "$(ls -A "$TEXTFILE" | tr "\n" " ")" = "apt.prom ebpfexp_other.prom " ] &&
	 foreign_untouched'
tdone
