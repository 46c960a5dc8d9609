# t/lib.sh: shared shell for ebpfexp's integration tests. Speaks TAP.
#
#   . "${0%/*}/lib.sh"
#   need ROOT BPF PROMTOOL NODE_EXPORTER     skip the script with a reason (a failure
#                                            under EBPFEXP_REQUIRE_BPF=1)
#   tcase 'title' 'shell body'               one test; the body's status decides (the body
#                                            runs as a function: leave it with `return 1`,
#                                            never `exit`, which ends the whole script)
#   tcleanup 'cmd'                           run cmd when the script ends
#   wait_for 'condition' [seconds]           poll a condition instead of sleeping
#   wait_gone PID [seconds]                  wait for a process to exit, child or not
#   stop_pid PID [seconds]                   SIGTERM a process, wait_gone, SIGKILL late
#   use_binary_copies                        run private copies of ebpfexp-load and
#                                            ebpfexp-read ($LOAD, $READ): others may
#                                            relink build/ while the script runs
#   tdone                                    print the plan, exit with the result
#
# Each script gets a private scratch dir $T, a private bpffs mount $BPFFS (pins go to
# $BPFFS_ROOT), a state dir $STATE and a textfile dir $TEXTFILE.

set -u
TOP=$(cd "${0%/*}/.." && pwd)
BUILD=$TOP/build
LOAD=$BUILD/ebpfexp-load
READ=$BUILD/ebpfexp-read
T=$(mktemp -d "${TMPDIR:-/tmp}/ebpfexp-t.XXXXXX")
STATE=$T/state
TEXTFILE=$T/textfile
BPFFS=$T/bpffs
BPFFS_ROOT=$BPFFS/ebpfexp
mkdir -p "$STATE" "$TEXTFILE" "$BPFFS"
_tn=0
_tfail=0
_cleanups=""
LOADER_PID=""

_run_cleanups() {
	eval "$_cleanups"
	if mountpoint -q "$BPFFS" 2>/dev/null; then
		umount "$BPFFS" 2>/dev/null || umount -l "$BPFFS" 2>/dev/null
	fi
	rm -rf "$T"
}
trap _run_cleanups EXIT
trap 'exit 130' INT TERM

use_binary_copies() {
	mkdir -p "$T/bin"
	for _b in "$LOAD" "$READ"; do
		[ -x "$_b" ] && cp "$_b" "$T/bin/"
	done
	[ -x "$T/bin/ebpfexp-load" ] && LOAD=$T/bin/ebpfexp-load
	[ -x "$T/bin/ebpfexp-read" ] && READ=$T/bin/ebpfexp-read
	return 0
}

tcleanup() {
	_cleanups="$1
$_cleanups"
}

diag() {
	printf '# %s\n' "$@"
}

skip_all() {
	if [ "${EBPFEXP_REQUIRE_BPF:-0}" = 1 ]; then
		echo "1..1"
		echo "not ok 1 - required: $1 (EBPFEXP_REQUIRE_BPF=1)"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

need() {
	for what in "$@"; do
		case $what in
		ROOT) [ "$(id -u)" = 0 ] || skip_all "needs root" ;;
		BPF)
			[ -r /sys/kernel/btf/vmlinux ] || skip_all "needs a kernel with BTF"
			mount -t bpf bpf "$BPFFS" 2>/dev/null || skip_all "cannot mount bpffs"
			;;
		PROMTOOL) command -v promtool >/dev/null || skip_all "needs promtool" ;;
		NODE_EXPORTER)
			command -v prometheus-node-exporter >/dev/null ||
				skip_all "needs prometheus-node-exporter" ;;
		PROMETHEUS) command -v prometheus >/dev/null || skip_all "needs prometheus" ;;
		BUILD) [ -x "$LOAD" ] && [ -x "$READ" ] || skip_all "run make first" ;;
		*) echo "need: unknown $what" >&2; exit 2 ;;
		esac
	done
}

# tcase 'title' 'body': the body runs in this shell (so it can set variables); its output
# goes to a log that is shown only when it fails.
tcase() {
	_tn=$((_tn + 1))
	_log=$T/case.$_tn.log
	eval "_tbody() {
$2
}"
	if _tbody >"$_log" 2>&1; then
		echo "ok $_tn - $1"
	else
		_tfail=$((_tfail + 1))
		echo "not ok $_tn - $1"
		sed 's/^/#   /' "$_log" | tail -n 40 >&2
	fi
}

