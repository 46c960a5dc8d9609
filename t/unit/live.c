/* Unit tests for collector/live.c: deltas, rates, resets, new and vanished series, quantiles. */
#include "live.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

static const char *const syscall_label[] = {"syscall"};

/* A counter family "calls_total" {syscall} with @n series name=value. */
static void counters(struct family_set *fs, const char *const *names, const double *vals, size_t n)
{
	struct family *f = NULL;

	family_set_add(fs, "calls_total", "Calls", FAMILY_COUNTER, syscall_label, 1, &f);
	for (size_t i = 0; i < n; i++) {
		const char *v[] = {names[i]};

		family_add_series(f, v, vals[i], NULL);
	}
}

static const double LE[] = {1, 2, 4, 8};

/* A histogram family "lat_seconds" without labels, with cumulative @cum over LE. */
static void histogram(struct family_set *fs, const double *cum, double sum, double count)
{
	struct family *f = NULL;
	struct series *s = NULL;
	struct family_hist *h;

	family_set_add(fs, "lat_seconds", "Latency", FAMILY_HISTOGRAM, NULL, 0, &f);
	family_add_series(f, NULL, 0, &s);
	h = family_series_hist(s);
	h->le = malloc(sizeof(LE));
	h->cumulative = malloc(sizeof(LE));
	memcpy(h->le, LE, sizeof(LE));
	memcpy(h->cumulative, cum, sizeof(LE));
	h->n_buckets = 4;
	h->sum = sum;
	h->count = count;
}

static const struct live_row *row_of(const struct live_interval *iv, const char *fam,
				     const char *label)
{
	for (size_t i = 0; i < iv->n_fams; i++) {
		const struct live_family *lf = &iv->fams[i];

		if (strcmp(lf->f->name, fam))
			continue;
		for (size_t r = 0; r < lf->n_rows; r++)
			if (!label || !strcmp(lf->rows[r].s->labels, label))
				return &lf->rows[r];
	}
	return NULL;
}

static const struct live_family *fam_of(const struct live_interval *iv, const char *fam)
{
	for (size_t i = 0; i < iv->n_fams; i++)
		if (!strcmp(iv->fams[i].f->name, fam))
			return &iv->fams[i];
	return NULL;
}

static void test_deltas_and_rates(void)
{
	static const char *const n3[] = {"read", "write", "getppid"};
	struct family_set fs = {0};
	struct live *l = NULL;
	const struct live_interval *iv;
	const struct live_row *r;
	bool have = true;

	live_new(&l, NULL);
	counters(&fs, n3, (double[]){10, 100, 5}, 3);
	is_int(live_step(l, &fs, 100.0, 1e9, &have), 0, "first read sets the base");
	ok(!have, "the first read gives no interval");
	ok(fs.n == 0, "the set handed over is left empty");
	counters(&fs, n3, (double[]){30, 100, 2005}, 3);
	is_int(live_step(l, &fs, 102.0, 1e9 + 2, &have), 0, "second read");
	ok(have, "the second read gives an interval");
	iv = live_last(l);
	ok(NEAR(iv->seconds, 2.0), "the interval is the measured length");
	r = row_of(iv, "calls_total", "read");
	ok(r && NEAR(r->delta, 20) && NEAR(r->rate, 10), "delta 20 over 2 s is 10/s");
	ok(r && r->state == LIVE_SAME, "a series in both reads is the same");
	r = row_of(iv, "calls_total", "write");
	ok(r && r->delta == 0 && r->rate == 0, "an unchanged counter: delta 0, rate 0");
	r = &iv->fams[0].rows[0];
	is_str(r->s->labels, "getppid", "rows are sorted by rate, busiest first");
	ok(NEAR(r->rate, 1000), "getppid: 2000 in 2 s is 1000/s");
	is_str(iv->fams[0].rows[2].s->labels, "write", "the idle series comes last");
	is_int(live_step(l, &fs, 102.0, 1e9 + 2, &have), -EINVAL,
	       "a clock that does not advance is refused");
	live_free(l);
}

