/*
 * family: metric families and their series as plain data. metric (and the reader's own
 * metrics) fills a family_set; promtext and view only read it. Sorting follows the Go
 * client (reference §12) so that every writer prints series in the same order.
 */
#include "family.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static void series_release(struct series *s, size_t n_labels, int borrowed)
{
	if (s->label_values && !borrowed) {
		for (size_t i = 0; i < n_labels; i++)
			free(s->label_values[i]);
		free(s->label_values);
	}
	if (s->hist) {
		free(s->hist->le);
		free(s->hist->cumulative);
		free(s->hist);
	}
	*s = (struct series){0};
}

struct family_hist *family_series_hist(struct series *s)
{
	if (!s->hist)
		s->hist = calloc(1, sizeof(*s->hist));
	return s->hist;
}

static void family_release(struct family *f)
{
	for (size_t i = 0; i < f->n_series; i++)
		series_release(&f->series[i], f->n_labels, f->values_borrowed);
	free(f->series);
	if (f->label_names) {
		for (size_t i = 0; i < f->n_labels; i++)
			free(f->label_names[i]);
		free(f->label_names);
	}
	free(f->label_order);
	free(f->name);
	free(f->help);
	*f = (struct family){0};
}

/* Grow an array of @size-byte elements to hold at least @need; -ENOMEM on overflow. */
static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
	size_t n;
	void *p;

	if (need <= *cap)
		return 0;
	n = *cap ? *cap : 8;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return -ENOMEM;
		n *= 2;
	}
	if (n > SIZE_MAX / size)
		return -ENOMEM;
	p = realloc(*arr, n * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n;
	return 0;
}

/* Sort the label names of @f (given order in @given) and record where each went. */
static int family_set_labels(struct family *f, const char *const *given, size_t n)
{
	f->label_names = calloc(n ? n : 1, sizeof(*f->label_names));
	f->label_order = calloc(n ? n : 1, sizeof(*f->label_order));
	if (!f->label_names || !f->label_order)
		return -ENOMEM;
	f->n_labels = n;
	/* Rank each name among the others: a handful of labels, so O(n^2) is fine. */
	for (size_t i = 0; i < n; i++) {
		size_t rank = 0;

		for (size_t j = 0; j < n; j++) {
			int c = strcmp(given[j], given[i]);

			if (j != i && c == 0)
				return -EINVAL;
			if (c < 0)
				rank++;
		}
		f->label_order[i] = rank;
	}
	for (size_t i = 0; i < n; i++) {
		f->label_names[f->label_order[i]] = strdup(given[i]);
		if (!f->label_names[f->label_order[i]])
			return -ENOMEM;
	}
	return 0;
}

int family_set_add(struct family_set *fs, const char *name, const char *help, enum family_type type,
		   const char *const *label_names, size_t n_labels, struct family **out)
{
	struct family f = {0};
	int err;

	if (family_set_find(fs, name))
		return -EEXIST;
	err = grow((void **)&fs->fams, &fs->cap, fs->n + 1, sizeof(*fs->fams));
	if (err)
		return err;
	f.type = type;
	f.name = strdup(name);
	f.help = strdup(help ? help : "");
	if (!f.name || !f.help)
		err = -ENOMEM;
	if (!err)
		err = family_set_labels(&f, label_names, n_labels);
	if (err) {
		family_release(&f);
		return err;
	}
	fs->fams[fs->n] = f;
	if (out)
		*out = &fs->fams[fs->n];
	fs->n++;
	return 0;
}

size_t family_label_order(const struct family *f, size_t i)
{
	return f->label_order[i];
}

void family_order_values(const struct family *f, const char *const *given, const char **sorted)
{
	for (size_t i = 0; i < f->n_labels; i++)
		sorted[f->label_order[i]] = given[i];
}

int family_add_series(struct family *f, const char *const *label_values, double value,
		      struct series **out)
{
	struct series s = {0};
	int err;

	if (f->values_borrowed)
		return -EINVAL;
	err = grow((void **)&f->series, &f->cap_series, f->n_series + 1, sizeof(*f->series));
	if (err)
		return err;
	s.value = value;
	s.label_values = calloc(f->n_labels ? f->n_labels : 1, sizeof(*s.label_values));
	if (!s.label_values)
		return -ENOMEM;
	for (size_t i = 0; i < f->n_labels; i++) {
		s.label_values[i] = strdup(label_values[i]);
		if (!s.label_values[i]) {
			series_release(&s, f->n_labels, 0);
			return -ENOMEM;
		}
	}
	f->series[f->n_series] = s;
	if (out)
		*out = &f->series[f->n_series];
	f->n_series++;
	return 0;
}

