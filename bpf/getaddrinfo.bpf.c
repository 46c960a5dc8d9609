// SPDX-License-Identifier: GPL-2.0
/*
 * Name lookups through glibc's getaddrinfo(), by calling command, and the
 * ones that failed, by command and error.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

#define MAX_COMMANDS 4096

struct command_key {
	char comm[TASK_COMM_LEN];
};

/* err is the EAI_* code negated (glibc's codes are negative). */
struct command_error_key {
	char comm[TASK_COMM_LEN];
	__u32 err;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_COMMANDS);
	__type(key, struct command_key);
	__type(value, __u64);
} getaddrinfo_calls_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_COMMANDS);
	__type(key, struct command_error_key);
	__type(value, __u64);
} getaddrinfo_errors_total SEC(".maps");

SEC("uprobe/libc.so.6:getaddrinfo")
int BPF_KPROBE(getaddrinfo_enter)
{
	struct command_key key = {};

	bpf_get_current_comm(key.comm, sizeof(key.comm));
	increment_map(&getaddrinfo_calls_total, &key, 1);
	return 0;
}

SEC("uretprobe/libc.so.6:getaddrinfo")
int BPF_KRETPROBE(getaddrinfo_exit, int ret)
{
	struct command_error_key key = {};

	if (ret >= 0)
		return 0;
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	key.err = -ret;
	increment_map(&getaddrinfo_errors_total, &key, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
