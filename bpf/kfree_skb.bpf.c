// SPDX-License-Identifier: GPL-2.0
/*
 * Packets the kernel dropped, by drop reason, protocol and the kernel
 * function that dropped them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "maps.bpf.h"

/* Reasons times protocols times drop sites: a few hundred in practice. */
#define MAX_ENTRIES 4096

/*
 * location is an address inside the dropping function; the config's kstack
 * decoder (nearest symbol at or below an address) names the function.
 */
struct drop_key {
	__u32 reason;
	__u16 protocol;
	__u16 _pad;
	__u64 location;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, struct drop_key);
	__type(value, __u64);
} packet_drops_total SEC(".maps");

SEC("tp_btf/kfree_skb")
int BPF_PROG(kfree_skb, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	struct drop_key key = {};

	/* a consumed packet was delivered, not dropped */
	if (reason == SKB_NOT_DROPPED_YET || reason == SKB_CONSUMED)
		return 0;
	key.reason = reason;
	key.protocol = bpf_ntohs(skb->protocol);
	key.location = (__u64)location;
	increment_map(&packet_drops_total, &key, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
