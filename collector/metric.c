/*
 * metric: the reader's hot path. One pass over each map; per entry the raw key is split and
 * decoded, and the label set is appended to an arena as one record (label values in the
 * exported order, NUL-separated) with its value: no hashing, no allocation per entry. The
 * records are then radix-sorted by their first 8 bytes (ties by the rest), which puts
 * duplicate label sets side by side to be summed and leaves the series in the order the Go
 * client prints them. Map access is mapread's, decoding decode's, bucketing histogram's.
 */
#include "metric.h"

#include <bpf/bpf.h>
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "histogram.h"
#include "mapread.h"

#define MAX_LABELS 64
/*
 * Records of equal label sets are merged early when they are many: from this many records
 * on, and again each time they double, a sample tells whether merging would pay (see
 * recs_maybe_compact()). Maps whose keys decode to few label sets then stay small, and
 * maps of distinct label sets are sorted once, at the end.
 */
#define COMPACT_MIN (1u << 18)
/* Records sampled to judge whether merging pays. */
#define COMPACT_SAMPLE 4096
/* The sort distributes buckets of up to this many records through a buffer (3 MiB). */
#define LSD_MAX (1u << 17)
/* Records and arena kept between metrics up to this many records (and 16 bytes each). */
#define KEEP_RECS (1u << 16)

/*
 * One sample: its label set and its value. A label set of up to 8 bytes (one short label,
 * as numbers, CPUs and syscall names are) is whole in the prefix and takes no arena.
 */
struct rec {
	uint64_t prefix;   /* first 8 key bytes, big-endian, zero-padded: the sort key */
	uint32_t off, len; /* label values in the arena, each followed by a NUL */
	double value;
};

/* A label set this short lives in the record's prefix, not in the arena. */
#define REC_INLINE 8

struct metric_reader {
	struct decode_ctx *dctx;
	struct metric_opts opts;
	struct strbuf labs[MAX_LABELS]; /* one decoded label each */
	struct strbuf arena;		/* label sets of the records */
	struct rec *recs;
	size_t n_recs, cap_recs;
	size_t populated; /* records whose pages are mapped in ahead (recs_populate) */
	struct rec *tmp;  /* up to LSD_MAX records for the sort's distribution passes */
	size_t tmp_cap;
	size_t compact_at;
	uint8_t *raw; /* raw key with a cpu suffix */
	size_t raw_cap;
	struct histogram_raw hraw;
};

/* What one metric's pass needs; lives on the stack of read_metric. */
struct pass {
	struct metric_reader *r;
	const struct config_metric *m;
	const struct mapread_info *info;
	bool cpu_label;		     /* per-CPU map whose last label is "cpu" */
	size_t key_total;	     /* Σ size + padding */
	size_t order[MAX_LABELS];    /* the k-th value of a label set is config label order[k] */
	bool plain_uint[MAX_LABELS]; /* the label's only decoder is uint: format inline */
	size_t n_decode_errors, n_skipped, n_dropped;
	size_t n_counted; /* written with a decoder error counted (DECODE_COUNTED) */
	struct diag first_counted;
	struct diag first_error; /* the first decode problem, for the message */
};

/*
 * The record array is mapped directly rather than malloc()ed: growing it moves pages
 * instead of copying them; it may use huge pages (1M records would otherwise take 6000
 * page faults, which on a virtual machine cost more than sorting them); and unmapping it
 * does not raise malloc's mmap threshold, after which the output text would be copied on
 * the heap each time it grows.
 */
