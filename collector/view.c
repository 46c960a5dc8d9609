/*
 * view: the families as JSON or as a table, for `ebpfexp-read --format`. The JSON is
 * written straight into the output buffer rather than built as a jansson tree: a reader
 * may print a million series, and numbers must come out exactly as in the .prom text
 * (shortest round-trip digits), which jansson's fixed-precision reals do not do.
 */
#include "view.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promtext.h"
#include "utf8.h"

#define VIEW_BAR_WIDTH 40

int view_json_str(struct strbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s), *run;
	char esc[8];
	int err = strbuf_addch(out, '"');

	run = p;
	while (!err && p < end) {
		const char *rep = NULL;
		size_t n = 1;

		if (*p >= 0x80) {
			n = utf8_seq_len(p, (size_t)(end - p));
			if (n) {
				p += n;
				continue;
			}
			rep = UTF8_REPLACEMENT;
		} else if (*p == '"') {
			rep = "\\\"";
		} else if (*p == '\\') {
			rep = "\\\\";
		} else if (*p == '\n') {
			rep = "\\n";
		} else if (*p == '\t') {
			rep = "\\t";
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			rep = esc;
		} else {
			p++;
			continue;
		}
		err = strbuf_add(out, run, (size_t)(p - run));
		if (!err)
			err = strbuf_addstr(out, rep);
		run = ++p;
	}
	if (!err)
		err = strbuf_add(out, run, (size_t)(end - run));
	if (!err)
		err = strbuf_addch(out, '"');
	return err;
}

int view_json_num(struct strbuf *out, double v)
{
	char buf[PROMTEXT_DOUBLE_MAX];

	promtext_format_double(buf, v);
	if (!isfinite(v))
		return view_json_str(out, buf);
	return strbuf_addstr(out, buf);
}

static int json_key(struct strbuf *out, const char *key)
{
	int err = view_json_str(out, key);

	return err ? err : strbuf_add(out, ": ", 2);
}

/* What a histogram series without buckets shows. */
int view_json_buckets(struct strbuf *out, const struct family_hist *h)
{
	int err = strbuf_addch(out, '[');

	for (size_t i = 0; i < h->n_buckets && !err; i++) {
		err = strbuf_addstr(out, i ? ", {\"le\": " : "{\"le\": ");
		if (!err)
			err = view_json_num(out, h->le[i]);
		if (!err)
			err = strbuf_addstr(out, ", \"count\": ");
		if (!err)
			err = view_json_num(out, h->cumulative[i]);
		if (!err)
			err = strbuf_addch(out, '}');
	}
	return err ? err : strbuf_addch(out, ']');
}

static const struct family_hist no_hist;

static int json_series(struct strbuf *out, const struct family *f, const struct series *s)
{
	const struct family_hist *h;
	const char *v = s->labels;
	int err = strbuf_addstr(out, "{\"labels\": {");

	for (size_t i = 0; i < f->n_labels && !err; i++, v = family_next_value(v)) {
		if (i)
			err = strbuf_add(out, ", ", 2);
		if (!err)
			err = json_key(out, f->label_names[i]);
		if (!err)
			err = view_json_str(out, v);
	}
	if (!err)
		err = strbuf_add(out, "}, ", 3);
	if (err)
		return err;
	if (f->type != FAMILY_HISTOGRAM) {
		err = json_key(out, "value");
		if (!err)
			err = view_json_num(out, s->value);
		return err ? err : strbuf_addch(out, '}');
	}
	h = s->hist ? s->hist : &no_hist;
	err = strbuf_addstr(out, "\"buckets\": ");
	if (!err)
		err = view_json_buckets(out, h);
	if (!err)
		err = strbuf_addstr(out, ", \"sum\": ");
	if (!err)
		err = view_json_num(out, h->sum);
	if (!err)
		err = strbuf_addstr(out, ", \"count\": ");
	if (!err)
		err = view_json_num(out, h->count);
	return err ? err : strbuf_addch(out, '}');
}

