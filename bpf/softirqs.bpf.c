// SPDX-License-Identifier: GPL-2.0
/*
 * Softirqs run, per softirq vector and CPU, and how long they ran, per vector.
 * Per-CPU maps: each CPU adds to its own slot, no atomics, no contention.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

/* Durations in nanoseconds: 1ns..2^26ns (about 67ms, the overflow bucket). */
#define MAX_SLOT 26

struct duration_key {
	__u32 vec;
	__u32 _pad;
	__u64 bucket;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_SOFTIRQS);
	__type(key, __u32);
	__type(value, __u64);
} softirqs_total SEC(".maps");

/*
 * Per-CPU hash without a cpu label: the reader sums the CPUs. Room for every
 * vector's buckets and its sum key.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, NR_SOFTIRQS * (MAX_SLOT + 2));
	__type(key, struct duration_key);
	__type(value, __u64);
} softirq_duration_seconds SEC(".maps");

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
	struct duration_key key = {.vec = vec_nr};
	__u32 zero = 0;
	__u64 *ts = bpf_map_lookup_elem(&entered_at, &zero);
	__u64 delta_ns;

	if (!ts || !*ts)
		return 0; /* entered before we attached */
	delta_ns = bpf_ktime_get_ns() - *ts;
	*ts = 0;
	increment_exp2_histogram_nosync(&softirq_duration_seconds, key, delta_ns, MAX_SLOT);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