static int recs_grow(struct metric_reader *r)
{
	size_t cap = r->cap_recs ? 2 * r->cap_recs : 4096;
	void *p;

	if (cap > SIZE_MAX / 2 / sizeof(*r->recs))
		return -ENOMEM;
	if (r->recs)
		p = mremap(r->recs, r->cap_recs * sizeof(*r->recs), cap * sizeof(*r->recs),
			   MREMAP_MAYMOVE);
	else
		p = mmap(NULL, cap * sizeof(*r->recs), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	(void)madvise(p, cap * sizeof(*r->recs), MADV_HUGEPAGE); /* a hint only */
	r->recs = p;
	r->cap_recs = cap;
	if (r->populated > r->n_recs)
		r->populated = r->n_recs; /* the grown part is mapped in as it is reached */
	return 0;
}

/* Let go of the record mapping (unmapped, or now someone else's). */
static void recs_forget(struct metric_reader *r)
{
	r->recs = NULL;
	r->cap_recs = r->n_recs = r->populated = 0;
}

static void recs_free(struct metric_reader *r)
{
	if (r->recs)
		munmap(r->recs, r->cap_recs * sizeof(*r->recs));
	recs_forget(r);
}

/* Records whose pages are mapped in at a time, ahead of their writing (2 MiB of them). */
#define RECS_POPULATE ((2u << 20) / sizeof(struct rec))

/*
 * Map in the pages of the next records before they are written: one call instead of a
 * page fault every 170 records, which on a virtual machine is most of what filling them
 * costs. A kernel without MADV_POPULATE_WRITE (before 5.14) says EINVAL; the pages are
 * then faulted in as they are written, as before.
 */
static void recs_populate(struct metric_reader *r)
{
	size_t n = r->cap_recs - r->populated;

	if (n > RECS_POPULATE)
		n = RECS_POPULATE;
	if (madvise(r->recs + r->populated, n * sizeof(*r->recs), MADV_POPULATE_WRITE))
		n = r->cap_recs - r->populated; /* not again for this mapping */
	r->populated += n;
}

int metric_reader_new(struct metric_reader **out, struct decode_ctx *dctx,
		      const struct metric_opts *opts)
{
	struct metric_reader *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->dctx = dctx;
	if (opts)
		r->opts = *opts;
	*out = r;
	return 0;
}

void metric_reader_free(struct metric_reader *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < MAX_LABELS; i++)
		strbuf_release(&r->labs[i]);
	strbuf_release(&r->arena);
	histogram_raw_release(&r->hraw);
	free(r->raw);
	recs_free(r);
	if (r->tmp)
		munmap(r->tmp, r->tmp_cap * sizeof(*r->tmp));
	free(r);
}

static void recs_reset(struct metric_reader *r)
{
	r->n_recs = 0;
	r->compact_at = COMPACT_MIN;
	strbuf_reset(&r->arena);
}

static uint64_t key_prefix(const char *key, size_t len)
{
	uint64_t be = 0;

	if (len) /* a label-less metric has no key, and may pass NULL */
		memcpy(&be, key, len < 8 ? len : 8);
	return be64toh(be);
}

/* The label set of @x: in the arena, or spelt out of the prefix into @tmp. */
static const char *rec_key(const struct metric_reader *r, const struct rec *x, char tmp[REC_INLINE])
{
	uint64_t be;

	if (x->len > REC_INLINE)
		return r->arena.buf + x->off;
	be = __builtin_bswap64(x->prefix);
	memcpy(tmp, &be, REC_INLINE);
	return tmp;
}

/*
 * Byte order of the label sets: label values compared pairwise, as the Go client does
 * (each value ends with a NUL, below every other byte, so the packed bytes compare alike).
 * Equal prefixes with one set of up to 8 bytes: that one is whole in the prefix, so it is
 * the start of the other, and the shorter comes first.
 */
static int rec_cmp(const void *a, const void *b, void *arg)
{
	const struct metric_reader *r = arg;
	const struct rec *x = a, *y = b;

	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	if (x->len > REC_INLINE && y->len > REC_INLINE) {
		int c = memcmp(r->arena.buf + x->off + REC_INLINE,
			       r->arena.buf + y->off + REC_INLINE,
			       (x->len < y->len ? x->len : y->len) - REC_INLINE);

		if (c)
			return c;
	}
	return x->len < y->len ? -1 : x->len > y->len;
}

static bool rec_same(const struct metric_reader *r, const struct rec *x, const struct rec *y)
{
	/* equal prefixes of keys up to 8 bytes long hold all their bytes */
	return x->prefix == y->prefix && x->len == y->len &&
	       (x->len <= REC_INLINE ||
		!memcmp(r->arena.buf + x->off, r->arena.buf + y->off, x->len));
}

static unsigned rec_byte(const struct rec *x, unsigned k)
{
	return (unsigned)(x->prefix >> (8 * k)) & 0xff;
}

/* Insertion sort, for the few records of a small bucket. */
static void recs_insertion_sort(struct metric_reader *r, struct rec *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct rec t = a[i];
		size_t j = i;

		for (; j > 0 && rec_cmp(&a[j - 1], &t, r) > 0; j--)
			a[j] = a[j - 1];
		a[j] = t;
	}
}

/* Runs of equal prefixes (label sets alike in their first 8 bytes) sorted by the rest. */
static void recs_sort_ties(struct metric_reader *r, struct rec *a, size_t n)
{
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && a[j].prefix == a[i].prefix; j++)
			;
		if (j - i > 1)
			qsort_r(a + i, j - i, sizeof(*a), rec_cmp, r);
	}
}