static int json_family(struct strbuf *out, const struct family *f)
{
	int err = strbuf_addstr(out, "    {\n      \"name\": ");

	if (!err)
		err = view_json_str(out, f->name);
	if (!err)
		err = strbuf_addstr(out, ",\n      \"help\": ");
	if (!err)
		err = view_json_str(out, f->help);
	if (!err)
		err = strbuf_addstr(out, ",\n      \"type\": ");
	if (!err)
		err = view_json_str(out, family_type_name(f->type));
	if (!err)
		err = strbuf_addstr(out, ",\n      \"labels\": [");
	for (size_t i = 0; i < f->n_labels && !err; i++) {
		if (i)
			err = strbuf_add(out, ", ", 2);
		if (!err)
			err = view_json_str(out, f->label_names[i]);
	}
	if (!err)
		err = strbuf_addstr(out, "],\n      \"series\": [");
	for (size_t i = 0; i < f->n_series && !err; i++) {
		err = strbuf_addstr(out, i ? ",\n        " : "\n        ");
		if (!err)
			err = json_series(out, f, &f->series[i]);
	}
	if (!err)
		err = strbuf_addstr(out, f->n_series ? "\n      ]\n    }" : "]\n    }");
	return err;
}

int view_json(struct strbuf *out, const struct family_set *fs)
{
	int err = strbuf_addstr(out, "{\n  \"families\": [");

	for (size_t i = 0; i < fs->n && !err; i++) {
		err = strbuf_addstr(out, i ? ",\n" : "\n");
		if (!err)
			err = json_family(out, &fs->fams[i]);
	}
	if (!err)
		err = strbuf_addstr(out, fs->n ? "\n  ]\n}\n" : "]\n}\n");
	return err;
}

size_t view_human_num(char *buf, double v)
{
	if (fabs(v) < 9007199254740992.0 && v == floor(v))
		return (size_t)snprintf(buf, PROMTEXT_DOUBLE_MAX, "%.0f", v == 0 ? 0.0 : v);
	return promtext_format_double(buf, v);
}

/* Columns a string takes on a terminal: one per character (wide glyphs not considered). */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static int add_padded(struct strbuf *out, const char *s, size_t width, int right)
{
	size_t w = text_width(s), pad = w < width ? width - w : 0;
	int err = 0;

	if (right)
		for (size_t i = 0; i < pad && !err; i++)
			err = strbuf_addch(out, ' ');
	if (!err)
		err = strbuf_addstr(out, s);
	if (!right)
		for (size_t i = 0; i < pad && !err; i++)
			err = strbuf_addch(out, ' ');
	return err;
}

