// SPDX-License-Identifier: GPL-2.0
/*
 * Block I/O latency (issue to completion) and request sizes, by disk and
 * operation.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

/* 2^27 us is over two minutes: anything slower lands in the top bucket. */
#define MAX_LATENCY_SLOT 27
/* Sizes in 4 KiB steps up to 1 MiB; larger requests land in the top bucket. */
#define SIZE_STEP 4096
#define MAX_SIZE_SLOT 256
/*
 * Requests in flight at once: far above any queue depth in practice. LRU, so
 * a request whose completion is never seen cannot leak a slot for good.
 */
#define MAX_IN_FLIGHT 10240
/* Disks times operations times buckets (+ the sum key). */
#define MAX_ENTRIES 10240

#define REQ_OP_BITS 8
#define REQ_OP_MASK ((1 << REQ_OP_BITS) - 1)

/* The device label is dev_t in the kernel's new_encode_dev() form, as majorminor expects. */
struct disk_key {
	__u32 dev;
	__u8 op;
	__u8 _pad[3];
	__u64 bucket;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_IN_FLIGHT);
	__type(key, struct request *);
	__type(value, __u64);
} issued_at SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, struct disk_key);
	__type(value, __u64);
} block_rq_latency_seconds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, struct disk_key);
	__type(value, __u64);
} block_rq_size_bytes SEC(".maps");

static __always_inline __u32 encode_dev(__u32 major, __u32 minor)
{
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(block_rq_issue, struct request *rq)
{
	__u64 now = bpf_ktime_get_ns();

	bpf_map_update_elem(&issued_at, &rq, &now, BPF_ANY);
	return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(block_rq_complete, struct request *rq, blk_status_t error, unsigned int nr_bytes)
{
	struct disk_key key = {};
	struct gendisk *disk;
	__u64 *start, delta_us;

	start = bpf_map_lookup_elem(&issued_at, &rq);
	if (!start)
		return 0; /* issued before we attached */
	delta_us = (bpf_ktime_get_ns() - *start) / 1000;
	bpf_map_delete_elem(&issued_at, &rq);

	disk = BPF_CORE_READ(rq, q, disk);
	if (disk)
		key.dev = encode_dev(BPF_CORE_READ(disk, major), BPF_CORE_READ(disk, first_minor));
	key.op = BPF_CORE_READ(rq, cmd_flags) & REQ_OP_MASK;

	increment_exp2_histogram(&block_rq_latency_seconds, key, delta_us, MAX_LATENCY_SLOT);
	increment_linear_histogram(&block_rq_size_bytes, key, nr_bytes, SIZE_STEP, MAX_SIZE_SLOT);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
