// SPDX-License-Identifier: GPL-2.0
/*
 * DNS queries sent over UDP, by interface, query type and queried name, read
 * from the packets as they are queued for transmission. Seen whatever the
 * resolver is (glibc, Go, dig, a local cache forwarding upstream).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "maps.bpf.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_UDP 17
#define IP_OFFSET_MASK 0x1fff
#define DNS_HEADER_LEN 12
#define DNS_QR 0x80
/* Wire-format name bytes kept: a power of two, for cheap bounds checks. */
#define QNAME_MAX 128
/* A label is at most 63 bytes; longer lengths are pointers or garbage. */
#define LABEL_MAX 63
/* Distinct names at once; LRU forgets names not queried for a while. */
#define MAX_NAMES 16384

/* The destination port taken as DNS. */
const volatile __u16 dns_port = 53;

/*
 * qname is the query name in wire format (length-prefixed labels), zero
 * filled after its last label; the config's string + dname decoders print
 * it dotted. A name longer than QNAME_MAX - 1 bytes is cut after its last
 * label that fits, and its qtype is then 0.
 */
struct query_key {
	__u32 ifindex;
	__u16 qtype;
	__u16 _pad;
	__u8 qname[QNAME_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_NAMES);
	__type(key, struct query_key);
	__type(value, __u64);
} dns_queries_total SEC(".maps");

/* The key is built here: too big for comfort on the 512-byte BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct query_key);
} scratch SEC(".maps");

/* Offset of the UDP header from skb->head for a UDP packet to dns_port, else 0. */
static __always_inline __u32 dns_udp_offset(struct sk_buff *skb, unsigned char *head)
{
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u16 protocol = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	struct udphdr udp;
	__u32 off;

	if (protocol == ETH_P_IP) {
		struct iphdr ip;

		if (bpf_probe_read_kernel(&ip, sizeof(ip), head + nh))
			return 0;
		if (ip.protocol != IPPROTO_UDP || (bpf_ntohs(ip.frag_off) & IP_OFFSET_MASK))
			return 0;
		off = nh + ip.ihl * 4;
	} else if (protocol == ETH_P_IPV6) {
		struct ipv6hdr ip6;

		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), head + nh))
			return 0;
		if (ip6.nexthdr != IPPROTO_UDP) /* extension headers are not followed */
			return 0;
		off = nh + sizeof(ip6);
	} else {
		return 0;
	}
	if (bpf_probe_read_kernel(&udp, sizeof(udp), head + off))
		return 0;
	if (udp.dest != bpf_htons(dns_port))
		return 0;
	if (bpf_ntohs(udp.len) < sizeof(udp) + DNS_HEADER_LEN + 1)
		return 0;
	return off;
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(net_dev_queue, struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u32 zero = 0, udp_off, name_len, pos = 0, end = QNAME_MAX;
	__u8 dns_header[DNS_HEADER_LEN];
	unsigned char *question;
	struct query_key *key;
	struct udphdr udp;

	udp_off = dns_udp_offset(skb, head);
	if (!udp_off)
		return 0;
	if (bpf_probe_read_kernel(&udp, sizeof(udp), head + udp_off))
		return 0;
	if (bpf_probe_read_kernel(dns_header, sizeof(dns_header), head + udp_off + sizeof(udp)))
		return 0;
	/* queries only (QR clear), with at least one question */
	if ((dns_header[2] & DNS_QR) || !(dns_header[4] | dns_header[5]))
		return 0;

	key = bpf_map_lookup_elem(&scratch, &zero);
	if (!key)
		return 0;
	question = head + udp_off + sizeof(udp) + DNS_HEADER_LEN;
	name_len = bpf_ntohs(udp.len) - sizeof(udp) - DNS_HEADER_LEN;
	if (name_len > QNAME_MAX)
		name_len = QNAME_MAX;
	if (bpf_probe_read_kernel(key->qname, sizeof(key->qname), question))
		return 0;

	/* Walk the labels: find the terminator, or the last label that fits. */
	for (int i = 0; i < QNAME_MAX / 2; i++) {
		__u8 len;

		if (pos >= name_len)
			break;
		len = key->qname[pos & (QNAME_MAX - 1)];
		if (len == 0) {
			end = pos;
			break;
		}
		if (len > LABEL_MAX)
			return 0; /* not a plain query name */
		if (pos + 1 + len >= name_len)
			break; /* this label is cut off: keep the ones before it */
		pos += 1 + len;
	}

	key->qtype = 0;
	if (end < QNAME_MAX) {
		__be16 qtype;

		if (!bpf_probe_read_kernel(&qtype, sizeof(qtype), question + end + 1))
			key->qtype = bpf_ntohs(qtype);
	} else {
		end = pos;
	}
	/* keep the name's bytes only: zero the buffer, read them again */
	__builtin_memset(key->qname, 0, sizeof(key->qname));
	end &= QNAME_MAX - 1;
	if (end && bpf_probe_read_kernel(key->qname, end, question))
		return 0;

	key->ifindex = BPF_CORE_READ(skb, dev, ifindex);
	key->_pad = 0;
	increment_map(&dns_queries_total, key, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
