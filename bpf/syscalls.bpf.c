// SPDX-License-Identifier: GPL-2.0
/*
 * System calls by number, and failed system calls by number and errno.
 * The config's syscall and errno decoders turn the numbers into names.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"
#include "syscall.bpf.h"

/* x86-64 has about 370 system calls, errors pair them with about 130 errnos. */
#define MAX_SYSCALLS 1024
#define MAX_SYSCALL_ERRORS 4096

/* Count only this process (thread group id) when set; 0 counts everything. */
const volatile __u32 target_tgid = 0;

struct syscall_key {
	__u64 nr;
};

struct syscall_error_key {
	__u32 nr;
	__u32 err;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_SYSCALLS);
	__type(key, struct syscall_key);
	__type(value, __u64);
} syscalls_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_SYSCALL_ERRORS);
	__type(key, struct syscall_error_key);
	__type(value, __u64);
} syscall_errors_total SEC(".maps");

static __always_inline bool wanted(void)
{
	return !target_tgid || (bpf_get_current_pid_tgid() >> 32) == target_tgid;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct syscall_key key = {.nr = id};

	/* -1 is a syscall a tracer or seccomp skipped: not a number to name */
	if (id < 0 || !wanted())
		return 0;
	increment_map(&syscalls_total, &key, 1);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	struct syscall_error_key key = {};
	long nr;

	if (ret >= 0 || !wanted())
		return 0;
	nr = syscall_nr(regs);
	if (nr < 0)
		return 0;
	key.nr = nr;
	key.err = -ret;
	increment_map(&syscall_errors_total, &key, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
