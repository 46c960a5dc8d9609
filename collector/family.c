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

static void series_release(struct series *s, int borrowed)
{
	if (!borrowed)
		free((char *)s->labels);
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
	/* adopted counters own nothing: a million of them are not walked for nothing */
	if (!f->series_mapped || f->type == FAMILY_HISTOGRAM)
		for (size_t i = 0; i < f->n_series; i++)
			series_release(&f->series[i], f->series_mapped != 0);
	if (f->series_mapped)
		munmap(f->series, f->series_mapped);
	else
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

void family_series_values(const struct family *f, const struct series *s, const char **vals)
{
	const char *v = s->labels;

	for (size_t i = 0; i < f->n_labels; i++, v = family_next_value(v))
		vals[i] = v;
}

int family_add_series(struct family *f, const char *const *label_values, double value,
		      struct series **out)
{
	struct series s = {0};
	size_t len = 0;
	char *p;
	int err;

	if (f->series_mapped)
		return -EINVAL;
	err = grow((void **)&f->series, &f->cap_series, f->n_series + 1, sizeof(*f->series));
	if (err)
		return err;
	for (size_t i = 0; i < f->n_labels; i++)
		len += strlen(label_values[i]) + 1;
	s.value = value;
	s.labels = p = malloc(len ? len : 1);
	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < f->n_labels; i++) {
		size_t n = strlen(label_values[i]) + 1;

		memcpy(p, label_values[i], n);
		p += n;
	}
	f->series[f->n_series] = s;
	if (out)
		*out = &f->series[f->n_series];
	f->n_series++;
	return 0;
}

int family_adopt_series(struct family *f, struct series *series, size_t n, size_t mapped)
{
	if (f->n_series || f->series_mapped)
		return -EINVAL;
	free(f->series);
	f->series = series;
	f->n_series = f->cap_series = n;
	f->series_mapped = mapped;
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
 * order, as byte strings; the first difference decides. Packed values end with a NUL,
 * which is below every other byte, so comparing the packed bytes up to the n-th NUL is
 * the same as comparing value by value.
 */
static int series_cmp(const void *a, const void *b, void *arg)
{
	const unsigned char *x = (const unsigned char *)((const struct series *)a)->labels;
	const unsigned char *y = (const unsigned char *)((const struct series *)b)->labels;

	for (size_t left = *(const size_t *)arg; left; x++, y++) {
		if (*x != *y)
			return *x < *y ? -1 : 1;
		if (!*x)
			left--;
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

		if (!f->n_labels || f->presorted)
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
	case FAMILY_COUNTER: return "counter";
	case FAMILY_GAUGE: return "gauge";
	case FAMILY_HISTOGRAM: return "histogram";
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
