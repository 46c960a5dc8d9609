#!/bin/sh
# 3200: per-CPU maps whose last label is `cpu` give one series per CPU (the CPU appended to
# the key as a u16), the cpu-only special case, and `cpu` on other maps is a key field
. "${0%/*}/lib.sh"
need ROOT BPF BUILD
. "$TOP/t/helpers/maps.sh"
# the expected file has one series per CPU of a 2-CPU machine
[ "$(n_cpus)" = 2 ] || skip_all "expected output written for 2 possible CPUs, not $(n_cpus)"

tcase 'fill the maps' '
	printf "%s\n" "00000000 1 2" "01000000 3 0" |
		fill cpulabel softirqs_total percpu_array 4 8 3 &&
	echo "00000000 5 6" | fill cpulabel cpu_only_total percpu_array 4 8 1 &&
	printf "%s\n" "00000000 1 2" "01000000 3 4" |
		fill cpulabel cpu_only_hash_total percpu_hash 4 8 4 &&
	printf "%s\n" "07000000 1 0" "09000000 0 4" |
		fill cpulabel id_cpu_total lru_percpu_hash 4 8 4 &&
	echo "03000000 9" | fill cpulabel plain_cpu_total hash 4 8 4 &&
	write_manifest cpulabel'
tcase 'the reader succeeds and warns about the key it cannot decode' '
	read_config cpulabel 2>"$T/err" && cat "$T/err" &&
	grep -q "cpu_only_hash_total.*2 sample(s) skipped" "$T/err"'
tcase 'the output is exactly as expected' 'same_as_expected cpulabel'
tcase 'the undecodable key counts one decoder error per CPU sample' \
	'test "$(decoder_errors cpulabel)" = 2'
tdone
