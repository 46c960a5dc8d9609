/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The number of the system call a task is in, from the pt_regs the
 * raw_syscalls tracepoints pass. Needed at sys_exit, whose arguments carry
 * only the return value. The register differs by architecture.
 */
#ifndef EBPFEXP_SYSCALL_BPF_H
#define EBPFEXP_SYSCALL_BPF_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

static __always_inline long syscall_nr(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return BPF_CORE_READ(regs, orig_ax);
#elif defined(__TARGET_ARCH_arm64)
	return BPF_CORE_READ(regs, syscallno);
#else
#error "syscall_nr: no syscall number register known for this architecture"
#endif
}

#endif /* EBPFEXP_SYSCALL_BPF_H */
