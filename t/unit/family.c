/* Unit tests for collector/family.c: label order, series, sorting as the Go client sorts. */
#include "family.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

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
	is_str(s->label_values[1], "sda", "series keeps a copy of its values");
	ok(s->label_values[1] != vals[1], "values are copied, not borrowed");
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
		if (strcmp(f->series[i].label_values[0], want[i][0]) ||
		    strcmp(f->series[i].label_values[1], want[i][1])) {
			good = 0;
			printf("# series %zu: %s,%s\n", i, f->series[i].label_values[0],
			       f->series[i].label_values[1]);
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
	const char **vals = malloc(4 * sizeof(*vals));
	struct family *f = NULL;
	struct series *s = NULL;

	memcpy(arena, "2\0x\0001\0y", 8);	/* "2","x" and "1","y" */
	vals[0] = arena;
	vals[1] = arena + 2;
	vals[2] = arena + 4;
	vals[3] = arena + 6;
	is_int(family_set_add(&fs, "m", "", FAMILY_COUNTER, names, 2, &f), 0, "add family");
	is_int(family_reserve(f, 2), 0, "reserve two series");
	ok(f->cap_series >= 2, "room for two series");
	is_int(family_add_series_ref(f, vals, 1, &s), 0, "add a borrowed series");
	ok(s->label_values[0] == arena, "its values are borrowed, not copied");
	is_int(family_add_series_ref(f, vals + 2, 2, NULL), 0, "add another");
	is_int(family_add_series(f, vals, 3, NULL), -EINVAL,
	       "a copied series cannot join borrowed ones");
	is_int(family_set_hold(&fs, arena), 0, "the set holds the strings");
	is_int(family_set_hold(&fs, vals), 0, "and the pointer arrays");
	is_int(family_set_hold(&fs, NULL), 0, "holding NULL is fine");
	family_set_sort(&fs);
	is_str(f->series[0].label_values[0], "1", "borrowed series sort like copied ones");
	is_str(f->series[1].label_values[1], "x", "with their values");
	/* ASan and valgrind see whether the held memory is freed exactly once */
	family_set_release(&fs);
	ok(fs.n == 0 && fs.n_held == 0 && !fs.held, "release empties the set");
}

int main(void)
{
	test_labels();
	test_sort();
	test_borrowed();
	return done_testing();
}
