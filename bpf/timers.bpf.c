// SPDX-License-Identifier: GPL-2.0
/*
 * Timer starts by the kernel function the timer will run. The key is the
 * function's address; the config's ksym decoder turns it into a name.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

/* One entry per timer callback; a few hundred exist on a busy machine. */
#define MAX_FUNCTIONS 1024

struct timer_key {
	__u64 function;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_FUNCTIONS);
	__type(key, struct timer_key);
	__type(value, __u64);
} timer_starts_total SEC(".maps");

SEC("tp_btf/timer_start")
int BPF_PROG(timer_start, struct timer_list *timer)
{
	struct timer_key key = {.function = (__u64)timer->function};

	increment_map(&timer_starts_total, &key, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
