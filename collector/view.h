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

#endif
