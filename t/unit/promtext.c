/* Unit tests for collector/promtext.c: Go float formatting, escaping, samples, rendering. */
#include "promtext.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "family.h"
#include "tap.h"

struct fcase {
	double v;
	const char *want;
	const char *what;
};

/* Expected strings are what Go's client_golang prints (writeFloat + FormatFloat 'g' -1). */
static const struct fcase float_cases[] = {
	{0.0, "0", "zero"},
	{-0.0, "0", "negative zero prints 0 (writeFloat checks f == 0 first)"},
	{1.0, "1", "one"},
	{-1.0, "-1", "minus one"},
	{1e-6, "1e-06", "1e-06: two exponent digits"},
	{16 * 1e-6, "1.6e-05", "exp2 bound 16us"},
	{128 * 1e-6, "0.000128", "exponent -4 is plain"},
	{0.0001, "0.0001", "0.0001 plain"},
	{1e-5, "1e-05", "exponent -5 is exponent form"},
	{123456, "123456", "six digits plain"},
	{1e6, "1e+06", "1000000 is 1e+06"},
	{1234567, "1.234567e+06", "seven-digit integer in exponent form"},
	{18446744073709551615.0, "1.8446744073709552e+19", "u64 max as a double"},
	{1824 * 0.000001, "0.0018239999999999999", "sum key times multiplier keeps 17 digits"},
	{40 * 1e-6, "3.9999999999999996e-05", "40 x 1e-6"},
	{9007199254740993.0, "9.007199254740992e+15", "2^53+1 rounds to 2^53"},
	{9007199254740992.0, "9.007199254740992e+15", "2^53"},
	{9007199254740991.0, "9.007199254740991e+15", "2^53-1 (fast path limit)"},
	{1e21, "1e+21", "1e21"},
	{1e-7, "1e-07", "1e-7"},
	{5e-324, "5e-324", "smallest subnormal"},
	{2.2250738585072014e-308, "2.2250738585072014e-308", "smallest normal"},
	{1.7976931348623157e308, "1.7976931348623157e+308", "largest double"},
	{123456.7, "123456.7", "fraction below 1e6 stays plain"},
	{1000000.5, "1.0000005e+06", "fraction above 1e6 in exponent form"},
	{0.1 + 0.2, "0.30000000000000004", "0.1+0.2"},
	{0.1, "0.1", "0.1"},
	{1.0 / 3, "0.3333333333333333", "1/3"},
	{2.0 / 3, "0.6666666666666666", "2/3"},
	{999999, "999999", "999999"},
	{100000, "100000", "100000 keeps its zeros"},
	{100, "100", "100"},
	{0.5, "0.5", "0.5"},
	{-2.5, "-2.5", "-2.5"},
	{0.00001234, "1.234e-05", "1.234e-05"},
	{0.00009999, "9.999e-05", "9.999e-05"},
	{-0.000123, "-0.000123", "negative plain fraction"},
	{9223372036854775808.0, "9.223372036854776e+18", "2^63"},
	{1e15, "1e+15", "1e15"},
	{1e23, "1e+23", "1e23 (not exactly representable)"},
	{1e100, "1e+100", "three exponent digits"},
	{-1e-300, "-1e-300", "negative tiny"},
	{4503599627370495.5, "4.5035996273704955e+15", "largest half-integer"},
	{12345.678, "12345.678", "12345.678"},
	{0.003, "0.003", "0.003"},
	{3000 * 1e-6, "0.003", "3000 x 1e-6 is exactly 0.003"},
	{9.5367431640625e-07, "9.5367431640625e-07", "2^-20"},
	{-1234567, "-1.234567e+06", "negative integer in exponent form"},
	{1048576, "1.048576e+06", "2^20"},
	{123456789012345680.0, "1.2345678901234568e+17", "large integer beyond 2^53"},
	{1e22, "1e+22", "1e22"},
	{4294967296.0, "4.294967296e+09", "2^32"},
};

