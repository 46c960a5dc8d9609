// SPDX-License-Identifier: GPL-2.0
/*
 * Test object: an fentry program. On a kernel without fentry support (no
 * ftrace trampolines) the program, and with it the whole object, fails to
 * load.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} fentry_fail_nanosleeps_total SEC(".maps");

SEC("fentry/do_nanosleep")
int BPF_PROG(do_nanosleep)
{
	__u32 zero = 0;

	increment_map(&fentry_fail_nanosleeps_total, &zero, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
