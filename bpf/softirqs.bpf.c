// SPDX-License-Identifier: GPL-2.0
/*
 * Softirqs run and time spent in them, per softirq vector and CPU. Per-CPU
 * arrays: each CPU adds to its own slot, no atomics, no contention.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_SOFTIRQS);
	__type(key, __u32);
	__type(value, __u64);
} softirqs_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_SOFTIRQS);
	__type(key, __u32);
	__type(value, __u64);
} softirq_time_nanoseconds_total SEC(".maps");

/* When this CPU entered its current softirq; softirqs do not nest on one CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} entered_at SEC(".maps");

SEC("tp_btf/softirq_entry")
int BPF_PROG(softirq_entry, unsigned int vec_nr)
{
	__u32 zero = 0;
	__u64 *ts = bpf_map_lookup_elem(&entered_at, &zero);

	if (ts)
		*ts = bpf_ktime_get_ns();
	increment_map_nosync(&softirqs_total, &vec_nr, 1);
	return 0;
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(softirq_exit, unsigned int vec_nr)
{
	__u32 zero = 0;
	__u64 *ts = bpf_map_lookup_elem(&entered_at, &zero);

	if (!ts || !*ts)
		return 0; /* entered before we attached */
	increment_map_nosync(&softirq_time_nanoseconds_total, &vec_nr, bpf_ktime_get_ns() - *ts);
	*ts = 0;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
