#!/bin/sh
# 0100: loader -> pins -> reader -> .prom -> node_exporter, end to end, with the timers example
. "${0%/*}/lib.sh"
need ROOT BPF BUILD PROMTOOL NODE_EXPORTER

MAP=$BPFFS_ROOT/timers/timer_starts_total

# TCP connections on loopback arm kernel timers (retransmit, keepalive, delayed ack)
activity() {
	curl -fsS "http://127.0.0.1:$NE_PORT/metrics" >/dev/null
}

has_entries() {
	activity
	[ "$(bpftool map dump pinned "$MAP" -j | jq length)" -gt 0 ]
}

prog_ids() {
	jq -r '.programs[].id' "$STATE/timers.json"
}

tcase 'node_exporter starts on 127.0.0.1 with only the textfile collector' 'start_node_exporter'
tcase 'loader loads timers, pins its map and writes the manifest' \
	'start_loader timers && test -e "$MAP" && jq -e ".schema == 1" "$STATE/timers.json"'
tcase 'the program is attached and pinned' \
	'jq -e ".programs | length > 0 and all(.attached)" "$STATE/timers.json" &&
	 ls "$BPFFS_ROOT/timers" | grep -q "^prog_"'
tcase 'bpftool dumps the pinned map with BTF-formatted keys' \
	'wait_for has_entries 20 &&
	 bpftool map dump pinned "$MAP" | grep -q "\"key\":" ||
	 bpftool map dump pinned "$MAP" -j | jq -e ".[0].formatted.key != null"'
tcase 'reader writes ebpfexp_timers.prom and ebpfexp.prom' \
	'"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --textfile.dir="$TEXTFILE" &&
	 test -s "$TEXTFILE/ebpfexp_timers.prom" && test -s "$TEXTFILE/ebpfexp.prom"'
tcase 'no temp file is left beside them' \
	'! ls -A "$TEXTFILE" | grep -q "tmp"'
tcase 'promtool check metrics accepts both files' \
	'promcheck < "$TEXTFILE/ebpfexp_timers.prom" &&
	 promcheck < "$TEXTFILE/ebpfexp.prom"'
tcase 'node_exporter serves them without a scrape error' \
	'scrape > "$T/scrape" &&
	 grep -qx "node_textfile_scrape_error 0" "$T/scrape"'
tcase 'timer starts are served by kernel function name, with values > 0' \
	'grep "^ebpf_exporter_timer_starts_total{function=\"[a-z_][a-z0-9_.]*\"} [1-9]" "$T/scrape" |
	 grep -v unknown_addr | grep -q .'
tcase 'the loader is reported up' \
	'grep -qx "ebpfexp_loader_up 1" "$T/scrape"'
tcase 'SIGTERM: the loader exits 0' 'stop_loader'
tcase 'after exit its programs are gone (no links, no program)' \
	'for id in $(prog_ids); do ! bpftool prog show id "$id" >/dev/null 2>&1 || return 1; done'
tcase 'map pins are kept (counters survive restarts), program pins are removed' \
	'test -e "$MAP" && ! ls "$BPFFS_ROOT/timers" | grep -q "^prog_"'
tcase 'the reader now reports the loader down and still serves the frozen counts' \
	'"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --textfile.dir="$TEXTFILE" &&
	 grep -qx "ebpfexp_loader_up 0" "$TEXTFILE/ebpfexp.prom" &&
	 grep -q "^ebpf_exporter_timer_starts_total{" "$TEXTFILE/ebpfexp_timers.prom"'
tcase 'with --unpin, stopping removes pins and the manifest' \
	'start_loader timers --unpin && stop_loader &&
	 ! test -e "$BPFFS_ROOT/timers" && ! test -e "$STATE/timers.json"'
tdone
