/*
 * live: the difference between two reads of the same families, and the loop that makes
 * one read an interval for `ebpfexp-read --interval`. Series are matched by family name
 * and packed label values (a hash of the previous read's series per family). The drawing
 * of tables and bars is view's; this module adds the columns and lines of an interval.
 * Reading the configs is left to the caller (a callback), so that live knows no map.
 */
#include "live.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "promtext.h"
#include "view.h"

struct live_epoch {
	char *name;
	uint64_t epoch;
};

struct epochs {
	size_t n, cap;
	struct live_epoch *e;
};

struct live {
	struct live_opts o;
	struct family_set prev;
	bool has_prev;
	double prev_mono;
	struct epochs prev_ep, cur_ep;
	struct live_interval iv;
	/* per family of the previous read: a hash of its series, reused */
	size_t *slots;
	size_t n_slots;
	bool *seen;
	size_t n_seen;
};

static void epochs_clear(struct epochs *ep)
{
	for (size_t i = 0; i < ep->n; i++)
		free(ep->e[i].name);
	ep->n = 0;
}

static const struct live_epoch *epochs_find(const struct epochs *ep, const char *name)
{
	for (size_t i = 0; i < ep->n; i++)
		if (!strcmp(ep->e[i].name, name))
			return &ep->e[i];
	return NULL;
}

static void interval_release(struct live_interval *iv)
{
	for (size_t i = 0; i < iv->n_fams; i++) {
		struct live_family *lf = &iv->fams[i];

		for (size_t r = 0; r < lf->n_rows + lf->n_hidden; r++)
			free(lf->rows[r].hist.cumulative);
		free(lf->rows);
	}
	free(iv->fams);
	memset(iv, 0, sizeof(*iv));
}

int live_new(struct live **out, const struct live_opts *o)
{
	struct live *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (!l)
		return -ENOMEM;
	if (o)
		l->o = *o;
	*out = l;
	return 0;
}

void live_free(struct live *l)
{
	if (!l)
		return;
	interval_release(&l->iv);
	family_set_release(&l->prev);
	epochs_clear(&l->prev_ep);
	epochs_clear(&l->cur_ep);
	free(l->prev_ep.e);
	free(l->cur_ep.e);
	free(l->slots);
	free(l->seen);
	free(l);
}

