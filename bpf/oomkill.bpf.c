// SPDX-License-Identifier: GPL-2.0
/*
 * OOM kills, by the victim's cgroup and command. Each kill is one event on a
 * perf event array; the loader counts the events, so nothing is lost to a
 * full map and the event carries the labels itself.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

struct oom_event {
	__u64 cgroup_id;
	char comm[TASK_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} oom_kills_total SEC(".maps");

SEC("tp_btf/mark_victim")
int BPF_PROG(mark_victim, struct task_struct *victim)
{
	struct oom_event ev = {};

	/* the victim is rarely current: take its cgroup2 id and name from the task */
	ev.cgroup_id = BPF_CORE_READ(victim, cgroups, dfl_cgrp, kn, id);
	BPF_CORE_READ_STR_INTO(&ev.comm, victim, comm);
	bpf_perf_event_output(ctx, &oom_kills_total, BPF_F_CURRENT_CPU, &ev, sizeof(ev));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
