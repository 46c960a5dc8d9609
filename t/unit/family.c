/* Unit tests for collector/family.c: label order, series, sorting as the Go client sorts. */
#include "family.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tap.h"

/* The @i-th label value of @s. */
static const char *val(const struct family *f, const struct series *s, size_t i)
{
	const char *v[8];

	family_series_values(f, s, v);
	return v[i];
}

static void test_labels(void)
{
	struct family_set fs = {0};
	const char *given[] = {"op", "device", "cpu"};
	const char *vals[] = {"read", "sda", "3"}, *sorted[3];
	struct family *f = NULL;
	struct series *s = NULL;

	is_int(family_set_add(&fs, "m", "help", FAMILY_COUNTER, given, 3, &f), 0, "add family");
	is_str(f->label_names[0], "cpu", "label names sorted: cpu first");
	is_str(f->label_names[1], "device", "then device");
	is_str(f->label_names[2], "op", "then op");
	is_int(family_label_order(f, 0), 2, "op went to position 2");
	is_int(family_label_order(f, 1), 1, "device went to position 1");
	is_int(family_label_order(f, 2), 0, "cpu went to position 0");
	family_order_values(f, vals, sorted);
	is_str(sorted[0], "3", "values follow their labels (cpu)");
	is_str(sorted[2], "read", "values follow their labels (op)");
	is_int(family_add_series(f, sorted, 5, &s), 0, "add series");
	is_str(val(f, s, 0), "3", "series keeps its values (cpu)");
	is_str(val(f, s, 1), "sda", "series keeps its values (device)");
	is_str(val(f, s, 2), "read", "series keeps its values (op)");
	ok(val(f, s, 1) != vals[1], "values are copied, not borrowed");
	ok(!memcmp(s->labels, "3\0sda\0read", 11),
	   "packed one after the other, each ending in NUL");
	ok(!s->hist, "a new series has no histogram part");
	ok(family_series_hist(s) && s->hist->n_buckets == 0 && !s->hist->le,
	   "family_series_hist gives it an empty one");
	is_str(f->help, "help", "help copied");
	is_int(family_set_add(&fs, "m", "other", FAMILY_GAUGE, NULL, 0, NULL), -EEXIST,
	       "a family name can be added once");
	is_int(family_set_add(&fs, "dup", "", FAMILY_GAUGE, (const char *[]){"a", "a"}, 2, NULL),
	       -EINVAL, "duplicate label names rejected");
	is_int(fs.n, 1, "failed adds leave the set as it was");
	ok(family_set_find(&fs, "m") == &fs.fams[0], "find by name");
	ok(family_set_find(&fs, "nope") == NULL, "find unknown name: NULL");
	is_int(family_set_add(&fs, "nolabels", NULL, FAMILY_GAUGE, NULL, 0, &f), 0,
	       "a family without labels or help");
	is_str(f->help, "", "NULL help becomes empty");
	is_int(family_add_series(f, NULL, 1, NULL), 0, "series without labels");
	family_set_release(&fs);
	is_int(fs.n, 0, "released set is empty");
	family_set_release(&fs);
	family_set_release(NULL);
	ok(1, "release twice and release(NULL) are fine");
}

static void test_sort(void)
{
	struct family_set fs = {0};
	const char *names[] = {"b", "a"};
	/* Given order b, a; stored a, b. */
	const char *series[][2] = {
		{"x", "2"}, {"x", "10"}, {"", "z"}, {"y", "1"}, {"x", "1"}, {"\xc3\xa9", "0"},
	};
	const char *want[][2] = {
		/* a, b after sorting: a compared first, then b, byte-wise */
		{"0", "\xc3\xa9"}, {"1", "x"}, {"1", "y"}, {"10", "x"}, {"2", "x"}, {"z", ""},
	};
	struct family *f;
	int good = 1;

	family_set_add(&fs, "zeta", "", FAMILY_COUNTER, NULL, 0, NULL);
	family_set_add(&fs, "alpha_total", "", FAMILY_COUNTER, names, 2, &f);
	for (size_t i = 0; i < 6; i++) {
		const char *sorted[2];

		family_order_values(f, series[i], sorted);
		family_add_series(f, sorted, (double)i, NULL);
	}
	family_set_add(&fs, "alpha", "", FAMILY_GAUGE, NULL, 0, NULL);
	family_set_add(&fs, "Zed", "", FAMILY_GAUGE, NULL, 0, NULL);
	family_set_sort(&fs);
	is_str(fs.fams[0].name, "Zed", "families sorted byte-wise (upper case first)");
	is_str(fs.fams[1].name, "alpha", "alpha before alpha_total");
	is_str(fs.fams[2].name, "alpha_total", "alpha_total");
	is_str(fs.fams[3].name, "zeta", "zeta last");
	f = &fs.fams[2];
	for (size_t i = 0; i < 6; i++) {
		if (strcmp(val(f, &f->series[i], 0), want[i][0]) ||
		    strcmp(val(f, &f->series[i], 1), want[i][1])) {
			good = 0;
			printf("# series %zu: %s,%s\n", i, val(f, &f->series[i], 0),
			       val(f, &f->series[i], 1));
		}
	}
	ok(good, "series sorted by label values pairwise, as strings (\"10\" < \"2\")");
	ok(f->series[0].value == 5 && f->series[1].value == 4, "values move with their series");
	family_set_sort(&fs);
	f = &fs.fams[2];
	ok(f->series[0].value == 5 && f->series[5].value == 2,
	   "sorting a sorted set changes nothing");
	is_str(family_type_name(FAMILY_COUNTER), "counter", "type name counter");
	is_str(family_type_name(FAMILY_GAUGE), "gauge", "type name gauge");
	is_str(family_type_name(FAMILY_HISTOGRAM), "histogram", "type name histogram");
	family_set_release(&fs);
}

