#!/bin/sh
# 5400: the reader every second against the shipped examples under a busy workload, with
# node_exporter scraped every second: no scrape error, no partial or missing file, and the
# reader's peak RSS and the loader's RSS and descriptors stay flat.
# EBPFEXP_SOAK_SECONDS sets the length (20 in the suite; `make soak` runs 600).
. "${0%/*}/lib.sh"
need ROOT BPF BUILD NODE_EXPORTER
[ -x /usr/bin/time ] || skip_all "needs /usr/bin/time (package time)"
SECONDS_TOTAL=${EBPFEXP_SOAK_SECONDS:-20}
NAMES=$(ls "$TOP/configs" | sed -n 's/\.yaml$//p' | paste -sd, -)

workload() {
	end=$(( $(date +%s) + SECONDS_TOTAL + 5 ))
	while [ "$(date +%s)" -lt "$end" ]; do
		dd if=/dev/zero of="$T/io" bs=64k count=16 conv=fsync 2>/dev/null
		ls -R /usr/lib >/dev/null 2>&1
		curl -s "http://127.0.0.1:$NE_PORT/metrics" >/dev/null
		sh -c "exit 3"
	done
	rm -f "$T/io"
}

soak() {
	end=$(( $(date +%s) + SECONDS_TOTAL ))
	n=0
	: > "$T/reader_rss"
	: > "$T/loader_rss"
	while [ "$(date +%s)" -lt "$end" ]; do
		/usr/bin/time -f %M -o "$T/rss.one" "$READ" --state.dir="$STATE" \
			--bpffs.root="$BPFFS_ROOT" --textfile.dir="$TEXTFILE" 2>>"$T/reader.err" ||
			{ echo "reader failed at run $n"; tail -5 "$T/reader.err"; return 1; }
		cat "$T/rss.one" >> "$T/reader_rss"
		echo "$(awk '/VmRSS/ {print $2}' /proc/$LOADER_PID/status) $(ls /proc/$LOADER_PID/fd | wc -l)" \
			>> "$T/loader_rss"
		scrape > "$T/scrape" || { echo "scrape failed at run $n"; return 1; }
		grep -qx "node_textfile_scrape_error 0" "$T/scrape" ||
			{ echo "scrape error at run $n"; grep textfile "$T/scrape"; return 1; }
		for c in $(echo "$NAMES" | tr , ' '); do
			grep -q "^node_textfile_mtime_seconds{file=\"[^\"]*ebpfexp_$c.prom\"}" "$T/scrape" ||
				{ echo "run $n: ebpfexp_$c.prom missing from the scrape"; return 1; }
		done
		grep -qx "ebpfexp_loader_up 1" "$T/scrape" || { echo "run $n: loader not up"; return 1; }
		n=$((n + 1))
		sleep 1	# the pace of a timer, not a wait for anything
	done
	echo "$n reader runs"
	[ "$n" -ge 3 ]
}

# flat: the last quarter's maximum is within 10% (plus a little slack) of the first quarter's
flat() {
	awk -v col="$2" '{ v[NR] = $col } END {
		q = int(NR / 4); if (q < 1) q = 1
		for (i = 1; i <= q; i++) if (v[i] > a) a = v[i]
		for (i = NR - q + 1; i <= NR; i++) if (v[i] > b) b = v[i]
		printf "%s: first quarter max %d, last quarter max %d\n", FILENAME, a, b
		exit !(b <= a * 1.10 + 512)
	}' "$1"
}

tcase 'node_exporter with only the textfile collector' 'start_node_exporter'
tcase 'the loader with every shipped example' 'start_loader "$NAMES"'
workload & WORKLOAD_PID=$!
tcleanup "kill $WORKLOAD_PID 2>/dev/null; wait $WORKLOAD_PID 2>/dev/null"
tcase "reader every second for ${SECONDS_TOTAL}s: every scrape clean and complete" 'soak'
tcase 'the reader'"'"'s peak RSS stays flat' 'flat "$T/reader_rss" 1'
tcase 'the loader'"'"'s RSS stays flat' 'flat "$T/loader_rss" 1'
tcase 'the loader'"'"'s open descriptors stay flat' 'flat "$T/loader_rss" 2'
# the numbers, for the record
cat "$T"/case.*.log | grep -E "reader runs|quarter max" | while read -r line; do diag "$line"; done
tdone
