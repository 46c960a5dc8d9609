#!/bin/sh
# 5510: two configs that define one metric: the later in name order is refused with the
# clash message and reported like any failed config (STATE/NAME.failed, exit 1,
# ebpfexp_config_load_failed{config} 1, "some configs failed" in the sd_notify status);
# the others run. The same at SIGHUP: a clashing config added to a running loader is
# refused, and one added before a running config in name order displaces it.
. "${0%/*}/lib.sh"
need ROOT BPF BUILD PROMTOOL

NOTIFYSOCK=$BUILD/t/helpers/notifysock
[ -x "$NOTIFYSOCK" ] || skip_all "run make first (build/t/helpers/notifysock)"
METRIC=$(sed -n 's/^ *- name: \(.*_total\)$/\1/p' "$TOP/configs/timers.yaml" | head -n 1)
mkdir -p "$T/configs" "$T/objs"
# add NAME: one more config, a copy of timers (the same metric names)
add() {
	cp "$TOP/configs/timers.yaml" "$T/configs/$1.yaml" &&
	cp "$BUILD/bpf/timers.bpf.o" "$T/objs/$1.bpf.o"
}
read_self() {
	"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --textfile.dir="$TEXTFILE" &&
	promcheck < "$TEXTFILE/ebpfexp.prom"
}
failed_is() {	# failed_is NAME 0|1: the reader's ebpfexp_config_load_failed for NAME
	grep -qx "ebpfexp_config_load_failed{config=\"$1\"} $2" "$TEXTFILE/ebpfexp.prom"
}
reloaded() {	# reloaded: SIGHUP, and wait for the READY=1 that ends the reload
	_n=$(grep -c ' READY=1' "$T/notify.out")
	kill -HUP "$LOADER_PID" &&
	wait_for "[ \$(grep -c ' READY=1' '$T/notify.out') -gt $_n ]" 60
}

tcase "$METRIC is in timers.yaml" 'test -n "$METRIC"'
tcase 'b_timers and c_timers define one metric: the loader starts, c_timers is refused' \
	'add b_timers && add c_timers &&
	 "$NOTIFYSOCK" "$T/notify.sock" >"$T/notify.out" 2>&1 &
	 NS_PID=$!
	 tcleanup "kill $NS_PID 2>/dev/null; wait $NS_PID 2>/dev/null"
	 wait_for "test -S $T/notify.sock" 10 &&
	 { NOTIFY_SOCKET=$T/notify.sock "$LOAD" --config.dir="$T/configs" --bpf.dir="$T/objs" \
		--bpffs.root="$BPFFS_ROOT" --state.dir="$STATE" --log.no-timestamps \
		>"$T/loader.log" 2>&1 & LOADER_PID=$!; } &&
	 tcleanup "kill -TERM $LOADER_PID 2>/dev/null; wait $LOADER_PID 2>/dev/null" &&
	 wait_for "grep -q \" READY=1\" $T/notify.out" 90 && cat "$T/loader.log" &&
	 test -s "$STATE/b_timers.json" && ! test -e "$STATE/c_timers.json" &&
	 test -s "$STATE/c_timers.failed" && ! test -e "$STATE/b_timers.failed"'
tcase 'the log and the mark give the clash message, naming both configs' \
	'cat "$STATE/c_timers.failed" &&
	 grep -q "c_timers.yaml:[0-9]*:[0-9]*: metric \"$METRIC\": also defined by config \"b_timers\" at .*b_timers.yaml:[0-9]*:[0-9]* (a metric name must come from one config)" \
		"$STATE/c_timers.failed" &&
	 grep -q "metric \"$METRIC\": also defined by config \"b_timers\"" "$T/loader.log"'
tcase 'the sd_notify status says some configs failed' \
	'cat "$T/notify.out" &&
	 grep -q "STATUS=1 config(s): b_timers; some configs failed (1)" "$T/notify.out"'
tcase 'the reader: failed 1 for c_timers, 0 for b_timers, and ebpfexp_b_timers.prom' \
	'read_self && failed_is c_timers 1 && failed_is b_timers 0 &&
	 test -s "$TEXTFILE/ebpfexp_b_timers.prom" && ! test -e "$TEXTFILE/ebpfexp_c_timers.prom"'
tcase 'SIGHUP with d_timers added: refused too, b_timers runs on unchanged' \
	'ID=$(jq ".programs[0].id" "$STATE/b_timers.json") && add d_timers && reloaded &&
	 test -s "$STATE/d_timers.failed" && ! test -e "$STATE/d_timers.json" &&
	 grep -q "also defined by config \"b_timers\"" "$STATE/d_timers.failed" &&
	 [ "$(jq ".programs[0].id" "$STATE/b_timers.json")" = "$ID" ] &&
	 read_self && failed_is d_timers 1 && failed_is c_timers 1 && failed_is b_timers 0'
tcase 'SIGHUP with a_timers added: it runs, b_timers is stopped and refused' \
	'add a_timers && reloaded &&
	 test -s "$STATE/a_timers.json" && ! test -e "$STATE/b_timers.json" &&
	 grep -q "also defined by config \"a_timers\"" "$STATE/b_timers.failed" &&
	 read_self && failed_is a_timers 0 && failed_is b_timers 1 &&
	 test -s "$TEXTFILE/ebpfexp_a_timers.prom"'
tcase 'removing the clashing configs and SIGHUP: the marks go, the status has no failure' \
	'rm "$T/configs/b_timers.yaml" "$T/configs/c_timers.yaml" "$T/configs/d_timers.yaml" &&
	 reloaded && ! ls "$STATE"/*.failed 2>/dev/null &&
	 tail -n 1 "$T/notify.out" | grep -q "STATUS=1 config(s): a_timers$" &&
	 read_self && failed_is a_timers 0 && ! grep -q "config=\"b_timers\"" "$TEXTFILE/ebpfexp.prom"'
tcase 'a loader stopped after a refused config exits 1 (some configs failed)' \
	'add b_timers && reloaded && test -s "$STATE/b_timers.failed" &&
	 kill -TERM $LOADER_PID; wait $LOADER_PID; [ $? = 1 ]'
tdone
