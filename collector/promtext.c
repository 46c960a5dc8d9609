/*
 * promtext: the Prometheus text exposition format, byte for byte as client_golang (and so
 * ebpf_exporter) writes it. Numbers follow Go's strconv.FormatFloat(v, 'g', -1, 64) with
 * the client's special cases; escaping follows its text writer. The caller decides what to
 * print and in which order (family_set_sort()); this module only lays it out.
 */
#include "promtext.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "family.h"
#include "utf8.h"

/* Significant digits that always round-trip a double. */
#define MAX_DIGITS 17

/*
 * Lay out @nd significant digits (no trailing zeros) whose first digit has decimal
 * exponent @x, as Go's 'g' with shortest precision: exponent form when x < -4 or x >= 6
 * (eprec is 6 for shortest), otherwise plain with as many decimals as needed.
 */
static size_t layout(char *buf, int neg, const char *dig, size_t nd, int x)
{
	char *p = buf;

	if (neg)
		*p++ = '-';
	if (x < -4 || x >= 6) {
		unsigned ax = (unsigned)(x < 0 ? -x : x);

		*p++ = dig[0];
		if (nd > 1) {
			*p++ = '.';
			memcpy(p, dig + 1, nd - 1);
			p += nd - 1;
		}
		*p++ = 'e';
		*p++ = x < 0 ? '-' : '+';
		/* [compat] Go prints at least two exponent digits: 1e-06, 1e+06 */
		if (ax >= 100)
			*p++ = (char)('0' + ax / 100);
		*p++ = (char)('0' + ax / 10 % 10);
		*p++ = (char)('0' + ax % 10);
	} else if (x < 0) {
		*p++ = '0';
		*p++ = '.';
		for (int i = -1; i > x; i--)
			*p++ = '0';
		memcpy(p, dig, nd);
		p += nd;
	} else {
		size_t dp = (size_t)x + 1;

		if (nd <= dp) {
			memcpy(p, dig, nd);
			p += nd;
			memset(p, '0', dp - nd);
			p += dp - nd;
		} else {
			memcpy(p, dig, dp);
			p += dp;
			*p++ = '.';
			memcpy(p, dig + dp, nd - dp);
			p += nd - dp;
		}
	}
	*p = '\0';
	return (size_t)(p - buf);
}

/* A decimal candidate: @n digits (trailing zeros allowed) times 10^(x - n + 1). */
struct cand {
	char d[MAX_DIGITS + 1];
	size_t n;
	int x;
};

/* Parse "%.*e" output of a non-negative finite double into @c. */
static void cand_parse(struct cand *c, const char *s)
{
	c->n = 0;
	for (; *s && *s != 'e'; s++)
		if (*s != '.' && c->n < MAX_DIGITS)
			c->d[c->n++] = *s;
	c->x = *s == 'e' ? atoi(s + 1) : 0;
}

/* Add one unit in the last place of @c (9.99 -> 10.0 becomes 1.00 with x + 1). */
static void cand_up(struct cand *c)
{
	size_t i = c->n;

	while (i > 0 && c->d[i - 1] == '9')
		c->d[--i] = '0';
	if (i > 0) {
		c->d[i - 1]++;
		return;
	}
	c->d[0] = '1';
	c->x++;
}

/*
 * @full rounded to @p significant digits, correctly rounded from the exact value of @a:
 * @full is @a correctly rounded to 17 digits, so rounding it again gives the same result
 * except when its tail is exactly 5000..., a possible tie that only the exact value can
 * settle; then ask printf.
 */
