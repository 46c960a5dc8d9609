#!/bin/sh
# 0200: every shipped example loads and attaches, sees its own workload, and reads back as
# valid metrics with a value > 0 in every family it defines
#
# The script runs in a network namespace of its own: xdp/lo then attaches to a loopback
# device no other test (or loader) holds, and every packet it sends stays inside.
if [ "$(id -u)" = 0 ] && [ -z "${EBPFEXP_T0200_NETNS:-}" ] && unshare -n true 2>/dev/null; then
	EBPFEXP_T0200_NETNS=1 exec unshare -n -- "$0" "$@"
fi
. "${0%/*}/lib.sh"
need ROOT BPF BUILD PROMTOOL

NAMES=$(ls "$TOP"/configs/*.yaml | sed 's|.*/||; s|\.yaml$||')
CG2=/sys/fs/cgroup/unified/ebpfexp-t0200.$$
MEMCG=/sys/fs/cgroup/memory/ebpfexp-t0200-oom.$$
BUSY_PID=""
LISTEN_PID=""
CLIENT_PIDS=""

# Block I/O needs a file system on a block device: not a tmpfs TMPDIR.
IO_DIR=$T
if [ "$(stat -f -c %T "$T")" = tmpfs ]; then
	IO_DIR=$(mktemp -d "$BUILD/t0200-io.XXXXXX")
	tcleanup "rm -rf '$IO_DIR'"
fi

read_to() { # FILE [reader flags]: one reader run to FILE, as prom
	_out=$1
	shift
	"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --output="$_out" "$@"
}

# metrics_ok NAME FILE: every metric of config NAME (as its manifest lists them) has a
# series > 0 in FILE; for a histogram, a _count > 0.
metrics_ok() {
	jq -r '.metrics[] | "\(.kind) \(.name)"' "$STATE/$1.json" | {
		_n=0
		while read -r _kind _name; do
			_n=$((_n + 1))
			_m=ebpf_exporter_$_name
			[ "$_kind" = histogram ] && _m=${_m}_count
			awk -v m="$_m" '($1 == m || index($1, m "{") == 1) && $NF + 0 > 0 { f = 1 }
				END { exit !f }' "$2" || { echo "$1: no $_m > 0 in $2"; return 1; }
		done
		[ "$_n" -gt 0 ]
	}
}

# has_data NAME [PATTERN]: a reader run of NAME alone has every metric > 0 (and a line
# matching the extended regexp PATTERN with a value > 0, if one is given)
has_data() {
	read_to "$T/$1.poll" --config.names="$1" 2>/dev/null && metrics_ok "$1" "$T/$1.poll" &&
		if [ -n "${2:-}" ]; then
			grep -E "$2" "$T/$1.poll" | awk '$NF + 0 > 0 { f = 1 } END { exit !f }'
		fi
}

show_poll() {
	grep -v '^#' "$T/$1.poll" 2>/dev/null | head -n 20
}

attached() {
	jq -e ".loader_pid == $LOADER_PID and (.programs | length > 0) and all(.programs[]; .attached)" \
		"$STATE/$1.json" >/dev/null 2>&1
}

start_all() {
	"$LOAD" --config.dir="$TOP/configs" --bpf.dir="$BUILD/bpf" --bpffs.root="$BPFFS_ROOT" \
		--state.dir="$STATE" --log.no-timestamps >"$T/loader.log" 2>&1 &
	LOADER_PID=$!
	tcleanup "kill -TERM $LOADER_PID 2>/dev/null; wait $LOADER_PID 2>/dev/null"
	# ready when every config has this loader's manifest, or the loader has reported
	# how its start went (a config that failed has none)
	wait_for "all_manifests || grep -q 'start: ' '$T/loader.log'" 60
	cat "$T/loader.log"
	kill -0 "$LOADER_PID"
}

all_manifests() {
	for _n in $NAMES; do
		jq -e ".loader_pid == $LOADER_PID" "$STATE/$_n.json" || return 1
	done
}

# a CPU-bound shell in a cgroup2 group of its own
start_busy() {
	mkdir "$CG2" || return 1
	tcleanup "stop_busy"
	sh -c 'while :; do :; done' &
	BUSY_PID=$!
	echo "$BUSY_PID" >"$CG2/cgroup.procs"
}

stop_busy() {
	[ -n "$BUSY_PID" ] && kill "$BUSY_PID" 2>/dev/null && wait "$BUSY_PID" 2>/dev/null
	BUSY_PID=""
	[ -d "$CG2" ] && wait_for "rmdir '$CG2'" 10
	true
}

# A listener whose accept queue (backlog 0) fills with its first connection: the SYNs of
# the next ones are dropped and the clients retransmit them (SYN_SENT) a second later.
start_full_listener() {
	_port=$(free_port)
	perl -MSocket -e '
		socket(S, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
		setsockopt(S, SOL_SOCKET, SO_REUSEADDR, 1);
		bind(S, sockaddr_in($ARGV[0], inet_aton("127.0.0.1"))) or die "bind: $!";
		listen(S, 0) or die "listen: $!";
		open(F, ">", $ARGV[1]) and close(F);
		sleep 60' "$_port" "$T/listening" &
	LISTEN_PID=$!
	tcleanup "stop_full_listener"
	wait_for "test -e '$T/listening'" 10 || return 1
	for _i in 1 2 3; do
		timeout 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/$_port && sleep 20" 2>/dev/null &
		CLIENT_PIDS="$CLIENT_PIDS $!"
	done
}

stop_full_listener() {
	for _p in $CLIENT_PIDS $LISTEN_PID; do
		kill "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	CLIENT_PIDS=""
	LISTEN_PID=""
}

# A DNS query for ebpfexp.test (A, IN) in wire format, sent to 127.0.0.1:53: the packet is
# queued on lo whether or not a server listens there.
dns_query() {
	bash -c 'printf "\022\064\001\000\000\001\000\000\000\000\000\000\007ebpfexp\004test\000\000\001\000\001" \
		>/dev/udp/127.0.0.1/53'
}

# One process in a 64 MiB memory cgroup (v1 where it is mounted, as here, else cgroup2;
# swap limited too) asks for 256 MiB: the OOM killer kills it within a second. The whole
# thing is bounded by a timeout.
oom_kill_once() {
	if [ -d "${MEMCG%/*}" ]; then
		_limit=memory.limit_in_bytes _swap=memory.memsw.limit_in_bytes _swapv=64M
	else
		MEMCG=${CG2%/*}/ebpfexp-t0200-oom.$$
		_limit=memory.max _swap=memory.swap.max _swapv=0
	fi
	mkdir "$MEMCG" || return 1
	tcleanup "rmdir '$MEMCG' 2>/dev/null"
	echo 64M >"$MEMCG/$_limit" || return 1
	if [ -e "$MEMCG/$_swap" ]; then
		echo "$_swapv" >"$MEMCG/$_swap" || return 1
	fi
	timeout -s KILL 30 sh -c "echo \$\$ > '$MEMCG/cgroup.procs' &&
		exec perl -e '\$x = \"a\" x (256 << 20); sleep 10'"
	_rc=$?
	grep -q '^oom_kill [1-9]' "$MEMCG/memory.oom_control" "$MEMCG/memory.events" 2>/dev/null ||
		{ echo "no OOM kill in $MEMCG (exit $_rc)"; return 1; }
	rmdir "$MEMCG"
}

tcase 'loopback is up in the private network namespace' 'ip link set lo up'
tcase 'the loader starts on every shipped config' 'start_all'
for name in $NAMES; do
	tcase "$name: manifest written, every program attached" \
		"attached $name || { grep -F '\"$name\"' '$T/loader.log'; jq -c '.programs' '$STATE/$name.json'; return 1; }"
done

# Workloads, each with the series it must produce (extended regexps, on a reader run of
# that config alone).
want_biolatency() {
	has_data biolatency 'block_rq_size_bytes_count\{device="[^"]+",operation="write"\}'
}
want_cgroup() { has_data cgroup "preemptions_total\\{cgroup=\"$CG2\"\\}"; }
# no Kubernetes here: the cgroup path, and empty (absent) workload labels
want_kube() {
	has_data kube "switches_total\\{cgroup=\"$CG2\",container=\"\",namespace=\"\",pod=\"\"\\}"
}
want_runqlat() { has_data runqlat; }
want_softirqs() { has_data softirqs 'softirqs_total\{cpu="[0-9]+",kind="[a-z_]+"\}'; }
want_timers() { has_data timers 'timer_starts_total\{function="[a-z_]'; }
want_syscalls() { has_data syscalls 'errno="ENOENT",syscall="[a-z0-9_]+"'; }
want_rwsize() { has_data rwsize 'count\{operation="write"\}'; }
want_exec() { has_data exec 'execs_total\{command="job-"\}'; }
want_getaddrinfo() { has_data getaddrinfo 'errors_total\{command="getent",error="EAI_NONAME"\}'; }
want_dns() { has_data dns '\{interface="lo",name="ebpfexp\.test",qtype="A"\}'; }
want_kfree_skb() { has_data kfree_skb 'protocol="ipv4",reason="NO_SOCKET"'; }
want_xdp() { has_data xdp 'packets_total\{ethertype="ipv4"\}'; }
want_tcp_retransmit() {
	has_data tcp_retransmit 'retransmits_total\{address="127\.0\.0\.1",state="SYN_SENT"\}' &&
		grep -q '^ebpf_exporter_tcp_resets_received_total{address="127.0.0.1"} [1-9]' \
			"$T/tcp_retransmit.poll"
}
want_oomkill() { has_data oomkill 'command="perl"'; }

# wait_data NAME: wait for want_NAME, show what the reader saw if it never came
wait_data() {
	wait_for "want_$1" 20 || { show_poll "$1"; return 1; }
}

tcase 'biolatency: direct and fsynced writes and a direct read fill both histograms' \
	'dd if=/dev/zero of="$IO_DIR/io" bs=64k count=16 oflag=direct 2>/dev/null &&
	 dd if=/dev/zero of="$IO_DIR/io2" bs=64k count=16 conv=fsync 2>/dev/null &&
	 dd if="$IO_DIR/io" of=/dev/null bs=64k iflag=direct 2>/dev/null &&
	 rm -f "$IO_DIR/io" "$IO_DIR/io2" && wait_data biolatency'
tcase 'cgroup: a busy shell in a new cgroup2 group is preempted, counted under its path' \
	'start_busy && wait_data cgroup'
tcase 'kube: the busy shell'"'"'s context switches, under its cgroup path (no pod on this node)' \
	'wait_data kube'
tcase 'runqlat: run-queue waits are counted' 'wait_data runqlat'
tcase 'softirqs: softirqs and their time are counted by kind and CPU' 'wait_data softirqs'
tcase 'timers: timer starts are counted by function' 'wait_data timers'
tcase 'the cgroup2 group and the busy shell are gone' 'stop_busy && test ! -d "$CG2"'
tcase 'syscalls: a failing call is counted by errno' \
	'! ls /nonexistent-ebpfexp-t0200 2>/dev/null && wait_data syscalls'
tcase 'rwsize: writes are counted by size' \
	'echo hello >"$T/hello" && wait_data rwsize'
tcase 'exec: a command named job-1234 counts as job- (trailing digits cut)' \
	'cp /bin/true "$T/job-1234" && "$T/job-1234" && wait_data exec'
tcase 'getaddrinfo: getent ahosts calls it; a lookup of no name fails with EAI_NONAME' \
	'getent ahosts localhost >/dev/null && ! getent ahosts "*" >/dev/null &&
	 wait_data getaddrinfo'
tcase 'dns: a query for ebpfexp.test sent to 127.0.0.1:53 is counted on lo, type A' \
	'dns_query && wait_data dns'
tcase 'kfree_skb: UDP to a closed port is dropped with reason NO_SOCKET' \
	'bash -c "printf x >/dev/udp/127.0.0.1/$(free_port)" && wait_data kfree_skb'
tcase 'xdp: loopback packets are counted by ethertype, with their bytes' 'wait_data xdp'
tcase 'tcp_retransmit: a closed port resets; SYNs to a full accept queue are retransmitted' \
	'! bash -c "exec 3<>/dev/tcp/127.0.0.1/$(free_port)" 2>/dev/null && start_full_listener &&
	 wait_data tcp_retransmit'
tcase 'listener and clients stopped' 'stop_full_listener'
tcase 'oomkill: a process over its 64 MiB memory cgroup limit is killed and counted' \
	'oom_kill_once && wait_data oomkill'

# One reader run writes every file, as a timer would.
tcase 'the reader writes every file, exit 0' \
	'"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --textfile.dir="$TEXTFILE"'
for name in $NAMES; do
	tcase "$name: ebpfexp_$name.prom has every metric > 0 and passes promtool" \
		"metrics_ok $name '$TEXTFILE/ebpfexp_$name.prom' &&
		 promtool check metrics < '$TEXTFILE/ebpfexp_$name.prom'"
done
# ebpf_exporter_ebpf_program_run_time_seconds is a counter without _total, as ebpf_exporter
# names it [compat]; it is written only while kernel.bpf_stats_enabled is 1. promtool's
# complaint about that name is the one it may make.
RUN_TIME_LINT='ebpf_exporter_ebpf_program_run_time_seconds counter metrics should have "_total" suffix'
tcase 'ebpfexp.prom passes promtool (but for the compat run_time name), no config failed' \
	'promtool check metrics < "$TEXTFILE/ebpfexp.prom" >"$T/lint" 2>&1
	 ! grep -vxF "$RUN_TIME_LINT" "$T/lint" &&
	 ! grep "^ebpfexp_read_success{.*} 0" "$TEXTFILE/ebpfexp.prom"'
tcase 'SIGTERM: the loader exits 0' 'stop_loader'
tdone
