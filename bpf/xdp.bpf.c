// SPDX-License-Identifier: GPL-2.0
/*
 * Packets arriving on the loopback interface by ethertype, and their bytes.
 * The section name xdp/<interface> tells the loader which interface to
 * attach to; every packet is passed on unchanged.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

/* A handful of ethertypes are ever seen on one link. */
#define MAX_ETHERTYPES 256

/* Network byte order, as on the wire: the hex decoder prints 0800 for IPv4. */
struct ethertype_key {
	__u8 ethertype[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ETHERTYPES);
	__type(key, struct ethertype_key);
	__type(value, __u64);
} xdp_incoming_packets_total SEC(".maps");

/* A label-less counter in an array: one entry, index 0. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} xdp_incoming_bytes_total SEC(".maps");

SEC("xdp/lo")
int count_packets(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ethertype_key key;
	__u32 zero = 0;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	__builtin_memcpy(key.ethertype, &eth->h_proto, sizeof(key.ethertype));
	increment_map(&xdp_incoming_packets_total, &key, 1);
	increment_map(&xdp_incoming_bytes_total, &zero, data_end - data);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
