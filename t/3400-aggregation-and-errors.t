#!/bin/sh
# 3400: keys that decode to the same labels are summed; series are sorted by label values
# in label-name order; label values are escaped; a bad key skips that sample only and is
# counted as a decoder error
. "${0%/*}/lib.sh"
need ROOT BPF BUILD
. "$TOP/t/helpers/maps.sh"

tcase 'fill the maps' '
	printf "%s\n" "01000000 5" "02000000 6" "03000000 1" "04000000 2" |
		fill agg dup_total hash 4 8 8 &&
	printf "%s\n" "01000000:02000000 1" "02000000:0a000000 2" "03000000:02000000 3" |
		fill agg multi_total hash 8 8 8 &&
	printf "%s\n" "ffffffffffffffff 1" "0000000000000000 2" | fill agg u64_total hash 8 8 8 &&
	printf "%s\n" "6122625c63000000 1" "780a790000000000 2" | fill agg str_total hash 8 8 8 &&
	printf "%s\n" "616263646566676900000000 1" "616263000000000000000000 2" \
		"616263646566676861000000 3" "616263646566676800000000 4" \
		"620000000000000000000000 5" "616263646566670000000000 6" \
		"616263646566676700000000 7" | fill agg edge_total hash 12 8 8 &&
	printf "%s\n" "61626300000000000000000000000000 1" "61620000000000006364656667000000 2" \
		"61620000000000000000000000000000 3" "61620000000000006364656600000000 4" |
		fill agg pair_total hash 16 8 8 &&
	printf "%s\n" "31320000 3" "32000000 4" "78000000 5" | fill agg errno_total hash 4 8 8 &&
	printf "%s\n" "00000000 7" "01000000 9" | fill agg bad_total hash 4 8 8 &&
	write_manifest agg'
tcase 'the reader succeeds and names both bad keys' '
	read_config agg 2>"$T/err"; rc=$?; cat "$T/err"; test $rc = 0 &&
	grep -q "errno_total.*1 sample(s) skipped.*\"x\"" "$T/err" &&
	grep -q "bad_total.*1 sample(s) skipped.*4-byte key 01000000" "$T/err"'
tcase 'the output is exactly as expected' 'same_as_expected agg'
tcase 'two decoder errors are counted' 'test "$(decoder_errors agg)" = 2'
tcase 'the count persists across reads' 'read_config agg 2>/dev/null && test "$(decoder_errors agg)" = 4'
tcase '--metrics.max-series=2 keeps the first two series of each metric and counts the rest' '
	"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --textfile.dir="$TEXTFILE" \
		--config.names=agg --metrics.max-series=2 2>"$T/err"; rc=$?; cat "$T/err"; test $rc = 0 &&
	grep -qx "ebpfexp_series_dropped{config=\"agg\"} 9" "$TEXTFILE/ebpfexp.prom" &&
	grep "^ebpf_exporter_dup_total" "$TEXTFILE/ebpfexp_agg.prom" > "$T/dup" &&
	printf "%s\n" "ebpf_exporter_dup_total{kind=\"a\"} 11" "ebpf_exporter_dup_total{kind=\"b\"} 1" |
		diff -u - "$T/dup"'
tcase '300000 keys that decode to one label set are summed into one series' '
	mkdir -p "$BPFFS_ROOT/bulk" &&
	"$MAPFILL" bulk --type=hash --entries=1 "$BPFFS_ROOT/bulk/bulk_total" &&
	: | fill bulk hex_total hash 8 8 1 &&
	"$MAPFILL" bulk --type=hash --entries=300000 --shift=16 --or=0x61 \
		"$BPFFS_ROOT/bulk/collapse_total" &&
	write_manifest bulk && read_config bulk &&
	grep "^ebpf_exporter_collapse_total" "$TEXTFILE/ebpfexp_bulk.prom" > "$T/collapse" &&
	echo "ebpf_exporter_collapse_total{name=\"a\"} 4.500015e+10" | diff -u - "$T/collapse"'
tdone
