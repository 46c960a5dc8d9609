// SPDX-License-Identifier: GPL-2.0
/*
 * Test object: a memcmp whose length clang cannot see at compile time. clang then emits a
 * call to the libc function, an extern that neither the object's BTF nor the kernel
 * resolves, so libbpf fails to open the object (as cloudflare's unix-accept-latency does
 * when built by clang 14). The loader must name the extern and say what to do.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "maps.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} extern_memcmp_matches_total SEC(".maps");

const volatile __u32 cmp_len = 8;
static const char want[16] = "nanosleep";

SEC("tracepoint/syscalls/sys_enter_nanosleep")
int count_matches(void *ctx)
{
	char comm[16];
	__u32 zero = 0;

	bpf_get_current_comm(comm, sizeof(comm));
	if (cmp_len <= sizeof(comm) && !__builtin_memcmp(comm, want, cmp_len))
		increment_map(&extern_memcmp_matches_total, &zero, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
