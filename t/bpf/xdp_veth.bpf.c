// SPDX-License-Identifier: GPL-2.0
/*
 * Test object: an XDP program for the interface ebx0, which the test creates
 * as one end of a veth pair in a network namespace of its own. Counts every
 * packet and passes it on.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "maps.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} xdp_veth_packets_total SEC(".maps");

SEC("xdp/ebx0")
int count_packets(struct xdp_md *ctx)
{
	u32 zero = 0;

	increment_map(&xdp_veth_packets_total, &zero, 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