static void test_floats(void)
{
	char buf[PROMTEXT_DOUBLE_MAX];

	for (size_t i = 0; i < sizeof(float_cases) / sizeof(float_cases[0]); i++) {
		const struct fcase *c = &float_cases[i];
		size_t n = promtext_format_double(buf, c->v);

		is_str(buf, c->want, "format %s", c->what);
		if (n != strlen(c->want))
			ok(0, "returned length of %s", c->want);
	}
	promtext_format_double(buf, NAN);
	is_str(buf, "NaN", "NaN");
	promtext_format_double(buf, INFINITY);
	is_str(buf, "+Inf", "+Inf");
	promtext_format_double(buf, -INFINITY);
	is_str(buf, "-Inf", "-Inf");
}

/*
 * Integers take a path of their own (two digits per division): below 10^6 they print as
 * printf's %.0f does; strbuf_add_u64() and strbuf_put_u64() as %llu, around every power
 * of ten and at the ends.
 */
static void test_integers(void)
{
	char buf[PROMTEXT_DOUBLE_MAX], want[32];
	size_t bad = 0, bad_u64 = 0;
	uint64_t p10 = 1;

	for (uint32_t i = 0; i < 1000000 && bad < 3; i++) {
		size_t n = promtext_format_double(buf, (double)i);

		snprintf(want, sizeof(want), "%u", i);
		if (strcmp(buf, want) || n != strlen(want))
			bad += !ok(0, "%u prints as %s", i, buf);
		n = promtext_format_double(buf, -(double)i);
		snprintf(want, sizeof(want), i ? "-%u" : "%u", i);
		if (strcmp(buf, want) || n != strlen(want))
			bad += !ok(0, "-%u prints as %s", i, buf);
	}
	ok(!bad, "0 .. 999999 and their negatives print as integers");
	for (int e = 0; e < 20; e++, p10 *= 10) { /* 10^19: the last below 2^64 */
		uint64_t vs[] = {p10 - 1, p10, p10 + 1, p10 * 9 - 1, UINT64_MAX - (uint64_t)e};

		for (size_t k = 0; k < sizeof(vs) / sizeof(vs[0]); k++) {
			struct strbuf sb = {0};
			char raw[STRBUF_U64_DIGITS + 1];
			size_t n = strbuf_put_u64(raw, vs[k]);

			raw[n] = '\0';
			snprintf(want, sizeof(want), "%llu", (unsigned long long)vs[k]);
			if (strbuf_add_u64(&sb, vs[k]) || strcmp(strbuf_str(&sb), want) ||
			    strcmp(raw, want))
				bad_u64 += !ok(0, "%s prints as %s and %s", want, strbuf_str(&sb),
					       raw);
			strbuf_release(&sb);
		}
	}
	ok(!bad_u64, "u64 digits around every power of ten and at UINT64_MAX");
}

/* Every output must parse back to the same double, and never exceed the buffer size. */
static void test_roundtrip(void)
{
	char buf[PROMTEXT_DOUBLE_MAX];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	size_t bad = 0, longest = 0;

	for (int i = 0; i < 200000; i++) {
		uint64_t bits;
		double v, back;
		size_t n;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		bits = x;
		memcpy(&v, &bits, sizeof(v));
		if (i % 3 == 1)
			v = (double)(x >> (x % 64));
		else if (i % 3 == 2)
			v = (double)(x % 10000000) * 1e-6;
		if (!isfinite(v))
			continue;
		n = promtext_format_double(buf, v);
		if (n > longest)
			longest = n;
		back = strtod(buf, NULL);
		if (back != v && !(v == 0 && back == 0))
			bad++;
	}
	is_int(bad, 0, "200000 random doubles round-trip through the text");
	ok(longest < PROMTEXT_DOUBLE_MAX, "longest output (%zu) fits PROMTEXT_DOUBLE_MAX", longest);
}

