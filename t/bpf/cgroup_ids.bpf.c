// SPDX-License-Identifier: GPL-2.0
/*
 * Test object for cgroup_id_map: the loader fills cgroup_ids with the ids
 * of the cgroups whose path matches the config's regexps; system calls are
 * counted only for tasks in those cgroups.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u64);
	__type(value, u64);
} cgroup_ids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u64);
	__type(value, u64);
} cgroup_ids_syscalls_total SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	u64 cg = bpf_get_current_cgroup_id();

	if (bpf_map_lookup_elem(&cgroup_ids, &cg))
		increment_map(&cgroup_ids_syscalls_total, &cg, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
