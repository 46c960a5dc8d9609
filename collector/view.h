/*
 * view: a family set for people and programs other than Prometheus: JSON, and a table
 * with histograms drawn as bar charts (bcc's biolatency style). The order is the set's:
 * call family_set_sort() first.
 */
#ifndef EBPFEXP_VIEW_H
#define EBPFEXP_VIEW_H

#include "family.h"
#include "strbuf.h"

/*
 * Append @fs as one JSON document:
 *
 *   {"families": [{"name": ..., "help": ..., "type": "counter"|"gauge"|"histogram",
 *     "labels": [label names, sorted],
 *     "series": [{"labels": {name: value, ...}, "value": v}            (counter, gauge)
 *                {"labels": {...}, "buckets": [{"le": b, "count": c}, ...],
 *                 "sum": s, "count": n}, ...]}, ...]}                  (histogram)
 *
 * Bucket counts are cumulative and only the finite buckets are listed (+Inf is "count").
 * Numbers are written exactly as in the text exposition (shortest round-trip digits);
 * NaN and infinities, which JSON cannot carry, become the strings "NaN", "+Inf", "-Inf".
 * Strings are valid UTF-8 (invalid bytes become U+FFFD). Families without series are
 * listed with an empty "series". The output ends with a newline. -ENOMEM.
 */
int view_json(struct strbuf *out, const struct family_set *fs);

/*
 * Append @fs as text for a terminal: per family a "name (type): help" line, then counters
 * and gauges as aligned columns (one per label, then the value, integers in full), or
 * per histogram series its labels and a bar chart of the per-bucket counts from the first
 * to the last non-empty bucket, followed by count, sum and average. -ENOMEM.
 */
int view_table(struct strbuf *out, const struct family_set *fs);

/*
 * The pieces of the table, for other views of the same families (live):
 *
 * view_grid: @n_rows rows of @ncol cells (row-major, the first row a header) as aligned
 * columns, two blanks apart, the first @n_left left-aligned and the others right-aligned;
 * the cells are borrowed. -ENOMEM.
 */
int view_grid(struct strbuf *out, char *const *cells, size_t n_rows, size_t ncol, size_t n_left);
/* A label value escaped as in the text format, for a cell (free()); NULL on ENOMEM. */
char *view_label_cell(const char *value);
/*
 * Series @s of histogram family @f with the buckets @h: its labels, then the bar chart of
 * view_table() (or "(no samples)"), without the count/sum line. -ENOMEM.
 */
int view_chart_bars(struct strbuf *out, const struct family *f, const struct series *s,
		    const struct family_hist *h);
/* @v for people into @buf (PROMTEXT_DOUBLE_MAX bytes): integers in full. Returns the length. */
size_t view_human_num(char *buf, double v);
/* A JSON string (RFC 8259, U+FFFD for invalid UTF-8) or number ("NaN", "+Inf" as strings). */
int view_json_str(struct strbuf *out, const char *s);
int view_json_num(struct strbuf *out, double v);
/* A histogram's cumulative buckets as a JSON array of {"le": ..., "count": ...}. */
int view_json_buckets(struct strbuf *out, const struct family_hist *h);

#endif