int live_set_epoch(struct live *l, const char *name, uint64_t epoch)
{
	struct epochs *ep = &l->cur_ep;
	char *copy;

	for (size_t i = 0; i < ep->n; i++)
		if (!strcmp(ep->e[i].name, name)) {
			ep->e[i].epoch = epoch;
			return 0;
		}
	if (ep->n == ep->cap) {
		size_t cap = ep->cap ? ep->cap * 2 : 16;
		struct live_epoch *e = realloc(ep->e, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		ep->e = e;
		ep->cap = cap;
	}
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	ep->e[ep->n++] = (struct live_epoch){.name = copy, .epoch = epoch};
	return 0;
}

const struct live_interval *live_last(const struct live *l)
{
	return &l->iv;
}

/* The bytes of a series' packed labels ("a\0b\0"). */
static size_t labels_len(const struct family *f, const struct series *s)
{
	const char *v = s->labels;

	if (!f->n_labels || !v)
		return 0;
	for (size_t i = 0; i < f->n_labels; i++)
		v = family_next_value(v);
	return (size_t)(v - s->labels);
}

static uint64_t labels_hash(const char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
	return h;
}

static bool same_labels(const struct family *a, const struct family *b)
{
	if (a->n_labels != b->n_labels)
		return false;
	for (size_t i = 0; i < a->n_labels; i++)
		if (strcmp(a->label_names[i], b->label_names[i]))
			return false;
	return true;
}

/* Index @pf's series by labels into l->slots (open addressing, SIZE_MAX free). */
static int index_series(struct live *l, const struct family *pf)
{
	size_t want = 16;

	while (want < pf->n_series * 2)
		want *= 2;
	if (want > l->n_slots) {
		size_t *s = realloc(l->slots, want * sizeof(*s));

		if (!s)
			return -ENOMEM;
		l->slots = s;
		l->n_slots = want;
	}
	if (pf->n_series > l->n_seen) {
		bool *b = realloc(l->seen, pf->n_series * sizeof(*b));

		if (!b)
			return -ENOMEM;
		l->seen = b;
		l->n_seen = pf->n_series;
	}
	memset(l->seen, 0, pf->n_series * sizeof(*l->seen));
	memset(l->slots, 0xff, want * sizeof(*l->slots));
	for (size_t i = 0; i < pf->n_series; i++) {
		const struct series *s = &pf->series[i];
		size_t len = labels_len(pf, s);
		size_t k = (size_t)labels_hash(s->labels, len) & (want - 1);

		while (l->slots[k] != SIZE_MAX)
			k = (k + 1) & (want - 1);
		l->slots[k] = i;
	}
	return 0;
}

/* The series of @pf (indexed) with the labels of @s, or NULL. */
static const struct series *find_series(struct live *l, const struct family *pf,
					const struct family *f, const struct series *s)
{
	size_t mask, k, len = labels_len(f, s);

	/* the table was sized for pf: at least 16 slots, a power of two */
	for (mask = 16; mask < pf->n_series * 2; mask *= 2)
		;
	mask--;
	k = (size_t)labels_hash(s->labels, len) & mask;
	for (; l->slots[k] != SIZE_MAX; k = (k + 1) & mask) {
		const struct series *p = &pf->series[l->slots[k]];

		if (labels_len(pf, p) == len && (!len || !memcmp(p->labels, s->labels, len))) {
			l->seen[l->slots[k]] = true;
			return p;
		}
	}
	return NULL;
}

static const struct family_hist no_hist;

/*
 * The interval's buckets of histogram series @s against @p (NULL: none). A bucket layout
 * that changed, or any cumulative count that went down, is a reset: the counts restarted
 * from zero, so all of @s's are the interval's.
 */
static int hist_delta(struct live_row *row, const struct series *s, const struct series *p)
{
	const struct family_hist *h = s->hist ? s->hist : &no_hist;
	const struct family_hist *ph = p && p->hist ? p->hist : &no_hist;
	bool reset = false;

	row->hist.n_buckets = h->n_buckets;
	row->hist.le = h->le; /* borrowed from the newer read, which live keeps */
	row->hist.cumulative = calloc(h->n_buckets ? h->n_buckets : 1, sizeof(double));
	if (!row->hist.cumulative)
		return -ENOMEM;
	if (row->state == LIVE_START)
		return 0;
	if (row->state == LIVE_SAME) {
		reset = ph->n_buckets != h->n_buckets || h->count < ph->count;
		for (size_t i = 0; i < h->n_buckets && !reset; i++)
			reset = ph->le[i] != h->le[i] || h->cumulative[i] < ph->cumulative[i];
		if (reset)
			row->state = LIVE_RESET;
	}
	if (row->state == LIVE_SAME) {
		for (size_t i = 0; i < h->n_buckets; i++)
			row->hist.cumulative[i] = h->cumulative[i] - ph->cumulative[i];
		row->hist.count = h->count - ph->count;
		row->hist.sum = h->sum - ph->sum;
	} else {
		memcpy(row->hist.cumulative, h->cumulative, h->n_buckets * sizeof(double));
		row->hist.count = h->count;
		row->hist.sum = h->sum;
	}
	row->delta = row->hist.count;
	return 0;
}

static void value_delta(struct live_row *row, enum family_type type, const struct series *s,
			const struct series *p)
{
	if (row->state == LIVE_START)
		return;
	if (row->state == LIVE_SAME && type == FAMILY_COUNTER && s->value < p->value)
		row->state = LIVE_RESET;
	if (row->state == LIVE_SAME)
		row->delta = s->value - p->value;
	else if (type == FAMILY_COUNTER)
		row->delta = s->value;
	/* a gauge seen first has no change yet */
}

static int row_cmp(const void *a, const void *b)
{
	const struct live_row *x = a, *y = b;

	if (x->rate != y->rate)
		return x->rate < y->rate ? 1 : -1;
	return (x->s > y->s) - (x->s < y->s); /* series lie in label order */
}

static int diff_family(struct live *l, struct live_family *lf, const struct family *f,
		       const struct family *pf, bool replaced, double seconds)
{
	int err = 0;

	lf->f = f;
	lf->rows = calloc(f->n_series ? f->n_series : 1, sizeof(*lf->rows));
	if (!lf->rows)
		return -ENOMEM;
	if (pf && (pf->type != f->type || !same_labels(pf, f)))
		replaced = true;
	if (pf && !replaced)
		err = index_series(l, pf);
	for (size_t i = 0; i < f->n_series && !err; i++) {
		struct live_row *row = &lf->rows[i];
		const struct series *p = NULL;

		row->s = &f->series[i];
		if (!pf)
			row->state = LIVE_START;
		else if (replaced)
			row->state = LIVE_RESET;
		else
			p = find_series(l, pf, f, row->s);
		if (pf && !replaced)
			row->state = p ? LIVE_SAME : LIVE_NEW;
		if (f->type == FAMILY_HISTOGRAM)
			err = hist_delta(row, row->s, p);
		else
			value_delta(row, f->type, row->s, p);
		/* a counter that changed its mind (NaN, a float's rounding) never goes below 0 */
		if (f->type != FAMILY_GAUGE && !(row->delta > 0))
			row->delta = 0;
		row->rate = row->delta / seconds;
	}
	lf->n_rows = f->n_series;
	if (err)
		return err;
	if (pf && !replaced)
		for (size_t i = 0; i < pf->n_series; i++)
			lf->n_vanished += !l->seen[i];
	if (pf && replaced)
		lf->n_vanished = 0;
	qsort(lf->rows, lf->n_rows, sizeof(*lf->rows), row_cmp);
	if (l->o.top && lf->n_rows > l->o.top) {
		lf->n_hidden = lf->n_rows - l->o.top;
		lf->n_rows = l->o.top;
	}
	return 0;
}

int live_step(struct live *l, struct family_set *fs, double mono, double unix_time,
	      bool *have_interval)
{
	struct live_interval *iv = &l->iv;
	struct epochs swap;
	int err = 0;

	*have_interval = false;
	if (l->has_prev && !(mono > l->prev_mono))
		return -EINVAL;
	family_set_sort(fs);
	interval_release(iv);
	if (l->has_prev) {
		iv->seconds = mono - l->prev_mono;
		iv->end_unix = unix_time;
		iv->fams = calloc(fs->n ? fs->n : 1, sizeof(*iv->fams));
		if (!iv->fams)
			return -ENOMEM;
		for (size_t i = 0; i < fs->n && !err; i++) {
			const struct family *f = &fs->fams[i];
			const struct family *pf = family_set_find(&l->prev, f->name);
			const struct live_epoch *e = epochs_find(&l->cur_ep, f->name),
						*pe = epochs_find(&l->prev_ep, f->name);

			iv->n_fams++;
			err = diff_family(l, &iv->fams[i], f, pf, e && pe && e->epoch != pe->epoch,
					  iv->seconds);
		}
		if (err) {
			interval_release(iv);
			return err;
		}
		*have_interval = true;
	}
	/* the newer read becomes the base; the interval's rows point into it */
	family_set_release(&l->prev);
	l->prev = *fs;
	memset(fs, 0, sizeof(*fs));
	l->has_prev = true;
	l->prev_mono = mono;
	epochs_clear(&l->prev_ep);
	swap = l->prev_ep;
	l->prev_ep = l->cur_ep;
	l->cur_ep = swap;
	return 0;
}

/*
 * As Prometheus's histogram_quantile(): the rank q * count falls in the first bucket whose
 * cumulative count reaches it, and the value is interpolated linearly between that
 * bucket's bounds, as if its observations were spread evenly over it. The first bucket
 * starts at 0 (or is its upper bound when that is <= 0); a rank in the +Inf bucket gives
 * the largest finite bound, since nothing is known above it.
 */
double live_quantile(const struct family_hist *h, double q)
{
	double rank, lo, below, in;
	size_t b;

	if (!(h->count > 0) || isnan(q))
		return NAN;
	if (q < 0)
		return -INFINITY;
	if (q > 1)
		return INFINITY;
	rank = q * h->count;
	for (b = 0; b < h->n_buckets && h->cumulative[b] < rank; b++)
		;
	if (b == h->n_buckets)
		return h->n_buckets ? h->le[h->n_buckets - 1] : NAN;
	if (b == 0 && h->le[0] <= 0)
		return h->le[0];
	lo = b ? h->le[b - 1] : 0;
	below = b ? h->cumulative[b - 1] : 0;
	in = h->cumulative[b] - below;
	if (!(in > 0))
		return lo;
	return lo + (h->le[b] - lo) * ((rank - below) / in);
}

static const char *state_name(enum live_state s)
{
	switch (s) {
	case LIVE_NEW: return "new";
	case LIVE_RESET: return "reset";
	case LIVE_START: return "start";
	default: return "same";
	}
}

/* A rate for people: one decimal, two significant digits below 0.1. */
static void rate_text(char *buf, size_t len, double r)
{
	if (r != 0 && fabs(r) < 0.1)
		snprintf(buf, len, "%.2g", r);
	else if (fabs(r) < 1e15)
		snprintf(buf, len, "%.1f", r);
	else
		snprintf(buf, len, "%.6g", r);
}

/* Counters and gauges: label columns, then delta, rate/s and what became of the series. */
static int table_rows(struct strbuf *out, const struct live_family *lf)
{
	const struct family *f = lf->f;
	size_t ncol = f->n_labels + 3, n_cells = (lf->n_rows + 1) * ncol;
	char **cells = calloc(n_cells, sizeof(*cells));
	int err = 0;

	if (!cells)
		return -ENOMEM;
	for (size_t c = 0; c < f->n_labels && !err; c++)
		if (!(cells[c] = strdup(f->label_names[c])))
			err = -ENOMEM;
	if (!err && (!(cells[f->n_labels] = strdup("delta")) ||
		     !(cells[f->n_labels + 1] = strdup("rate/s")) ||
		     !(cells[f->n_labels + 2] = strdup(""))))
		err = -ENOMEM;
	for (size_t r = 0; r < lf->n_rows && !err; r++) {
		const struct live_row *row = &lf->rows[r];
		char **cell = cells + (r + 1) * ncol, num[PROMTEXT_DOUBLE_MAX + 8];
		const char *v = row->s->labels;

		for (size_t c = 0; c < f->n_labels && !err; c++, v = family_next_value(v))
			if (!(cell[c] = view_label_cell(v)))
				err = -ENOMEM;
		view_human_num(num, row->delta);
		if (!err && !(cell[f->n_labels] = strdup(num)))
			err = -ENOMEM;
		rate_text(num, sizeof(num), row->rate);
		if (!err && !(cell[f->n_labels + 1] = strdup(num)))
			err = -ENOMEM;
		if (!err && !(cell[f->n_labels + 2] = strdup(
				      row->state == LIVE_SAME ? "" : state_name(row->state))))
			err = -ENOMEM;
	}
	if (!err)
		err = view_grid(out, cells, lf->n_rows + 1, ncol, f->n_labels);
	for (size_t i = 0; i < n_cells; i++)
		free(cells[i]);
	free(cells);
	return err;
}

/* Under a histogram's bars: the interval's count, rate, sum, average and quantiles. */
static int hist_footer(struct strbuf *out, const struct live_row *row)
{
	const struct family_hist *h = &row->hist;
	char cnt[PROMTEXT_DOUBLE_MAX], rate[64];
	int err;

	view_human_num(cnt, h->count);
	rate_text(rate, sizeof(rate), row->rate);
	err = strbuf_addf(out, "count %s (%s/s)  sum %.6g", cnt, rate, h->sum);
	if (!err && h->count > 0)
		err = strbuf_addf(out, "  avg %.6g  p50 %.6g  p90 %.6g  p99 %.6g",
				  h->sum / h->count, live_quantile(h, 0.5), live_quantile(h, 0.9),
				  live_quantile(h, 0.99));
	if (!err && row->state != LIVE_SAME)
		err = strbuf_addf(out, "  (%s)", state_name(row->state));
	return err ? err : strbuf_addch(out, '\n');
}

int live_render_table(struct strbuf *out, const struct live_interval *iv, const char *title)
{
	int err = strbuf_addf(out, "%s\n", title);

	for (size_t i = 0; i < iv->n_fams && !err; i++) {
		const struct live_family *lf = &iv->fams[i];
		const struct family *f = lf->f;

		err = strbuf_addf(out, "\n%s (%s)", f->name, family_type_name(f->type));
		if (!err && f->help[0])
			err = strbuf_addf(out, ": %s", f->help);
		if (!err)
			err = strbuf_addch(out, '\n');
		if (!err && !lf->n_rows)
			err = strbuf_addstr(out, "(no series)\n");
		else if (!err && f->type != FAMILY_HISTOGRAM)
			err = table_rows(out, lf);
		for (size_t r = 0; r < lf->n_rows && !err && f->type == FAMILY_HISTOGRAM; r++) {
			if (r)
				err = strbuf_addch(out, '\n');
			if (!err)
				err = view_chart_bars(out, f, lf->rows[r].s, &lf->rows[r].hist);
			/* an idle series says "(no samples)" and no more */
			if (!err && (lf->rows[r].hist.count > 0 || lf->rows[r].state != LIVE_SAME))
				err = hist_footer(out, &lf->rows[r]);
		}
		if (!err && lf->n_hidden)
			err = strbuf_addf(out, "(%zu more, not in --top)\n", lf->n_hidden);
		if (!err && lf->n_vanished)
			err = strbuf_addf(out, "(%zu gone since the last read)\n", lf->n_vanished);
	}
	return err;
}

static int json_num_or_null(struct strbuf *out, double v)
{
	return isnan(v) ? strbuf_addstr(out, "null") : view_json_num(out, v);
}

static int json_row(struct strbuf *out, const struct family *f, const struct live_row *row)
{
	const struct family_hist *h = &row->hist;
	const char *v = row->s->labels;
	int err = strbuf_addstr(out, "{\"labels\": {");

	for (size_t i = 0; i < f->n_labels && !err; i++, v = family_next_value(v)) {
		err = i ? strbuf_add(out, ", ", 2) : 0;
		if (!err)
			err = view_json_str(out, f->label_names[i]);
		if (!err)
			err = strbuf_add(out, ": ", 2);
		if (!err)
			err = view_json_str(out, v);
	}
	if (!err)
		err = strbuf_addstr(out, f->type == FAMILY_HISTOGRAM ? "}, \"count\": "
								     : "}, \"delta\": ");
	if (!err)
		err = view_json_num(out, row->delta);
	if (!err)
		err = strbuf_addstr(out, ", \"rate\": ");
	if (!err)
		err = view_json_num(out, row->rate);
	if (!err && f->type == FAMILY_HISTOGRAM) {
		err = strbuf_addstr(out, ", \"sum\": ");
		if (!err)
			err = view_json_num(out, h->sum);
		if (!err)
			err = strbuf_addstr(out, ", \"avg\": ");
		if (!err)
			err = json_num_or_null(out, h->count > 0 ? h->sum / h->count : NAN);
		if (!err)
			err = strbuf_addstr(out, ", \"p50\": ");
		if (!err)
			err = json_num_or_null(out, live_quantile(h, 0.5));
		if (!err)
			err = strbuf_addstr(out, ", \"p90\": ");
		if (!err)
			err = json_num_or_null(out, live_quantile(h, 0.9));
		if (!err)
			err = strbuf_addstr(out, ", \"p99\": ");
		if (!err)
			err = json_num_or_null(out, live_quantile(h, 0.99));
	}
	if (!err)
		err = strbuf_addf(out, ", \"state\": \"%s\"", state_name(row->state));
	if (!err && f->type == FAMILY_HISTOGRAM) {
		err = strbuf_addstr(out, ", \"buckets\": ");
		if (!err)
			err = view_json_buckets(out, h);
	}
	return err ? err : strbuf_addch(out, '}');
}

int live_render_json(struct strbuf *out, const struct live_interval *iv)
{
	time_t secs = (time_t)iv->end_unix;
	int ms = (int)((iv->end_unix - (double)secs) * 1000);
	char stamp[64];
	struct tm tm;
	int err;

	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	err = strbuf_addf(out, "{\"time\": \"%s.%03dZ\", \"interval_seconds\": ", stamp,
			  ms < 0     ? 0
			  : ms > 999 ? 999
				     : ms);
	if (!err)
		err = view_json_num(out, iv->seconds);
	if (!err)
		err = strbuf_addstr(out, ", \"families\": [");
	for (size_t i = 0; i < iv->n_fams && !err; i++) {
		const struct live_family *lf = &iv->fams[i];
		const struct family *f = lf->f;

		err = strbuf_addstr(out, i ? ", {\"name\": " : "{\"name\": ");
		if (!err)
			err = view_json_str(out, f->name);
		if (!err)
			err = strbuf_addf(out, ", \"type\": \"%s\", \"labels\": [",
					  family_type_name(f->type));
		for (size_t k = 0; k < f->n_labels && !err; k++) {
			err = k ? strbuf_add(out, ", ", 2) : 0;
			if (!err)
				err = view_json_str(out, f->label_names[k]);
		}
		if (!err)
			err = strbuf_addf(out,
					  "], \"hidden\": %zu, \"vanished\": %zu, "
					  "\"series\": [",
					  lf->n_hidden, lf->n_vanished);
		for (size_t r = 0; r < lf->n_rows && !err; r++) {
			err = r ? strbuf_add(out, ", ", 2) : 0;
			if (!err)
				err = json_row(out, f, &lf->rows[r]);
		}
		if (!err)
			err = strbuf_add(out, "]}", 2);
	}
	return err ? err : strbuf_addstr(out, "]}\n");
}

/* The loop. */

static volatile sig_atomic_t live_stop;

static void on_stop(int sig)
{
	(void)sig;
	live_stop = 1;
}

static double clock_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_all(int fd, const char *buf, size_t len, struct diag *d)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return diag_err(d, errno, NULL, "write: %s", strerror(errno));
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * A frame for the terminal: home, then each line cut to the width and cleared to its end,
 * at most the height less one (so that nothing scrolls), then the rest of the screen
 * cleared. Redrawing over the old frame instead of clearing first does not flicker.
 */
static int tty_frame(struct strbuf *out, const char *text, int fd)
{
	struct winsize ws = {0};
	size_t rows = 24, cols = 80, row = 0;
	const char *p = text;
	int err;

	if (!ioctl(fd, TIOCGWINSZ, &ws) && ws.ws_row && ws.ws_col) {
		rows = ws.ws_row;
		cols = ws.ws_col;
	}
	err = strbuf_addstr(out, "\033[H");
	while (*p && !err && row + 1 < rows) {
		const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p), *q = p;
		size_t w = 0;

		for (; q < end && (w < cols || ((unsigned char)*q & 0xc0) == 0x80); q++)
			w += ((unsigned char)*q & 0xc0) != 0x80;
		err = strbuf_add(out, p, (size_t)(q - p));
		if (!err)
			err = strbuf_addstr(out, "\033[K\r\n");
		row++;
		p = nl ? nl + 1 : end;
	}
	if (!err && *p)
		err = strbuf_addstr(out,
				    "(more below: a taller terminal or --top=N shows it)\033[K");
	return err ? err : strbuf_addstr(out, "\033[J");
}

