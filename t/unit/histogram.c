/* Unit tests for collector/histogram.c: bucket types, sum key, ranges, errors, ParseUint. */
#include "histogram.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static struct config_metric metric(enum hist_kind kind, double mult, int64_t lo, int64_t hi)
{
	return (struct config_metric){
		.kind = METRIC_HISTOGRAM,
		.name = "bio_latency_seconds",
		.bucket_type = kind,
		.bucket_multiplier = mult,
		.bucket_min = lo,
		.bucket_max = hi,
	};
}

/* Fill @raw from key,count pairs. */
static void fill(struct histogram_raw *raw, const int64_t (*kv)[2], size_t n)
{
	histogram_raw_reset(raw);
	for (size_t i = 0; i < n; i++)
		if (histogram_raw_add(raw, kv[i][0], (uint64_t)kv[i][1]))
			ok(0, "histogram_raw_add");
}

/* Compare @out against expected bounds and cumulative counts; one test. */
static void check(const struct family_hist *out, const double *le, const double *cum, size_t n,
		  double sum, double count, const char *what)
{
	int good = out->n_buckets == n && out->sum == sum && out->count == count;

	for (size_t i = 0; good && i < n; i++)
		good = out->le[i] == le[i] && out->cumulative[i] == cum[i];
	if (!ok(good, "%s", what)) {
		printf("#   n=%zu sum=%.17g count=%g\n", out->n_buckets, out->sum, out->count);
		for (size_t i = 0; i < out->n_buckets; i++)
			printf("#   le=%.17g cum=%g\n", out->le[i], out->cumulative[i]);
	}
}

static void test_worked_example(void)
{
	static const int64_t kv[][2] = {{1, 2}, {3, 1}, {5, 7}, {4, 3000}};
	static const double le[] = {1e-06, 2e-06, 4e-06, 8e-06}, cum[] = {0, 2, 2, 3};
	struct config_metric m = metric(HIST_EXP2, 1e-6, 0, 3);
	struct histogram_raw raw = {0};
	struct family_hist out = {0};
	struct diag d = {0};

	fill(&raw, kv, 4);
	is_int(histogram_compute(&m, &raw, &out, &d), 0, "§5.6 computes");
	check(&out, le, cum, 4, 0.003, 3,
	      "§5.6: le 1e-06:0 2e-06:2 4e-06:2 8e-06:3, count 3, sum 0.003, key 5 ignored");
	is_int(d.n_msgs, 0, "no messages on success");
	histogram_out_release(&out);
	histogram_raw_release(&raw);
}

static void test_types(void)
{
	static const int64_t kv[][2] = {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}};
	struct histogram_raw raw = {0};
	struct family_hist out = {0};
	struct config_metric m;

	fill(&raw, kv, 5);
	m = metric(HIST_EXP2, 0, 0, 3);
	histogram_compute(&m, &raw, &out, NULL);
	check(&out, (double[]){1, 2, 4, 8}, (double[]){1, 3, 6, 10}, 4, 5, 10,
	      "exp2: le 2^i, multiplier 0 means 1, key hi+1 is the sum");

	m = metric(HIST_EXP2ZERO, 2, 0, 3);
	histogram_compute(&m, &raw, &out, NULL);
	check(&out, (double[]){0, 2, 4, 8}, (double[]){1, 3, 6, 10}, 4, 10, 10,
	      "exp2zero: 0 then 2^(i-1) x m; sum x m");

	m = metric(HIST_LINEAR, 50, 0, 3);
	histogram_compute(&m, &raw, &out, NULL);
	check(&out, (double[]){0, 50, 100, 150}, (double[]){1, 3, 6, 10}, 4, 250, 10,
	      "linear: i x m, inclusive bucket_max");

	m = metric(HIST_LINEAR, 1, 1, 2);
	histogram_compute(&m, &raw, &out, NULL);
	check(&out, (double[]){1, 2}, (double[]){2, 5}, 2, 4, 5,
	      "keys below bucket_min and above bucket_max+1 are ignored");

	m = metric(HIST_EXP2, 1, -2, 1);
	histogram_compute(&m, &raw, &out, NULL);
	check(&out, (double[]){0.25, 0.5, 1, 2}, (double[]){0, 0, 1, 3}, 4, 3, 3,
	      "negative bucket_min gives fractional exp2 bounds");

	m = metric(HIST_LINEAR, -1, 0, 2);
	histogram_compute(&m, &raw, &out, NULL);
	check(&out, (double[]){-2, -1, 0}, (double[]){6, 3, 1}, 3, -4, 6,
	      "negative multiplier: buckets still ascending by le");

	m = metric(HIST_EXP2, 1e-6, 0, 3);
	fill(&raw, (const int64_t[][2]){{4, 1824}, {2, 9}}, 2);
	histogram_compute(&m, &raw, &out, NULL);
	check(&out, (double[]){1e-06, 2e-06, 4e-06, 8e-06}, (double[]){0, 0, 9, 9}, 4,
	      1824 * 0.000001, 9, "sparse map: missing keys count 0; sum 1824 x 1e-6 in doubles");
	ok(out.sum != 0.001824, "the sum is 0.0018239999999999999, not 0.001824");

	fill(&raw, NULL, 0);
	histogram_compute(&m, &raw, &out, NULL);
	check(&out, (double[]){1e-06, 2e-06, 4e-06, 8e-06}, (double[]){0, 0, 0, 0}, 4, 0, 0,
	      "empty map: all zero");

	m = metric(HIST_EXP2, 1, 1020, 1030);
	fill(&raw, (const int64_t[][2]){{1030, 1}}, 1);
	histogram_compute(&m, &raw, &out, NULL);
	ok(out.n_buckets == 4 && out.le[3] == 0x1p1023 && out.count == 1,
	   "infinite bounds beyond 2^1023 are left out; the count keeps them");
	histogram_out_release(&out);
	histogram_raw_release(&raw);
}