static void cand_round(struct cand *out, const struct cand *full, size_t p, double a)
{
	char tmp[40];
	size_t i;

	*out = *full;
	if (p >= full->n)
		return;
	out->n = p;
	if (full->d[p] < '5')
		return;
	for (i = p + 1; i < full->n && full->d[i] == '0'; i++)
		;
	if (full->d[p] > '5' || i < full->n) {
		cand_up(out);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%.*e", (int)p - 1, a);
	cand_parse(out, tmp);
}

static const double pow10_exact[] = {
	1e0,  1e1,  1e2,  1e3,	1e4,  1e5,  1e6,  1e7,	1e8,  1e9,  1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/*
 * The double nearest to @c, as strtod() would give it. When the digits fit in 53 bits and
 * the power of ten is exact (10^22 is the last), one correctly rounded multiplication or
 * division gives that double (Clinger's fast path); else parse.
 */
static double cand_value(const struct cand *c)
{
	char tmp[40], *p = tmp;
	uint64_t d = 0;
	int k = c->x - (int)c->n + 1;

	if (c->n <= 15 && k >= -22 && k <= 22) {
		for (size_t i = 0; i < c->n; i++)
			d = d * 10 + (uint64_t)(c->d[i] - '0');
		return k < 0 ? (double)d / pow10_exact[-k] : (double)d * pow10_exact[k];
	}

	*p++ = c->d[0];
	*p++ = '.';
	memcpy(p, c->d + 1, c->n - 1);
	p += c->n - 1;
	snprintf(p, sizeof(tmp) - (size_t)(p - tmp), "e%d", c->x);
	return strtod(tmp, NULL);
}

static int cand_roundtrips(const struct cand *full, size_t p, double a, struct cand *out)
{
	cand_round(out, full, p, a);
	return cand_value(out) == a;
}

/*
 * Shortest digits that round-trip @a (finite, > 0), as Go's ryuFtoaShortest: the fewest
 * digits inside the rounding interval, the nearest of them when there are two.
 */
static void shortest(struct cand *best, double a)
{
	struct cand full, c, g16;
	char tmp[40];
	size_t lo = 1, hi = MAX_DIGITS, guess;
	uint64_t bits;
	snprintf(tmp, sizeof(tmp), "%.16e", a);
	cand_parse(&full, tmp);
	*best = full;

	/* Guess from 16 digits with trailing zeros dropped: right for most short values. */
	cand_round(&g16, &full, 16, a);
	for (guess = g16.n; guess > 1 && g16.d[guess - 1] == '0'; guess--)
		;
	if (guess < MAX_DIGITS) {
		if (cand_roundtrips(&full, guess, a, &c)) {
			*best = c;
			hi = guess;
			if (guess == 1 || !cand_roundtrips(&full, guess - 1, a, &c))
				lo = hi;
			else {
				*best = c;
				hi = guess - 1;
			}
		} else {
			lo = guess + 1;
		}
	}
	/* Round-tripping is monotonic in the number of digits: bisect. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cand_roundtrips(&full, mid, a, &c)) {
			*best = c;
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}
	if (hi == MAX_DIGITS)
		cand_round(best, &full, MAX_DIGITS, a);

	/*
	 * A power of two has a rounding interval half as wide below as above: the nearest
	 * decimal with one digit fewer may lie just too far below while the next one up
	 * still rounds back. Go takes that shorter one (54 doubles, e.g. 2^-1017 prints
	 * 7.120236347223045e-307, not 7.1202363472230444e-307).
	 */
	memcpy(&bits, &a, sizeof(bits));
	if (hi > 1 && (bits & ((1ull << 52) - 1)) == 0 && (bits >> 52) > 1) {
		cand_round(&c, &full, hi - 1, a);
		if (cand_value(&c) < a) {
			cand_up(&c);
			if (cand_value(&c) == a)
				*best = c;
		}
	}
}

size_t promtext_format_double(char *buf, double v)
{
	struct cand c;
	double a;
	int neg;

	/* [compat] client_golang's writeFloat: 0 (and -0, since -0 == 0) prints "0" */
	if (v == 0) {
		memcpy(buf, "0", 2);
		return 1;
	}
	if (isnan(v)) {
		memcpy(buf, "NaN", 4);
		return 3;
	}
	if (isinf(v)) {
		memcpy(buf, v > 0 ? "+Inf" : "-Inf", 5);
		return 4;
	}
	neg = v < 0;
	a = neg ? -v : v;
	/*
	 * Integers below 2^53: every other integer is another double, so the exact digits
	 * without trailing zeros are the shortest; no printf, no strtod.
	 */
	if (a < 9007199254740992.0 && a == (double)(uint64_t)a) {
		char tmp[STRBUF_U64_DIGITS], *end = tmp + sizeof(tmp), *p = buf;
		const char *dig;
		size_t n, nd;

		if (a < 1e6) { /* up to six digits: plain, the commonest value of all */
			if (neg)
				*p++ = '-';
			p += strbuf_put_u64(p, (uint64_t)a);
			*p = '\0';
			return (size_t)(p - buf);
		}
		dig = strbuf_u64_digits(end, (uint64_t)a);
		n = nd = (size_t)(end - dig);
		while (nd > 1 && dig[nd - 1] == '0')
			nd--;
		return layout(buf, neg, dig, nd, (int)n - 1);
	}
	shortest(&c, a);
	while (c.n > 1 && c.d[c.n - 1] == '0')
		c.n--;
	return layout(buf, neg, c.d, c.n, c.x);
}

int promtext_add_double(struct strbuf *out, double v)
{
	int err = strbuf_grow(out, PROMTEXT_DOUBLE_MAX);

	if (err)
		return err;
	out->len += promtext_format_double(out->buf + out->len, v);
	return 0;
}

/* Escaping turns one input byte into at most three output bytes (U+FFFD). */
#define ESCAPED_MAX(len) (3 * (len))

/*
 * Write @s escaped to @dst (room for ESCAPED_MAX(len) bytes): `\` and newline always, `"`
 * when @quote. A byte that does not start a valid UTF-8 sequence becomes U+FFFD, one per
 * byte, as Go's range over a string decodes it. Returns the end of what was written.
 */
static char *put_escaped(char *dst, const char *s, size_t len, int quote)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	/* copied as it is read: label values are short, a call to memcpy would cost more */
	while (p < end) {
		unsigned char c = *p;
		const char *rep;
		size_t n;

		if (c >= 0x80) {
			n = utf8_seq_len(p, (size_t)(end - p));
			if (n) {
				memcpy(dst, p, n);
				dst += n;
				p += n;
				continue;
			}
			rep = UTF8_REPLACEMENT;
		} else if (c == '\\') {
			rep = "\\\\";
		} else if (c == '\n') {
			rep = "\\n";
		} else if (c == '"' && quote) {
			rep = "\\\"";
		} else {
			*dst++ = (char)c;
			p++;
			continue;
		}
		n = strlen(rep);
		memcpy(dst, rep, n);
		dst += n;
		p++;
	}
	return dst;
}

static int add_escaped(struct strbuf *out, const char *s, size_t len, int quote)
{
	int err;

	if (len > SIZE_MAX / 3)
		return -ENOMEM;
	err = strbuf_grow(out, ESCAPED_MAX(len));
	if (err)
		return err;
	out->len = (size_t)(put_escaped(out->buf + out->len, s, len, quote) - out->buf);
	out->buf[out->len] = '\0';
	return 0;
}

int promtext_add_label_value(struct strbuf *out, const char *s, size_t len)
{
	return add_escaped(out, s, len, 1);
}

void promtext_escape_label(char *out, size_t out_len, const char *s)
{
	struct strbuf sb = {0};
	size_t n = 0;

	if (!out_len)
		return;
	if (!promtext_add_label_value(&sb, s, strlen(s))) {
		n = sb.len < out_len - 1 ? sb.len : out_len - 1;
		/* Do not cut a multi-byte character in two. */
		if (n < sb.len)
			while (n > 0 && ((unsigned char)sb.buf[n] & 0xc0) == 0x80)
				n--;
		memcpy(out, sb.buf, n);
	}
	out[n] = '\0';
	strbuf_release(&sb);
}

int promtext_begin_family(struct strbuf *out, const char *name, const char *help, const char *type)
{
	int err;

	/* [compat] client_golang always writes HELP, with a space before an empty help. */
	err = strbuf_addstr(out, "# HELP ");
	if (!err)
		err = strbuf_addstr(out, name);
	if (!err)
		err = strbuf_addch(out, ' ');
	if (!err)
		err = add_escaped(out, help ? help : "", help ? strlen(help) : 0, 0);
	if (!err)
		err = strbuf_addstr(out, "\n# TYPE ");
	if (!err)
		err = strbuf_addstr(out, name);
	if (!err)
		err = strbuf_addch(out, ' ');
	if (!err)
		err = strbuf_addstr(out, type);
	if (!err)
		err = strbuf_addch(out, '\n');
	return err;
}

/* Write `name="escaped value"` (after a comma unless @first); room reserved by the caller. */
static char *put_label(char *p, int first, const char *name, const char *value)
{
	size_t n = strlen(name);

	if (!first)
		*p++ = ',';
	memcpy(p, name, n);
	p += n;
	*p++ = '=';
	*p++ = '"';
	p = put_escaped(p, value, strlen(value), 1);
	*p++ = '"';
	return p;
}

/*
 * The reader's hot path: one line per series, so reserve the worst case once and write
 * straight into the buffer.
 */
int promtext_add_sample(struct strbuf *out, const char *name, const char *suffix,
			const char *const *label_names, const char *const *label_values,
			size_t n_labels, const char *extra_name, const char *extra_value, double v)
{
	size_t need = strlen(name) + (suffix ? strlen(suffix) : 0) + PROMTEXT_DOUBLE_MAX + 4;
	int err;
	char *p;

	for (size_t i = 0; i < n_labels; i++)
		need += strlen(label_names[i]) + ESCAPED_MAX(strlen(label_values[i])) + 4;
	if (extra_name)
		need += strlen(extra_name) + ESCAPED_MAX(strlen(extra_value)) + 4;
	err = strbuf_grow(out, need);
	if (err)
		return err;
	p = out->buf + out->len;
	p = stpcpy(p, name);
	if (suffix)
		p = stpcpy(p, suffix);
	if (n_labels || extra_name) {
		*p++ = '{';
		for (size_t i = 0; i < n_labels; i++)
			p = put_label(p, i == 0, label_names[i], label_values[i]);
		if (extra_name)
			p = put_label(p, n_labels == 0, extra_name, extra_value);
		*p++ = '}';
	}
	*p++ = ' ';
	p += promtext_format_double(p, v);
	*p++ = '\n';
	*p = '\0';
	out->len = (size_t)(p - out->buf);
	return 0;
}

static int name_valid(const char *name, int colon)
{
	const char *p = name;

	if (!*p)
		return 0;
	for (; *p; p++) {
		char c = *p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		    (colon && c == ':'))
			continue;
		if (p != name && c >= '0' && c <= '9')
			continue;
		return 0;
	}
	return 1;
}

