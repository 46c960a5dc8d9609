#!/bin/sh
# 5500: a config that fails to load is visible to the reader (it has no manifest to show up
# with): STATE/NAME.failed says why, ebpfexp_config_load_failed{config} is 1; both go away
# once the config is gone and the loader reloaded
. "${0%/*}/lib.sh"
need ROOT BPF BUILD PROMTOOL

mkdir -p "$T/configs" "$T/objs"
cp "$TOP/configs/timers.yaml" "$TOP/t/data/configs/fentry_fail.yaml" "$T/configs/"
cp "$BUILD/bpf/timers.bpf.o" "$BUILD/t/bpf/fentry_fail.bpf.o" "$T/objs/"

read_self() {
	"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --textfile.dir="$TEXTFILE"
	promcheck < "$TEXTFILE/ebpfexp.prom"
}

reloaded() {
	kill -HUP "$LOADER_PID" &&
	wait_for "! test -e $STATE/fentry_fail.failed" 60
}

# every *.yaml of the dir, so that removing one and reloading drops it
start_all() {
	"$LOAD" --config.dir="$T/configs" --bpf.dir="$T/objs" --bpffs.root="$BPFFS_ROOT" \
		--state.dir="$STATE" --log.no-timestamps >"$T/loader.log" 2>&1 &
	LOADER_PID=$!
	tcleanup "kill -TERM $LOADER_PID 2>/dev/null; wait $LOADER_PID 2>/dev/null"
	wait_for "test -s $STATE/timers.json && test -s $STATE/fentry_fail.failed" 90
}
tcase 'the loader runs timers and reports fentry_fail as failed' 'start_all'
tcase 'the mark says which program failed and why' \
	'cat "$STATE/fentry_fail.failed" &&
	 grep -q "config \"fentry_fail\": load .*program \"do_nanosleep\"" "$STATE/fentry_fail.failed"'
tcase 'the reader exports it: 1 for the failed config, 0 for the loaded one' \
	'read_self &&
	 grep -qx "ebpfexp_config_load_failed{config=\"fentry_fail\"} 1" "$TEXTFILE/ebpfexp.prom" &&
	 grep -qx "ebpfexp_config_load_failed{config=\"timers\"} 0" "$TEXTFILE/ebpfexp.prom"'
tcase 'removing the config and reloading clears the mark and the series' \
	'rm "$T/configs/fentry_fail.yaml" && reloaded && read_self &&
	 ! grep -q "config=\"fentry_fail\"" "$TEXTFILE/ebpfexp.prom" &&
	 grep -qx "ebpfexp_config_load_failed{config=\"timers\"} 0" "$TEXTFILE/ebpfexp.prom"'
tdone