/*
 * Ask for huge pages under a large array that is about to be filled: on a virtual machine
 * a page fault costs microseconds, and a million series take 14000 of them otherwise.
 * Only whole pages inside the array are advised; a refusal changes nothing.
 */
static void hint_huge(void *p, size_t len)
{
	const uintptr_t huge = 2u << 20;
	uintptr_t start = ((uintptr_t)p + huge - 1) & ~(huge - 1), end = (uintptr_t)p + len;

	if (len >= 2 * huge && end > start + huge)
		(void)madvise((void *)start, (end - start) & ~(huge - 1), MADV_HUGEPAGE);
}

int family_add_series_ref(struct family *f, const char *const *label_values, double value,
			  struct series **out)
{
	int err;

	if (f->n_series && !f->values_borrowed)
		return -EINVAL;
	err = grow((void **)&f->series, &f->cap_series, f->n_series + 1, sizeof(*f->series));
	if (err)
		return err;
	f->values_borrowed = 1;
	f->series[f->n_series] = (struct series){
		.label_values = (char **)label_values,
		.value = value,
	};
	if (out)
		*out = &f->series[f->n_series];
	f->n_series++;
	return 0;
}

int family_reserve(struct family *f, size_t n)
{
	struct series *p;

	if (n > SIZE_MAX / sizeof(*p) - f->n_series)
		return -ENOMEM;
	if (f->n_series + n <= f->cap_series)
		return 0;
	p = realloc(f->series, (f->n_series + n) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	f->series = p;
	f->cap_series = f->n_series + n;
	hint_huge(p, f->cap_series * sizeof(*p));
	return 0;
}

int family_set_hold(struct family_set *fs, void *mem)
{
	if (!mem)
		return 0;
	if (grow((void **)&fs->held, &fs->cap_held, fs->n_held + 1, sizeof(*fs->held))) {
		free(mem);
		return -ENOMEM;
	}
	fs->held[fs->n_held++] = mem;
	return 0;
}

static int family_cmp(const void *a, const void *b)
{
	const struct family *fa = a, *fb = b;

	return strcmp(fa->name, fb->name);
}

/*
 * [compat] client_golang's metricSorter: label values compared pairwise in label-name
 * order, as byte strings; the first difference decides.
 */
static int series_cmp(const void *a, const void *b, void *arg)
{
	const struct series *sa = a, *sb = b;
	size_t n = *(const size_t *)arg;

	for (size_t i = 0; i < n; i++) {
		int c = strcmp(sa->label_values[i], sb->label_values[i]);

		if (c)
			return c;
	}
	return 0;
}

void family_set_sort(struct family_set *fs)
{
	if (fs->n > 1)
		qsort(fs->fams, fs->n, sizeof(*fs->fams), family_cmp);
	for (size_t i = 0; i < fs->n; i++) {
		struct family *f = &fs->fams[i];

		size_t j = 1;

		if (!f->n_labels)
			continue;
		/* Series often arrive in order already (a set sorted before): check first. */
		while (j < f->n_series &&
		       series_cmp(&f->series[j - 1], &f->series[j], &f->n_labels) <= 0)
			j++;
		if (j < f->n_series)
			qsort_r(f->series, f->n_series, sizeof(*f->series), series_cmp,
				&f->n_labels);
	}
}

struct family *family_set_find(struct family_set *fs, const char *name)
{
	for (size_t i = 0; i < fs->n; i++)
		if (strcmp(fs->fams[i].name, name) == 0)
			return &fs->fams[i];
	return NULL;
}

const char *family_type_name(enum family_type t)
{
	switch (t) {
	case FAMILY_COUNTER:
		return "counter";
	case FAMILY_GAUGE:
		return "gauge";
	case FAMILY_HISTOGRAM:
		return "histogram";
	}
	return "untyped";
}

void family_set_release(struct family_set *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->n; i++)
		family_release(&fs->fams[i]);
	free(fs->fams);
	for (size_t i = 0; i < fs->n_held; i++)
		free(fs->held[i]);
	free(fs->held);
	*fs = (struct family_set){0};
}
