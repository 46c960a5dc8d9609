#!/bin/sh
# 4050: the loader as a service: --capabilities.keep really drops capabilities, pins and
# manifests are 0640 with --bpffs.group, --btf.path is checked, sd_notify READY, RELOADING,
# STOPPING, and the built-in program metrics (run time and count with bpf_stats_enabled)
. "${0%/*}/lib.sh"
need ROOT BPF BUILD

# capabilities are dropped after every manifest is written: wait for it
caps() {	# CapPrm and CapEff of the loader
	awk '/^Cap(Prm|Eff):/ { print $2 }' "/proc/$LOADER_PID/status" | sort -u | tr '\n' ' '
}

tcase '--capabilities.keep=cap_bpf,cap_perfmon: only those are permitted and effective' \
	'start_loader timers --capabilities.keep=cap_bpf,cap_perfmon &&
	 wait_for "[ \"\$(caps)\" = \"000000c000000000 \" ]"; R=$?; stop_loader; [ $R = 0 ]'
tcase '--capabilities.keep=none: nothing is left' \
	'start_loader timers --capabilities.keep=none &&
	 wait_for "[ \"\$(caps)\" = \"0000000000000000 \" ]"; R=$?; stop_loader; [ $R = 0 ]'
tcase 'by default (all) nothing is dropped' \
	'start_loader timers && [ "$(awk "/^CapEff:/ { print \$2 }" /proc/$LOADER_PID/status)" != 0000000000000000 ] && stop_loader'
tcase 'an unknown capability name is a usage error, named' \
	'"$LOAD" --config.names=timers --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" \
		--capabilities.keep=cap_bpf,cap_nonsense >"$T/err" 2>&1; [ $? = 2 ] &&
	 grep -F "unknown capability \"cap_nonsense\"" "$T/err"'
tcase 'a missing --btf.path is reported and nothing is loaded' \
	'"$LOAD" --config.names=timers --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" \
		--btf.path=/nonexistent/vmlinux --log.no-timestamps >"$T/err" 2>&1; [ $? = 2 ] &&
	 grep -Fx "ebpfexp-load: --btf.path /nonexistent/vmlinux: No such file or directory (could not find BTF file)" "$T/err"'
tcase 'an existing --btf.path is used' \
	'start_loader timers --btf.path=/sys/kernel/btf/vmlinux && stop_loader'

GROUP=$(getent group nogroup | cut -d: -f1)
tcase '--bpffs.group: pins and manifest are 0640 with that group, directories 0750' \
	'[ -n "$GROUP" ] && start_loader timers --bpffs.group="$GROUP" &&
	 [ "$(stat -c "%a %G" "$BPFFS_ROOT/timers/timer_starts_total")" = "640 $GROUP" ] &&
	 for p in "$BPFFS_ROOT"/timers/prog_*; do [ "$(stat -c "%a %G" "$p")" = "640 $GROUP" ] || return 1; done &&
	 [ "$(stat -c "%a %G" "$STATE/timers.json")" = "640 $GROUP" ] &&
	 [ "$(stat -c "%a %G" "$BPFFS_ROOT/timers")" = "750 $GROUP" ] && stop_loader ||
	 { stop_loader; ls -la "$BPFFS_ROOT" "$BPFFS_ROOT/timers" "$STATE"; false; }'
tcase 'without it, pins and manifest are 0600' \
	'start_loader timers && [ "$(stat -c %a "$BPFFS_ROOT/timers/timer_starts_total")" = 600 ] &&
	 [ "$(stat -c %a "$STATE/timers.json")" = 600 ] && stop_loader'

# sd_notify: a datagram socket of our own stands in for systemd
tcase 'NOTIFY_SOCKET: READY=1 with a STATUS after the start' \
	'/usr/bin/python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[1] + \".up\", \"w\").close()
with open(sys.argv[2], \"ab\", buffering=0) as f:
    while True:
        f.write(s.recv(4096) + b\"\\n--\\n\")
" "$T/notify" "$T/notified" &
	 NPID=$!; tcleanup "kill $NPID 2>/dev/null"
	 wait_for "test -e $T/notify.up" && NOTIFY_SOCKET=$T/notify start_loader timers &&
	 wait_for "grep -qx READY=1 $T/notified" && grep -qx "STATUS=1 config(s): timers" "$T/notified"'
tcase 'SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1 again' \
	'kill -HUP $LOADER_PID && wait_for "grep -qx RELOADING=1 $T/notified" &&
	 grep -q "^MONOTONIC_USEC=[0-9][0-9]*$" "$T/notified" &&
	 wait_for "[ \$(grep -cx READY=1 $T/notified) = 2 ]"'
tcase 'SIGTERM: STOPPING=1' \
	'stop_loader && wait_for "grep -qx STOPPING=1 $T/notified"'

OLD_STATS=$(cat /proc/sys/kernel/bpf_stats_enabled)
tcleanup "echo $OLD_STATS > /proc/sys/kernel/bpf_stats_enabled"
read_prom() {
	"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --format=prom > "$T/out.prom"
}
tcase 'built-in metrics: enabled_configs, program_info, program_attached' \
	'start_loader timers && read_prom && ID=$(jq -r ".programs[0].id" "$STATE/timers.json") &&
	 TAG=$(jq -r ".programs[0].tag" "$STATE/timers.json") &&
	 grep -qx "ebpf_exporter_enabled_configs{name=\"timers\"} 1" "$T/out.prom" &&
	 grep -qx "ebpf_exporter_ebpf_program_info{config=\"timers\",id=\"$ID\",program=\"timer_start\",tag=\"$TAG\"} 1" "$T/out.prom" &&
	 grep -qx "ebpf_exporter_ebpf_program_attached{id=\"$ID\"} 1" "$T/out.prom"'
tcase 'with kernel.bpf_stats_enabled=0 there are no run time and count series' \
	'echo 0 > /proc/sys/kernel/bpf_stats_enabled && read_prom &&
	 ! grep -q "^ebpf_exporter_ebpf_program_run_" "$T/out.prom"'
tcase 'with kernel.bpf_stats_enabled=1 they are there and grow' \
	'echo 1 > /proc/sys/kernel/bpf_stats_enabled &&
	 wait_for "curl -s -m 1 http://127.0.0.1:9/ ; read_prom && grep -q \"^ebpf_exporter_ebpf_program_run_count_total{id=\\\"$ID\\\"} [1-9]\" $T/out.prom" 10 &&
	 grep -q "^ebpf_exporter_ebpf_program_run_time_seconds{id=\"$ID\"} [0-9]" "$T/out.prom" &&
	 grep -qx "# TYPE ebpf_exporter_ebpf_program_run_count_total counter" "$T/out.prom"'
tcase 'kernel.bpf_stats_enabled is put back' \
	'echo "$OLD_STATS" > /proc/sys/kernel/bpf_stats_enabled && stop_loader'
tdone
