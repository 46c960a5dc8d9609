/*
 * histogram: map buckets of one label set -> cumulative Prometheus buckets, as
 * ebpf_exporter computes them (reference §5): exp2, exp2zero, linear, fixed, the
 * multiplier, the inclusive bucket_min..bucket_max, and the sum key.
 */
#ifndef EBPFEXP_HISTOGRAM_H
#define EBPFEXP_HISTOGRAM_H
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"
#include "family.h"

/* Raw bucket counts of one label set: key -> count, as read from the map. */
struct histogram_raw {
	size_t n, cap;
	int64_t *keys;	  /* bucket label values, as parsed */
	uint64_t *counts; /* summed over duplicates */
};

/* Add @count to bucket @key (summing if the key is already there). */
int histogram_raw_add(struct histogram_raw *h, int64_t key, uint64_t count);
void histogram_raw_reset(struct histogram_raw *h);
void histogram_raw_release(struct histogram_raw *h);

/*
 * Compute buckets for @m from @raw into @out (reusing @out's arrays: finite buckets in ascending `le`). Errors (zero size,
 * unknown bucket type, bucket_max < bucket_min, empty bucket_keys) are negative errnos with a
 * message in @d; the caller omits this label set, as ebpf_exporter does. More than 2^20
 * buckets from bucket_min to bucket_max is -E2BIG. An infinite bound (exp2 beyond 2^1023)
 * is left out: +Inf is the count. @out's arrays are malloc()ed (free with
 * histogram_out_release(), or with the family set that holds them).
 */
int histogram_compute(const struct config_metric *m, const struct histogram_raw *raw,
		      struct family_hist *out, struct diag *d);
void histogram_out_release(struct family_hist *out);

/*
 * Parse a decoded bucket label as Go's strconv.ParseUint(s, 0, 64): 0x, 0o, 0b prefixes,
 * leading-0 octal, '_' separators. -EINVAL when it is not one, -ERANGE when it does not
 * fit in 64 bits.
 */
int histogram_parse_key(const char *s, uint64_t *out);

#endif
