// SPDX-License-Identifier: GPL-2.0
/*
 * Context switches by cgroup (cgroup2 ids): every time a task is switched out, its
 * cgroup's counter goes up. The config turns the one id into the cgroup path and the
 * Kubernetes namespace, pod and container (configs/kube.yaml).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/* Live cgroups at once; LRU drops the counters of long-gone ones first. */
#define MAX_CGROUPS 8192

struct kube_key {
	__u64 cgroup_id;
};

/* Per-CPU: sched_switch is the hottest tracepoint there is; the reader sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, MAX_CGROUPS);
	__type(key, struct kube_key);
	__type(value, __u64);
} kube_context_switches_total SEC(".maps");

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	/* prev is current here: its cgroup is the one switched out */
	struct kube_key key = {.cgroup_id = bpf_get_current_cgroup_id()};

	if (!prev->pid)
		return 0; /* the idle task */
	increment_map_nosync(&kube_context_switches_total, &key, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
