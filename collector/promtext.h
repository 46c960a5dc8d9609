/*
 * promtext: Prometheus text exposition (version 0.0.4), written exactly as ebpf_exporter's
 * Go client writes it (reference §12): HELP/TYPE lines, escaping, Go float formatting.
 * Knows nothing of BPF.
 */
#ifndef EBPFEXP_PROMTEXT_H
#define EBPFEXP_PROMTEXT_H
#include <stddef.h>

#include "strbuf.h"

#define PROMTEXT_DOUBLE_MAX 32 /* enough for any double in Go's 'g' -1 form, with NUL */

/*
 * Format @v as Go's strconv.FormatFloat(v, 'g', -1, 64) does, plus the exposition's
 * special cases (+Inf, -Inf, NaN). Shortest digits that round-trip; exponent form (`1e-06`,
 * `1.234567e+06`, at least two exponent digits) when the decimal exponent is < -4 or >= 6,
 * plain otherwise (`0.000128`, `123456`) [compat]. Negative zero prints `0`, as
 * client_golang's writeFloat special-cases `f == 0` before FormatFloat. Returns
 * the length written to @buf (at least PROMTEXT_DOUBLE_MAX bytes), NUL-terminated.
 */
size_t promtext_format_double(char *buf, double v);

/* Append @v formatted as above. */
int promtext_add_double(struct strbuf *out, double v);

/*
 * Append a label value escaped for the text format: `\` -> `\\`, `"` -> `\"`, newline ->
 * `\n`; bytes that are not valid UTF-8 are replaced with U+FFFD (one per byte, as Go's
 * decoder steps), so the output is always valid UTF-8.
 */
int promtext_add_label_value(struct strbuf *out, const char *s, size_t len);
/* The same into a fixed buffer (truncated, always NUL-terminated); for tests and messages. */
void promtext_escape_label(char *out, size_t out_len, const char *s);

/*
 * Append "# HELP name help\n# TYPE name type\n" (help escapes `\` and newline; invalid
 * UTF-8 becomes U+FFFD as in label values).
 */
int promtext_begin_family(struct strbuf *out, const char *name, const char *help, const char *type);

/*
 * Append one sample line: name[suffix]{l1="v1",...[,extra="x"]} value\n. Labels are printed
 * in the order given (callers sort them by name); @extra_name (e.g. "le") may be NULL.
 * No braces when there are no labels at all.
 */
int promtext_add_sample(struct strbuf *out, const char *name, const char *suffix,
			const char *const *label_names, const char *const *label_values,
			size_t n_labels, const char *extra_name, const char *extra_value, double v);

struct family_set;
/*
 * Append the whole exposition of @fs: per family with at least one series, HELP and TYPE,
 * then one line per counter or gauge series; per histogram series the finite buckets
 * (`_bucket{...,le="x"}`, le after the sorted labels), `le="+Inf"` (= count), `_sum`,
 * `_count`. Families and series are printed in the set's order: call family_set_sort()
 * first for the Go client's order. -ENOMEM.
 */
/*
 * Where promtext_render_sink() writes: into @out, and each time @out holds @flush_at bytes
 * or more (checked after every series), @flush(@arg, text, len) takes them and @out is
 * emptied. The caller flushes what is left at the end. Keeps the memory of a render to
 * about @flush_at, however many series there are.
 */
struct promtext_sink {
	struct strbuf *out;
	size_t flush_at;
	int (*flush)(void *arg, const char *buf, size_t len);
	void *arg;
};

int promtext_render_sink(struct promtext_sink *sink, const struct family_set *fs);
int promtext_render(struct strbuf *out, const struct family_set *fs);

/* Is @name a valid legacy metric name / label name ([a-zA-Z_:][a-zA-Z0-9_:]*, no ':' in labels)? */
int promtext_valid_metric_name(const char *name);
int promtext_valid_label_name(const char *name);

#endif
