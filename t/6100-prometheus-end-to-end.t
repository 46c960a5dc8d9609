#!/bin/sh
# 6100: the whole path with real programs at both ends: ebpfexp-load on the timers,
# syscalls and runqlat examples, ebpfexp-read run again and again as the timer would,
# node_exporter with only the textfile collector, and a Prometheus server scraping it
# every second; PromQL over its HTTP API sees counter rates and a histogram quantile
. "${0%/*}/lib.sh"
need ROOT BPF BUILD NODE_EXPORTER PROMETHEUS

CONFIGS=timers,syscalls,runqlat
# Run copies: others may relink build/ while this test runs.
mkdir -p "$T/bin"
cp "$LOAD" "$READ" "$T/bin/" || exit 1
LOAD=$T/bin/ebpfexp-load
READ=$T/bin/ebpfexp-read

# prom 'PromQL': the query's result, as JSON
prom() {
	curl -fsS --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/query" \
		--data-urlencode "query=$1"
}

# prom_value 'PromQL': the value of the one sample of an instant vector; fails on none
prom_value() {
	prom "$1" | jq -er '.data.result | if length == 1 then .[0].value[1] else error end'
}

# is_positive VALUE, is_finite VALUE: Prometheus writes numbers as strings ("NaN", "+Inf")
is_finite() {
	case $1 in NaN | +Inf | -Inf | "") return 1 ;; esac
	awk -v v="$1" 'BEGIN { exit !(v + 0 == v + 0) }'
}
is_positive() {
	is_finite "$1" && awk -v v="$1" 'BEGIN { exit !(v > 0) }'
}

# wait until a query has a sample that passes a test, and show the last value
wait_value() {	# wait_value is_positive|is_finite 'PromQL' [seconds]
	wait_for "v=\$(prom_value '$2') && $1 \"\$v\"" "${3:-30}"
	_rc=$?
	echo "$2 = $(prom_value "$2" 2>&1)"
	return $_rc
}

start_prometheus() {
	PROM_PORT=$(free_port)
	cat > "$T/prometheus.yml" <<-END
	global:
	  scrape_interval: 1s
	  scrape_timeout: 1s
	  evaluation_interval: 1s
	scrape_configs:
	  - job_name: node
	    static_configs:
	      - targets: ['127.0.0.1:$NE_PORT']
	END
	prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
		--web.listen-address="127.0.0.1:$PROM_PORT" --storage.tsdb.retention.time=1h \
		>"$T/prometheus.log" 2>&1 &
	PROM_PID=$!
	tcleanup "kill $PROM_PID 2>/dev/null; wait $PROM_PID 2>/dev/null"
	wait_for "curl -fsS http://127.0.0.1:$PROM_PORT/-/ready" 40 ||
		{ tail -n 20 "$T/prometheus.log"; return 1; }
}

# The timer's job, a few times a second, with some work for the programs to see:
# loopback TCP (timers), system calls (syscalls), runnable tasks (runqlat). Bounded; ends
# after the current run when $T/stop appears.
workload() {
	_i=0
	while [ "$_i" -lt 300 ] && ! [ -e "$T/stop" ]; do
		"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" \
			--textfile.dir="$TEXTFILE" 2>>"$T/reader.log" ||
			echo "ebpfexp-read exited $?" >>"$T/reader.log"
		curl -fsS "http://127.0.0.1:$NE_PORT/metrics" >/dev/null 2>&1
		sh -c 'for i in 1 2 3 4; do cat /proc/self/stat >/dev/null; done'
		sleep 0.25
		_i=$((_i + 1))
	done
}

tcase 'loader attaches the timers, syscalls and runqlat examples' "start_loader $CONFIGS"
tcase 'node_exporter serves the textfile directory on 127.0.0.1' 'start_node_exporter'
tcase 'Prometheus scrapes it every second, storage in the scratch dir' 'start_prometheus'
workload &
WORKLOAD_PID=$!
tcleanup "touch $T/stop; wait $WORKLOAD_PID 2>/dev/null"

tcase 'the target is up and node_exporter reads the files without error' \
	'wait_value is_positive "up{job=\"node\"}" &&
	 wait_value is_finite "node_textfile_scrape_error == 0" &&
	 test "$(prom_value "node_textfile_scrape_error")" = 0'
FILES='(.*/)?ebpfexp(_(timers|syscalls|runqlat))?[.]prom'
tcase 'one file per config, and ebpfexp.prom, are in node_exporter'"'"'s mtimes' \
	'wait_value is_positive "count(node_textfile_mtime_seconds{file=~\"$FILES\"}) == 4"'
tcase 'the loader is reported up' \
	'wait_value is_positive "ebpfexp_loader_up"'
tcase 'rate(ebpf_exporter_syscalls_total[10s]) is positive' \
	'wait_value is_positive "sum(rate(ebpf_exporter_syscalls_total[10s]))"'
tcase 'rate(ebpf_exporter_timer_starts_total[10s]) is positive, for named kernel functions' \
	'wait_value is_positive "sum(rate(ebpf_exporter_timer_starts_total{function!~\"unknown_addr.*\"}[10s]))"'
tcase 'the syscall label carries names: read is among them' \
	'wait_value is_finite "sum(ebpf_exporter_syscalls_total{syscall=\"read\"})"'
RQ=ebpf_exporter_run_queue_latency_seconds
P90="histogram_quantile(0.9, sum by (le) (rate(${RQ}_bucket[10s])))"
tcase 'histogram_quantile(0.9, run queue latency over 10s) is finite' \
	'wait_value is_finite "$P90"'
tcase 'and is a latency in seconds, between 0 and 34 s (the top bucket)' \
	'v=$(prom_value "$P90") && awk -v v="$v" "BEGIN { exit !(v >= 0 && v <= 34) }"'
tcase 'the histogram count agrees with its +Inf bucket' \
	'wait_value is_finite "sum(${RQ}_count) - sum(${RQ}_bucket{le=\"+Inf\"}) == 0"'
tcase 'the reader never failed' \
	'! grep -q "exited" "$T/reader.log" || { cat "$T/reader.log"; false; }'
tcase 'with the loader stopped, Prometheus sees ebpfexp_loader_up 0' \
	'stop_loader && wait_value is_finite "ebpfexp_loader_up == 0"'
tcase 'and the counters stand still but are still served' \
	'wait_value is_finite "sum(rate(ebpf_exporter_syscalls_total[3s])) == 0" &&
	 wait_value is_positive "sum(ebpf_exporter_syscalls_total)"'
touch "$T/stop"
wait "$WORKLOAD_PID" 2>/dev/null
tdone
