// SPDX-License-Identifier: GPL-2.0
/*
 * t/bench/examples-cost: what one counter increment costs on tp_btf/sys_enter, three ways,
 * each into its own map with the syscalls example's key (the syscall number):
 * - empty: does nothing, the floor of a program run;
 * - bare: written by hand as small BPF tools do it (lookup, __sync_fetch_and_add,
 *   create the key on a miss);
 * - helper: increment_map() from maps.bpf.h, as the examples do it;
 * - bare_last: bare again, run last: the programs on one tracepoint run in the
 *   order they were attached, and the difference between bare and bare_last is
 *   what the position alone does to a measurement.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

struct syscall_key {
	__u64 nr;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct syscall_key);
	__type(value, __u64);
} bare_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct syscall_key);
	__type(value, __u64);
} helper_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct syscall_key);
	__type(value, __u64);
} bare_last_total SEC(".maps");

static __always_inline void bare_increment(void *map, long id)
{
	struct syscall_key key = {.nr = id};
	__u64 *count, one = 1;

	count = bpf_map_lookup_elem(map, &key);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(map, &key, &one, BPF_NOEXIST);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(empty, struct pt_regs *regs, long id)
{
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(bare, struct pt_regs *regs, long id)
{
	bare_increment(&bare_total, id);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(helper, struct pt_regs *regs, long id)
{
	struct syscall_key key = {.nr = id};

	increment_map(&helper_total, &key, 1);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(bare_last, struct pt_regs *regs, long id)
{
	bare_increment(&bare_last_total, id);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