int promtext_valid_metric_name(const char *name)
{
	return name_valid(name, 1);
}

int promtext_valid_label_name(const char *name)
{
	return name_valid(name, 0);
}

/* `le` strings of the previous series, reused while the bounds are the same. */
struct le_cache {
	size_t n, cap;
	double *le;
	char (*text)[PROMTEXT_DOUBLE_MAX];
};

static const char *le_cache_get(struct le_cache *lc, size_t i, double le)
{
	if (i < lc->n && memcmp(&lc->le[i], &le, sizeof(le)) == 0)
		return lc->text[i];
	if (i >= lc->cap) {
		size_t cap = lc->cap ? lc->cap * 2 : 32;
		double *l;
		char(*t)[PROMTEXT_DOUBLE_MAX];

		while (cap <= i)
			cap *= 2;
		l = realloc(lc->le, cap * sizeof(*l));
		if (!l)
			return NULL;
		lc->le = l;
		t = realloc(lc->text, cap * sizeof(*t));
		if (!t)
			return NULL;
		lc->text = t;
		lc->cap = cap;
	}
	lc->le[i] = le;
	promtext_format_double(lc->text[i], le);
	if (i >= lc->n)
		lc->n = i + 1;
	return lc->text[i];
}

static int render_histogram(struct strbuf *out, const struct family *f, const struct series *s,
			    struct le_cache *lc, const char **values)
{
	const char *const *names = (const char *const *)f->label_names;
	static const struct family_hist none; /* a histogram series without buckets yet */
	const struct family_hist *h = s->hist ? s->hist : &none;
	int err = 0;

