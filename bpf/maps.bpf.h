/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Map helpers for ebpfexp's BPF programs: counters and histograms in the
 * layout ebpf_exporter configs read.
 *
 * Counters: a map with 8-byte values, one entry per key; the helpers add to
 * an existing key, and create a missing one holding the increment.
 *
 * Histograms: the key is a struct whose LAST field is named `bucket` (the
 * last label in the config). A value increments one bucket by 1, clamped to
 * `max` (the config's bucket_max, so the top bucket is an overflow bucket),
 * and adds the value itself to key `max + 1`, the sum key the reader exports
 * as `_sum`. A map holding such a histogram needs room for max + 2 buckets
 * per label set. The histogram helpers are macros because the key type
 * differs per program; `key` must be an lvalue of that struct type.
 *
 * The plain variants add atomically, for maps shared by all CPUs. The
 * _nosync variants add without atomics and are for per-CPU maps only, where
 * no other CPU writes the same slot.
 */
#ifndef EBPFEXP_MAPS_BPF_H
#define EBPFEXP_MAPS_BPF_H

/* bpf_helpers.h must come before any use of __always_inline: see bits.bpf.h */
#include <bpf/bpf_helpers.h>
#include "bits.bpf.h"

/*
 * The value for `key`, creating it from `*init` first if it is missing.
 * NULL only if the map cannot hold the key (full hash, index beyond an
 * array); the event is then not counted. A concurrent insert of the same key
 * is fine: BPF_NOEXIST fails with -EEXIST and the second lookup finds it.
 */
static __always_inline void *lookup_or_zero_init_key(void *map, const void *key, const void *init)
{
	void *value = bpf_map_lookup_elem(map, key);

	if (value)
		return value;
	bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

/*
 * Adds `increment` to the u64 counter at `key` atomically; 0, or -1 if the map
 * is full. The common case is one lookup and one atomic add, as a hand-written
 * counter does it. The first event of a key creates the key holding the
 * increment (one update, no second lookup); only when another CPU created it
 * in between is it looked up again and added to.
 */
static __always_inline int increment_map(void *map, const void *key, __u64 increment)
{
	__u64 *count = bpf_map_lookup_elem(map, key);

	if (!count) {
		if (!bpf_map_update_elem(map, key, &increment, BPF_NOEXIST))
			return 0;
		count = bpf_map_lookup_elem(map, key);
		if (!count)
			return -1;
	}
	__sync_fetch_and_add(count, increment);
	return 0;
}

/*
 * increment_map() for per-CPU maps: this CPU's slot, no atomic needed. A key
 * created here holds the increment in this CPU's slot and 0 in the others.
 */
static __always_inline int increment_map_nosync(void *map, const void *key, __u64 increment)
{
	__u64 *count = bpf_map_lookup_elem(map, key);

	if (!count) {
		if (!bpf_map_update_elem(map, key, &increment, BPF_NOEXIST))
			return 0;
		count = bpf_map_lookup_elem(map, key);
		if (!count)
			return -1;
	}
	*count += increment;
	return 0;
}

/* Bucket for `v` in an exp2 histogram: upper bound 2^bucket, so ceil(log2(v)). */
static __always_inline __u64 exp2_bucket(__u64 v)
{
	return log2l_ceil(v);
}

/* Bucket for `v` in an exp2zero histogram: 0 holds only v == 0, then 2^(bucket-1). */
static __always_inline __u64 exp2zero_bucket(__u64 v)
{
	return v ? log2l_ceil(v) + 1 : 0;
}

/* Bucket for `v` in a linear histogram with bounds bucket * step: ceil(v / step). */
static __always_inline __u64 linear_bucket(__u64 v, __u64 step)
{
	return (v + step - 1) / step;
}

/*
 * Counts one event into `bucket` (clamped to `max`) and adds `value` to the
 * sum key max + 1. Used by the macros below; `increment_fn` is increment_map
 * or increment_map_nosync.
 */
#define ebpfexp_histogram_add(map, key, bucket_, value, max, increment_fn)                         \
	do {                                                                                       \
		__u64 ebpfexp_b_ = (bucket_);                                                      \
		__u64 ebpfexp_v_ = (value);                                                        \
		if (ebpfexp_b_ > (max))                                                            \
			ebpfexp_b_ = (max);                                                        \
		(key).bucket = ebpfexp_b_;                                                         \
		increment_fn(map, &(key), 1);                                                      \
		if (ebpfexp_v_ > 0) {                                                              \
			(key).bucket = (max) + 1;                                                  \
			increment_fn(map, &(key), ebpfexp_v_);                                     \
		}                                                                                  \
	} while (0)

#define increment_exp2_histogram(map, key, value, max)                                             \
	do {                                                                                       \
		__u64 ebpfexp_hv_ = (value);                                                       \
		ebpfexp_histogram_add(map, key, exp2_bucket(ebpfexp_hv_), ebpfexp_hv_, max,        \
				      increment_map);                                              \
	} while (0)

#define increment_exp2_histogram_nosync(map, key, value, max)                                      \
	do {                                                                                       \
		__u64 ebpfexp_hv_ = (value);                                                       \
		ebpfexp_histogram_add(map, key, exp2_bucket(ebpfexp_hv_), ebpfexp_hv_, max,        \
				      increment_map_nosync);                                       \
	} while (0)

#define increment_exp2zero_histogram(map, key, value, max)                                         \
	do {                                                                                       \
		__u64 ebpfexp_hv_ = (value);                                                       \
		ebpfexp_histogram_add(map, key, exp2zero_bucket(ebpfexp_hv_), ebpfexp_hv_, max,    \
				      increment_map);                                              \
	} while (0)

#define increment_exp2zero_histogram_nosync(map, key, value, max)                                  \
	do {                                                                                       \
		__u64 ebpfexp_hv_ = (value);                                                       \
		ebpfexp_histogram_add(map, key, exp2zero_bucket(ebpfexp_hv_), ebpfexp_hv_, max,    \
				      increment_map_nosync);                                       \
	} while (0)

/*
 * Bucket bounds are bucket * step in the units of `value`; the config's
 * bucket_multiplier is step converted to the exported unit. The reader
 * multiplies the sum key by bucket_multiplier too, so the sum key collects
 * value / step (exact when step is 1, else short by under one step per event).
 */
#define increment_linear_histogram(map, key, value, step, max)                                     \
	do {                                                                                       \
		__u64 ebpfexp_hv_ = (value);                                                       \
		ebpfexp_histogram_add(map, key, linear_bucket(ebpfexp_hv_, step),                  \
				      ebpfexp_hv_ / (step), max, increment_map);                   \
	} while (0)

#define increment_linear_histogram_nosync(map, key, value, step, max)                              \
	do {                                                                                       \
		__u64 ebpfexp_hv_ = (value);                                                       \
		ebpfexp_histogram_add(map, key, linear_bucket(ebpfexp_hv_, step),                  \
				      ebpfexp_hv_ / (step), max, increment_map_nosync);            \
	} while (0)

#endif /* EBPFEXP_MAPS_BPF_H */
