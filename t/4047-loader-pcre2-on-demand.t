#!/bin/sh
# 4047: the loader links neither PCRE2 nor a decoder; it opens libpcre2-8.so.0 only for a
# config with regexps (cgroup_id_map), and says which package to install when it cannot
. "${0%/*}/lib.sh"
need ROOT BPF BUILD
use_binary_copies

export CONFIG_DIR=$TOP/t/data/configs BPF_DIR=$BUILD/t/bpf
CG2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$CG2" ] || skip_all "no cgroup2 mount"
CG=$CG2/ebpfexp-test-$$
PCRE2_LIB=$(ldd "$READ" | awk '$1 == "libpcre2-8.so.0" { print $3 }')
[ -n "$PCRE2_LIB" ] || skip_all "the reader does not link libpcre2-8.so.0"
tcleanup 'rmdir "$CG" 2>/dev/null'

# the object's cgroup_ids map is not pinned (not a metric map): find it by the program
map_keys() {
	_p=$(jq -r '.programs[0].id' "$STATE/cgroup_ids.json")
	_m=$(bpftool prog show id "$_p" -j | jq -r '.map_ids[]' | while read -r id; do
		bpftool map show id "$id" -j | jq -r 'select(.name == "cgroup_ids") | .id'; done)
	bpftool map dump id "$_m" -j | jq -r '.[].formatted.key'
}
# check CONFIG_DIR NAME: ebpfexp-load --config.check, output in $T/check.out
check() {
	"$LOAD" --config.dir="$1" --bpf.dir="$BPF_DIR" --config.names="$2" \
		--bpffs.root="$BPFFS_ROOT" --state.dir="$STATE" --config.check >"$T/check.out" 2>&1
}
# hidden CMD...: CMD in a mount namespace where libpcre2-8.so.0 is an empty file
hidden() {
	unshare -m sh -c 'mount --bind /dev/null "$0" && exec "$@"' "$PCRE2_LIB" "$@"
}

tcase 'the loader needs no libpcre2 (readelf -d), the reader does' \
	'readelf -d "$LOAD" | grep -q NEEDED && ! readelf -d "$LOAD" | grep -i pcre2 &&
	 readelf -d "$READ" | grep -q "NEEDED.*libpcre2-8"'
tcase 'the loader has no decoder and no PCRE2 symbol (nm)' \
	'nm "$LOAD" | grep -q " T loader_start$" &&
	 ! nm "$LOAD" | grep -E " (pcre2_|[a-z_]+_decode$|decode_[a-z_]+$)"'
tcase 'a config without regexps runs without PCRE2 in the process' \
	'start_loader perf_events && ! grep libpcre2 /proc/$LOADER_PID/maps && stop_loader'
tcase 'a cgroup_id_map config opens it and fills the map' \
	'mkdir "$CG" && ID=$(stat -c %i "$CG") && start_loader cgroup_ids &&
	 wait_for "map_keys | grep -qx $ID" 10 && grep -q libpcre2-8 /proc/$LOADER_PID/maps &&
	 stop_loader'
tcase 'without libpcre2-8.so.0 that config fails, naming the library and the package' \
	'! hidden "$LOAD" --config.dir="$CONFIG_DIR" --bpf.dir="$BPF_DIR" \
		--config.names=cgroup_ids --bpffs.root="$BPFFS_ROOT" --state.dir="$STATE" \
		--config.check >"$T/hidden.out" 2>&1 && cat "$T/hidden.out" &&
	 grep -q "cgroup_ids.yaml:[0-9]*:[0-9]*: cgroup_id_map: regular expressions need PCRE2: .*libpcre2-8.so.0.* (install the package libpcre2-8-0)" "$T/hidden.out"'
tcase 'while a config without regexps still checks out there' \
	'hidden "$LOAD" --config.dir="$CONFIG_DIR" --bpf.dir="$BPF_DIR" \
		--config.names=perf_events --bpffs.root="$BPFFS_ROOT" --state.dir="$STATE" \
		--config.check'

mkdir -p "$T/bad"
sed 's/- ebpfexp-test-$/- "ebpfexp-(test"/' "$CONFIG_DIR/cgroup_ids.yaml" >"$T/bad/cgmap.yaml"
cat >"$T/bad/label.yaml" <<'YAML'
metrics:
  counters:
    - name: comm_total
      help: a counter
      labels:
        - name: comm
          size: 16
          decoders:
            - name: string
            - name: regexp
              regexps:
                - ^ok$
                - a(?=b)
YAML
tcase 'a cgroup_id_map pattern that does not compile fails the config check, with its place' \
	'! check "$T/bad" cgmap && cat "$T/check.out" &&
	 grep -q "cgmap.yaml:[0-9]*:[0-9]*: cgroup_id_map: regexps\[0\] \"ebpfexp-(test\": missing closing parenthesis at offset 13" "$T/check.out"'
tcase 'a regexp decoder pattern that RE2 refuses: as the reader says it' \
	'! check "$T/bad" label && cat "$T/check.out" &&
	 grep -q "label.yaml:10:15: label \"comm\": decoder \"regexp\": regexps\[1\] \"a(?=b)\": group syntax not in RE2" "$T/check.out"'
tdone