/*
 * LSD radix sort of @n <= LSD_MAX records on prefix bytes @k..0 (the higher ones are
 * equal): one counting pass, then a stable distribution pass per byte that varies, to
 * r->tmp and back. Each pass reads and writes the records in order, which is what makes
 * it several times faster than sorting them in place.
 */
static void recs_sort_lsd(struct metric_reader *r, struct rec *a, size_t n, int k)
{
	size_t count[8][256];
	struct rec *from = a, *to = r->tmp;

	memset(count, 0, sizeof(count[0]) * (size_t)(k + 1));
	for (size_t i = 0; i < n; i++)
		for (int b = 0; b <= k; b++)
			count[b][rec_byte(&a[i], (unsigned)b)]++;
	for (int b = 0; b <= k; b++) {
		size_t pos = 0, next[256];
		struct rec *t;

		if (count[b][rec_byte(&from[0], (unsigned)b)] == n)
			continue; /* the same in all: nothing to do */
		for (unsigned d = 0; d < 256; d++) {
			next[d] = pos;
			pos += count[b][d];
		}
		for (size_t i = 0; i < n; i++)
			to[next[rec_byte(&from[i], (unsigned)b)]++] = from[i];
		t = from;
		from = to;
		to = t;
	}
	if (from != a)
		memcpy(a, from, n * sizeof(*a));
	recs_sort_ties(r, a, n);
}

/*
 * MSD radix sort on the prefix, from its byte @k (7: the first) down, in place ("American
 * flag": each swap puts a record into its bucket for good), until a bucket fits the buffer
 * of recs_sort_lsd() (up to LSD_MAX records); big maps so need no second array of their
 * size. Without that buffer (no memory) it goes on in place to the last byte.
 * Records whose prefixes are equal are left to qsort on the whole key.
 */
static void recs_sort_from(struct metric_reader *r, struct rec *a, size_t n, int k)
{
	size_t count[256] = {0}, next[256], end[256], pos = 0;

	if (n < 64) {
		recs_insertion_sort(r, a, n);
		return;
	}
	if (k >= 0 && n <= r->tmp_cap) {
		recs_sort_lsd(r, a, n, k);
		return;
	}
	while (k >= 0) {
		for (size_t i = 0; i < n; i++)
			count[rec_byte(&a[i], (unsigned)k)]++;
		if (count[rec_byte(&a[0], (unsigned)k)] != n)
			break;
		count[rec_byte(&a[0], (unsigned)k)] = 0; /* one bucket: next byte */
		k--;
	}
	if (k < 0) {
		qsort_r(a, n, sizeof(*a), rec_cmp, r);
		return;
	}
	for (unsigned b = 0; b < 256; b++) {
		next[b] = pos;
		pos += count[b];
		end[b] = pos;
	}
	for (unsigned b = 0; b < 256; b++) {
		while (next[b] < end[b]) {
			unsigned d = rec_byte(&a[next[b]], (unsigned)k);
			struct rec t;

			if (d == b) {
				next[b]++;
				continue;
			}
			t = a[next[d]];
			a[next[d]++] = a[next[b]];
			a[next[b]] = t;
		}
	}
	for (unsigned b = 0; b < 256; b++) {
		size_t first = end[b] - count[b];

		if (count[b] > 1)
			recs_sort_from(r, a + first, count[b], k - 1);
	}
}

