/* Unit tests for collector/view.c: JSON parsed back with jansson, the table byte for byte. */
#include "view.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static void set_hist(struct series *s, const double *le, const double *cum, size_t n, double sum,
		     double count)
{
	struct family_hist *h = family_series_hist(s);

	h->le = malloc((n ? n : 1) * sizeof(double));
	h->cumulative = malloc((n ? n : 1) * sizeof(double));
	if (n) {
		memcpy(h->le, le, n * sizeof(double));
		memcpy(h->cumulative, cum, n * sizeof(double));
	}
	h->n_buckets = n;
	h->sum = sum;
	h->count = count;
}

static struct series *series(struct family *f, const char *const *sorted, double v)
{
	struct series *s = NULL;

	if (family_add_series(f, sorted, v, &s))
		ok(0, "family_add_series");
	return s;
}

static void build(struct family_set *fs)
{
	static const double le[] = {1e-06, 2e-06, 4e-06, 8e-06, 1.6e-05};
	static const double c1[] = {0, 2, 2, 3, 3}, c2[] = {1, 1, 1, 1, 1};
	struct family *f;

	family_set_add(fs, "ebpf_exporter_timer_starts_total", "Timers fired in the kernel",
		       FAMILY_COUNTER, (const char *[]){"cpu", "function"}, 2, &f);
	series(f, (const char *[]){"0", "hrtimer_wakeup"}, 7);
	series(f, (const char *[]){"1", "tick_sched_timer"}, 1234567);
	series(f, (const char *[]){"10", "caf\xc3\xa9\n\"x\"\xff"}, 0.5);

	family_set_add(fs, "ebpf_exporter_bio_latency_seconds", "Block IO latency",
		       FAMILY_HISTOGRAM, (const char *[]){"device", "operation"}, 2, &f);
	set_hist(series(f, (const char *[]){"nvme0n1", "read"}, 0), le, c1, 5, 0.003, 3);
	set_hist(series(f, (const char *[]){"nvme0n1", "write"}, 0), le, c2, 5, 2e-06, 1);
	set_hist(series(f, (const char *[]){"sda", "read"}, 0), le, c2, 0, 0, 0);

	family_set_add(fs, "ebpf_exporter_ratio", "", FAMILY_GAUGE, NULL, 0, &f);
	series(f, NULL, NAN);
	family_set_add(fs, "ebpf_exporter_empty_total", "Nothing", FAMILY_COUNTER, NULL, 0, NULL);
}

static void test_json(const struct family_set *fs)
{
	struct strbuf sb = {0};
	json_error_t jerr;
	json_t *root, *fams, *f, *s, *b;

	is_int(view_json(&sb, fs), 0, "view_json succeeds");
	ok(sb.len && sb.buf[sb.len - 1] == '\n', "JSON ends with a newline");
	root = json_loads(strbuf_str(&sb), 0, &jerr);
	if (!ok(root != NULL, "JSON parses with jansson"))
		printf("#   %s at line %d\n%s", jerr.text, jerr.line, strbuf_str(&sb));
	fams = json_object_get(root, "families");
	is_int(json_array_size(fams), 4, "four families, the empty one included");

	f = json_array_get(fams, 0);
	is_str(json_string_value(json_object_get(f, "name")), "ebpf_exporter_timer_starts_total",
	       "family name");
	is_str(json_string_value(json_object_get(f, "type")), "counter", "family type");
	is_str(json_string_value(json_object_get(f, "help")), "Timers fired in the kernel", "help");
	is_str(json_string_value(json_array_get(json_object_get(f, "labels"), 1)), "function",
	       "label names listed");
	s = json_array_get(json_object_get(f, "series"), 1);
	is_str(json_string_value(json_object_get(json_object_get(s, "labels"), "function")),
	       "tick_sched_timer", "series labels by name");
	ok(json_number_value(json_object_get(s, "value")) == 1234567, "counter value");
	like(strbuf_str(&sb), "\"value\": 1.234567e+06", "numbers written as in the text format");
	s = json_array_get(json_object_get(f, "series"), 2);
	is_str(json_string_value(json_object_get(json_object_get(s, "labels"), "function")),
	       "caf\xc3\xa9\n\"x\"\xef\xbf\xbd", "escapes round-trip; invalid UTF-8 became U+FFFD");
	ok(json_number_value(json_object_get(s, "value")) == 0.5, "fractional value");

	f = json_array_get(fams, 1);
	is_str(json_string_value(json_object_get(f, "type")), "histogram", "histogram family");
	s = json_array_get(json_object_get(f, "series"), 0);
	b = json_object_get(s, "buckets");
	is_int(json_array_size(b), 5, "five finite buckets");
	ok(json_number_value(json_object_get(json_array_get(b, 0), "le")) == 1e-06, "first le");
	ok(json_number_value(json_object_get(json_array_get(b, 3), "count")) == 3,
	   "bucket counts are cumulative");
	ok(json_number_value(json_object_get(s, "sum")) == 0.003, "sum is exactly 0.003");
	ok(json_number_value(json_object_get(s, "count")) == 3, "count");
	s = json_array_get(json_object_get(f, "series"), 2);
	is_int(json_array_size(json_object_get(s, "buckets")), 0, "no buckets: empty array");

	f = json_array_get(fams, 2);
	s = json_array_get(json_object_get(f, "series"), 0);
	is_int(json_object_size(json_object_get(s, "labels")), 0, "no labels: empty object");
	is_str(json_string_value(json_object_get(s, "value")), "NaN", "NaN is a string");

	f = json_array_get(fams, 3);
	is_int(json_array_size(json_object_get(f, "series")), 0, "empty family: empty series");
	json_decref(root);

	strbuf_reset(&sb);
	view_json(&sb, &(struct family_set){0});
	root = json_loads(strbuf_str(&sb), 0, &jerr);
	ok(root && json_array_size(json_object_get(root, "families")) == 0,
	   "an empty set is an empty families array");
	json_decref(root);
	strbuf_release(&sb);
}

