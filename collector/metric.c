/*
 * metric: the reader's hot path. One pass over each map; per entry the raw key is split and
 * decoded into reused buffers and the label values are summed into an open-addressing table
 * whose keys live in one growing arena. Families are built only from the distinct label
 * sets. Map access is mapread's, decoding decode's, bucketing histogram's.
 */
#include "metric.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "histogram.h"
#include "mapread.h"

#define METRIC_PREFIX "ebpf_exporter_"
#define MAX_LABELS 64
#define MAX_RAW_KEY 65536

struct agg_entry {
	uint64_t hash;		/* 0: empty slot */
	size_t off, len;	/* label values, '\0'-separated, in the arena */
	double value;
};

struct metric_reader {
	struct decode_ctx *dctx;
	struct metric_opts opts;
	struct strbuf label;	/* one decoded label */
	struct strbuf joined;	/* the label set being built */
	struct strbuf arena;	/* keys of the aggregation table */
	uint8_t *raw;		/* raw key with a cpu suffix */
	size_t raw_cap;
	struct agg_entry *tab;
	size_t tab_cap, tab_n;
	struct histogram_raw hraw;
};

/* What one metric's pass needs; lives on the stack of read_metric. */
struct pass {
	struct metric_reader *r;
	const struct config_metric *m;
	const struct mapread_info *info;
	bool cpu_label;		/* per-CPU map whose last label is "cpu" */
	size_t key_total;	/* Σ size + padding */
	size_t n_decode_errors, n_skipped, n_dropped;
	struct diag first_error;	/* the first decode problem, for the message */
};

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
	strbuf_release(&r->label);
	strbuf_release(&r->joined);
	strbuf_release(&r->arena);
	histogram_raw_release(&r->hraw);
	free(r->raw);
	free(r->tab);
	free(r);
}

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h ? h : 1;
}

static void tab_reset(struct metric_reader *r)
{
	if (r->tab)
		memset(r->tab, 0, r->tab_cap * sizeof(*r->tab));
	r->tab_n = 0;
	strbuf_reset(&r->arena);
}

static int tab_grow(struct metric_reader *r)
{
	size_t cap = r->tab_cap ? r->tab_cap * 2 : 1024;
	struct agg_entry *tab = calloc(cap, sizeof(*tab));

	if (!tab)
		return -ENOMEM;
	for (size_t i = 0; i < r->tab_cap; i++) {
		struct agg_entry *e = &r->tab[i];
		size_t j;

		if (!e->hash)
			continue;
		for (j = e->hash & (cap - 1); tab[j].hash; j = (j + 1) & (cap - 1))
			;
		tab[j] = *e;
	}
	free(r->tab);
	r->tab = tab;
	r->tab_cap = cap;
	return 0;
}

/* Sum @v into the label set in r->joined. 1: dropped by max_series. */
static int tab_add(struct metric_reader *r, double v)
{
	const char *key = strbuf_str(&r->joined);
	size_t len = r->joined.len, i;
	uint64_t h = hash_bytes(key, len);
	int err;

	if ((r->tab_n + 1) * 4 > r->tab_cap * 3) {
		err = tab_grow(r);
		if (err)
			return err;
	}
	for (i = h & (r->tab_cap - 1); r->tab[i].hash; i = (i + 1) & (r->tab_cap - 1)) {
		struct agg_entry *e = &r->tab[i];

		if (e->hash == h && e->len == len && !memcmp(r->arena.buf + e->off, key, len)) {
			e->value += v;
			return 0;
		}
	}
	if (r->opts.max_series && r->tab_n >= r->opts.max_series)
		return 1;
	r->tab[i] = (struct agg_entry){ .hash = h, .off = r->arena.len, .len = len, .value = v };
	err = strbuf_add(&r->arena, key, len);
	if (err)
		return err;
	r->tab_n++;
	return 0;
}