	family_series_values(f, s, values);
	for (size_t i = 0; i < h->n_buckets && !err; i++) {
		const char *le = le_cache_get(lc, i, h->le[i]);

		if (!le)
			return -ENOMEM;
		err = promtext_add_sample(out, f->name, "_bucket", names, values, f->n_labels, "le",
					  le, h->cumulative[i]);
	}
	/* [compat] the Go library adds +Inf itself, equal to the count */
	if (!err)
		err = promtext_add_sample(out, f->name, "_bucket", names, values, f->n_labels, "le",
					  "+Inf", h->count);
	if (!err)
		err = promtext_add_sample(out, f->name, "_sum", names, values, f->n_labels, NULL,
					  NULL, h->sum);
	if (!err)
		err = promtext_add_sample(out, f->name, "_count", names, values, f->n_labels, NULL,
					  NULL, h->count);
	return err;
}

/* A family with this many series has its text reserved at once (see render_simple). */
#define BIG_FAMILY 65536

/* Hand @sink's text to its flush callback once it holds flush_at bytes. */
static int sink_maybe_flush(struct promtext_sink *sink)
{
	struct strbuf *out = sink->out;
	int err;

	if (!sink->flush || out->len < sink->flush_at)
		return 0;
	err = sink->flush(sink->arg, out->buf, out->len);
	strbuf_reset(out);
	return err;
}

