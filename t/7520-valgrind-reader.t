#!/bin/sh
# 7520: a reader run over every shipped example, under valgrind, leaks nothing and makes no
# invalid access, whether it writes the textfile directory or prints json or a table
. "${0%/*}/lib.sh"
need ROOT BPF BUILD
command -v valgrind >/dev/null || skip_all "needs valgrind"
# valgrind cannot run an ASan binary; `make check SANITIZE=1` checks the reader with ASan
# instead, so this is no missing dependency and skips even under EBPFEXP_REQUIRE_BPF=1.
if grep -q __asan_init "$READ"; then
	echo "1..0 # SKIP the reader is built with SANITIZE=1 (ASan and valgrind exclude each other)"
	exit 0
fi

NAMES=$(ls "$TOP"/configs/*.yaml | sed -e 's,.*/,,' -e 's,\.yaml$,,' | paste -sd, -)

# valgrind 3.19 does not model BPF_MAP_LOOKUP_BATCH ("unhandled eBPF command 24"): the
# values the kernel writes look uninitialised to it, so every decoder reading them would be
# reported. Definedness checks are off for that reason; leaks, invalid reads and writes,
# bad frees and overlaps are still errors. `make check SANITIZE=1` covers the rest.
vg() {
	valgrind -q --undef-value-errors=no --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
		--error-exitcode=99 "$@"
}

read_flags() {
	echo "--state.dir=$STATE --bpffs.root=$BPFFS_ROOT"
}

# Some examples may fail to load on a given machine, and start_loader would wait for their
# manifests in vain: start the loader as it does, and go on once every config has either
# its manifest or a line in the loader's log. Only the reader is under test here.
settled() {
	for n in $(echo "$NAMES" | tr , ' '); do
		test -s "$STATE/$n.json" || grep -q "config \"$n\"" "$T/loader.log" || return 1
	done
}
start_all() {
	"$LOAD" --config.dir="$TOP/configs" --bpf.dir="$BUILD/bpf" --config.names="$NAMES" \
		--bpffs.root="$BPFFS_ROOT" --state.dir="$STATE" --log.no-timestamps \
		>"$T/loader.log" 2>&1 &
	LOADER_PID=$!
	tcleanup "stop_loader"
	wait_for "! kill -0 $LOADER_PID || settled" 120
	cat "$T/loader.log"
	kill -0 "$LOADER_PID"
}
tcase 'the loader runs with every shipped config (at least one manifest)' \
	'start_all && ls "$STATE"/*.json && ls "$STATE"/*.json | wc -l > "$T/n"'
tcase 'reader to the textfile dir under valgrind: exit 0, no leak, no invalid access' \
	'vg "$READ" $(read_flags) --textfile.dir="$TEXTFILE" 2> "$T/vg.err"; rc=$?
	 grep -v "unhandled eBPF command" "$T/vg.err"; echo "exit $rc"; [ "$rc" = 0 ]'
tcase 'it wrote one .prom per manifest and ebpfexp.prom' \
	'test "$(ls "$TEXTFILE"/ebpfexp_*.prom | wc -l)" = "$(cat "$T/n")" &&
	 test -s "$TEXTFILE/ebpfexp.prom"'
tcase 'reader printing json under valgrind: exit 0, no leak' \
	'vg "$READ" $(read_flags) --output=- --format=json > "$T/out.json" 2> "$T/vg.err"; rc=$?
	 grep -v "unhandled eBPF command" "$T/vg.err"; echo "exit $rc"; [ "$rc" = 0 ] &&
	 { ! command -v jq >/dev/null || jq -e .families "$T/out.json" >/dev/null; }'
tcase 'reader printing a table under valgrind: exit 0, no leak' \
	'vg "$READ" $(read_flags) --output=- --format=table > "$T/out.txt" 2> "$T/vg.err"; rc=$?
	 grep -v "unhandled eBPF command" "$T/vg.err"; echo "exit $rc"; [ "$rc" = 0 ] &&
	 test -s "$T/out.txt"'
tcase 'the live view over every config under valgrind: 3 intervals as table and json, no leak' \
	'for f in table json; do
		vg "$READ" $(read_flags) --interval=0.2 --count=3 --format=$f > "$T/live.$f" \
			2> "$T/vg.err"; rc=$?
		grep -v "unhandled eBPF command" "$T/vg.err"; echo "$f: exit $rc"
		[ "$rc" = 0 ] || return 1
	 done
	 [ "$(grep -c "  interval " "$T/live.table")" = 3 ] && [ "$(wc -l < "$T/live.json")" = 3 ]'
tcase 'a config that fails to read (missing pins) leaks nothing either' \
	'mkdir -p "$T/state2" && cp "$STATE"/*.json "$T/state2/" &&
	 vg "$READ" --state.dir="$T/state2" --bpffs.root="$T/nopins" --output=- \
		> /dev/null 2> "$T/vg.err"; rc=$?
	 grep -v "unhandled eBPF command" "$T/vg.err"; echo "exit $rc"; [ "$rc" != 99 ] && [ "$rc" != 0 ]'
tcase 'SIGTERM: the loader exits 0' 'stop_loader'
tdone
