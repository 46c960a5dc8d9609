#!/bin/sh
# 3100: every metric map type read into counters: hash, lru_hash, the per-CPU types summed,
# arrays with every index, empty maps, label-less maps, values above 2^53
. "${0%/*}/lib.sh"
need ROOT BPF BUILD
. "$TOP/t/helpers/maps.sh"
[ "$(n_cpus)" -ge 2 ] || skip_all "needs at least 2 possible CPUs"

tcase 'fill a hash, an lru_hash and the per-CPU hashes' '
	printf "%s\n" "01000000 1" "02000000 2" "0a000000 10" "00000000 0" |
		fill types hash_total hash 4 8 16 &&
	printf "%s\n" "03000000 9007199254740993" "04000000 18446744073709551615" \
		"05000000 1000000" "06000000 1234567" "07000000 123456" |
		fill types lru_hash_total lru_hash 4 8 16 &&
	printf "%s\n" "01000000 1 2" "02000000 5" "03000000 0 7" \
		"04000000 9007199254740993 9007199254740993" |
		fill types percpu_hash_total percpu_hash 4 8 16 &&
	printf "%s\n" "0a000000 1 0" "0b000000 2 3" |
		fill types lru_percpu_hash_total lru_percpu_hash 4 8 16'
tcase 'fill an array, a percpu_array, an empty hash and two label-less maps' '
	printf "%s\n" "01000000 5" "03000000 7" | fill types array_total array 4 8 4 &&
	printf "%s\n" "00000000 1 1" "02000000 4" |
		fill types percpu_array_total percpu_array 4 8 3 &&
	: | fill types empty_total hash 4 8 8 &&
	echo "00000000 42" | fill types events_total hash 4 8 1 &&
	echo "00000000 3 4" | fill types percpu_events_total percpu_array 4 8 1'
tcase 'the manifest describes them' 'write_manifest types && jq -e "[.metrics[] | select(.map != null)] | length == 9" "$STATE/types.json"'
tcase 'the reader reads them without an error' 'read_config types'
tcase 'the output is exactly as expected' 'same_as_expected types'
tcase 'no decoder errors' 'test "$(decoder_errors types)" = 0'
tcase 'a value size above 8: the first 8 bytes of each value count' '
	printf "%s\n" "01000000 11" | fill wide hash_total hash 4 16 4 &&
	printf "%s\n" "01000000 11 12" | fill wide percpu_hash_total percpu_hash 4 12 4 &&
	"$MAPFILL" read "$BPFFS_ROOT/wide/hash_total" | grep -qx "01000000 11" &&
	"$MAPFILL" read "$BPFFS_ROOT/wide/percpu_hash_total" | grep -q "^01000000 11 12"'
tdone
