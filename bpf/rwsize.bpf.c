// SPDX-License-Identifier: GPL-2.0
/*
 * Bytes transferred per read and write system call, in a fixed set of
 * buckets. Only successful calls count; the size is what the call returned.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"
#include "syscall.bpf.h"

#if defined(__TARGET_ARCH_x86)
#define NR_READ 0
#define NR_WRITE 1
#define NR_PREAD64 17
#define NR_PWRITE64 18
#define NR_READV 19
#define NR_WRITEV 20
#define NR_PREADV 295
#define NR_PWRITEV 296
#define NR_PREADV2 327
#define NR_PWRITEV2 328
#elif defined(__TARGET_ARCH_arm64)
#define NR_READ 63
#define NR_WRITE 64
#define NR_PREAD64 67
#define NR_PWRITE64 68
#define NR_READV 65
#define NR_WRITEV 66
#define NR_PREADV 69
#define NR_PWRITEV 70
#define NR_PREADV2 286
#define NR_PWRITEV2 287
#else
#error "rwsize: syscall numbers for this architecture are missing"
#endif

#define OP_READ 0
#define OP_WRITE 1

/*
 * The bucket keys, in bytes, as listed in the config's bucket_keys; the last
 * is above MAX_RW_COUNT (2 GiB - 4 KiB), the most one call transfers, and
 * the sum key is the last plus one.
 */
#define LAST_BUCKET 2147483648ULL
#define SUM_KEY (LAST_BUCKET + 1)

struct size_key {
	__u32 op;
	__u32 _pad;
	__u64 bucket;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct size_key);
	__type(value, __u64);
} syscall_rw_size_bytes SEC(".maps");

static __always_inline __u64 size_bucket(__u64 bytes)
{
	if (bytes == 0)
		return 0;
	if (bytes <= 64)
		return 64;
	if (bytes <= 512)
		return 512;
	if (bytes <= 4096)
		return 4096;
	if (bytes <= 16384)
		return 16384;
	if (bytes <= 65536)
		return 65536;
	if (bytes <= 262144)
		return 262144;
	if (bytes <= 1048576)
		return 1048576;
	return LAST_BUCKET;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	struct size_key key = {};

	if (ret < 0)
		return 0;
	switch (syscall_nr(regs)) {
	case NR_READ:
	case NR_PREAD64:
	case NR_READV:
	case NR_PREADV:
	case NR_PREADV2: key.op = OP_READ; break;
	case NR_WRITE:
	case NR_PWRITE64:
	case NR_WRITEV:
	case NR_PWRITEV:
	case NR_PWRITEV2: key.op = OP_WRITE; break;
	default: return 0;
	}
	key.bucket = size_bucket(ret);
	increment_map(&syscall_rw_size_bytes, &key, 1);
	if (ret > 0) {
		key.bucket = SUM_KEY;
		increment_map(&syscall_rw_size_bytes, &key, ret);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
