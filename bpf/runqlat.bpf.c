// SPDX-License-Identifier: GPL-2.0
/*
 * Run-queue latency: how long a runnable task waits before it gets a CPU,
 * from wakeup (or preemption) to being switched in.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

/* Bucket 0 is under 1us; then 1us..2^25us (about 34s, the overflow bucket). */
#define MAX_SLOT 26
/* Tasks waiting at once, over all CPUs. */
#define MAX_WAITING 16384
#define TASK_RUNNING 0

struct slot_key {
	__u64 bucket;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_WAITING);
	__type(key, __u32);
	__type(value, __u64);
} runnable_since SEC(".maps");

/*
 * Per-CPU hash: sched_switch runs on every CPU all the time, so each CPU
 * counts into its own copy without atomics; the reader sums the CPUs.
 * MAX_SLOT + 2 entries leave room for the sum key.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAX_SLOT + 2);
	__type(key, struct slot_key);
	__type(value, __u64);
} run_queue_latency_seconds SEC(".maps");

static __always_inline void mark_runnable(__u32 pid)
{
	__u64 now = bpf_ktime_get_ns();

	if (pid) /* the idle task never waits */
		bpf_map_update_elem(&runnable_since, &pid, &now, BPF_ANY);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup, struct task_struct *p)
{
	mark_runnable(p->pid);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new, struct task_struct *p)
{
	mark_runnable(p->pid);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	struct slot_key key = {};
	__u32 pid = next->pid;
	__u64 *since, delta_us;

	/* A task switched out while still runnable goes back to waiting. */
	if (prev_state == TASK_RUNNING)
		mark_runnable(prev->pid);

	since = bpf_map_lookup_elem(&runnable_since, &pid);
	if (!since)
		return 0;
	delta_us = (bpf_ktime_get_ns() - *since) / 1000;
	bpf_map_delete_elem(&runnable_since, &pid);
	increment_exp2zero_histogram_nosync(&run_queue_latency_seconds, key, delta_us, MAX_SLOT);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