static void test_resets(void)
{
	static const char *const n2[] = {"read", "write"};
	struct family_set fs = {0};
	struct live *l = NULL;
	const struct live_row *r;
	bool have;

	live_new(&l, NULL);
	counters(&fs, n2, (double[]){1000, 50}, 2);
	live_step(l, &fs, 1, 0, &have);
	counters(&fs, n2, (double[]){7, 60}, 2);
	live_step(l, &fs, 2, 0, &have);
	r = row_of(live_last(l), "calls_total", "read");
	ok(r && r->state == LIVE_RESET, "a counter that went down is a reset");
	ok(r && r->delta == 7 && r->rate == 7,
	   "after a reset the counter restarted from zero: delta 7, never negative");
	r = row_of(live_last(l), "calls_total", "write");
	ok(r && r->state == LIVE_SAME && r->delta == 10, "the other series is unaffected");

	/* a replaced map: values went up, but the source changed */
	live_set_epoch(l, "calls_total", 41);
	counters(&fs, n2, (double[]){8, 70}, 2);
	live_step(l, &fs, 3, 0, &have);
	r = row_of(live_last(l), "calls_total", "write");
	ok(r && r->state == LIVE_SAME, "an epoch given for the first time is no reset");
	live_set_epoch(l, "calls_total", 42);
	counters(&fs, n2, (double[]){3, 900000}, 2);
	live_step(l, &fs, 4, 0, &have);
	r = row_of(live_last(l), "calls_total", "write");
	ok(r && r->state == LIVE_RESET, "a changed epoch (map replaced) resets every series");
	ok(r && r->delta == 900000, "  which restarted from zero in the new map");
	live_set_epoch(l, "calls_total", 42);
	counters(&fs, n2, (double[]){5, 900010}, 2);
	live_step(l, &fs, 5, 0, &have);
	r = row_of(live_last(l), "calls_total", "write");
	ok(r && r->state == LIVE_SAME && r->delta == 10, "the same epoch again: deltas again");
	live_free(l);
}

static void test_new_and_vanished(void)
{
	static const char *const a[] = {"read", "write", "open"}, *const b[] = {"read", "close"};
	struct family_set fs = {0};
	struct live *l = NULL;
	const struct live_row *r;
	const struct live_family *lf;
	bool have;

	live_new(&l, NULL);
	counters(&fs, a, (double[]){10, 10, 10}, 3);
	live_step(l, &fs, 1, 0, &have);
	counters(&fs, b, (double[]){15, 4}, 2);
	histogram(&fs, (double[]){1, 1, 1, 1}, 0.5, 1);
	live_step(l, &fs, 2, 0, &have);
	r = row_of(live_last(l), "calls_total", "close");
	ok(r && r->state == LIVE_NEW && r->delta == 4,
	   "a series that appears mid-way starts from zero");
	lf = fam_of(live_last(l), "calls_total");
	is_int(lf ? lf->n_rows : 0, 2, "vanished series are dropped");
	is_int(lf ? lf->n_vanished : 0, 2, "  and counted");
	r = row_of(live_last(l), "lat_seconds", NULL);
	ok(r && r->state == LIVE_START && r->delta == 0 && r->hist.count == 0,
	   "a family not in the previous read has no base: zero, not its total");
	live_free(l);
}

static void test_empty_interval(void)
{
	static const char *const n1[] = {"read"};
	struct family_set fs = {0};
	struct strbuf out = {0};
	struct live *l = NULL;
	const struct live_row *r;
	json_t *j;
	bool have;

	live_new(&l, NULL);
	counters(&fs, n1, (double[]){3}, 1);
	histogram(&fs, (double[]){1, 2, 3, 4}, 10, 4);
	live_step(l, &fs, 1, 0, &have);
	counters(&fs, n1, (double[]){3}, 1);
	histogram(&fs, (double[]){1, 2, 3, 4}, 10, 4);
	live_step(l, &fs, 2, 0, &have);
	r = row_of(live_last(l), "lat_seconds", NULL);
	ok(r && r->hist.count == 0 && r->hist.sum == 0 && r->rate == 0,
	   "an interval without observations: count, sum and rate 0");
	ok(r && isnan(live_quantile(&r->hist, 0.5)), "  and no quantile");
	live_render_json(&out, live_last(l));
	j = json_loads(strbuf_str(&out), 0, NULL);
	ok(j && json_is_null(json_object_get(
			json_array_get(
				json_object_get(json_array_get(json_object_get(j, "families"), 1),
						"series"),
				0),
			"p50")),
	   "  JSON says null for it");
	json_decref(j);
	strbuf_reset(&out);
	live_step(l, &fs, 3, 0, &have); /* nothing read at all */
	is_int(live_last(l)->n_fams, 0, "a read without families gives an empty interval");
	is_int(live_render_json(&out, live_last(l)), 0, "  which renders");
	like(strbuf_str(&out), "\"families\": []}", "  as no families");
	strbuf_release(&out);
	live_free(l);
}

