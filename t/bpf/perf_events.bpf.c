// SPDX-License-Identifier: GPL-2.0
/*
 * Test object: one perf event per getppid() call, on two perf event arrays.
 * The event is 8 bytes (pid, tid); the first counter's only label is the
 * 4-byte pid, so the loader must cut each event to 4 bytes. The second
 * counter has no labels (every event counts) and a short flush_interval.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct getppid_event {
	u32 pid;
	u32 tid;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} perf_events_getppid_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} perf_events_all_getppid_total SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int on_getppid(void *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	struct getppid_event ev = {.pid = id >> 32, .tid = (u32)id};

	bpf_perf_event_output(ctx, &perf_events_getppid_total, BPF_F_CURRENT_CPU, &ev, sizeof(ev));
	bpf_perf_event_output(ctx, &perf_events_all_getppid_total, BPF_F_CURRENT_CPU, &ev,
			      sizeof(ev));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
