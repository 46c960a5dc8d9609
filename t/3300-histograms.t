#!/bin/sh
# 3300: histograms of every bucket type: exp2, exp2zero, linear, fixed; the multiplier,
# inclusive bucket_min..bucket_max, the sum key, out-of-range and unlisted keys ignored,
# sparse maps, per-CPU sums, cumulative buckets, +Inf = _count, Go number formatting
. "${0%/*}/lib.sh"
need ROOT BPF BUILD
. "$TOP/t/helpers/maps.sh"
[ "$(n_cpus)" -ge 2 ] || skip_all "needs at least 2 possible CPUs"

# exp2 keys: u32 op, u32 bucket
tcase 'fill the maps' '
	printf "%s\n" "00000000:01000000 2" "00000000:03000000 1" "00000000:05000000 7" \
		"00000000:04000000 3000" \
		"01000000:00000000 1" "01000000:02000000 4" "01000000:04000000 1824" |
		fill hist exp2_seconds hash 8 8 16 &&
	printf "%s\n" "00000000 1 1" "02000000 3" "04000000 0 1" "05000000 100 20" |
		fill hist exp2zero_bytes percpu_array 4 8 6 &&
	printf "%s\n" "0000000000000000 9" "0100000000000000 1" "0300000000000000 2" \
		"0400000000000000 3" "0500000000000000 500" "0600000000000000 7" |
		fill hist linear_items lru_hash 8 8 16 &&
	printf "%s\n" "0000000000000000 1" "4000000000000000 2" "6400000000000000 5" \
		"0002000000000000 1234567" "0010000000000000 1" "0110000000000000 12345" |
		fill hist fixed_bytes hash 8 8 16 &&
	printf "%s\n" "01000000 1" "05000000 1" | fill hist unparsable_seconds hash 4 8 8 &&
	: | fill hist empty_seconds hash 4 8 8 &&
	write_manifest hist'
tcase 'the reader writes the file and warns about the unparsable bucket label' '
	read_config hist 2>"$T/err"; rc=$?; cat "$T/err"; test $rc = 0 &&
	grep -q "unparsable_seconds.*\"five\"" "$T/err"'
tcase 'the output is exactly as expected' 'same_as_expected hist'
tcase 'an unparsable bucket label is not a decoder error' 'test "$(decoder_errors hist)" = 0'
tdone