static int recs_sort(struct metric_reader *r)
{
	size_t want = r->n_recs < LSD_MAX ? r->n_recs : LSD_MAX;

	if (want >= 64 && want > r->tmp_cap) {
		void *p = mmap(NULL, want * sizeof(*r->tmp), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		/* without it the sort runs in place, slower: no need to fail */
		if (p != MAP_FAILED) {
			(void)madvise(p, want * sizeof(*r->tmp), MADV_POPULATE_WRITE);
			if (r->tmp)
				munmap(r->tmp, r->tmp_cap * sizeof(*r->tmp));
			r->tmp = p;
			r->tmp_cap = want;
		}
	}
	if (r->n_recs > 1)
		recs_sort_from(r, r->recs, r->n_recs, 7);
	return 0;
}

/* Sort, then sum records with the same label set into one. */
static int recs_merge(struct metric_reader *r)
{
	size_t w = 0;
	int err = recs_sort(r);

	if (err)
		return err;
	for (size_t i = 0; i < r->n_recs; i++) {
		if (w && rec_same(r, &r->recs[w - 1], &r->recs[i]))
			r->recs[w - 1].value += r->recs[i].value;
		else
			r->recs[w++] = r->recs[i];
	}
	r->n_recs = w;
	return 0;
}

/* Merge now and copy the surviving label sets into a fresh arena. */
static int recs_compact(struct metric_reader *r)
{
	struct strbuf fresh = {0};
	size_t before = r->n_recs;
	int err = recs_merge(r);

	if (!err)
		err = strbuf_grow(&fresh, r->arena.len / 2);
	for (size_t i = 0; i < r->n_recs && !err; i++) {
		struct rec *x = &r->recs[i];
		uint32_t off = (uint32_t)fresh.len;

		if (x->len <= REC_INLINE)
			continue;
		err = strbuf_add(&fresh, r->arena.buf + x->off, x->len);
		x->off = off;
	}
	if (err) {
		strbuf_release(&fresh);
		return err;
	}
	strbuf_release(&r->arena);
	r->arena = fresh;
	r->compact_at = (r->n_recs > before - before / 8 ? 4 : 2) * r->n_recs;
	if (r->compact_at < COMPACT_MIN)
		r->compact_at = COMPACT_MIN;
	return 0;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Merge the records now if a sample of them says it would pay: when at least one in eight
 * sampled records shares its sort prefix with another (a bound: long label sets may share
 * a prefix and still differ). Else look again when the records have doubled. Sorting all
 * of them to find out would cost a map of distinct label sets a second sort.
 */
static int recs_maybe_compact(struct metric_reader *r)
{
	uint64_t sample[COMPACT_SAMPLE];
	size_t n = r->n_recs < COMPACT_SAMPLE ? r->n_recs : COMPACT_SAMPLE, dup = 0;
	size_t stride = r->n_recs / n;

	for (size_t i = 0; i < n; i++)
		sample[i] = r->recs[i * stride].prefix;
	qsort(sample, n, sizeof(*sample), u64_cmp);
	for (size_t i = 1; i < n; i++)
		dup += sample[i] == sample[i - 1];
	if (dup >= n / 8)
		return recs_compact(r);
	r->compact_at = 2 * r->n_recs;
	return 0;
}

/* Add a record: label set @len bytes long, its first 8 bytes @prefix, the rest at @off. */
static int recs_push(struct metric_reader *r, uint64_t prefix, size_t off, size_t len, double v)
{
	int err;

	if (r->n_recs == r->cap_recs) {
		err = recs_grow(r);
		if (err)
			return err;
	}
	if (r->n_recs == r->populated)
		recs_populate(r);
	r->recs[r->n_recs++] = (struct rec){
		.prefix = prefix,
		.off = (uint32_t)off,
		.len = (uint32_t)len,
		.value = v,
	};
	if (r->n_recs >= r->compact_at) {
		err = recs_maybe_compact(r);
		if (err)
			return err;
	}
	return 0;
}

/* Record the label set at arena[@off..] with value @v. */
static int recs_add(struct metric_reader *r, size_t off, double v)
{
	size_t len = r->arena.len - off;
	uint64_t prefix;

	if (r->arena.len > UINT32_MAX)
		return -E2BIG;
	prefix = key_prefix(r->arena.buf + off, len);
	if (len <= REC_INLINE)
		r->arena.len = off; /* whole in the prefix */
	return recs_push(r, prefix, off, len, v);
}

/* A host-order unsigned integer of 1, 2, 4 or 8 bytes. */
static uint64_t load_uint(const uint8_t *in, size_t len)
{
	uint64_t v = 0;
	uint32_t v32;
	uint16_t v16;

	switch (len) {
	case 1: v = in[0]; break;
	case 2:
		memcpy(&v16, in, 2);
		v = v16;
		break;
	case 4:
		memcpy(&v32, in, 4);
		v = v32;
		break;
	default: memcpy(&v, in, 8); break;
	}
	return v;
}

/* Decimal digits of a host-order unsigned integer of 1, 2, 4 or 8 bytes, NUL after. */
static int add_uint(struct strbuf *sb, const uint8_t *in, size_t len)
{
	int err = strbuf_grow(sb, STRBUF_U64_DIGITS + 1);

	if (err)
		return err;
	sb->len += strbuf_put_u64(sb->buf + sb->len, load_uint(in, len));
	sb->buf[sb->len++] = '\0';
	sb->buf[sb->len] = '\0';
	return 0;
}

/* Integers below this have their digits and NUL whole in a record's prefix. */
#define UINT_INLINE 10000000u

/*
 * The sort prefix of the label set that is the digits of @v < UINT_INLINE and a NUL, the
 * commonest key of all (one id), built in a register: no text is written or read back.
 * The label set's length goes to @len.
 */
static uint64_t uint_prefix(uint64_t v, size_t *len)
{
	uint64_t prefix = 0;
	size_t n = 0;

	do { /* the last digit first, each pushed in from the top */
		prefix = prefix >> 8 | (uint64_t)('0' + v % 10) << 56;
		v /= 10;
		n++;
	} while (v);
	*len = n + 1;
	return prefix;
}

/*
 * Decode @raw and append its label set to the arena: values in the exported order, each
 * followed by a NUL. Nothing is appended unless every label decodes. 0, DECODE_SKIP or
 * -errno (with @d).
 */
static int decode_key(struct pass *p, const uint8_t *raw, size_t len, struct diag *d)
{
	struct metric_reader *r = p->r;
	const struct config_metric *m = p->m;
	size_t off = 0, n = m->n_labels, own_off = 0, own_size = 0;
	bool counted = false;
	int err = 0;

	if (len != p->key_total)
		return diag_err(d, EINVAL, NULL,
				"key is %zu bytes but the labels cover %zu (check sizes and "
				"paddings)",
				len, p->key_total);
	if (n == 1 && p->plain_uint[0])
		return add_uint(&r->arena, raw, m->labels[0].size);
	for (size_t i = 0; i < n; i++) {
		const struct config_label *l = &m->labels[i];

		if (l->reuse) { /* ebpfexp: the bytes of the last label with bytes of its own */
			err = decode_label(r->dctx, l, raw + own_off, own_size, &r->labs[i], d);
			if (err)
				return err;
			continue;
		}
		own_off = off;
		own_size = l->size;
		if (p->plain_uint[i]) {
			strbuf_reset(&r->labs[i]);
			err = add_uint(&r->labs[i], raw + off, l->size);
			r->labs[i].len--; /* the NUL is added below */
		} else {
			err = decode_label(r->dctx, l, raw + off, l->size, &r->labs[i], d);
			if (err == DECODE_COUNTED) {
				counted = true;
				err = 0;
			}
		}
		if (err)
			return err; /* decode_label names the label */
		off += (size_t)l->size + l->padding;
	}
	for (size_t k = 0; k < n && !err; k++) {
		const struct strbuf *v = &r->labs[p->order[k]];

		err = strbuf_grow(&r->arena, v->len + 1);
		if (!err) {
			memcpy(r->arena.buf + r->arena.len, v->buf ? v->buf : "", v->len);
			r->arena.len += v->len;
			r->arena.buf[r->arena.len++] = '\0';
		}
	}
	return err ? err : counted ? DECODE_COUNTED : 0;
}

static int add_sample(struct pass *p, const uint8_t *raw, size_t len, double v)
{
	struct metric_reader *r = p->r;
	size_t off = r->arena.len;
	struct diag d = {0};
	uint64_t u;
	int err;

	if (p->m->n_labels == 0) {
		/* [compat] a label-less metric: only a u32 key 0 gives the empty label set */
		static const uint8_t zero[4];

		if (len != 4 || memcmp(raw, zero, 4)) {
			p->n_decode_errors++;
			if (!p->first_error.n_msgs) {
				char hex[2 * 16 + 4];

				for (size_t i = 0; i < len && i < 16; i++)
					snprintf(hex + 2 * i, 3, "%02x", raw[i]);
				if (len > 16)
					strcpy(hex + 32, "...");
				diag_err(&p->first_error, EINVAL, NULL,
					 "metric has no labels, so its map may hold only a 4-byte "
					 "key 0; found the %zu-byte key %s",
					 len, hex);
			}
			return 0;
		}
	} else if (p->m->n_labels == 1 && p->plain_uint[0] && len == p->key_total &&
		   (u = load_uint(raw, p->m->labels[0].size)) < UINT_INLINE) {
		size_t n;
		uint64_t prefix = uint_prefix(u, &n);

		return recs_push(r, prefix, 0, n, v);
	} else {
		err = decode_key(p, raw, len, &d);
		if (err == DECODE_SKIP) {
			p->n_skipped++;
			diag_release(&d);
			return 0;
		}
		if (err == DECODE_COUNTED) {
			/* written, and counted: the label says what it could not resolve */
			p->n_counted++;
			if (!p->first_counted.n_msgs)
				diag_move(&p->first_counted, &d);
			diag_release(&d);
			err = 0;
		}
		if (err) {
			r->arena.len = off;
			p->n_decode_errors++;
			if (!p->first_error.n_msgs)
				diag_move(&p->first_error, &d);
			diag_release(&d);
			return err == -ENOMEM ? err : 0;
		}
	}
	return recs_add(r, off, v);
}

static int on_entry(void *arg, const uint8_t *key, const uint64_t *values)
{
	struct pass *p = arg;
	struct metric_reader *r = p->r;
	size_t klen = p->info->key_size;

	if (!p->info->is_percpu)
		return add_sample(p, key, klen, (double)values[0]);
	if (!p->cpu_label) {
		double sum = 0;

		for (size_t c = 0; c < p->info->n_values; c++)
			sum += (double)values[c];
		return add_sample(p, key, klen, sum);
	}
	/* [compat] one sample per CPU, the CPU appended to the key as a host-order u16 */
	for (size_t c = 0; c < p->info->n_values; c++) {
		static const uint8_t zero[4];
		uint16_t cpu = (uint16_t)c;
		const uint8_t *raw = r->raw;
		size_t len = klen + 2;
		int err;

		memcpy(r->raw, key, klen);
		memcpy(r->raw + klen, &cpu, 2);
		/* [compat] the only label is cpu: a u32 key 0 is dropped, leaving the CPU */
		if (p->m->n_labels == 1 && klen == 4 && !memcmp(key, zero, 4)) {
			raw += 4;
			len -= 4;
		}
		err = add_sample(p, raw, len, (double)values[c]);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The exported order of @m's labels: sorted by name as the Go client prints them, and for
 * a histogram the bucket label last (it is not exported; it groups). p->order[k] is the
 * config index of the k-th.
 */
static void label_order(struct pass *p)
{
	const struct config_metric *m = p->m;
	size_t n = m->n_labels, n_sorted = n;

	if (m->kind == METRIC_HISTOGRAM && n) {
		n_sorted = n - 1;
		p->order[n - 1] = n - 1;
	}
	for (size_t i = 0; i < n_sorted; i++) {
		size_t rank = 0;

		for (size_t j = 0; j < n_sorted; j++)
			if (strcmp(m->labels[j].name, m->labels[i].name) < 0)
				rank++;
		p->order[rank] = i;
	}
	for (size_t i = 0; i < n; i++) {
		const struct config_label *l = &m->labels[i];

		p->plain_uint[i] = l->n_decoders == 1 && l->decoders[0].kind == DECODER_UINT &&
				   (l->size == 1 || l->size == 2 || l->size == 4 || l->size == 8);
	}
}

/* Split a label set into @vals (pointers into @key, which is NUL-separated). */
static size_t split_key(const char *key, size_t len, const char **vals, size_t max)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i < len && n < max; i++) {
		if (key[i])
			continue;
		vals[n++] = key + start;
		start = i + 1;
	}
	return n;
}

/*
 * A record is turned into a series where it lies: series i ends at or before record i + 1
 * starts, so writing it overwrites only records already read.
 */
_Static_assert(sizeof(struct series) <= sizeof(struct rec),
	       "a series must fit in the place of a record");

/*
 * Copy the label sets of the first @n records into @out in their sorted order, and point
 * the records at the copies. Label sets of up to 8 bytes are whole in the sort prefix and
 * need no read of the arena; the others are read from it, where they lie in the order the
 * map was read. Written out in order, a family's label text is read in one forward sweep
 * when it is printed, not with a cache miss per line.
 */
static int gather_labels(struct metric_reader *r, size_t n, struct strbuf *out)
{
	size_t total = 0;
	char *p;
	int err;

	for (size_t i = 0; i < n; i++)
		total += r->recs[i].len;
	/* a label set in the prefix is copied whole, its zero padding beyond the text */
	err = strbuf_grow(out, total + REC_INLINE);
	if (err)
		return err;
	strbuf_prefault(out);
	p = out->buf;
	for (size_t i = 0; i < n; i++) {
		struct rec *x = &r->recs[i];
		uint64_t be = htobe64(x->prefix);

		if (x->len <= REC_INLINE)
			memcpy(p, &be, REC_INLINE);
		else
			memcpy(p, r->arena.buf + x->off, x->len);
		x->off = (uint32_t)(p - out->buf);
		p += x->len;
	}
	out->len = total;
	out->buf[total] = '\0';
	return 0;
}

/*
 * The sorted, merged records become the family's series in place: a record's label set is
 * packed as a series wants it (values in the family's label order, each followed by a NUL)
 * and already in its order. The family takes the record mapping and the label text; no
 * allocation per series, no pass over the series to sort or check them.
 */
static int emit_counter(struct pass *p, struct family_set *fs, const char *fname)
{
	struct metric_reader *r = p->r;
	const struct config_metric *m = p->m;
	size_t n = m->n_labels, n_keep = r->n_recs;
	const char *names[MAX_LABELS];
	struct strbuf text = {0};
	struct series *series;
	struct family *f;
	int err;

	for (size_t i = 0; i < n; i++)
		names[i] = m->labels[p->order[i]].name;
	if (r->opts.max_series && n_keep > r->opts.max_series) {
		p->n_dropped = n_keep - r->opts.max_series;
		n_keep = r->opts.max_series;
	}
	err = family_set_add(fs, fname, m->help, FAMILY_COUNTER, names, n, &f);
	if (err || !n_keep)
		return err;
	if (n) {
		err = gather_labels(r, n_keep, &text);
		if (!err)
			err = family_set_hold(fs, text.buf);
		if (err)
			return err;
	}
	series = (struct series *)r->recs;
	for (size_t i = 0; i < n_keep; i++) {
		const struct rec x = r->recs[i];

		series[i] =
			(struct series){.labels = n ? text.buf + x.off : NULL, .value = x.value};
	}
	err = family_adopt_series(f, series, n_keep, r->cap_recs * sizeof(*r->recs));
	if (err)
		return err;
	f->presorted = 1;
	recs_forget(r); /* the family has the mapping now */
	return 0;
}

/* Where the bucket label starts in a histogram's label set: after the second-to-last NUL. */
static size_t bucket_off(const char *key, size_t len)
{
	size_t last = len - 1;

	while (last > 0 && key[last - 1])
		last--;
	return last;
}

static int emit_histogram(struct pass *p, struct family_set *fs, const char *fname, struct diag *d)
{
	struct metric_reader *r = p->r;
	const struct config_metric *m = p->m;
	size_t n = m->n_labels - 1, n_series = 0;
	const char *names[MAX_LABELS], *vals[MAX_LABELS];
	struct family_hist out = {0};
	struct family *f = NULL;
	uint64_t bk;
	int err = 0;

	for (size_t i = 0; i < r->n_recs; i++) {
		char tmp[REC_INLINE];
		const char *key = rec_key(r, &r->recs[i], tmp);
		size_t last = bucket_off(key, r->recs[i].len);

		if (histogram_parse_key(key + last, &bk)) {
			/*
			 * [compat] any unparsable bucket label omits the whole histogram for
			 * this read; it is logged, not counted as a decoder error, and the
			 * config's other metrics are still written.
			 */
			diag_warn(d, NULL,
				  "bucket label \"%s\" is \"%s\", not an unsigned integer: "
				  "histogram omitted",
				  m->labels[m->n_labels - 1].name, key + last);
			return 0;
		}
	}
	for (size_t i = 0; i < n; i++)
		names[i] = m->labels[p->order[i]].name;
	err = family_set_add(fs, fname, m->help, FAMILY_HISTOGRAM, names, n, &f);
	/*
	 * The records are sorted by label set with the bucket label last, so each group of
	 * equal other labels is one run, and the runs come in the family's series order.
	 */
	for (size_t i = 0, j; i < r->n_recs && !err; i = j) {
		char tmp[REC_INLINE], tmpj[REC_INLINE];
		const char *key = rec_key(r, &r->recs[i], tmp);
		size_t plen = bucket_off(key, r->recs[i].len);
		struct series *s;

		histogram_raw_reset(&r->hraw);
		for (j = i; j < r->n_recs && !err; j++) {
			const char *kj = rec_key(r, &r->recs[j], tmpj);
			size_t lj = bucket_off(kj, r->recs[j].len);

			if (lj != plen || memcmp(kj, key, plen))
				break;
			histogram_parse_key(kj + lj, &bk);
			err = histogram_raw_add(&r->hraw, (int64_t)bk, (uint64_t)r->recs[j].value);
		}
		if (err)
			break;
		if (r->opts.max_series && n_series == r->opts.max_series) {
			p->n_dropped++;
			continue;
		}
		if (histogram_compute(m, &r->hraw, &out, d))
			continue; /* [compat] this label set is omitted; the others go on */
		split_key(key, plen, vals, n);
		err = family_add_series(f, vals, out.count, &s);
		if (!err && !family_series_hist(s))
			err = -ENOMEM;
		if (!err) {
			*s->hist = out; /* the series takes the arrays */
			out = (struct family_hist){0};
			n_series++;
		}
	}
	histogram_out_release(&out);
	return err;
}

static int read_metric(struct metric_reader *r, const struct manifest *man,
		       const struct config_metric *m, struct family_set *fs,
		       struct metric_stats *st, struct diag *d)
{
	const struct manifest_map *mm = manifest_find_map(man, m->name);
	struct pass p = {.r = r, .m = m};
	struct mapread *mr = NULL;
	char *fname = NULL;
	size_t n_before;
	int err;

	if (!mm)
		return diag_err(d, ENOENT, NULL, "the manifest has no map for it");
	if (m->n_labels > MAX_LABELS)
		return diag_err(d, E2BIG, NULL, "%zu labels; at most %d are supported", m->n_labels,
				MAX_LABELS);
	err = mapread_open(&mr, mm->pin_path, d);
	if (err)
		return err;
	p.info = mapread_info(mr);
	if (p.info->key_size != mm->key_size || p.info->type != mm->type) {
		err = diag_err(d, ESTALE, NULL,
			       "%s has key size %u and type %u but the manifest says %u and %u "
			       "(was the loader restarted with another object? reload it)",
			       mm->pin_path, p.info->key_size, p.info->type, mm->key_size,
			       mm->type);
		goto out;
	}
	p.cpu_label =
		p.info->is_percpu && m->n_labels && !strcmp(m->labels[m->n_labels - 1].name, "cpu");
	p.key_total = config_metric_key_size(m);
	if (p.info->key_size + 2 > r->raw_cap) {
		free(r->raw);
		r->raw_cap = p.info->key_size + 2;
		r->raw = malloc(r->raw_cap);
		if (!r->raw) {
			r->raw_cap = 0;
			err = -ENOMEM;
			goto out;
		}
	}
	label_order(&p);
	recs_reset(r);
	err = mapread_foreach(mr, r->opts.batch, on_entry, &p, d);
	if (!err)
		err = recs_merge(r);
	if (err == -E2BIG)
		err = diag_err(d, E2BIG, NULL, "its label sets take more than 4 GiB");
	if (err)
		goto out;
	if (asprintf(&fname, METRIC_PREFIX "%s", m->name) < 0) {
		fname = NULL;
		err = -ENOMEM;
		goto out;
	}
	n_before = fs->n;
	if (m->kind == METRIC_HISTOGRAM)
		err = emit_histogram(&p, fs, fname, d);
	else
		err = emit_counter(&p, fs, fname);
	if (err == -EEXIST) /* family_set_add: the one error it has no words for */
		err = diag_err(d, EEXIST, NULL,
			       "family %s is written already, by another metric "
			       "of that name",
			       fname);
	if (!err && fs->n > n_before)
		st->n_series += fs->fams[fs->n - 1].n_series;
out:
	/* a big map's buffers are not kept for the next metric: they would stay resident */
	if (r->cap_recs > KEEP_RECS)
		recs_free(r);
	if (r->arena.cap > KEEP_RECS * 16)
		strbuf_release(&r->arena);
	st->n_decode_errors += p.n_decode_errors + p.n_counted;
	st->n_skipped += p.n_skipped;
	st->n_dropped += p.n_dropped;
	if (p.n_decode_errors)
		diag_warn(d, NULL, "%zu sample(s) skipped: %s", p.n_decode_errors,
			  diag_last(&p.first_error));
	if (p.n_counted)
		diag_warn(d, NULL, "%zu sample(s) counted as decoder errors: %s", p.n_counted,
			  diag_last(&p.first_counted));
	diag_release(&p.first_counted);
	if (p.n_dropped)
		diag_warn(d, NULL, "reached --metrics.max-series=%zu; %zu series dropped",
			  r->opts.max_series, p.n_dropped);
	diag_release(&p.first_error);
	free(fname);
	mapread_close(mr);
	return err;
}

int metric_read_config(struct metric_reader *r, const struct manifest *m, struct family_set *fs,
		       struct metric_stats *st, struct diag *d)
{
	const struct config *c = m->config;
	size_t n_ok = 0, n_tried = 0;

	for (size_t i = 0; i < c->n_metrics; i++) {
		const struct config_metric *cm = &c->metrics[i];
		size_t before = d->n_msgs, errors_before = d->n_errors;
		int err;

		/* perf_event_array: the loader's count map, named in the manifest like any */
		n_tried++;
		err = read_metric(r, m, cm, fs, st, d);
		/* a failure is never silent, whatever step it came from */
		if (err && d->n_errors == errors_before)
			diag_err(d, err, NULL, "%s", strerror(-err));
		diag_prefix_from(d, before, "config \"%s\": metric \"%s\"", c->name, cm->name);
		if (err) {
			st->n_failed++;
			if (err == -ENOMEM)
				return err;
			continue;
		}
		n_ok++;
	}
	return n_tried && !n_ok ? -EIO : 0;
}