static void test_histogram_interval(void)
{
	struct family_set fs = {0};
	struct live *l = NULL;
	const struct live_row *r;
	bool have;

	live_new(&l, NULL);
	histogram(&fs, (double[]){5, 10, 10, 10}, 12, 10);
	live_step(l, &fs, 10, 0, &have);
	/* 20 new: 0 in (0,1], 10 in (1,2], 10 in (2,4] */
	histogram(&fs, (double[]){5, 20, 30, 30}, 72, 30);
	live_step(l, &fs, 14, 0, &have);
	r = row_of(live_last(l), "lat_seconds", NULL);
	ok(r && r->state == LIVE_SAME, "histogram series matched");
	ok(r && r->hist.count == 20 && NEAR(r->hist.sum, 60) && NEAR(r->rate, 5),
	   "the interval's count 20, sum 60, 5 observations/s");
	ok(r && r->hist.cumulative[0] == 0 && r->hist.cumulative[1] == 10 &&
		   r->hist.cumulative[2] == 20 && r->hist.cumulative[3] == 20,
	   "the interval's buckets are the differences");
	ok(r && NEAR(live_quantile(&r->hist, 0.5), 2), "p50 at the bound between two halves");
	ok(r && NEAR(live_quantile(&r->hist, 0.9), 3.6), "p90 interpolated in (2,4]");
	histogram(&fs, (double[]){1, 1, 1, 1}, 0.5, 1);
	live_step(l, &fs, 15, 0, &have);
	r = row_of(live_last(l), "lat_seconds", NULL);
	ok(r && r->state == LIVE_RESET && r->hist.count == 1 && r->hist.cumulative[0] == 1,
	   "a histogram whose counts went down is a reset, its counts the interval's");
	live_free(l);
}

static void test_quantiles(void)
{
	/* 100 observations spread evenly over (0, 100]: the quantiles are the values */
	double le[] = {25, 50, 75, 100}, cum[] = {25, 50, 75, 100};
	struct family_hist h = {.n_buckets = 4, .le = le, .cumulative = cum, .count = 100};
	double le2[] = {1, 2}, cum2[] = {0, 90};
	struct family_hist over = {.n_buckets = 2, .le = le2, .cumulative = cum2, .count = 100};
	double le3[] = {-1, 0, 1}, cum3[] = {10, 10, 20};
	struct family_hist neg = {.n_buckets = 3, .le = le3, .cumulative = cum3, .count = 20};

	ok(NEAR(live_quantile(&h, 0.5), 50), "uniform: p50 is 50");
	ok(NEAR(live_quantile(&h, 0.9), 90), "uniform: p90 is 90");
	ok(NEAR(live_quantile(&h, 0.99), 99), "uniform: p99 is 99");
	ok(NEAR(live_quantile(&h, 0.1), 10), "uniform: the first bucket starts at 0");
	ok(NEAR(live_quantile(&over, 0.5), 1 + 50.0 / 90), "p50 interpolated in (1,2]");
	ok(NEAR(live_quantile(&over, 0.99), 2),
	   "a rank above the last finite bucket gives its bound, as Prometheus does");
	ok(NEAR(live_quantile(&neg, 0.25), -1),
	   "a first bucket with a bound <= 0 gives that bound");
	ok(live_quantile(&h, 1.5) == INFINITY && live_quantile(&h, -1) == -INFINITY,
	   "q outside [0, 1] gives +Inf and -Inf");
}

