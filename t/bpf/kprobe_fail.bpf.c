// SPDX-License-Identifier: GPL-2.0
/*
 * Test object: one program that cannot attach on a kernel without kprobes
 * (kprobe/do_nanosleep) beside one that always attaches (tp_btf/sys_enter).
 * Both count nanosleep calls into the same label-less counter, so a test can
 * tell the working half keeps counting while the other is reported as not
 * attached.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

#if defined(__TARGET_ARCH_x86)
#define NR_NANOSLEEP 35
#define NR_CLOCK_NANOSLEEP 230
#elif defined(__TARGET_ARCH_arm64)
#define NR_NANOSLEEP 101
#define NR_CLOCK_NANOSLEEP 115
#endif

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} kprobe_fail_nanosleeps_total SEC(".maps");

SEC("kprobe/do_nanosleep")
int BPF_KPROBE(do_nanosleep)
{
	__u32 zero = 0;

	increment_map(&kprobe_fail_nanosleeps_total, &zero, 1);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	__u32 zero = 0;

	if (id == NR_NANOSLEEP || id == NR_CLOCK_NANOSLEEP)
		increment_map(&kprobe_fail_nanosleeps_total, &zero, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