tdone() {
	echo "1..$_tn"
	[ "$_tfail" = 0 ]
	exit $?
}

# wait_for 'condition' [seconds]: true as soon as the condition holds, false at the timeout.
wait_for() {
	_limit=$(( ${2:-20} * 20 ))
	_i=0
	while ! eval "$1" >/dev/null 2>&1; do
		_i=$((_i + 1))
		[ "$_i" -ge "$_limit" ] && { echo "timed out waiting for: $1"; return 1; }
		sleep 0.05
	done
	return 0
}

# wait_gone PID [seconds]: true as soon as process PID has exited, false at the timeout.
# `wait PID` alone is not enough: it returns at once, 127, for a process that is not a child
# of this shell (one started inside $(...), say). A child that has exited is reaped by the
# shell while it waits for the sleeps of wait_for, so kill -0 fails for it too.
wait_gone() {
	wait_for "! kill -0 $1" "${2:-20}" || return 1
	wait "$1" 2>/dev/null
	return 0
}

# stop_pid PID [seconds]: SIGTERM, then true once PID has exited; SIGKILL and false when it
# is still there at the timeout (30 s). For tcleanup too: a PID already gone is true.
stop_pid() {
	kill -TERM "$1" 2>/dev/null
	wait_gone "$1" "${2:-30}" && return 0
	kill -KILL "$1" 2>/dev/null
	wait_gone "$1" 10
	return 1
}

# start_loader NAME[,NAME...] [extra flags]: loader in the background, ready when this
# loader has written every manifest (an older one, of a previous loader, does not count).
start_loader() {
	_names=$1
	shift
	"$LOAD" --config.dir="${CONFIG_DIR:-$TOP/configs}" --bpf.dir="${BPF_DIR:-$BUILD/bpf}" \
		--config.names="$_names" --bpffs.root="$BPFFS_ROOT" --state.dir="$STATE" \
		--log.no-timestamps "$@" >"$T/loader.log" 2>&1 &
	LOADER_PID=$!
	# by its own pid: a later start_loader must not make this one forgotten
	tcleanup "kill -TERM $LOADER_PID 2>/dev/null; wait $LOADER_PID 2>/dev/null"
	_cond="kill -0 $LOADER_PID"
	for _n in $(echo "$_names" | tr , ' '); do
		_cond="$_cond && jq -e '.loader_pid == $LOADER_PID' $STATE/$_n.json"
	done
	wait_for "$_cond" 30 || { cat "$T/loader.log"; return 1; }
	kill -0 "$LOADER_PID"
}

stop_loader() {
	[ -n "$LOADER_PID" ] || return 0
	kill -TERM "$LOADER_PID" 2>/dev/null
	wait "$LOADER_PID" 2>/dev/null
	_rc=$?
	LOADER_PID=""
	return $_rc
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
	while :; do
		_p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000 ))
		ss -Hltn "sport = :$_p" 2>/dev/null | grep -q . || { echo "$_p"; return; }
	done
}

# start_node_exporter: a real node_exporter with only the textfile collector, on 127.0.0.1.
start_node_exporter() {
	NE_PORT=$(free_port)
	prometheus-node-exporter --web.listen-address="127.0.0.1:$NE_PORT" \
		--collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$TEXTFILE" >"$T/node_exporter.log" 2>&1 &
	NE_PID=$!
	tcleanup "kill $NE_PID 2>/dev/null; wait $NE_PID 2>/dev/null"
	wait_for "curl -fsS http://127.0.0.1:$NE_PORT/metrics" 20 ||
		{ cat "$T/node_exporter.log"; return 1; }
}

# promcheck < FILE: promtool check metrics, tolerating exactly one lint: ebpf_exporter names
# its program run-time counter ebpf_exporter_ebpf_program_run_time_seconds, without _total
# [compat], and the reader writes it while kernel.bpf_stats_enabled is 1.
promcheck() {
	_out=$(promtool check metrics 2>&1)
	_rc=$?
	[ $_rc = 0 ] && return 0
	_rest=$(printf '%s\n' "$_out" | grep -v '^ebpf_exporter_ebpf_program_run_time_seconds counter metrics should have "_total" suffix$' | grep .)
	[ -z "$_rest" ] && return 0
	printf '%s\n' "$_out"
	return 1
}

scrape() {
	curl -fsS "http://127.0.0.1:$NE_PORT/metrics"
}
