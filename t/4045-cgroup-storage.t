#!/bin/sh
# 4045: cgroup_id_map with type cgrp_storage: the loader marks the storage of the cgroup2
# cgroups whose path matches, made before it started or while it runs, and leaves the rest;
# a removed cgroup takes its storage with it and a new one at its path is marked again
. "${0%/*}/lib.sh"
need ROOT BPF BUILD

export CONFIG_DIR=$TOP/t/data/configs BPF_DIR=$BUILD/t/bpf
CG2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$CG2" ] || skip_all "no cgroup2 mount"
# not 4040's "ebpfexp-test-": the two may run at once, and each loader watches every cgroup
EARLY=$CG2/ebpfexp-storage-test-$$
LATE=$CG2/ebpfexp-storage-test-$$-late
OTHER=$CG2/ebpfexp-nomatch-$$
METRIC=ebpf_exporter_cgroup_storage_syscalls_total

cleanup_cg() {
	rmdir "$LATE" "$EARLY" "$OTHER" 2>/dev/null
	return 0
}
tcleanup cleanup_cg

# run_in DIR: a short-lived task in cgroup DIR (its system calls after the move count)
run_in() {
	sh -c 'echo $$ > "$1/cgroup.procs" && exec /bin/true' sh "$1"
}
read_prom() {
	"$READ" --state.dir="$STATE" --bpffs.root="$BPFFS_ROOT" --config.names=cgroup_storage \
		--format=prom >"$T/out.prom"
}
# counted DIR: the reader exports a non-zero count labelled with path DIR
counted() {
	read_prom && grep -q "^$METRIC{cgroup=\"$1\"} [1-9]" "$T/out.prom"
}

# bpftool 7.1 (Debian 12) predates cgrp_storage and shows the map type as 32
tcase 'the loader loads a cgrp_storage cgroup_id_map and reports it in the manifest' \
	'mkdir "$EARLY" "$OTHER" && start_loader cgroup_storage &&
	 jq -e ".cgroup_id_map.type == \"cgrp_storage\"" "$STATE/cgroup_storage.json" &&
	 P=$(jq -r ".programs[0].id" "$STATE/cgroup_storage.json") &&
	 bpftool prog show id "$P" -j | jq -r ".map_ids[]" | while read -r id; do
		bpftool map show id "$id" -j; done |
		jq -se "any(.name == \"cgroup_storage\" and
			(.type == \"cgrp_storage\" or .type == 32))"'
tcase 'a task in a matching cgroup made before the loader started is counted, with its path' \
	'run_in "$EARLY" && wait_for "counted \"$EARLY\"" 10 || { cat "$T/out.prom"; false; }'
tcase 'a task in a cgroup whose path does not match is not' \
	'run_in "$OTHER" && read_prom && cat "$T/out.prom" &&
	 ! grep -q "ebpfexp-nomatch-" "$T/out.prom" &&
	 ! grep "^$METRIC{" "$T/out.prom" | grep -v "cgroup=\"$CG2/ebpfexp-storage-test-"'
tcase 'a matching cgroup made while the loader runs is counted once it is seen' \
	'mkdir "$LATE" && wait_for "run_in \"$LATE\" && counted \"$LATE\"" 10 ||
	 { cat "$T/out.prom" "$T/loader.log"; false; }'
tcase 'a removed cgroup: a new one at its path (a new id) is counted again' \
	'OLD=$(stat -c %i "$LATE") && rmdir "$LATE" && wait_for "! counted \"$LATE\"" 10 &&
	 mkdir "$LATE" && [ "$(stat -c %i "$LATE")" != "$OLD" ] &&
	 wait_for "run_in \"$LATE\" && counted \"$LATE\"" 10 ||
	 { cat "$T/out.prom" "$T/loader.log"; false; }'
# inotify reports in order: once a cgroup made after the removals is counted, they were seen
tcase 'removing them all leaves the loader running, with nothing to report' \
	'rmdir "$LATE" "$EARLY" "$OTHER" && mkdir "$LATE" &&
	 wait_for "run_in \"$LATE\" && counted \"$LATE\"" 10 && rmdir "$LATE" &&
	 kill -0 "$LOADER_PID" && cat "$T/loader.log" &&
	 ! grep -Eq "warning|cgroup_id_map" "$T/loader.log"'
tcase 'the loader stops cleanly' 'stop_loader'
tdone
