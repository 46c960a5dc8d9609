#!/bin/sh
# 4040: cgroup_id_map: the loader fills the map with the cgroup2 cgroups whose path matches
# and follows them as they are made and removed
. "${0%/*}/lib.sh"
need ROOT BPF BUILD

export CONFIG_DIR=$TOP/t/data/configs BPF_DIR=$BUILD/t/bpf
CG2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$CG2" ] || skip_all "no cgroup2 mount"
CG=$CG2/ebpfexp-test-$$

# the object's cgroup_ids map is not pinned (not a metric map): find it by the program
map_keys() {
	_p=$(jq -r '.programs[0].id' "$STATE/cgroup_ids.json")
	_m=$(bpftool prog show id "$_p" -j | jq -r '.map_ids[]' | while read -r id; do
		bpftool map show id "$id" -j | jq -r 'select(.name == "cgroup_ids") | .id'; done)
	bpftool map dump id "$_m" -j | jq -r '.[].formatted.key'
}
has_key() {
	map_keys | grep -qx "$1"
}
cleanup_cg() {
	rmdir "$CG/sub" "$CG" 2>/dev/null
	return 0
}
tcleanup cleanup_cg

tcase 'a cgroup made before the loader starts is in the map' \
	'mkdir "$CG" && ID=$(stat -c %i "$CG") && start_loader cgroup_ids && wait_for "has_key $ID" 10'
tcase 'cgroups whose path does not match are not' \
	'! has_key "$(stat -c %i "$CG2")"'
tcase 'a cgroup made while it runs appears' \
	'mkdir "$CG/sub" && SUB=$(stat -c %i "$CG/sub") && wait_for "has_key $SUB" 10'
tcase 'system calls of a task in it are counted, labelled with its path' \
	'sh -c "echo \$\$ > $CG/sub/cgroup.procs && exec /bin/sleep 0.01" &&
	 wait_for "\"$READ\" --state.dir=$STATE --bpffs.root=$BPFFS_ROOT --config.names=cgroup_ids --format=prom | grep -q \"^ebpf_exporter_cgroup_ids_syscalls_total{cgroup=\\\"$CG/sub\\\"} [1-9]\"" 10'
tcase 'a removed cgroup disappears from the map' \
	'rmdir "$CG/sub" && wait_for "! has_key $SUB" 10 && has_key "$ID"'
tcase 'and the other one too' \
	'rmdir "$CG" && wait_for "! has_key $ID" 10 && [ -z "$(map_keys)" ]'
tcase 'the loader stops cleanly' 'stop_loader'
tdone
