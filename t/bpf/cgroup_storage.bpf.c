// SPDX-License-Identifier: GPL-2.0
/*
 * Test object for cgroup_id_map with type cgrp_storage: the loader stores 1
 * in cgroup_storage for each cgroup whose path matches the config's regexps;
 * system calls are counted only for tasks whose cgroup2 cgroup has it. The
 * kernel frees a cgroup's storage with the cgroup, so nothing is ever
 * deleted from the map. BPF_MAP_TYPE_CGRP_STORAGE needs Linux 6.2.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, u32); /* from user space: a cgroup directory's fd */
	__type(value, u64);
} cgroup_storage SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u64);
	__type(value, u64);
} cgroup_storage_syscalls_total SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	u64 cg, *match;

	/* no flags: look up only, never create storage for a cgroup the loader skipped */
	match = bpf_cgrp_storage_get(&cgroup_storage, task->cgroups->dfl_cgrp, 0, 0);
	if (!match || !*match)
		return 0;
	cg = bpf_get_current_cgroup_id();
	increment_map(&cgroup_storage_syscalls_total, &cg, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
