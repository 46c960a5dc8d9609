// SPDX-License-Identifier: GPL-2.0
/*
 * Programs started (successful execs) by command name, and processes
 * created (forks that start a new thread group, not threads).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

/* Distinct command names; LRU forgets rarely used ones first. */
#define MAX_COMMANDS 4096

struct command_key {
	char comm[TASK_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_COMMANDS);
	__type(key, struct command_key);
	__type(value, __u64);
} execs_total SEC(".maps");

/* A counter without labels: one u32 key, 0, as the reader expects. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} process_forks_total SEC(".maps");

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *p)
{
	struct command_key key = {};

	/* comm already holds the new program's name (its basename, 15 bytes at most) */
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	increment_map(&execs_total, &key, 1);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 zero = 0;

	if (child->pid != child->tgid)
		return 0; /* a new thread, not a new process */
	increment_map(&process_forks_total, &zero, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
