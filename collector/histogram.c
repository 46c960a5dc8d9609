/*
 * histogram: the bucket arithmetic of ebpf_exporter (reference §5). The caller groups map
 * entries by label set and feeds each group's bucket keys and counts in; this module
 * turns them into cumulative buckets, count and sum. It knows nothing of maps or text.
 */
#include "histogram.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * A dynamic histogram with more buckets than this is a config mistake (ebpf_exporter
 * would try to print them all); refuse it rather than allocate without bound.
 */
#define HISTOGRAM_MAX_BUCKETS (1u << 20)

/* Index of the first key >= @key in the sorted keys of @h. */
static size_t raw_lower_bound(const struct histogram_raw *h, int64_t key)
{
	size_t lo = 0, hi = h->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (h->keys[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int histogram_raw_add(struct histogram_raw *h, int64_t key, uint64_t count)
{
	size_t i = raw_lower_bound(h, key);

	if (i < h->n && h->keys[i] == key) {
		h->counts[i] += count;
		return 0;
	}
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		int64_t *k;
		uint64_t *c;

		if (cap > SIZE_MAX / sizeof(*k))
			return -ENOMEM;
		k = realloc(h->keys, cap * sizeof(*k));
		if (!k)
			return -ENOMEM;
		h->keys = k;
		c = realloc(h->counts, cap * sizeof(*c));
		if (!c)
			return -ENOMEM;
		h->counts = c;
		h->cap = cap;
	}
	memmove(h->keys + i + 1, h->keys + i, (h->n - i) * sizeof(*h->keys));
	memmove(h->counts + i + 1, h->counts + i, (h->n - i) * sizeof(*h->counts));
	h->keys[i] = key;
	h->counts[i] = count;
	h->n++;
	return 0;
}

void histogram_raw_reset(struct histogram_raw *h)
{
	h->n = 0;
}

void histogram_raw_release(struct histogram_raw *h)
{
	if (!h)
		return;
	free(h->keys);
	free(h->counts);
	*h = (struct histogram_raw){0};
}

/*
 * [compat] Go keeps the buckets in a map[float64]uint64 keyed by float64(key): a bucket
 * is found by its value as a double, so a non-integral key finds nothing.
 */
static uint64_t raw_count(const struct histogram_raw *h, double key)
{
	size_t i;

	if (!(key >= -9223372036854775808.0 && key < 9223372036854775808.0) || key != floor(key))
		return 0;
	i = raw_lower_bound(h, (int64_t)key);
	return i < h->n && h->keys[i] == (int64_t)key ? h->counts[i] : 0;
}

static int out_reserve(struct family_hist *out, size_t n)
{
	double *le, *cum;

	if (n > SIZE_MAX / sizeof(double))
		return -ENOMEM;
	le = realloc(out->le, (n ? n : 1) * sizeof(*le));
	if (!le)
		return -ENOMEM;
	out->le = le;
	cum = realloc(out->cumulative, (n ? n : 1) * sizeof(*cum));
	if (!cum)
		return -ENOMEM;
	out->cumulative = cum;
	return 0;
}

struct bucket {
	double le, cum;
	size_t order;
};

static int bucket_cmp(const void *a, const void *b)
{
	const struct bucket *x = a, *y = b;

	if (x->le != y->le)
		return x->le < y->le ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * [compat] The Go library sorts buckets by bound; an equal bound later in the listed
 * order overwrote the earlier one in ebpf_exporter's map. Infinite or NaN bounds are
 * dropped: +Inf is always the count.
 */
static int out_sort(struct family_hist *out)
{
	struct bucket *b;
	size_t n = 0, i;
	int sorted = 1;

	for (i = 0; i < out->n_buckets; i++) {
		if (!isfinite(out->le[i]) || (i && !(out->le[i - 1] < out->le[i])))
			sorted = 0;
	}
	if (sorted)
		return 0;
	b = malloc((out->n_buckets ? out->n_buckets : 1) * sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (i = 0; i < out->n_buckets; i++) {
		if (isfinite(out->le[i]))
			b[n++] = (struct bucket){out->le[i], out->cumulative[i], i};
	}
	qsort(b, n, sizeof(*b), bucket_cmp);
	out->n_buckets = 0;
	for (i = 0; i < n; i++) {
		if (i + 1 < n && b[i + 1].le == b[i].le)
			continue;
		out->le[out->n_buckets] = b[i].le;
		out->cumulative[out->n_buckets++] = b[i].cum;
	}
	free(b);
	return 0;
}

static double dynamic_le(enum hist_kind kind, int64_t i, double mult)
{
	switch (kind) {
	case HIST_EXP2: return ldexp(1.0, (int)i) * mult;
	case HIST_EXP2ZERO: return i == 0 ? 0 : ldexp(1.0, (int)(i - 1)) * mult;
	default: return (double)i * mult;
	}
}

static int compute_dynamic(const struct config_metric *m, const struct histogram_raw *raw,
			   double mult, struct family_hist *out, struct diag *d)
{
	int64_t lo = m->bucket_min, hi = m->bucket_max;
	uint64_t count = 0, span;
	size_t n = 0;
	int err;

	if (hi == lo)
		return diag_err(
			d, EINVAL, &m->at,
			"histogram \"%s\": zero size (bucket_min and bucket_max are both %lld)",
			m->name, (long long)lo);
	if (hi < lo)
		return diag_err(d, EINVAL, &m->at,
				"histogram \"%s\": bucket_max %lld is below bucket_min %lld",
				m->name, (long long)hi, (long long)lo);
	span = (uint64_t)hi - (uint64_t)lo;
	if (span >= HISTOGRAM_MAX_BUCKETS)
		return diag_err(d, E2BIG, &m->at,
				"histogram \"%s\": %llu buckets from bucket_min to bucket_max "
				"(at most %u)",
				m->name, (unsigned long long)span + 1, HISTOGRAM_MAX_BUCKETS);
	err = out_reserve(out, (size_t)span + 1);
	if (err)
		return err;
	/* [compat] inclusive: bucket_min..bucket_max, bucket_max itself is a bucket */
	for (int64_t i = lo;; i++) {
		count += raw_count(raw, (double)i);
		out->le[n] = dynamic_le(m->bucket_type, i, mult);
		out->cumulative[n++] = (double)count;
		if (i == hi)
			break;
	}
	out->n_buckets = n;
	out->count = (double)count;
	/* [compat] the key after bucket_max holds the sum, in multiplier units */
	out->sum = (double)raw_count(raw, (double)hi + 1) * mult;
	return out_sort(out);
}

static int compute_fixed(const struct config_metric *m, const struct histogram_raw *raw,
			 double mult, struct family_hist *out, struct diag *d)
{
	uint64_t count = 0;
	int err;

	if (!m->n_bucket_keys)
		return diag_err(d, EINVAL, &m->at,
				"histogram \"%s\": zero size (bucket_keys is empty)", m->name);
	err = out_reserve(out, m->n_bucket_keys);
	if (err)
		return err;
	/* [compat] listed order, not sorted: an unsorted list is not monotonic */
	for (size_t i = 0; i < m->n_bucket_keys; i++) {
		count += raw_count(raw, m->bucket_keys[i]);
		out->le[i] = m->bucket_keys[i] * mult;
		out->cumulative[i] = (double)count;
	}
	out->n_buckets = m->n_bucket_keys;
	out->count = (double)count;
	out->sum = (double)raw_count(raw, m->bucket_keys[m->n_bucket_keys - 1] + 1) * mult;
	return out_sort(out);
}

int histogram_compute(const struct config_metric *m, const struct histogram_raw *raw,
		      struct family_hist *out, struct diag *d)
{
	double mult = m->bucket_multiplier == 0 ? 1.0 : m->bucket_multiplier;
	int err;

	out->n_buckets = 0;
	out->sum = 0;
	out->count = 0;
	switch (m->bucket_type) {
	case HIST_EXP2:
	case HIST_EXP2ZERO:
	case HIST_LINEAR: err = compute_dynamic(m, raw, mult, out, d); break;
	case HIST_FIXED: err = compute_fixed(m, raw, mult, out, d); break;
	default:
		err = diag_err(d, EINVAL, &m->at,
			       "histogram \"%s\": unknown bucket_type (exp2, exp2zero, linear "
			       "or fixed)",
			       m->name);
		break;
	}
	if (err) {
		out->n_buckets = 0;
		out->sum = 0;
		out->count = 0;
	}
	return err;
}

void histogram_out_release(struct family_hist *out)
{
	if (!out)
		return;
	free(out->le);
	free(out->cumulative);
	*out = (struct family_hist){0};
}

/* Go's underscoreOK: '_' only between digits, or between a base prefix and a digit. */
static int underscores_ok(const char *s)
{
	char saw = '^';
	size_t i = 0, len = strlen(s);
	int hex = 0;

	if (len >= 2 && s[0] == '0' && strchr("bBoOxX", s[1])) {
		i = 2;
		saw = '0';
		hex = s[1] == 'x' || s[1] == 'X';
	}
	for (; i < len; i++) {
		char c = s[i];

		if ((c >= '0' && c <= '9') ||
		    (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))) {
			saw = '0';
			continue;
		}
		if (c == '_') {
			if (saw != '0')
				return 0;
			saw = '_';
			continue;
		}
		if (saw == '_')
			return 0;
		saw = '!';
	}
	return saw != '_';
}

int histogram_parse_key(const char *s, uint64_t *out)
{
	const char *p = s;
	unsigned base = 10;
	uint64_t n = 0;
	int has_underscore = 0;

	if (!*p)
		return -EINVAL;
	if (p[0] == '0') {
		size_t len = strlen(p);
		char c1 = len >= 3 ? (char)(p[1] | 0x20) : 0;

		/* [compat] strconv: a prefix needs at least one character after it */
		if (c1 == 'b')
			base = 2, p += 2;
		else if (c1 == 'o')
			base = 8, p += 2;
		else if (c1 == 'x')
			base = 16, p += 2;
		else
			base = 8, p += 1;
	}
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		unsigned dig;

		if (c == '_') {
			has_underscore = 1;
			continue;
		}
		if (c >= '0' && c <= '9')
			dig = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
			dig = (unsigned)((c | 0x20) - 'a') + 10;
		else
			return -EINVAL;
		if (dig >= base)
			return -EINVAL;
		if (n > (UINT64_MAX - dig) / base)
			return -ERANGE;
		n = n * base + dig;
	}
	if (has_underscore && !underscores_ok(s))
		return -EINVAL;
	*out = n;
	return 0;
}