static void test_fixed(void)
{
	static const int64_t kv[][2] = {{1, 1}, {5, 10}, {6, 4000}, {10, 100}, {11, 7}};
	struct histogram_raw raw = {0};
	struct family_hist out = {0};
	struct config_metric m = metric(HIST_FIXED, 0.5, 0, 0);

	fill(&raw, kv, 5);
	m.bucket_keys = (double[]){1, 5, 10};
	m.n_bucket_keys = 3;
	histogram_compute(&m, &raw, &out, NULL);
	check(&out, (double[]){0.5, 2.5, 5}, (double[]){1, 11, 111}, 3, 3.5, 111,
	      "fixed: le = k x m, sum key = last key + 1, unlisted keys ignored");

	m.bucket_keys = (double[]){10, 1, 5};
	histogram_compute(&m, &raw, &out, NULL);
	check(&out, (double[]){0.5, 2.5, 5}, (double[]){101, 111, 100}, 3, 2000, 111,
	      "fixed, unsorted: cumulated in listed order, printed sorted, sum after the last");

	m.bucket_keys = (double[]){1, 5, 5};
	histogram_compute(&m, &raw, &out, NULL);
	check(&out, (double[]){0.5, 2.5}, (double[]){1, 21}, 2, 2000, 21,
	      "fixed, duplicate key: the later bucket overwrites");

	m.bucket_keys = (double[]){1.5, 5};
	m.n_bucket_keys = 2;
	m.bucket_multiplier = 0;
	histogram_compute(&m, &raw, &out, NULL);
	check(&out, (double[]){1.5, 5}, (double[]){0, 10}, 2, 4000, 10,
	      "fixed: a fractional key matches no map key");
	histogram_out_release(&out);
	histogram_raw_release(&raw);
}

