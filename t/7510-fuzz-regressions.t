#!/bin/sh
# 7510: every input a fuzzer ever broke a module with, and every seed, replays clean
# through a plain build of its harness (build/fuzz/NAME-replay: the harness, the collector
# and a main() that reads files, with ASan and UBSan but without libFuzzer).
#
# t/fuzz/regress/NAME/FILE is an input for harness NAME. While FILE.todo exists (its first
# line says which bug in which module), the case is a TAP TODO: expected to fail until the
# module is fixed; delete FILE.todo with the fix.
. "${0%/*}/lib.sh"
need BUILD

CC=${CC:-cc}
FUZZERS="config manifest decode promtext readcgroups ksymidx readstate cgrecord"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
unset EBPFEXP_FUZZ_AVOID	# replay every finding, the open ones too

printf 'int main(void) { return 0; }\n' > "$T/probe.c"
"$CC" -fsanitize=address,undefined -o "$T/probe" "$T/probe.c" >/dev/null 2>&1 &&
	"$T/probe" || skip_all "$CC cannot build with -fsanitize=address,undefined"

# One TAP line by hand: lib.sh's tcase has no TODO directive.
replay_case() {	# title todo-reason harness file...
	_title=$1 _todo=$2 _h=$3
	shift 3
	_tn=$((_tn + 1))
	_log=$T/case.$_tn.log
	_dir=${_todo:+ # TODO $_todo}
	if (cd "$TOP" && "$BUILD/fuzz/$_h-replay" "$@") >"$_log" 2>&1; then
		echo "ok $_tn - $_title$_dir"
	else
		echo "not ok $_tn - $_title$_dir"
		[ -n "$_todo" ] || _tfail=$((_tfail + 1))
		sed 's/^/#   /' "$_log" | grep -v ': ok$' | head -n 40
	fi
}

tcase 'the replay harnesses build (make -f t/fuzz/Makefile fuzz-replay)' \
	'cd "$TOP" && make -s -f t/fuzz/Makefile fuzz-replay CC="$CC"'

for h in $FUZZERS; do
	seeds=$(ls "$TOP/t/fuzz/corpus/$h"/* 2>/dev/null)
	[ -n "$seeds" ] && replay_case "$h: the seed corpus replays clean" "" "$h" $seeds
	for f in "$TOP/t/fuzz/regress/$h"/*; do
		[ -f "$f" ] || continue
		case $f in *.todo | */README) continue ;; esac
		todo=""
		[ -f "$f.todo" ] && todo=$(head -n 1 "$f.todo")
		replay_case "$h: regress/$h/${f##*/} replays clean" "$todo" "$h" "$f"
	done
done
tdone