static void title_text(char *buf, size_t len, const struct live_interval *iv, uint64_t n,
		       uint64_t count)
{
	time_t secs = (time_t)iv->end_unix;
	char stamp[32], of[48] = "";
	struct tm tm;

	localtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S %Z", &tm);
	if (count)
		snprintf(of, sizeof(of), "  [%llu/%llu]", (unsigned long long)n,
			 (unsigned long long)count);
	snprintf(buf, len, "%s  interval %.3fs%s", stamp, iv->seconds, of);
}

static void add_timespec(struct timespec *t, double s)
{
	long long ns = (long long)(s * 1e9) + t->tv_nsec;

	t->tv_sec += (time_t)(ns / 1000000000);
	t->tv_nsec = (long)(ns % 1000000000);
}

/* One read, into the base or the next interval. */
static int read_step(struct live *l, const struct live_run_opts *o, bool *have, struct diag *d)
{
	struct family_set fs = {0};
	double mono = clock_s(CLOCK_MONOTONIC), wall = clock_s(CLOCK_REALTIME);
	int err = o->read(o->arg, &fs, d);

	if (!err)
		err = live_step(l, &fs, mono, wall, have);
	family_set_release(&fs);
	return err;
}

/* Diag messages at the foot of a frame, where the redraw would hide them on stderr. */
static int add_messages(struct strbuf *out, struct diag *d)
{
	int err = 0;

	for (size_t i = 0; i < d->n_msgs && !err; i++)
		err = strbuf_addf(out, "%s%s: %s\n", i ? "" : "\n",
				  d->msgs[i].is_warning ? "warning" : "error", d->msgs[i].text);
	diag_clear(d);
	return err;
}