static void test_top_and_table(void)
{
	static const char *const n4[] = {"a", "b", "c", "d"};
	struct live_opts o = {.top = 2};
	struct family_set fs = {0};
	struct strbuf out = {0};
	struct live *l = NULL;
	const struct live_family *lf;
	const char *want;
	bool have;

	live_new(&l, &o);
	counters(&fs, n4, (double[]){0, 0, 0, 0}, 4);
	histogram(&fs, (double[]){0, 0, 0, 0}, 0, 0);
	live_step(l, &fs, 1, 0, &have);
	counters(&fs, n4, (double[]){1, 400, 30, 2}, 4);
	histogram(&fs, (double[]){0, 3, 4, 4}, 9, 4);
	live_step(l, &fs, 3, 0, &have);
	lf = fam_of(live_last(l), "calls_total");
	ok(lf && lf->n_rows == 2 && lf->n_hidden == 2, "--top=2 keeps two rows, hides two");
	ok(lf && !strcmp(lf->rows[0].s->labels, "b") && !strcmp(lf->rows[1].s->labels, "c"),
	   "  the two busiest");
	live_render_table(&out, live_last(l), "TITLE");
	want = "TITLE\n"
	       "\n"
	       "calls_total (counter): Calls\n"
	       "syscall  delta  rate/s\n"
	       "b          400   200.0\n"
	       "c           30    15.0\n"
	       "(2 more, not in --top)\n"
	       "\n"
	       "lat_seconds (histogram): Latency\n"
	       "seconds : count distribution\n"
	       "1 -> 2 : 3     |****************************************|\n"
	       "2 -> 4 : 1     |*************                           |\n"
	       "count 4 (2.0/s)  sum 9  avg 2.25  p50 1.66667  p90 3.2  p99 3.92\n";
	is_str(strbuf_str(&out), want, "the table: columns, --top note, bars and quantiles");
	strbuf_release(&out);
	live_free(l);
}

static void test_json_line(void)
{
	static const char *const n2[] = {"read", "x\"y"};
	struct family_set fs = {0};
	struct strbuf out = {0};
	struct live *l = NULL;
	json_t *j, *s;
	bool have;

	live_new(&l, NULL);
	counters(&fs, n2, (double[]){1, 1}, 2);
	live_step(l, &fs, 1, 1796583722.5, &have);
	counters(&fs, n2, (double[]){5, 1}, 2);
	live_step(l, &fs, 1.5, 1796583723.0, &have);
	live_render_json(&out, live_last(l));
	ok(strchr(strbuf_str(&out), '\n') == strbuf_str(&out) + out.len - 1,
	   "one interval is one line");
	j = json_loads(strbuf_str(&out), 0, NULL);
	ok(j != NULL, "it parses as JSON");
	ok(j && NEAR(json_real_value(json_object_get(j, "interval_seconds")), 0.5),
	   "interval_seconds");
	is_str(j ? json_string_value(json_object_get(j, "time")) : NULL, "2026-12-06T19:02:03.000Z",
	       "time in UTC with milliseconds");
	s = json_array_get(
		json_object_get(json_array_get(json_object_get(j, "families"), 0), "series"), 0);
	ok(s && json_number_value(json_object_get(s, "delta")) == 4 &&
		   json_number_value(json_object_get(s, "rate")) == 8,
	   "delta 4 and rate 8 of the busiest series first");
	is_str(json_string_value(json_object_get(s, "state")), "same", "its state");
	s = json_array_get(
		json_object_get(json_array_get(json_object_get(j, "families"), 0), "series"), 1);
	is_str(json_string_value(json_object_get(json_object_get(s, "labels"), "syscall")), "x\"y",
	       "label values are escaped");
	json_decref(j);
	strbuf_release(&out);
	live_free(l);
}

int main(void)
{
	test_deltas_and_rates();
	test_resets();
	test_new_and_vanished();
	test_empty_interval();
	test_histogram_interval();
	test_quantiles();
	test_top_and_table();
	test_json_line();
	return done_testing();
}