/* Decode @raw into r->joined ("v1\0v2\0...\0"). 0, DECODE_SKIP or -errno (with @d). */
static int decode_key(struct pass *p, const uint8_t *raw, size_t len, struct diag *d)
{
	struct metric_reader *r = p->r;
	const struct config_metric *m = p->m;
	size_t off = 0;

	strbuf_reset(&r->joined);
	if (len != p->key_total)
		return diag_err(d, EINVAL, NULL,
				"key is %zu bytes but the labels cover %zu (check sizes and "
				"paddings)", len, p->key_total);
	for (size_t i = 0; i < m->n_labels; i++) {
		const struct config_label *l = &m->labels[i];
		int err = decode_label(r->dctx, l, raw + off, l->size, &r->label, d);

		if (err) {
			if (err < 0)
				diag_prefix(d, "label \"%s\"", l->name);
			return err;
		}
		off += (size_t)l->size + l->padding;
		err = strbuf_add(&r->joined, r->label.buf ? r->label.buf : "", r->label.len);
		if (!err)
			err = strbuf_addch(&r->joined, '\0');
		if (err)
			return err;
	}
	return 0;
}

static int add_sample(struct pass *p, const uint8_t *raw, size_t len, double v)
{
	struct diag d = { 0 };
	int err;

	if (p->m->n_labels == 0) {
		/* [compat] a label-less metric: only a u32 key 0 gives the empty label set */
		static const uint8_t zero[4];

		strbuf_reset(&p->r->joined);
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
					 "key 0; found the %zu-byte key %s", len, hex);
			}
			return 0;
		}
	} else {
		err = decode_key(p, raw, len, &d);
		if (err == DECODE_SKIP) {
			p->n_skipped++;
			diag_release(&d);
			return 0;
		}
		if (err) {
			p->n_decode_errors++;
			if (!p->first_error.n_msgs)
				diag_move(&p->first_error, &d);
			diag_release(&d);
			return err == -ENOMEM ? err : 0;
		}
	}
	err = tab_add(p->r, v);
	if (err == 1) {
		p->n_dropped++;
		err = 0;
	}
	return err;
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

/* Label names of @m in exported order, and the permutation into sorted order. */
static void label_order(const struct config_metric *m, size_t n, const char **names,
			size_t *pos)
{
	for (size_t i = 0; i < n; i++)
		names[i] = m->labels[i].name;
	/* pos[i]: where config label i lands among the sorted names */
	for (size_t i = 0; i < n; i++) {
		size_t rank = 0;

		for (size_t j = 0; j < n; j++)
			if (strcmp(names[j], names[i]) < 0)
				rank++;
		pos[i] = rank;
	}
}

/* Split an arena key into @vals (pointers into a scratch copy @buf). */
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

static int emit_counter(struct pass *p, struct family_set *fs, const char *fname,
			enum family_type type)
{
	struct metric_reader *r = p->r;
	const struct config_metric *m = p->m;
	size_t n = m->n_labels, pos[MAX_LABELS];
	const char *names[MAX_LABELS], *vals[MAX_LABELS], *sorted[MAX_LABELS];
	struct family *f;
	int err;

	label_order(m, n, names, pos);
	err = family_set_add(fs, fname, m->help, type, names, n, &f);
	for (size_t i = 0; i < r->tab_cap && !err; i++) {
		struct agg_entry *e = &r->tab[i];
		struct series *s;

		if (!e->hash)
			continue;
		split_key(r->arena.buf + e->off, e->len, vals, n);
		for (size_t k = 0; k < n; k++)
			sorted[pos[k]] = vals[k];
		err = family_add_series(f, sorted, e->value, &s);
	}
	return err;
}

struct hist_row {
	size_t off, prefix_len;	/* label set without the bucket label */
	int64_t key;
	uint64_t count;
};

static int cmp_hist_row(const void *a, const void *b, void *arena)
{
	const struct hist_row *x = a, *y = b;
	const char *base = arena;
	size_t n = x->prefix_len < y->prefix_len ? x->prefix_len : y->prefix_len;
	int c = memcmp(base + x->off, base + y->off, n);

	if (c)
		return c;
	return x->prefix_len < y->prefix_len ? -1 : x->prefix_len > y->prefix_len;
}

