// SPDX-License-Identifier: GPL-2.0
/*
 * Test object: a perf_event program on the cpu-clock software event
 * (PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK) at 99 Hz, which the loader
 * opens on every online CPU. Samples are counted by CPU.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "maps.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} perf_cpu_clock_samples_total SEC(".maps");

SEC("perf_event/type=1,config=0,frequency=99")
int on_cpu_clock(struct bpf_perf_event_data *ctx)
{
	u32 cpu = bpf_get_smp_processor_id();

	increment_map(&perf_cpu_clock_samples_total, &cpu, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
