// SPDX-License-Identifier: GPL-2.0
/*
 * TCP retransmits by remote address and connection state, and TCP
 * connections reset by remote address.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

#define AF_INET 2
#define AF_INET6 10
/* Remote addresses at once; LRU forgets peers not heard of for a while. */
#define MAX_PEERS 8192

/* IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d); inet_ip prints them as a.b.c.d. */
struct peer_state_key {
	__u8 addr[16];
	__u32 state;
};

struct peer_key {
	__u8 addr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_PEERS);
	__type(key, struct peer_state_key);
	__type(value, __u64);
} tcp_retransmits_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_PEERS);
	__type(key, struct peer_key);
	__type(value, __u64);
} tcp_resets_received_total SEC(".maps");

/* Fills addr with the socket's remote address; false for non-IP sockets. */
static __always_inline bool remote_addr(const struct sock *sk, __u8 addr[16])
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	if (family == AF_INET) {
		__be32 v4 = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		__builtin_memset(addr, 0, 10);
		addr[10] = 0xff;
		addr[11] = 0xff;
		__builtin_memcpy(addr + 12, &v4, 4);
		return true;
	}
	if (family == AF_INET6) {
		BPF_CORE_READ_INTO((struct in6_addr *)addr, sk, __sk_common.skc_v6_daddr);
		return true;
	}
	return false;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcp_retransmit_skb, const struct sock *sk)
{
	struct peer_state_key key = {};

	if (!remote_addr(sk, key.addr))
		return 0;
	key.state = BPF_CORE_READ(sk, __sk_common.skc_state);
	increment_map(&tcp_retransmits_total, &key, 1);
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(tcp_receive_reset, struct sock *sk)
{
	struct peer_key key = {};

	if (!remote_addr(sk, key.addr))
		return 0;
	increment_map(&tcp_resets_received_total, &key, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