int live_run(struct live *l, const struct live_run_opts *o, struct diag *d)
{
	struct sigaction sa = {.sa_handler = on_stop}, old_int, old_term;
	bool tty = o->format == LIVE_TABLE && isatty(o->fd), have = false, drawn = false;
	struct strbuf text = {0}, frame = {0};
	struct timespec next;
	uint64_t n = 0;
	int err;

	live_stop = 0;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: the sleep ends at once */
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	clock_gettime(CLOCK_MONOTONIC, &next);
	err = read_step(l, o, &have, d);
	if (err)
		goto out;
	if (tty) {
		strbuf_addf(&text, "ebpfexp-read: the first interval ends in %gs (Ctrl-C quits)\n",
			    o->interval);
		add_messages(&text, d);
		strbuf_addstr(&frame, "\033[?1049h\033[?25l");
		drawn = true;
		err = tty_frame(&frame, strbuf_str(&text), o->fd);
		if (!err)
			err = write_all(o->fd, frame.buf, frame.len, d);
	} else if (d->n_msgs) {
		o->report(o->arg, d);
	}
	while (!err && !live_stop && (!o->count || n < o->count)) {
		char title[128];
		int rc;

		add_timespec(&next, o->interval);
		rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		if (rc == EINTR || live_stop)
			continue;
		/* a read slower than the interval: skip the ticks it missed */
		while (clock_s(CLOCK_MONOTONIC) >
		       (double)next.tv_sec + next.tv_nsec / 1e9 + o->interval)
			add_timespec(&next, o->interval);
		err = read_step(l, o, &have, d);
		if (err) { /* nothing could be read this time: say so, and go on */
			have = false;
			if (!tty)
				o->report(o->arg, d);
			err = 0;
			if (!tty)
				continue;
		}
		strbuf_reset(&text);
		strbuf_reset(&frame);
		if (have) {
			n++;
			title_text(title, sizeof(title), &l->iv, n, o->count);
			if (o->format == LIVE_JSON)
				err = live_render_json(&text, &l->iv);
			else
				err = live_render_table(&text, &l->iv, title);
		}
		if (tty) {
			if (!err)
				err = add_messages(&text, d);
			if (!err)
				err = tty_frame(&frame, strbuf_str(&text), o->fd);
			if (!err)
				err = write_all(o->fd, frame.buf, frame.len, d);
		} else {
			if (d->n_msgs)
				o->report(o->arg, d);
			/* blocks for a pipe are a blank line apart */
			if (!err && o->format == LIVE_TABLE && n > 1)
				err = write_all(o->fd, "\n", 1, d);
			if (!err)
				err = write_all(o->fd, strbuf_str(&text), text.len, d);
		}
		if (err == -ENOMEM)
			diag_err(d, ENOMEM, NULL, "interval: out of memory");
	}
out:
	if (drawn) {
		/* the screen as it was, and the cursor back */
		static const char restore[] = "\033[?25h\033[?1049l";

		if (write_all(o->fd, restore, sizeof(restore) - 1, d) && !err)
			err = -EIO;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	strbuf_release(&text);
	strbuf_release(&frame);
	return err;
}