/*
 * Counters and gauges, the bulk of a map's output, one line per series: the name and the
 * label names are measured once per family, each value once per series.
 */
static int render_simple(struct promtext_sink *sink, const struct family *f)
{
	struct strbuf *out = sink->out;
	size_t n = f->n_labels, name_len = strlen(f->name);
	size_t fixed = name_len + PROMTEXT_DOUBLE_MAX + 4;
	size_t *lens = malloc(2 * (n ? n : 1) * sizeof(*lens)), *vlen = lens + n;
	int err = 0;

	if (!lens)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		lens[i] = strlen(f->label_names[i]);
		fixed += lens[i] + 4;
	}
	if (f->n_series >= BIG_FAMILY && !sink->flush) {
		/* room for every line if they are like the first: grown once (huge pages) */
		size_t line = fixed;
		const char *v = f->series[0].labels;

		for (size_t i = 0; i < n; i++, v = family_next_value(v))
			line += strlen(v);
		if (line < SIZE_MAX / f->n_series)
			err = strbuf_grow(out, line * f->n_series);
	}
	for (size_t j = 0; j < f->n_series && !err; j++) {
		const struct series *s = &f->series[j];
		const char *v = s->labels;
		size_t need = fixed;
		char *p;

		for (size_t i = 0; i < n; i++) {
			vlen[i] = (size_t)(family_next_value(v) - v) - 1;
			need += ESCAPED_MAX(vlen[i]);
			v += vlen[i] + 1;
		}
		err = strbuf_grow(out, need);
		if (err)
			break;
		p = out->buf + out->len;
		memcpy(p, f->name, name_len);
		p += name_len;
		if (n) {
			v = s->labels;
			*p++ = '{';
			for (size_t i = 0; i < n; i++) {
				if (i)
					*p++ = ',';
				memcpy(p, f->label_names[i], lens[i]);
				p += lens[i];
				*p++ = '=';
				*p++ = '"';
				p = put_escaped(p, v, vlen[i], 1);
				v += vlen[i] + 1;
				*p++ = '"';
			}
			*p++ = '}';
		}
		*p++ = ' ';
		p += promtext_format_double(p, s->value);
		*p++ = '\n';
		*p = '\0';
		out->len = (size_t)(p - out->buf);
		err = sink_maybe_flush(sink);
	}
	free(lens);
	return err;
}

int promtext_render(struct strbuf *out, const struct family_set *fs)
{
	struct promtext_sink sink = {.out = out};

	return promtext_render_sink(&sink, fs);
}

int promtext_render_sink(struct promtext_sink *sink, const struct family_set *fs)
{
	struct strbuf *out = sink->out;
	struct le_cache lc = {0};
	int err = 0;

	for (size_t i = 0; i < fs->n && !err; i++) {
		const struct family *f = &fs->fams[i];

		/* [compat] the Go registry drops families without series */
		if (!f->n_series)
			continue;
		lc.n = 0;
		err = promtext_begin_family(out, f->name, f->help, family_type_name(f->type));
		if (!err && f->type != FAMILY_HISTOGRAM) {
			err = render_simple(sink, f);
		} else if (!err) {
			const char **values =
				malloc((f->n_labels ? f->n_labels : 1) * sizeof(*values));

			if (!values)
				err = -ENOMEM;
			for (size_t j = 0; j < f->n_series && !err; j++) {
				err = render_histogram(out, f, &f->series[j], &lc, values);
				if (!err)
					err = sink_maybe_flush(sink);
			}
			free(values);
		}
	}
	free(lc.le);
	free(lc.text);
	return err;
}
