#!/bin/sh
# 4020: what the loader attaches and how it reports what it cannot: kprobe (not attached,
# the rest runs), fentry (the object fails, other configs load), --config.strict, software
# perf events on every CPU, uprobe, USDT, kaddrs, post_attach_mark once, xdp on a veth in
# a network namespace of the test's own
. "${0%/*}/lib.sh"
need ROOT BPF BUILD

export CONFIG_DIR=$TOP/t/data/configs BPF_DIR=$BUILD/t/bpf
NS=ebpfexp-t4020-$$
NS2=ebpfexp-t4020p-$$

value() {	# the label-less counter @2 of config @1
	bpftool map dump pinned "$BPFFS_ROOT/$1/$2" -j | jq -r '.[0].formatted.value // 0'
}
read_prom() {
	"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --format=prom "$@" > "$T/out.prom"
}
start_bg() {	# like start_loader, but returns when the loader has logged its start
	"$LOAD" --config.dir="$CONFIG_DIR" --bpf.dir="$BPF_DIR" --bpffs.root="$BPFFS_ROOT" \
		--state.dir="$STATE" --log.no-timestamps "$@" >"$T/loader.log" 2>&1 &
	LOADER_PID=$!
	tcleanup stop_loader
	wait_for "grep -q 'start: ' $T/loader.log" 30 || { cat "$T/loader.log"; return 1; }
}

tcase 'kprobe_fail, fentry_fail and perf_cpu_clock: the loader starts with two of three' \
	'start_bg --config.names=kprobe_fail,fentry_fail,perf_cpu_clock,attach_kinds &&
	 grep -F "start: 3 running; 3 loaded, 0 reloaded, 0 removed, 0 unchanged, 1 failed" "$T/loader.log"'
tcase 'fentry: the failed load names the config, the program and the reason' \
	'grep -F "config \"fentry_fail\": load $BPF_DIR/fentry_fail.bpf.o: program \"do_nanosleep\": " "$T/loader.log" |
	 grep -F "fentry/fexit programs need a kernel with ftrace"'
tcase 'kprobe: not attached, logged, and in the manifest with its reason' \
	'grep -F "warning: config \"kprobe_fail\": program \"do_nanosleep\" (section \"kprobe/do_nanosleep\"): attach: " "$T/loader.log" &&
	 jq -e ".programs[] | select(.name == \"do_nanosleep\") | .attached == false and (.attach_error | length > 0)" "$STATE/kprobe_fail.json" &&
	 jq -e ".programs[] | select(.name == \"sys_enter\") | .attached" "$STATE/kprobe_fail.json"'
tcase 'the reader reports the kprobe unattached (0) and the tracepoint attached (1)' \
	'read_prom --config.names=kprobe_fail &&
	 KID=$(jq -r ".programs[] | select(.name == \"do_nanosleep\") | .id" "$STATE/kprobe_fail.json") &&
	 TID=$(jq -r ".programs[] | select(.name == \"sys_enter\") | .id" "$STATE/kprobe_fail.json") &&
	 grep -qx "ebpf_exporter_ebpf_program_attached{id=\"$KID\"} 0" "$T/out.prom" &&
	 grep -qx "ebpf_exporter_ebpf_program_attached{id=\"$TID\"} 1" "$T/out.prom"'
tcase 'the rest of kprobe_fail keeps counting' \
	'wait_for "/bin/sleep 0.001; [ \$(value kprobe_fail kprobe_fail_nanosleeps_total) -gt 0 ]"'
tcase 'perf_event/type=1,config=0,frequency=99: one link per online CPU, samples on each' \
	'N=$(nproc) &&
	 PID=$(jq -r ".programs[0].id" "$STATE/perf_cpu_clock.json") &&
	 [ "$(bpftool link show -j | jq "[.[] | select(.prog_id == $PID)] | length")" = "$N" ] &&
	 wait_for "[ \$(bpftool map dump pinned $BPFFS_ROOT/perf_cpu_clock/perf_cpu_clock_samples_total -j | jq length) = $N ]" 10'
tcase 'post_attach_mark ran exactly once, after attach' \
	'[ "$(value attach_kinds attach_post_attach_calls_total)" = 1 ]'
