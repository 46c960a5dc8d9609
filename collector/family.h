/*
 * family: Prometheus metric families as plain data, built by metric (and the reader's own
 * metrics) and written out by promtext (text) and view (json, table).
 */
#ifndef EBPFEXP_FAMILY_H
#define EBPFEXP_FAMILY_H
#include <stddef.h>

enum family_type { FAMILY_COUNTER, FAMILY_GAUGE, FAMILY_HISTOGRAM };

/* A histogram's data: finite buckets in ascending `le`; +Inf equals @count. */
struct family_hist {
	size_t n_buckets;
	double *le;
	double *cumulative;
	double sum;
	double count;
};

/*
 * One series. Kept small: a map can give a million of them, and it is laid out like
 * metric's records so that those become series where they lie. The histogram part lives
 * apart, only for histograms (family_series_hist()).
 */
struct series {
	/*
	 * The label values in the family's label order, packed: each followed by a NUL, one
	 * after the other ("a\0b\0" for a and b). Walk them with family_next_value(). May be
	 * NULL when the family has no labels.
	 */
	const char *labels;
	double value;		  /* counters and gauges */
	struct family_hist *hist; /* histograms; NULL until family_series_hist() */
};

struct family {
	char *name; /* the exported name, e.g. "ebpf_exporter_timer_starts_total" */
	char *help;
	enum family_type type;
	size_t n_labels;
	char **label_names;  /* sorted by name, as the Go client prints them */
	size_t *label_order; /* [i]: index in label_names of the i-th name given at add */
	size_t n_series, cap_series;
	struct series *series;
	/* series is adopted: an mmap()ed region of this many bytes, labels borrowed */
	size_t series_mapped;
	int presorted; /* the series are in §12 order: family_set_sort() trusts it */
};

/* `struct family_set fs = {0}` is empty and valid. */
struct family_set {
	size_t n, cap;
	struct family *fams;
	size_t n_held, cap_held;
	void **held; /* memory the set frees: see family_set_hold() */
};

/*
 * Add a family; @label_names (copied) are stored sorted by name, and family_label_order()
 * tells where each given label went. Returns the family (borrowed, valid until the next
 * family_set_add) through @out. -EEXIST when @name is already in @fs, -EINVAL when two
 * label names are equal, -ENOMEM.
 */
int family_set_add(struct family_set *fs, const char *name, const char *help, enum family_type type,
		   const char *const *label_names, size_t n_labels, struct family **out);
/*
 * Add a series with @label_values given in the family's (sorted) label order; copied.
 * Returns the series through @out (borrowed, valid until the next family_add_series);
 * @out may be NULL. The series' hist starts empty; its le and cumulative arrays are
 * malloc()ed by whoever fills them (histogram_compute()) and freed with the family set.
 */
int family_add_series(struct family *f, const char *const *label_values, double value,
		      struct series **out);
/*
 * Give the empty family @f the @n series at @series, for families of many series (a
 * map's): the series lie in an anonymous mapping of @mapped bytes that @f now owns and
 * unmaps; their labels are borrowed and must live as long as @f's set, for instance in
 * memory handed to family_set_hold(). No series can be added after. -EINVAL when @f has
 * series already.
 */
int family_adopt_series(struct family *f, struct series *series, size_t n, size_t mapped);
/* The label value after @v in a series' packed labels. */
static inline const char *family_next_value(const char *v)
{
	while (*v)
		v++;
	return v + 1;
}
/* Unpack @s's labels into @vals (f->n_labels pointers into them). */
void family_series_values(const struct family *f, const struct series *s, const char **vals);
/*
 * @fs takes @mem (malloc()ed) and frees it in family_set_release(); on failure (-ENOMEM)
 * @mem is freed at once. NULL is fine.
 */
int family_set_hold(struct family_set *fs, void *mem);
/* Where the @i-th label name given to family_set_add() went in f->label_names. */
size_t family_label_order(const struct family *f, size_t i);
/*
 * Put @given (label values in the order the names were given to family_set_add()) into
 * @sorted (n_labels pointers, in the family's sorted label order). Pointers are borrowed.
 */
void family_order_values(const struct family *f, const char *const *given, const char **sorted);
/*
 * The histogram part of @s, allocated empty on first use (NULL on ENOMEM). Owned by the
 * series: its arrays are freed with it.
 */
struct family_hist *family_series_hist(struct series *s);
/* Sort families by name and each family's series by label values (reference §12). */
void family_set_sort(struct family_set *fs);
/* The family named @name, or NULL. */
struct family *family_set_find(struct family_set *fs, const char *name);
/* "counter", "gauge", "histogram". */
const char *family_type_name(enum family_type t);
void family_set_release(struct family_set *fs);

#endif