static void test_errors(void)
{
	struct histogram_raw raw = {0};
	struct family_hist out = {0};
	struct diag d = {0};
	struct config_metric m;

	histogram_raw_add(&raw, 1, 1);
	m = metric(HIST_EXP2, 1, 0, 3);
	histogram_compute(&m, &raw, &out, &d);

	m = metric(HIST_EXP2, 1, 0, 0);
	is_int(histogram_compute(&m, &raw, &out, &d), -EINVAL, "bucket_min == bucket_max fails");
	like(diag_last(&d), "zero size", "message says zero size");
	like(diag_last(&d), "\"bio_latency_seconds\"", "message names the metric");
	ok(out.n_buckets == 0 && out.count == 0, "a failed compute leaves no buckets");

	m = metric(HIST_LINEAR, 1, 5, 2);
	is_int(histogram_compute(&m, &raw, &out, &d), -EINVAL, "bucket_max < bucket_min fails");
	like(diag_last(&d), "below bucket_min", "message says why");

	m = metric(HIST_NONE, 1, 0, 3);
	is_int(histogram_compute(&m, &raw, &out, &d), -EINVAL, "unknown bucket type fails");
	like(diag_last(&d), "unknown bucket_type", "message says unknown bucket_type");

	m = metric(HIST_FIXED, 1, 0, 3);
	is_int(histogram_compute(&m, &raw, &out, &d), -EINVAL, "empty bucket_keys fails");
	like(diag_last(&d), "bucket_keys is empty", "message names bucket_keys");

	m = metric(HIST_EXP2, 1, 0, 1 << 20);
	is_int(histogram_compute(&m, &raw, &out, &d), -E2BIG, "absurd bucket ranges refused");

	m = metric(HIST_LINEAR, 1, INT64_MIN, INT64_MAX);
	is_int(histogram_compute(&m, &raw, &out, &d), -E2BIG, "full int64 range does not overflow");
	is_int(d.n_errors, 6, "every failure recorded once");
	is_int(histogram_compute(&m, &raw, &out, NULL), -E2BIG, "a NULL diag is fine");

	diag_release(&d);
	histogram_out_release(&out);
	histogram_out_release(&out);
	histogram_out_release(NULL);
	histogram_raw_release(&raw);
	histogram_raw_release(NULL);
}

static void test_raw(void)
{
	struct histogram_raw raw = {0};
	int good = 1;

	histogram_raw_add(&raw, 3, 1);
	histogram_raw_add(&raw, 1, 2);
	histogram_raw_add(&raw, 3, 5);
	is_int(raw.n, 2, "a repeated key is merged");
	ok(raw.keys[0] == 1 && raw.counts[0] == 2 && raw.keys[1] == 3 && raw.counts[1] == 6,
	   "counts of a repeated key are summed");
	for (int64_t k = 999; k >= 0; k--)
		histogram_raw_add(&raw, k, 1);
	is_int(raw.n, 1000, "1000 keys added in reverse");
	for (size_t i = 1; i < raw.n; i++)
		good &= raw.keys[i - 1] < raw.keys[i];
	ok(good, "keys kept sorted");
	histogram_raw_reset(&raw);
	is_int(raw.n, 0, "reset empties");
	histogram_raw_release(&raw);
}

struct pcase {
	const char *s;
	int err;
	uint64_t want;
};

static void test_parse_key(void)
{
	static const struct pcase cases[] = {
		{"0", 0, 0},
		{"7", 0, 7},
		{"10", 0, 10},
		{"010", 0, 8},
		{"08", -EINVAL, 0},
		{"0x1f", 0, 31},
		{"0X1F", 0, 31},
		{"0o17", 0, 15},
		{"0O17", 0, 15},
		{"0b101", 0, 5},
		{"0B11", 0, 3},
		{"1_000", 0, 1000},
		{"0x_1f", 0, 31},
		{"0_7", 0, 7},
		{"_1", -EINVAL, 0},
		{"1_", -EINVAL, 0},
		{"1__0", -EINVAL, 0},
		{"", -EINVAL, 0},
		{"-1", -EINVAL, 0},
		{"+1", -EINVAL, 0},
		{" 1", -EINVAL, 0},
		{"1a", -EINVAL, 0},
		{"0x", -EINVAL, 0},
		{"0b", -EINVAL, 0},
		{"0b2", -EINVAL, 0},
		{"0xg", -EINVAL, 0},
		{"18446744073709551615", 0, UINT64_MAX},
		{"0xffffffffffffffff", 0, UINT64_MAX},
		{"18446744073709551616", -ERANGE, 0},
		{"99999999999999999999999", -ERANGE, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;
		int err = histogram_parse_key(cases[i].s, &v);

		ok(err == cases[i].err && (err || v == cases[i].want),
		   "ParseUint(\"%s\", 0, 64) %s %llu", cases[i].s, err ? "fails" : "=",
		   (unsigned long long)cases[i].want);
	}
}

int main(void)
{
	test_worked_example();
	test_types();
	test_fixed();
	test_errors();
	test_raw();
	test_parse_key();
	return done_testing();
}
