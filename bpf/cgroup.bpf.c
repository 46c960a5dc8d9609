// SPDX-License-Identifier: GPL-2.0
/*
 * Scheduler pressure by cgroup (cgroup2 ids): tasks preempted while still
 * runnable, and tasks migrated between CPUs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

/* Live cgroups at once; LRU drops the counters of long-gone ones first. */
#define MAX_CGROUPS 4096
#define TASK_RUNNING 0

struct cgroup_key {
	__u64 cgroup_id;
};

/*
 * Per-CPU: sched_switch is the hottest tracepoint there is, so no atomics;
 * the reader sums the CPUs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, MAX_CGROUPS);
	__type(key, struct cgroup_key);
	__type(value, __u64);
} cgroup_sched_preemptions_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_CGROUPS);
	__type(key, struct cgroup_key);
	__type(value, __u64);
} cgroup_sched_migrations_total SEC(".maps");

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	struct cgroup_key key;

	/* prev is current here; only a task still runnable was preempted */
	if (prev_state != TASK_RUNNING || !prev->pid)
		return 0;
	key.cgroup_id = bpf_get_current_cgroup_id();
	increment_map_nosync(&cgroup_sched_preemptions_total, &key, 1);
	return 0;
}

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(sched_migrate_task, struct task_struct *p, int dest_cpu)
{
	/* p is usually not current: read its cgroup2 id from the task itself */
	struct cgroup_key key = {.cgroup_id = BPF_CORE_READ(p, cgroups, dfl_cgrp, kn, id)};

	increment_map(&cgroup_sched_migrations_total, &key, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
