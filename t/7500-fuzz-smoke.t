#!/bin/sh
# 7500: the libFuzzer harnesses in t/fuzz/ build (make fuzz FUZZ_TARGET=fuzz-build) and
# each runs about 10 s over its seed corpus without a finding. Skipped without clang's
# fuzzer runtime (libclang-rt-14-dev), except under EBPFEXP_REQUIRE_BPF=1 (CI).
# A harness with a known open bug (t/fuzz/regress/NAME/*.todo) may hit it: then its case
# is a TAP TODO naming the bug.
. "${0%/*}/lib.sh"
need BUILD

FUZZ_CC=${FUZZ_CC:-clang}
FUZZERS="config manifest decode promtext readcgroups ksymidx readstate cgrecord"
SECONDS_EACH=${FUZZ_SMOKE_TIME:-10}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
unset EBPFEXP_FUZZ_AVOID	# known bugs stay visible (as TODO)

command -v "$FUZZ_CC" >/dev/null || skip_all "needs $FUZZ_CC"
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
	> "$T/probe.c"
"$FUZZ_CC" -fsanitize=fuzzer,address,undefined -o "$T/probe" "$T/probe.c" >/dev/null 2>&1 ||
	skip_all "$FUZZ_CC has no libFuzzer runtime (install libclang-rt-14-dev)"

tcase 'make fuzz FUZZ_TARGET=fuzz-build builds every harness' \
	'cd "$TOP" && make -s fuzz FUZZ_TARGET=fuzz-build FUZZ_CC="$FUZZ_CC" &&
	 for h in $FUZZERS; do test -x "$BUILD/fuzz/$h" || exit 1; done'

for h in $FUZZERS; do
	todo=""
	for f in "$TOP/t/fuzz/regress/$h"/*.todo; do
		[ -f "$f" ] && todo="${todo:+$todo; }known: $(head -n 1 "$f")"
	done
	mkdir -p "$T/corpus-$h" "$T/findings-$h"
	dict=""
	[ -f "$TOP/t/fuzz/$h.dict" ] && dict="-dict=$TOP/t/fuzz/$h.dict"
	_tn=$((_tn + 1))
	_log=$T/case.$_tn.log
	_title="$h: ${SECONDS_EACH}s of fuzzing over t/fuzz/corpus/$h finds nothing${todo:+ # TODO $todo}"
	if (cd "$TOP" && "$BUILD/fuzz/$h" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
		-artifact_prefix="$T/findings-$h/" $dict "$T/corpus-$h" "t/fuzz/corpus/$h") \
		>"$_log" 2>&1; then
		echo "ok $_tn - $_title"
		grep -E '^stat::number_of_executed_units|^Done [0-9]+ runs' "$_log" | sed 's/^/# /'
	else
		echo "not ok $_tn - $_title"
		[ -n "$todo" ] || _tfail=$((_tfail + 1))
		grep -v -E '^#[0-9]+|^INFO|NEW_FUNC' "$_log" | sed 's/^/#   /' | head -n 40
	fi
done
tdone