tcase 'kaddrs: the object got the address of schedule from /proc/kallsyms' \
	'A=$(awk "\$3 == \"schedule\" { print \$1 }" /proc/kallsyms | tail -n 1) &&
	 V=$(bpftool map dump pinned "$BPFFS_ROOT/attach_kinds/attach_kaddr_schedule" -j |
		jq -r ".[0].value | reverse | map(.[2:]) | join(\"\")") &&
	 [ "$V" = "$A" ] && [ "$A" != 0000000000000000 ]'
tcase 'usdt: python3 gc__start probes are counted' \
	'jq -e ".programs[] | select(.name == \"python_gc_start\") | .attached" "$STATE/attach_kinds.json" &&
	 wait_for "/usr/bin/python3 -c \"import gc; gc.collect()\"; [ \$(value attach_kinds attach_python_gc_starts_total) -gt 0 ]" 10'
tcase 'a SIGHUP that loads nothing new does not call post_attach_mark again' \
	'kill -HUP $LOADER_PID && wait_for "grep -q \"reload: \" $T/loader.log" &&
	 [ "$(value attach_kinds attach_post_attach_calls_total)" = 1 ]'
tcase '--config.strict: kprobe_fail fails as a config, the others run' \
	'stop_loader; start_bg --config.names=kprobe_fail,perf_cpu_clock --config.strict &&
	 cat "$T/loader.log" &&
	 grep -F "config \"kprobe_fail\": 1 program(s) not attached (--config.strict)" "$T/loader.log" &&
	 jq -e ".loader_pid == $LOADER_PID" "$STATE/perf_cpu_clock.json" &&
	 ! jq -e ".loader_pid == $LOADER_PID" "$STATE/kprobe_fail.json"'
stop_loader

# uprobe on libc's getaddrinfo: the shipped example
tcase 'uprobe/libc.so.6:getaddrinfo: calls are counted by command' \
	'CONFIG_DIR=$TOP/configs BPF_DIR=$BUILD/bpf start_bg --config.names=getaddrinfo &&
	 wait_for "/usr/bin/python3 -c \"import socket; socket.getaddrinfo(\\\"localhost\\\", 80)\"; read_prom --config.names=getaddrinfo && grep -q \"^ebpf_exporter_getaddrinfo_calls_total{command=\\\"python3\\\"} [1-9]\" $T/out.prom" 10'
stop_loader

# xdp/ebx0 on a veth whose peer sits in a second namespace; the loader runs in the first
cleanup_ns() {
	ip netns del "$NS" 2>/dev/null
	ip netns del "$NS2" 2>/dev/null
	return 0
}
tcleanup cleanup_ns
tcase 'a veth pair across two test-made network namespaces' \
	'ip netns add "$NS" && ip netns add "$NS2" &&
	 ip -n "$NS" link add ebx0 type veth peer name ebx1 netns "$NS2" &&
	 ip -n "$NS" addr add 10.199.0.1/24 dev ebx0 && ip -n "$NS2" addr add 10.199.0.2/24 dev ebx1 &&
	 ip -n "$NS" link set ebx0 up && ip -n "$NS2" link set ebx1 up'
tcase 'xdp/ebx0: the loader in that namespace attaches to ebx0' \
	'ip netns exec "$NS" "$LOAD" --config.dir="$CONFIG_DIR" --bpf.dir="$BPF_DIR" --config.names=xdp_veth \
		--bpffs.root="$BPFFS_ROOT" --state.dir="$STATE" --log.no-timestamps >"$T/loader.log" 2>&1 &
	 LOADER_PID=$!
	 wait_for "jq -e \".loader_pid == $LOADER_PID\" $STATE/xdp_veth.json" 30 &&
	 jq -e ".programs[0].attached" "$STATE/xdp_veth.json" &&
	 ip -n "$NS" -j link show ebx0 | jq -e ".[0].xdp != null or (.[0] | tostring | test(\"xdp\"))"'
tcase 'packets sent to it from the other namespace are counted' \
	'wait_for "ip netns exec $NS2 /usr/bin/python3 -c \"import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); [s.sendto(b\\\"x\\\", (\\\"10.199.0.1\\\", 9)) for _ in range(10)]\"; [ \$(value xdp_veth xdp_veth_packets_total) -ge 10 ]" 10'
tcase 'SIGTERM detaches the XDP program' \
	'stop_loader && ! ip -n "$NS" -d link show ebx0 | grep -q "prog/xdp"'
tdone