char *view_label_cell(const char *s)
{
	struct strbuf sb = {0};

	if (promtext_add_label_value(&sb, s, strlen(s)) || strbuf_grow(&sb, 0)) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

int view_grid(struct strbuf *out, char *const *cells, size_t n_rows, size_t ncol, size_t n_left)
{
	size_t *width = calloc(ncol ? ncol : 1, sizeof(*width));
	int err = 0;

	if (!width)
		return -ENOMEM;
	for (size_t i = 0; i < n_rows * ncol; i++) {
		size_t w = text_width(cells[i]);

		if (w > width[i % ncol])
			width[i % ncol] = w;
	}
	for (size_t r = 0; r < n_rows && !err; r++) {
		for (size_t c = 0; c < ncol && !err; c++) {
			int last = c + 1 == ncol, right = c >= n_left;

			err = add_padded(out, cells[r * ncol + c], last && !right ? 0 : width[c],
					 right);
			if (!err && !last)
				err = strbuf_add(out, "  ", 2);
		}
		while (out->len && out->buf[out->len - 1] == ' ') /* an empty last cell */
			out->buf[--out->len] = '\0';
		if (!err)
			err = strbuf_addch(out, '\n');
	}
	free(width);
	return err;
}

/* Counters and gauges: label columns left-aligned, value right-aligned. */
static int table_columns(struct strbuf *out, const struct family *f)
{
	size_t ncol = f->n_labels + 1;
	char **cells;
	int err = 0;

	cells = calloc((f->n_series + 1) * ncol, sizeof(*cells));
	if (!cells)
		return -ENOMEM;
	for (size_t c = 0; c < ncol && !err; c++) {
		cells[c] = strdup(c < f->n_labels ? f->label_names[c] : "value");
		if (!cells[c])
			err = -ENOMEM;
	}
	for (size_t r = 0; r < f->n_series && !err; r++) {
		char **row = cells + (r + 1) * ncol;
		char num[PROMTEXT_DOUBLE_MAX];
		const char *v = f->series[r].labels;

		for (size_t c = 0; c < f->n_labels && !err; c++, v = family_next_value(v)) {
			row[c] = view_label_cell(v);
			if (!row[c])
				err = -ENOMEM;
		}
		view_human_num(num, f->series[r].value);
		row[f->n_labels] = strdup(num);
		if (!row[f->n_labels])
			err = -ENOMEM;
	}
	if (!err)
		err = view_grid(out, cells, f->n_series + 1, ncol, f->n_labels);
	for (size_t i = 0; i < (f->n_series + 1) * ncol; i++)
		free(cells[i]);
	free(cells);
	return err;
}

/* `name="value" name="value"` heading a chart; nothing for a family without labels. */
static int chart_title(struct strbuf *out, const struct family *f, const struct series *s)
{
	const char *v = s->labels;
	int err = 0;

	for (size_t i = 0; i < f->n_labels && !err; i++, v = family_next_value(v)) {
		if (i)
			err = strbuf_addch(out, ' ');
		if (!err)
			err = strbuf_addstr(out, f->label_names[i]);
		if (!err)
			err = strbuf_add(out, "=\"", 2);
		if (!err)
			err = promtext_add_label_value(out, v, strlen(v));
		if (!err)
			err = strbuf_addch(out, '"');
	}
	if (!err && f->n_labels)
		err = strbuf_addch(out, '\n');
	return err;
}

/* The unit for the chart header: the last word of the family name ("seconds"). */
static const char *chart_unit(const struct family *f)
{
	const char *u = strrchr(f->name, '_');

	return u && u[1] ? u + 1 : "le";
}

/*
 * Row @i of a chart as text: bucket i is (le[i-1], le[i]], the first one from 0 (or -Inf
 * when its bound is negative); i == n_buckets is the part of the count above the last
 * finite bound (dropped infinite bounds). Returns the count of the row.
 */
static double chart_row(const struct family_hist *h, size_t i, char *lo, char *hi, char *cnt)
{
	double n;

	if (i == h->n_buckets)
		n = h->count - (i ? h->cumulative[i - 1] : 0);
	else
		n = h->cumulative[i] - (i ? h->cumulative[i - 1] : 0);
	if (i)
		view_human_num(lo, h->le[i - 1]);
	else
		strcpy(lo, h->n_buckets && h->le[0] < 0 ? "-Inf" : "0");
	if (i == h->n_buckets)
		strcpy(hi, "+Inf");
	else
		view_human_num(hi, h->le[i]);
	view_human_num(cnt, n);
	return n;
}

static size_t max_size(size_t a, size_t b)
{
	return a > b ? a : b;
}

int view_chart_bars(struct strbuf *out, const struct family *f, const struct series *s,
		    const struct family_hist *h)
{
	char lo[PROMTEXT_DOUBLE_MAX], hi[PROMTEXT_DOUBLE_MAX], cnt[PROMTEXT_DOUBLE_MAX];
	size_t first = SIZE_MAX, last = 0, wl = 0, wh = 0, wc = 5;
	double max = 0;
	int err;

	err = chart_title(out, f, s);
	for (size_t i = 0; i <= h->n_buckets; i++) {
		double n = chart_row(h, i, lo, hi, cnt);

		if (n == 0)
			continue;
		first = first == SIZE_MAX ? i : first;
		last = i;
		max = n > max ? n : max;
	}
	for (size_t i = first; i <= last && first != SIZE_MAX; i++) {
		chart_row(h, i, lo, hi, cnt);
		wl = max_size(wl, strlen(lo));
		wh = max_size(wh, strlen(hi));
		wc = max_size(wc, strlen(cnt));
	}
	if (!err && first == SIZE_MAX)
		err = strbuf_addstr(out, "(no samples)\n");
	else if (!err)
		err = add_padded(out, chart_unit(f), wl + 4 + wh, 1);
	if (!err && first != SIZE_MAX) {
		err = strbuf_add(out, " : ", 3);
		if (!err)
			err = add_padded(out, "count", wc, 0);
		if (!err)
			err = strbuf_addstr(out, " distribution\n");
	}
	for (size_t i = first; i <= last && first != SIZE_MAX && !err; i++) {
		double n = chart_row(h, i, lo, hi, cnt);
		/* n / max first: n * width overflows to inf near DBL_MAX (casting inf is UB) */
		double frac = max > 0 && n > 0 ? n / max : 0;
		size_t stars = frac >= 0 && frac <= 1 ? (size_t)(frac * VIEW_BAR_WIDTH)
			       : frac > 1	      ? VIEW_BAR_WIDTH
						      : 0;

		err = add_padded(out, lo, wl, 1);
		if (!err)
			err = strbuf_add(out, " -> ", 4);
		if (!err)
			err = add_padded(out, hi, wh, 0);
		if (!err)
			err = strbuf_add(out, " : ", 3);
		if (!err)
			err = add_padded(out, cnt, wc, 0);
		if (!err)
			err = strbuf_addstr(out, " |");
		for (size_t k = 0; k < VIEW_BAR_WIDTH && !err; k++)
			err = strbuf_addch(out, k < stars ? '*' : ' ');
		if (!err)
			err = strbuf_add(out, "|\n", 2);
	}
	return err;
}

/* One histogram: its bars, then count, sum and average. */
static int chart(struct strbuf *out, const struct family *f, const struct series *s)
{
	const struct family_hist *h = s->hist ? s->hist : &no_hist;
	char cnt[PROMTEXT_DOUBLE_MAX];
	int err = view_chart_bars(out, f, s, h);

	if (!err) {
		view_human_num(cnt, h->count);
		err = strbuf_addf(out, "count %s  sum ", cnt);
	}
	/* for people: six significant digits; prom and json carry the exact values */
	if (!err)
		err = strbuf_addf(out, "%.6g", h->sum);
	if (!err && h->count > 0)
		err = strbuf_addf(out, "  avg %.6g", h->sum / h->count);
	if (!err)
		err = strbuf_addch(out, '\n');
	return err;
}

int view_table(struct strbuf *out, const struct family_set *fs)
{
	int err = 0;

	for (size_t i = 0; i < fs->n && !err; i++) {
		const struct family *f = &fs->fams[i];

		if (i)
			err = strbuf_addch(out, '\n');
		if (!err)
			err = strbuf_addf(out, "%s (%s)", f->name, family_type_name(f->type));
		if (!err && f->help[0])
			err = strbuf_addf(out, ": %s", f->help);
		if (!err)
			err = strbuf_addch(out, '\n');
		if (err)
			break;
		if (!f->n_series) {
			err = strbuf_addstr(out, "(no series)\n");
			continue;
		}
		if (f->type != FAMILY_HISTOGRAM) {
			err = table_columns(out, f);
			continue;
		}
		for (size_t j = 0; j < f->n_series && !err; j++) {
			if (j)
				err = strbuf_addch(out, '\n');
			if (!err)
				err = chart(out, f, &f->series[j]);
		}
	}
	return err;
}