static void test_borrowed(void)
{
	struct family_set fs = {0};
	const char *names[] = {"b", "a"};
	char *arena = malloc(8);
	size_t len = 2 * sizeof(struct series);
	struct series *arr =
		mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct family *f = NULL;

	if (!ok(arr != MAP_FAILED && arena, "map room for two series"))
		return;
	memcpy(arena, "2\0x\0001\0y", 8); /* "2","x" and "1","y" */
	arr[0] = (struct series){.labels = arena, .value = 1};
	arr[1] = (struct series){.labels = arena + 4, .value = 2};
	is_int(family_set_add(&fs, "m", "", FAMILY_COUNTER, names, 2, &f), 0, "add family");
	is_int(family_adopt_series(f, arr, 2, len), 0, "adopt two series");
	ok(f->series[0].labels == arena, "their values are borrowed, not copied");
	is_int(family_add_series(f, (const char *[]){"a", "b"}, 3, NULL), -EINVAL,
	       "a copied series cannot join borrowed ones");
	is_int(family_set_hold(&fs, arena), 0, "the set holds the strings");
	is_int(family_set_hold(&fs, NULL), 0, "holding NULL is fine");
	family_set_sort(&fs);
	is_str(val(f, &f->series[0], 0), "1", "borrowed series sort like copied ones");
	is_str(val(f, &f->series[1], 1), "x", "with their values");
	/* ASan and valgrind see whether the held memory is freed exactly once */
	family_set_release(&fs);
	ok(fs.n == 0 && fs.n_held == 0 && !fs.held, "release empties the set");
}

static void test_adopt(void)
{
	struct family_set fs = {0};
	const char *names[] = {"id"};
	static const char text[] = "9\0001\0005\0";
	size_t len = 3 * sizeof(struct series);
	struct series *arr =
		mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct family *f = NULL;

	if (!ok(arr != MAP_FAILED, "map room for three series"))
		return;
	/* out of order on purpose: a presorted family is trusted, not checked */
	for (size_t i = 0; i < 3; i++)
		arr[i] = (struct series){.labels = text + 2 * i, .value = (double)i};
	is_int(family_set_add(&fs, "m", "", FAMILY_COUNTER, names, 1, &f), 0, "add family");
	is_int(family_adopt_series(f, arr, 3, len), 0, "adopt three mapped series");
	is_int(f->n_series, 3, "they are the family's");
	is_int(family_add_series(f, names, 1, NULL), -EINVAL, "none can be added after");
	is_int(family_adopt_series(f, arr, 3, len), -EINVAL, "a family adopts once");
	f->presorted = 1;
	family_set_sort(&fs);
	is_str(val(f, &f->series[0], 0), "9", "a presorted family keeps its order");
	f->presorted = 0;
	family_set_sort(&fs);
	ok(!strcmp(val(f, &f->series[0], 0), "1") && !strcmp(val(f, &f->series[2], 0), "9"),
	   "an unmarked one is sorted");
	family_set_release(&fs);
	ok(fs.n == 0, "release unmaps the series");
}

static void test_cmp_packed(void)
{
	struct family_set fs = {0};
	const char *names[] = {"a", "b"};
	/* pairwise: ("a","") < ("a","b") < ("ab","") -- a NUL ends a value before any byte */
	const char *in[][2] = {{"ab", ""}, {"a", "b"}, {"a", ""}, {"a\xff", "x"}};
	const char *want[] = {"a", "a", "ab", "a\xff"};
	const char *want_b[] = {"", "b", "", "x"};
	struct family *f;
	int good = 1;

	family_set_add(&fs, "m", "", FAMILY_COUNTER, names, 2, &f);
	for (size_t i = 0; i < 4; i++)
		family_add_series(f, in[i], (double)i, NULL);
	family_set_sort(&fs);
	for (size_t i = 0; i < 4; i++)
		if (strcmp(val(f, &f->series[i], 0), want[i]) ||
		    strcmp(val(f, &f->series[i], 1), want_b[i]))
			good = 0;
	ok(good, "packed values compare as pairs of strings (shorter value first, bytes unsigned)");
	family_set_release(&fs);
}

int main(void)
{
	test_labels();
	test_sort();
	test_borrowed();
	test_adopt();
	test_cmp_packed();
	return done_testing();
}
