#!/bin/sh
# 5720: the reader trusts nothing it reads: a manifest with a metric twice, a newline in a
# metric name, a quote in a label name or a pin path that is no map is refused with a
# message naming the file and the part, the good configs are written, and node_exporter
# accepts every file; a directory where the reader keeps its state is a warning, exit 0
. "${0%/*}/lib.sh"
need ROOT BPF BUILD PROMTOOL NODE_EXPORTER
use_binary_copies

read_all() {
	"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --textfile.dir="$TEXTFILE"
}

# craft NAME 'jq filter': a manifest NAME.json beside the good one, made from timers.json
craft() {
	jq --arg root "$BPFFS_ROOT" ".name = \"$1\" | $2" "$T/timers.json" > "$STATE/$1.json"
}

tcase 'loader up with timers; the reader writes its file' \
	'start_loader timers && read_all && cp "$STATE/timers.json" "$T/timers.json" &&
	 test -s "$TEXTFILE/ebpfexp_timers.prom"'
tcase 'four crafted manifests beside the good one: exit 1, the good config written' \
	'craft dup ".metrics += [.metrics[0] | .at.line = 20 | .perf_event_array = true | .map = null]" &&
	 craft newline ".metrics[0].name = \"timer_starts_total 1\nevil_injected_total\"" &&
	 craft quote ".metrics[0].labels[0].name = \"fu\\\"nction\"" &&
	 craft pindir ".metrics[0].map.pin_path = \$root + \"/timers\"" &&
	 rm -f "$TEXTFILE/ebpfexp_timers.prom" &&
	 { read_all 2>"$T/bad.err"; rc=$?; }; cat "$T/bad.err";
	 [ $rc = 1 ] && grep -q "^ebpf_exporter_timer_starts_total{" "$TEXTFILE/ebpfexp_timers.prom" &&
	 grep -qx "ebpfexp_read_success{config=\"timers\"} 1" "$TEXTFILE/ebpfexp.prom"'
tcase 'a metric twice: the file, the metric and both places are named' \
	'cat "$T/bad.err"; grep -E "config \"dup\": [^ ]*/dup.json: metrics\[1\]\.name: metric \"timer_starts_total\" is also metrics\[0\] \(from [^ ]*timers.yaml:[0-9]+:[0-9]+ and [^ ]*timers.yaml:20:[0-9]+\)" "$T/bad.err" &&
	 grep -qx "ebpfexp_read_success{config=\"dup\"} 0" "$TEXTFILE/ebpfexp.prom"'
tcase 'a newline in a metric name: refused with the loader'"'"'s reason, shown escaped' \
	'grep -F "/newline.json: metrics[0].name: \"timer_starts_total 1\\nevil_injected_total\": not a valid metric name" "$T/bad.err" &&
	 [ "$(grep -c . "$T/bad.err")" -le 6 ]'
tcase 'a quote in a label name: refused the same way' \
	'grep -F "/quote.json: metrics[0].labels[0].name: \"fu\\\"nction\": not a valid label name" "$T/bad.err"'
tcase 'a pin path that is a directory: "not a pinned map", not a permission hint' \
	'grep -F "config \"pindir\": metric \"timer_starts_total\": $BPFFS_ROOT/timers: a directory, not a pinned map" "$T/bad.err" &&
	 ! grep -q "pins.*group" "$T/bad.err"'
tcase 'no file for a refused config, nothing injected anywhere' \
	'for c in dup newline quote pindir; do ! test -e "$TEXTFILE/ebpfexp_$c.prom" || return 1; done;
	 ! grep -rq evil_injected "$TEXTFILE"'
tcase 'promtool accepts every file written' \
	'for f in "$TEXTFILE"/*.prom; do promcheck < "$f" || return 1; done'
tcase 'node_exporter reads every file without a scrape error' \
	'start_node_exporter && scrape > "$T/scrape" &&
	 grep -qx "node_textfile_scrape_error 0" "$T/scrape" &&
	 grep -q "^ebpf_exporter_timer_starts_total{" "$T/scrape" &&
	 grep -q "^ebpfexp_read_success{config=\"dup\"} 0" "$T/scrape"'
tcase 'a manifest file whose name is no config name: refused, no series and no file for it' \
	'craft "bad name" "." && { read_all 2>"$T/name.err"; rc=$?; }; cat "$T/name.err";
	 rm -f "$STATE/bad name.json";
	 [ $rc = 1 ] && grep -qF "/bad name.json: config \"bad name\": not a valid config name" "$T/name.err" &&
	 ! grep -q "bad name" "$TEXTFILE/ebpfexp.prom" && ! ls -A "$TEXTFILE" | grep -q "bad name" &&
	 ! grep -q "bad name" "$TEXTFILE/.ebpfexp-read.state"'
tcase 'a program pin outside --bpffs.root is refused, as a map pin is' \
	'craft progpin ".programs[0].pin_path = \"/sys/fs/bpf/elsewhere\"" &&
	 { read_all 2>"$T/prog.err"; rc=$?; }; cat "$T/prog.err"; rm -f "$STATE/progpin.json";
	 [ $rc = 1 ] && grep -q "config \"progpin\": program \"[a-z_]*\": pin /sys/fs/bpf/elsewhere is outside --bpffs.root" "$T/prog.err"'
tcase 'two manifests with one metric, read into one --output: the second fails with a message' \
	'craft timers2 "." && { "$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --output=- \
		>"$T/both.prom" 2>"$T/both.err"; rc=$?; }; cat "$T/both.err"; rm -f "$STATE/timers2.json";
	 [ $rc = 1 ] && grep -q "config \"timers2\": metric \"timer_starts_total\": family ebpf_exporter_timer_starts_total is written already" "$T/both.err" &&
	 promcheck < "$T/both.prom"'
tcase 'a directory at the state file: a warning naming it, every file written, exit 0' \
	'rm -f "$STATE/dup.json" "$STATE/newline.json" "$STATE/quote.json" "$STATE/pindir.json" &&
	 rm -f "$TEXTFILE/.ebpfexp-read.state" && mkdir "$TEXTFILE/.ebpfexp-read.state" &&
	 rm -f "$TEXTFILE"/*.prom &&
	 { read_all 2>"$T/state.err"; rc=$?; }; cat "$T/state.err";
	 [ $rc = 0 ] && test -s "$TEXTFILE/ebpfexp_timers.prom" && test -s "$TEXTFILE/ebpfexp.prom" &&
	 grep -q "warning: state .ebpfexp-read.state not saved: .*Is a directory: decoder error totals start again from zero next run" "$T/state.err" &&
	 ! grep -q "error:" "$T/state.err"'
tcase 'temp names in messages have one dot: .ebpfexp-read.state.tmp.X' \
	'cat "$T/state.err"; grep -q "rename \.ebpfexp-read\.state\.tmp\.[^ ]* to \.ebpfexp-read\.state: Is a directory" "$T/state.err" && ! grep -q "\.\.ebpfexp" "$T/state.err"'
tcase 'the same at the cgroups file: a warning, exit 0 (one rule for both)' \
	'rmdir "$TEXTFILE/.ebpfexp-read.state" && rm -f "$TEXTFILE/.ebpfexp-read.cgroups" &&
	 mkdir "$TEXTFILE/.ebpfexp-read.cgroups" &&
	 { read_all 2>"$T/cg.err"; rc=$?; }; cat "$T/cg.err"; rmdir "$TEXTFILE/.ebpfexp-read.cgroups";
	 [ $rc = 0 ] && grep -q "warning: .*\.ebpfexp-read\.cgroups" "$T/cg.err"'
tdone