static const char table_want[] =
	"ebpf_exporter_timer_starts_total (counter): Timers fired in the kernel\n"
	"cpu  function            value\n"
	"0    hrtimer_wakeup          7\n"
	"1    tick_sched_timer  1234567\n"
	"10   caf\xc3\xa9\\n\\\"x\\\"\xef\xbf\xbd          0.5\n"
	"\n"
	"ebpf_exporter_bio_latency_seconds (histogram): Block IO latency\n"
	"device=\"nvme0n1\" operation=\"read\"\n"
	"       seconds : count distribution\n"
	"1e-06 -> 2e-06 : 2     |****************************************|\n"
	"2e-06 -> 4e-06 : 0     |                                        |\n"
	"4e-06 -> 8e-06 : 1     |********************                    |\n"
	"count 3  sum 0.003  avg 0.001\n"
	"\n"
	"device=\"nvme0n1\" operation=\"write\"\n"
	"   seconds : count distribution\n"
	"0 -> 1e-06 : 1     |****************************************|\n"
	"count 1  sum 2e-06  avg 2e-06\n"
	"\n"
	"device=\"sda\" operation=\"read\"\n"
	"(no samples)\n"
	"count 0  sum 0\n"
	"\n"
	"ebpf_exporter_ratio (gauge)\n"
	"value\n"
	"  NaN\n"
	"\n"
	"ebpf_exporter_empty_total (counter): Nothing\n"
	"(no series)\n";

static void test_table(const struct family_set *fs)
{
	struct strbuf sb = {0};

	is_int(view_table(&sb, fs), 0, "view_table succeeds");
	is_str(strbuf_str(&sb), table_want, "table: aligned columns and bcc-style charts");
	strbuf_release(&sb);
}

static void test_chart_scale(void)
{
	static const double le[] = {1, 2, 4, 8, 16, 32, 64, 128};
	static const double cum[] = {0, 0, 100, 1100, 1150, 1150, 1150, 1151};
	struct family_set fs = {0};
	struct strbuf sb = {0};
	struct family *f;

	family_set_add(&fs, "x_usecs", "", FAMILY_HISTOGRAM, NULL, 0, &f);
	set_hist(series(f, NULL, 0), le, cum, 8, 5000, 1151);
	view_table(&sb, &fs);
	is_str(strbuf_str(&sb),
	       "x_usecs (histogram)\n"
	       "    usecs : count distribution\n"
	       " 2 -> 4   : 100   |****                                    |\n"
	       " 4 -> 8   : 1000  |****************************************|\n"
	       " 8 -> 16  : 50    |**                                      |\n"
	       "16 -> 32  : 0     |                                        |\n"
	       "32 -> 64  : 0     |                                        |\n"
	       "64 -> 128 : 1     |                                        |\n"
	       "count 1151  sum 5000  avg 4.34405\n",
	       "chart: leading empty buckets trimmed, bars scaled to the largest bucket");
	strbuf_release(&sb);
	family_set_release(&fs);
}

int main(void)
{
	struct family_set fs = {0};

	build(&fs);
	test_json(&fs);
	test_table(&fs);
	family_set_release(&fs);
	test_chart_scale();
	return done_testing();
}
