/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bit helpers for ebpfexp's BPF programs: base-2 logarithms used to pick
 * histogram buckets. Header-only; every function is always inlined, so a
 * program pays only for what it calls.
 */
#ifndef EBPFEXP_BITS_BPF_H
#define EBPFEXP_BITS_BPF_H

/*
 * Debian's clang-14 with libbpf 1.1: vmlinux.h does not define
 * __always_inline, and bpf_tracing.h uses it without including
 * bpf_helpers.h, so a program that includes us before bpf_helpers.h would not
 * build. Pull bpf_helpers.h in first (it undefines and redefines the macro),
 * and keep a fallback for headers that lack it.
 */
#include <bpf/bpf_helpers.h>
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/*
 * log2 and log2l are the names ebpf_exporter's programs call. They shadow C
 * library functions a BPF program never links, so clang's built-in
 * declarations of them must not warn (-Werror).
 */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wincompatible-library-redeclaration"

/*
 * floor(log2(v)) for a 64-bit value; 0 for v == 0. A binary search over the
 * halves: clang-14's BPF backend crashes on __builtin_clzll, and BPF has no
 * count-leading-zeros instruction anyway.
 */
static __always_inline __u64 log2l(__u64 v)
{
	__u64 r = 0;

	if (v >> 32) {
		v >>= 32;
		r += 32;
	}
	if (v >> 16) {
		v >>= 16;
		r += 16;
	}
	if (v >> 8) {
		v >>= 8;
		r += 8;
	}
	if (v >> 4) {
		v >>= 4;
		r += 4;
	}
	if (v >> 2) {
		v >>= 2;
		r += 2;
	}
	if (v >> 1)
		r += 1;
	return r;
}

/* floor(log2(v)) for a 32-bit value; 0 for v == 0. */
static __always_inline __u64 log2(__u32 v)
{
	return log2l(v);
}

#pragma clang diagnostic pop

/*
 * ceil(log2(v)): the smallest i with v <= 2^i, so a value lands in the
 * bucket whose upper bound (le = 2^i) holds it. 0 for v == 0 and v == 1.
 */
static __always_inline __u64 log2l_ceil(__u64 v)
{
	if (v <= 1)
		return 0;
	return log2l(v - 1) + 1;
}

#endif /* EBPFEXP_BITS_BPF_H */