/* t/data/promtext/floats.tsv: bits and Go's string, one double a line (run from the top). */
static void test_float_table(void)
{
	FILE *f = fopen("t/data/promtext/floats.tsv", "r");
	char line[128], buf[PROMTEXT_DOUBLE_MAX];
	size_t n = 0, bad = 0;

	if (!f) {
		ok(1, "# SKIP t/data/promtext/floats.tsv not found (run from the source tree)");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t'), *want;
		uint64_t bits;
		double v;

		if (line[0] == '#' || !tab)
			continue;
		bits = strtoull(line, NULL, 16);
		memcpy(&v, &bits, sizeof(v));
		want = tab + 1;
		want[strcspn(want, "\n")] = '\0';
		promtext_format_double(buf, v);
		n++;
		if (strcmp(buf, want) && bad++ < 5)
			printf("#   %016llx: got %s, want %s\n", (unsigned long long)bits, buf,
			       want);
	}
	fclose(f);
	ok(n > 3000 && bad == 0,
	   "%zu doubles from floats.tsv (all powers of two) format as Go does", n);
}

/* Significant digits in formatted @s (up to an exponent). */
static int sig_digits(const char *s)
{
	int n = 0, started = 0;

	for (; *s && *s != 'e'; s++) {
		if (*s >= '1' && *s <= '9')
			started = 1;
		if (started && *s >= '0' && *s <= '9')
			n++;
	}
	return n;
}

static void test_shortest(void)
{
	char buf[PROMTEXT_DOUBLE_MAX], shorter[40];
	uint64_t x = 88172645463325252ull;
	size_t bad = 0, checked = 0;

	/* Shortest: the nearest decimal with one digit fewer never parses back to the same. */
	for (int i = 0; i < 20000; i++) {
		double v;
		int n;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v = i < 60 ? ldexp(1.0, i - 30) * 1e-6 : (double)(x % 100000000) * 1e-7;
		promtext_format_double(buf, v);
		n = sig_digits(buf);
		if (n < 2)
			continue;
		snprintf(shorter, sizeof(shorter), "%.*e", n - 2, v);
		checked++;
		if (strtod(shorter, NULL) == v)
			bad++;
	}
	ok(checked > 1000, "checked %zu values with two or more digits", checked);
	is_int(bad, 0, "no value uses more digits than it needs");
}

static void esc(const char *in, const char *want, const char *what)
{
	struct strbuf sb = {0};

	promtext_add_label_value(&sb, in, strlen(in));
	is_str(strbuf_str(&sb), want, "label value: %s", what);
	strbuf_release(&sb);
}

