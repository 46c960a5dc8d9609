// SPDX-License-Identifier: GPL-2.0
/*
 * Test object for the attach surface beyond tracepoints: a uprobe on the
 * loader's own post_attach_mark (must run exactly once after attach), a kaddr
 * the loader writes before load (schedule, published by that uprobe, so a test can
 * compare it with /proc/kallsyms), and a USDT probe in /usr/bin/python3 (gc__start,
 * which has a semaphore).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "maps.bpf.h"

const volatile u64 kaddr_schedule = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} attach_post_attach_calls_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} attach_kaddr_schedule SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} attach_python_gc_starts_total SEC(".maps");

SEC("uprobe//proc/self/exe:post_attach_mark")
int BPF_UPROBE(post_attach_mark)
{
	u32 zero = 0;
	u64 addr = kaddr_schedule;

	increment_map(&attach_post_attach_calls_total, &zero, 1);
	bpf_map_update_elem(&attach_kaddr_schedule, &zero, &addr, BPF_ANY);
	return 0;
}

SEC("usdt//usr/bin/python3:python:gc__start")
int BPF_USDT(python_gc_start, int generation)
{
	u32 zero = 0;

	increment_map(&attach_python_gc_starts_total, &zero, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
