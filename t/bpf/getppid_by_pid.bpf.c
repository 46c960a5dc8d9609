// SPDX-License-Identifier: GPL-2.0
/*
 * Test object: getppid() calls by process (thread group id), so that a test can
 * pick its own load's calls out of everything else the machine does.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

#if defined(__TARGET_ARCH_x86)
#define NR_GETPPID 110
#elif defined(__TARGET_ARCH_arm64)
#define NR_GETPPID 173
#else
#error "getppid_by_pid: no getppid number known for this architecture"
#endif

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, u64);
} getppid_calls_total SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (id != NR_GETPPID)
		return 0;
	increment_map(&getppid_calls_total, &tgid, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
