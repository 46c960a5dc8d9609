#!/bin/sh
# 3500: batch reads see every entry exactly once, whatever the batch size: hash buckets
# larger than the batch (ENOSPC, grow), the final ENOENT call that still returns entries,
# arrays; the per-key path agrees; the reader reads maps far larger than one batch
. "${0%/*}/lib.sh"
need ROOT BPF BUILD
. "$TOP/t/helpers/maps.sh"
[ "$(n_cpus)" -ge 2 ] || skip_all "needs at least 2 possible CPUs"

# 61 keys in 64 hash buckets: some buckets hold two or more, more than a batch of 1
spec() {
	i=1
	while [ $i -le 61 ]; do
		printf "%08x %d %d\n" $((i * 2654435761 % 4294967296)) $i $((i * 3))
		i=$((i + 1))
	done
}

for type in hash lru_hash percpu_hash lru_percpu_hash array percpu_array; do
	case $type in
	*array) n=64 ;;		# arrays hold every index
	*) n=61 ;;
	esac
	case $type in
	percpu*|lru_percpu*) fields=3 ;;
	*) fields=2 ;;
	esac
	tcase "$type: fill 61 entries" '
		if [ $type = array ] || [ $type = percpu_array ]; then
			spec | awk "{ printf \"%02x000000 %s %s\n\", NR - 1, \$2, \$3 }"
		else
			spec
		fi | cut -d" " -f1-$fields | fill batch $type $type 4 8 64 &&
		"$MAPFILL" read --per-key "$BPFFS_ROOT/batch/$type" > "$T/$type.per-key" &&
		test "$(grep -c . "$T/$type.per-key")" = $n'
	tcase "$type: batches of 1, 2, 3, 7, 60, 61, 64 and 1000 agree with per-key reads" '
		ok=0
		for b in 1 2 3 7 60 61 64 1000; do
			"$MAPFILL" read --batch=$b "$BPFFS_ROOT/batch/$type" > "$T/$type.$b" &&
			diff -u "$T/$type.per-key" "$T/$type.$b" || ok=1
		done
		test $ok = 0'
done

tcase 'the reader reads a 10000-entry hash (3 batches) completely' '
	mkdir -p "$BPFFS_ROOT/bulk" &&
	"$MAPFILL" bulk --type=hash --entries=10000 "$BPFFS_ROOT/bulk/bulk_total" &&
	: | fill bulk collapse_total hash 8 8 1 &&
	"$MAPFILL" bulk --type=hash --entries=5000 --shift=40 "$BPFFS_ROOT/bulk/hex_total" &&
	write_manifest bulk && read_config bulk &&
	test "$(grep -c "^ebpf_exporter_bulk_total{" "$TEXTFILE/ebpfexp_bulk.prom")" = 10000 &&
	grep -qx "ebpf_exporter_bulk_total{id=\"9999\"} 10000" "$TEXTFILE/ebpfexp_bulk.prom" &&
	grep -qx "ebpf_exporter_bulk_total{id=\"0\"} 1" "$TEXTFILE/ebpfexp_bulk.prom"'
tcase 'series come out in label value order' '
	grep "^ebpf_exporter_bulk_total{" "$TEXTFILE/ebpfexp_bulk.prom" > "$T/lines" &&
	LC_ALL=C sort -c "$T/lines"'
tcase 'label sets alike in their first 8 bytes are ordered by the rest' '
	grep "^ebpf_exporter_hex_total{" "$TEXTFILE/ebpfexp_bulk.prom" > "$T/hex" &&
	test "$(sort -u "$T/hex" | wc -l)" = 5000 && LC_ALL=C sort -c "$T/hex" &&
	grep -qx "ebpf_exporter_hex_total{key=\"0000000000630000\"} 100" "$T/hex"'
tcase '300000 label sets alike in their first 8 bytes: merged early, none lost, in order' '
	rm "$BPFFS_ROOT/bulk/hex_total" &&
	"$MAPFILL" bulk --type=hash --entries=300000 --shift=40 "$BPFFS_ROOT/bulk/hex_total" &&
	"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --textfile.dir="$TEXTFILE" \
		--config.names=bulk --metrics.max-series=0 &&
	grep "^ebpf_exporter_hex_total{" "$TEXTFILE/ebpfexp_bulk.prom" > "$T/hex" &&
	test "$(sort -u "$T/hex" | wc -l)" = 300000 && LC_ALL=C sort -c "$T/hex" &&
	grep -qx "ebpf_exporter_hex_total{key=\"0000000000df9304\"} 300000" "$T/hex"'
tcase 'the bare batch read sees the same entries' '
	"$MAPFILL" batchread "$BPFFS_ROOT/bulk/bulk_total" | grep -qx "10000 entries, sum 50005000"'
tcase '300000 distinct ids (sorted in place, then in buckets through a buffer): all there, in order' '
	rm "$BPFFS_ROOT/bulk/bulk_total" &&
	"$MAPFILL" bulk --type=hash --entries=300000 "$BPFFS_ROOT/bulk/bulk_total" &&
	"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --textfile.dir="$TEXTFILE" \
		--config.names=bulk --metrics.max-series=0 &&
	grep "^ebpf_exporter_bulk_total{" "$TEXTFILE/ebpfexp_bulk.prom" > "$T/ids" &&
	test "$(sort -u "$T/ids" | wc -l)" = 300000 && LC_ALL=C sort -c "$T/ids" &&
	grep -qx "ebpf_exporter_bulk_total{id=\"299999\"} 300000" "$T/ids"'
tdone