static void test_escaping(void)
{
	char out[64];
	struct strbuf sb = {0};

	promtext_escape_label(out, sizeof(out), "a\"b\\c\nd");
	is_str(out, "a\\\"b\\\\c\\nd", "label values escape quote, backslash and newline");
	esc("plain", "plain", "plain text unchanged");
	esc("mod\tsym", "mod\tsym", "tab stays a literal tab");
	esc("h\xc3\xa9llo", "h\xc3\xa9llo", "two-byte UTF-8 kept");
	esc("\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac", "three-byte UTF-8 kept");
	esc("\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x80!", "four-byte UTF-8 kept");
	esc("\xef\xbf\xbd", "\xef\xbf\xbd", "a real U+FFFD is kept");
	esc("a\xff"
	    "b",
	    "a\xef\xbf\xbd"
	    "b",
	    "0xff becomes U+FFFD");
	esc("a\xc3", "a\xef\xbf\xbd", "truncated sequence at the end");
	esc("\xe2\x82x", "\xef\xbf\xbd\xef\xbf\xbdx", "truncated 3-byte: one U+FFFD per byte");
	esc("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd", "overlong encoding rejected");
	esc("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "UTF-16 surrogate rejected");
	esc("\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	    "beyond U+10FFFF rejected");
	esc("\x80\"", "\xef\xbf\xbd\\\"", "stray continuation byte then a quote");
	esc("", "", "empty value");

	promtext_add_label_value(&sb, "a\0b", 3);
	is_int(sb.len, 3, "explicit length covers an embedded NUL");
	strbuf_release(&sb);

	promtext_escape_label(out, 5, "ab\xc3\xa9\xc3\xa9");
	is_str(out, "ab\xc3\xa9", "truncation keeps whole characters");
	promtext_escape_label(out, 4, "ab\xc3\xa9");
	is_str(out, "ab", "truncation never splits a character");

	promtext_begin_family(&sb, "m", "a\\b\n\"q\"", "counter");
	is_str(strbuf_str(&sb), "# HELP m a\\\\b\\n\"q\"\n# TYPE m counter\n",
	       "HELP escapes backslash and newline, not quotes");
	strbuf_reset(&sb);
	promtext_begin_family(&sb, "m", "", "gauge");
	is_str(strbuf_str(&sb), "# HELP m \n# TYPE m gauge\n", "empty HELP keeps the space");
	strbuf_release(&sb);
}

static void test_samples(void)
{
	struct strbuf sb = {0};
	const char *names[] = {"cpu", "function"};
	const char *values[] = {"0", "tick_\"sched\""};

	promtext_add_sample(&sb, "x_total", NULL, NULL, NULL, 0, NULL, NULL, 1234567);
	is_str(strbuf_str(&sb), "x_total 1.234567e+06\n", "no labels: no braces");
	strbuf_reset(&sb);
	promtext_add_sample(&sb, "x", "_bucket", NULL, NULL, 0, "le", "+Inf", 3);
	is_str(strbuf_str(&sb), "x_bucket{le=\"+Inf\"} 3\n", "only the extra label");
	strbuf_reset(&sb);
	promtext_add_sample(&sb, "x", "_bucket", names, values, 2, "le", "1e-06", 0);
	is_str(strbuf_str(&sb),
	       "x_bucket{cpu=\"0\",function=\"tick_\\\"sched\\\"\",le=\"1e-06\"} 0\n",
	       "labels in given order, extra last, values escaped");
	strbuf_reset(&sb);
	promtext_add_sample(&sb, "x", "_sum", names, values, 1, NULL, NULL, 0.003);
	is_str(strbuf_str(&sb), "x_sum{cpu=\"0\"} 0.003\n", "suffix and one label");
	strbuf_reset(&sb);
	{
		char bad[1001], want[3001 + 32];
		const char *n1[] = {"v"}, *v1[] = {bad};

		memset(bad, 0xff, 1000);
		bad[1000] = '\0';
		strcpy(want, "x{v=\"");
		for (int i = 0; i < 1000; i++)
			strcat(want, "\xef\xbf\xbd");
		strcat(want, "\"} 1\n");
		promtext_add_sample(&sb, "x", NULL, n1, v1, 1, NULL, NULL, 1);
		is_str(strbuf_str(&sb), want,
		       "1000 invalid bytes: 3000 bytes of U+FFFD, room reserved");
		strbuf_reset(&sb);
	}
	promtext_add_double(&sb, 1e-6);
	promtext_add_double(&sb, -1);
	is_str(strbuf_str(&sb), "1e-06-1", "promtext_add_double appends");
	strbuf_release(&sb);
}

static void test_names(void)
{
	ok(promtext_valid_metric_name("ebpf_exporter_x_total"), "plain metric name valid");
	ok(promtext_valid_metric_name("a:b_c"), "colon allowed in metric names");
	ok(promtext_valid_metric_name("_x"), "leading underscore allowed");
	ok(!promtext_valid_metric_name("1x"), "leading digit invalid");
	ok(!promtext_valid_metric_name(""), "empty metric name invalid");
	ok(!promtext_valid_metric_name("a.b"), "dot invalid in metric name");
	ok(!promtext_valid_metric_name("a-b"), "dash invalid in metric name");
	ok(promtext_valid_label_name("cpu"), "plain label name valid");
	ok(promtext_valid_label_name("x9_"), "digits after the first character");
	ok(!promtext_valid_label_name("a:b"), "colon invalid in label names");
	ok(!promtext_valid_label_name("cpu.orig"), "dot invalid in label names");
	ok(!promtext_valid_label_name("9"), "digit first invalid in label names");
	ok(!promtext_valid_label_name(""), "empty label name invalid");
}

static void set_hist(struct series *s, const double *le, const double *cum, size_t n, double sum,
		     double count)
{
	struct family_hist *h = family_series_hist(s);

	h->le = malloc(n * sizeof(double));
	h->cumulative = malloc(n * sizeof(double));
	memcpy(h->le, le, n * sizeof(double));
	memcpy(h->cumulative, cum, n * sizeof(double));
	h->n_buckets = n;
	h->sum = sum;
	h->count = count;
}

static void add_series(struct family *f, const char *const *given, double v, struct series **s)
{
	const char *sorted[8];

	family_order_values(f, given, sorted);
	if (family_add_series(f, sorted, v, s))
		ok(0, "family_add_series");
}

/* A family set as the reader would build it, in scrambled order. */
static void build_sample(struct family_set *fs)
{
	static const double le[] = {1e-06, 2e-06, 4e-06, 8e-06};
	static const double c1[] = {0, 2, 2, 3}, c2[] = {1, 1, 1, 1};
	const char *timer_labels[] = {"function", "cpu"};
	const char *bio_labels[] = {"operation", "device"};
	struct family *f;
	struct series *s;

	family_set_add(fs, "ebpf_exporter_timer_starts_total", "Timers fired in the kernel",
		       FAMILY_COUNTER, timer_labels, 2, &f);
	add_series(f, (const char *[]){"tick_sched_timer", "1"}, 1234567, NULL);
	add_series(f, (const char *[]){"hrtimer_wakeup", "0"}, 7, NULL);
	add_series(f, (const char *[]){"tick_sched_timer", "0"}, 0, NULL);
	add_series(f, (const char *[]){"say \"hi\"\\\n", "10"}, 2, NULL);

	family_set_add(fs, "ebpf_exporter_bio_latency_seconds", "Block IO latency histogram",
		       FAMILY_HISTOGRAM, bio_labels, 2, &f);
	add_series(f, (const char *[]){"write", "nvme0n1"}, 0, &s);
	set_hist(s, le, c2, 4, 2e-06, 1);
	add_series(f, (const char *[]){"read", "nvme0n1"}, 0, &s);
	set_hist(s, le, c1, 4, 0.003, 3);

	family_set_add(fs, "ebpf_exporter_unused_total", "Has no series", FAMILY_COUNTER, NULL, 0,
		       NULL);
	family_set_add(fs, "ebpf_exporter_enabled_configs", "The set of enabled configs",
		       FAMILY_GAUGE, (const char *[]){"name"}, 1, &f);
	add_series(f, (const char *[]){"timers"}, 1, NULL);
	family_set_add(fs, "ebpf_exporter_events_total", "Events\\with a\nnewline", FAMILY_COUNTER,
		       NULL, 0, &f);
	add_series(f, NULL, 18446744073709551615.0, NULL);
	family_set_sort(fs);
}

static const char render_want[] =
	"# HELP ebpf_exporter_bio_latency_seconds Block IO latency histogram\n"
	"# TYPE ebpf_exporter_bio_latency_seconds histogram\n"
	"ebpf_exporter_bio_latency_seconds_bucket{device=\"nvme0n1\",operation=\"read\",le=\"1e-"
	"06\"} 0\n"
	"ebpf_exporter_bio_latency_seconds_bucket{device=\"nvme0n1\",operation=\"read\",le=\"2e-"
	"06\"} 2\n"
	"ebpf_exporter_bio_latency_seconds_bucket{device=\"nvme0n1\",operation=\"read\",le=\"4e-"
	"06\"} 2\n"
	"ebpf_exporter_bio_latency_seconds_bucket{device=\"nvme0n1\",operation=\"read\",le=\"8e-"
	"06\"} 3\n"
	"ebpf_exporter_bio_latency_seconds_bucket{device=\"nvme0n1\",operation=\"read\",le=\"+"
	"Inf\"} 3\n"
	"ebpf_exporter_bio_latency_seconds_sum{device=\"nvme0n1\",operation=\"read\"} 0.003\n"
	"ebpf_exporter_bio_latency_seconds_count{device=\"nvme0n1\",operation=\"read\"} 3\n"
	"ebpf_exporter_bio_latency_seconds_bucket{device=\"nvme0n1\",operation=\"write\",le=\"1e-"
	"06\"} 1\n"
	"ebpf_exporter_bio_latency_seconds_bucket{device=\"nvme0n1\",operation=\"write\",le=\"2e-"
	"06\"} 1\n"
	"ebpf_exporter_bio_latency_seconds_bucket{device=\"nvme0n1\",operation=\"write\",le=\"4e-"
	"06\"} 1\n"
	"ebpf_exporter_bio_latency_seconds_bucket{device=\"nvme0n1\",operation=\"write\",le=\"8e-"
	"06\"} 1\n"
	"ebpf_exporter_bio_latency_seconds_bucket{device=\"nvme0n1\",operation=\"write\",le=\"+"
	"Inf\"} 1\n"
	"ebpf_exporter_bio_latency_seconds_sum{device=\"nvme0n1\",operation=\"write\"} 2e-06\n"
	"ebpf_exporter_bio_latency_seconds_count{device=\"nvme0n1\",operation=\"write\"} 1\n"
	"# HELP ebpf_exporter_enabled_configs The set of enabled configs\n"
	"# TYPE ebpf_exporter_enabled_configs gauge\n"
	"ebpf_exporter_enabled_configs{name=\"timers\"} 1\n"
	"# HELP ebpf_exporter_events_total Events\\\\with a\\nnewline\n"
	"# TYPE ebpf_exporter_events_total counter\n"
	"ebpf_exporter_events_total 1.8446744073709552e+19\n"
	"# HELP ebpf_exporter_timer_starts_total Timers fired in the kernel\n"
	"# TYPE ebpf_exporter_timer_starts_total counter\n"
	"ebpf_exporter_timer_starts_total{cpu=\"0\",function=\"hrtimer_wakeup\"} 7\n"
	"ebpf_exporter_timer_starts_total{cpu=\"0\",function=\"tick_sched_timer\"} 0\n"
	"ebpf_exporter_timer_starts_total{cpu=\"1\",function=\"tick_sched_timer\"} 1.234567e+06\n"
	"ebpf_exporter_timer_starts_total{cpu=\"10\",function=\"say \\\"hi\\\"\\\\\\n\"} 2\n";

static int has_promtool(void)
{
	return system("command -v promtool >/dev/null 2>&1") == 0;
}

static void test_render(void)
{
	struct family_set fs = {0};
	struct strbuf sb = {0};
	char path[] = "/tmp/promtext-test-XXXXXX";
	char cmd[256];
	int fd, rc;

	build_sample(&fs);
	is_int(promtext_render(&sb, &fs), 0, "render succeeds");
	is_str(strbuf_str(&sb), render_want, "render matches the Go client byte for byte");
	ok(sb.len && sb.buf[sb.len - 1] == '\n', "text ends with a newline");

	if (!has_promtool()) {
		ok(1, "# SKIP promtool not in PATH");
	} else {
		fd = mkstemp(path);
		if (fd < 0 || write(fd, sb.buf, sb.len) != (ssize_t)sb.len) {
			ok(0, "write temp file");
		} else {
			snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", path);
			rc = system(cmd);
			is_int(rc, 0, "promtool check metrics accepts the rendered text");
		}
		if (fd >= 0)
			close(fd);
		unlink(path);
	}

	strbuf_reset(&sb);
	family_set_release(&fs);
	is_int(promtext_render(&sb, &fs), 0, "empty set renders");
	is_int(sb.len, 0, "empty set renders nothing");
	strbuf_release(&sb);
}

int main(void)
{
	test_floats();
	test_integers();
	test_roundtrip();
	test_float_table();
	test_shortest();
	test_escaping();
	test_samples();
	test_names();
	test_render();
	return done_testing();
}
