#!/bin/sh
# 4030: perf_event_array counters: the loader counts the events (cut to the labels' bytes)
# in a hash map it pins itself, the reader exports it like any counter, flush_interval
# resets it, lost events are counted beside it
. "${0%/*}/lib.sh"
need ROOT BPF BUILD

export CONFIG_DIR=$TOP/t/data/configs BPF_DIR=$BUILD/t/bpf
DIR=$BPFFS_ROOT/perf_events

# getppid() @1 times from one python3 process; prints its pid
getppids() {
	/usr/bin/python3 -c 'import os
for _ in range('"$1"'): os.getppid()
print(os.getpid())'
}
read_prom() {
	"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --config.names=perf_events \
		--format=prom > "$T/out.prom"
}

tcase 'the loader loads perf_events and pins a count map per counter' \
	'start_loader perf_events &&
	 bpftool map show pinned "$DIR/perf_events_getppid_total" -j |
		jq -e ".type == \"hash\" and .bytes_key == 4 and .bytes_value == 8" &&
	 bpftool map show pinned "$DIR/perf_events_all_getppid_total" -j | jq -e ".bytes_key == 4"'
tcase 'the manifest names the count map as the metric map' \
	'jq -e ".metrics[] | select(.name == \"perf_events_getppid_total\") | .map.pin_path == \"$DIR/perf_events_getppid_total\" and .map.type == 1" "$STATE/perf_events.json"'
tcase 'lost-event counts are pinned beside it, at zero' \
	'bpftool map dump pinned "$DIR/perf_events_getppid_total-lost" -j | jq -e "length == 2 and all(.value | all(. == \"0x00\"))"'
tcase '100 getppid() calls of one process count exactly 100 under its pid' \
	'PID=$(getppids 100) &&
	 wait_for "read_prom && grep -qx \"ebpf_exporter_perf_events_getppid_total{pid=\\\"$PID\\\"} 100\" $T/out.prom" 60 ||
	 { cat "$T/out.prom" "$T/loader.log";
	   bpftool map dump pinned "$DIR/perf_events_getppid_total-lost" -j; false; }'
# The loader's poll() of its epoll fd clears a perf ring's readiness: events that keep waking it
# must not keep it from draining the rings, or a busy counter is counted only when it idles.
tcase 'a steady stream of events from another process does not hold back the count' \
	'/usr/bin/python3 -c "import os, time
while True:
    os.getppid(); time.sleep(0.01)" &
	 BG=$!
	 tcleanup "kill $BG 2>/dev/null"
	 PID=$(getppids 100) &&
	 wait_for "kill -0 $BG && read_prom && grep -qx \"ebpf_exporter_perf_events_getppid_total{pid=\\\"$PID\\\"} 100\" $T/out.prom" 20
	 rc=$?
	 kill "$BG"; wait "$BG" 2>/dev/null
	 [ $rc = 0 ] || { cat "$T/out.prom"; false; }'
tcase 'the reader exports it as a counter with its help' \
	'grep -qx "# TYPE ebpf_exporter_perf_events_getppid_total counter" "$T/out.prom" &&
	 grep -qx "# HELP ebpf_exporter_perf_events_getppid_total getppid() calls by process, counted from perf events (test)" "$T/out.prom"'
tcase 'the reader reports lost events per config and metric (a count: it depends on load)' \
	'read_prom && grep -Eqx "ebpfexp_perf_events_lost_total\{config=\"perf_events\",metric=\"perf_events_getppid_total\"\} [0-9]+(e\+[0-9]+)?" "$T/out.prom"'
tcase 'the label-less counter counts every event' \
	'wait_for "getppids 5 && read_prom && grep -q \"^ebpf_exporter_perf_events_all_getppid_total [1-9]\" $T/out.prom"'
tcase 'flush_interval (2s) empties the label-less counter, not the other' \
	'wait_for "[ \$(bpftool map dump pinned $DIR/perf_events_all_getppid_total -j | jq length) = 0 ]" 10 &&
	 bpftool map dump pinned "$DIR/perf_events_getppid_total" -j | jq -e "length > 0"'
tcase 'a restart keeps counting in the same map' \
	'ID=$(bpftool map show pinned "$DIR/perf_events_getppid_total" -j | jq .id) &&
	 stop_loader && start_loader perf_events &&
	 [ "$(bpftool map show pinned "$DIR/perf_events_getppid_total" -j | jq .id)" = "$ID" ]'
tcase 'SIGTERM drains and exits 0; --unpin removes the count maps too' \
	'stop_loader && start_loader perf_events --unpin && stop_loader && ! test -e "$DIR"'
tdone