static int emit_histogram(struct pass *p, struct family_set *fs, const char *fname,
			  struct diag *d)
{
	struct metric_reader *r = p->r;
	const struct config_metric *m = p->m;
	size_t n = m->n_labels - 1, pos[MAX_LABELS], n_rows = 0;
	const char *names[MAX_LABELS], *vals[MAX_LABELS], *sorted[MAX_LABELS];
	struct hist_row *rows = calloc(r->tab_n ? r->tab_n : 1, sizeof(*rows));
	struct family_hist out = { 0 };
	struct family *f = NULL;
	int err = 0;

	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < r->tab_cap; i++) {
		struct agg_entry *e = &r->tab[i];
		const char *key;
		size_t last;
		uint64_t bk;

		if (!e->hash)
			continue;
		key = r->arena.buf + e->off;
		/* the bucket label is the last value: after the second-to-last NUL */
		last = e->len - 1;
		while (last > 0 && key[last - 1])
			last--;
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
			goto out;
		}
		rows[n_rows++] = (struct hist_row){ .off = e->off, .prefix_len = last,
						    .key = (int64_t)bk,
						    .count = (uint64_t)e->value };
	}
	qsort_r(rows, n_rows, sizeof(*rows), cmp_hist_row, r->arena.buf);
	label_order(m, n, names, pos);
	err = family_set_add(fs, fname, m->help, FAMILY_HISTOGRAM, names, n, &f);
	for (size_t i = 0; i < n_rows && !err;) {
		size_t j = i;
		struct series *s;

		histogram_raw_reset(&r->hraw);
		for (; j < n_rows && !cmp_hist_row(&rows[i], &rows[j], r->arena.buf); j++)
			err = err ? err : histogram_raw_add(&r->hraw, rows[j].key, rows[j].count);
		if (err)
			break;
		if (histogram_compute(m, &r->hraw, &out, d)) {
			/* [compat] this label set is omitted; the others go on */
			i = j;
			continue;
		}
		split_key(r->arena.buf + rows[i].off, rows[i].prefix_len, vals, n);
		for (size_t k = 0; k < n; k++)
			sorted[pos[k]] = vals[k];
		err = family_add_series(f, sorted, out.count, &s);
		if (!err) {
			s->hist = out;	/* the series takes the arrays */
			out = (struct family_hist){ 0 };
		}
		i = j;
	}
out:
	histogram_out_release(&out);
	free(rows);
	return err;
}

static int read_metric(struct metric_reader *r, const struct manifest *man,
		       const struct config_metric *m, struct family_set *fs,
		       struct metric_stats *st, struct diag *d)
{
	const struct manifest_map *mm = manifest_find_map(man, m->name);
	struct pass p = { .r = r, .m = m };
	struct mapread *mr = NULL;
	char *fname = NULL;
	size_t n_before;
	int err;

	if (!mm)
		return diag_err(d, ENOENT, NULL, "the manifest has no map for it");
	if (m->n_labels > MAX_LABELS)
		return diag_err(d, E2BIG, NULL, "%zu labels; at most %d are supported",
				m->n_labels, MAX_LABELS);
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
	p.cpu_label = p.info->is_percpu && m->n_labels &&
		      !strcmp(m->labels[m->n_labels - 1].name, "cpu");
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
	tab_reset(r);
	err = mapread_foreach(mr, r->opts.batch, on_entry, &p, d);
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
		err = emit_counter(&p, fs, fname, FAMILY_COUNTER);
	if (!err && fs->n > n_before)
		st->n_series += fs->fams[fs->n - 1].n_series;
out:
	st->n_decode_errors += p.n_decode_errors;
	st->n_skipped += p.n_skipped;
	st->n_dropped += p.n_dropped;
	if (p.n_decode_errors)
		diag_warn(d, NULL, "%zu sample(s) skipped: %s", p.n_decode_errors,
			  diag_last(&p.first_error));
	if (p.n_dropped)
		diag_warn(d, NULL,
			  "reached --metrics.max-series=%zu; %zu series dropped",
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
		size_t before = d->n_msgs;
		int err;

		if (cm->perf_event_array)
			continue;	/* counted by the loader; exported with its own map */
		n_tried++;
		err = read_metric(r, m, cm, fs, st, d);
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
