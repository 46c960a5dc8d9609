#!/bin/sh
# 1000: ebpfexp-load --config.check lists every problem of every config and exits 2; good
# configs exit 0; nothing is pinned either way
. "${0%/*}/lib.sh"
need ROOT BPF BUILD

check() {
	"$LOAD" --config.check --log.no-timestamps --bpffs.root="$BPFFS_ROOT" \
		--state.dir="$STATE" "$@"
}

tcase 'every shipped example passes --config.check: exit 0' \
	'check --config.dir="$TOP/configs" --bpf.dir="$BUILD/bpf" 2>"$T/good.err"; rc=$?;
	 cat "$T/good.err"; [ $rc = 0 ] && grep -q "all good" "$T/good.err"'
tcase 'check mode pins nothing and writes no manifest' \
	'! test -e "$BPFFS_ROOT" && [ -z "$(ls -A "$STATE")" ]'
mkdir -p "$T/cfg"
cp "$TOP/t/data/check/typos.yaml" "$TOP/t/data/check/nomap.yaml" "$T/cfg/"
# both broken configs borrow the timers object
cp "$BUILD/bpf/timers.bpf.o" "$T/cfg/typos.bpf.o"
cp "$BUILD/bpf/timers.bpf.o" "$T/cfg/nomap.bpf.o"
tcase 'broken configs: exit 2' \
	'check --config.dir="$T/cfg" 2>"$T/bad.err"; rc=$?; cat "$T/bad.err"; [ $rc = 2 ]'
tcase 'the unknown decoder is reported at file:line:col with a suggestion' \
	'grep -q "typos.yaml:9:21: .*\"unit\".*did you mean \"uint\"" "$T/bad.err"'
tcase 'the unknown bucket type in the same file is reported too, with a suggestion' \
	'grep -q "typos.yaml:13:20: .*exp3.*did you mean \"exp2\"" "$T/bad.err"'
tcase 'the other config'"'"'s missing map is reported as well, naming config and metric' \
	'grep -q "nomap.yaml:3:.*no_such_map_total" "$T/bad.err"'
tcase 'a kprobe that cannot attach and an fentry object that cannot load are both reported' \
	'check --config.dir="$TOP/t/data/configs" --bpf.dir="$BUILD/t/bpf" \
		--config.names=kprobe_fail,fentry_fail 2>"$T/k.err"; rc=$?; cat "$T/k.err";
	 [ $rc = 2 ] &&
	 grep -q "config \"fentry_fail\": load .*program \"do_nanosleep\".*ftrace" "$T/k.err" &&
	 grep -q "config \"kprobe_fail\": program \"do_nanosleep\".*kprobe/do_nanosleep.*attach" "$T/k.err"'
tcase 'an object with an unresolved extern: the extern and what to do, never "open FILE"' \
	'check --config.dir="$TOP/t/data/configs" --bpf.dir="$BUILD/t/bpf" \
		--config.names=extern_memcmp 2>"$T/x.err"; rc=$?; cat "$T/x.err";
	 [ $rc = 2 ] &&
	 grep -qF "config \"extern_memcmp\": object $BUILD/t/bpf/extern_memcmp.bpf.o: extern \"memcmp\" is not resolved: libbpf: failed to find BTF for extern '"'"'memcmp'"'"'" "$T/x.err" &&
	 grep -q "rebuild the object with a clang that inlines it, or avoid the call" "$T/x.err" &&
	 ! grep -q "open .*extern_memcmp.bpf.o" "$T/x.err" && ! grep -q "No such file" "$T/x.err"'
mkdir -p "$T/names"
cp "$TOP/configs/timers.yaml" "$T/names/bad name.yaml"
cp "$BUILD/bpf/timers.bpf.o" "$T/names/bad name.bpf.o"
tcase 'a config name the reader could not print is refused by the same rule: exit 2' \
	'check --config.dir="$T/names" 2>"$T/n.err"; rc=$?; cat "$T/n.err";
	 [ $rc = 2 ] && grep -qF "config \"bad name\": not a valid config name" "$T/n.err"'
tdone
