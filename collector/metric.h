/*
 * metric: pinned maps -> families, as ebpf_exporter builds them (reference §4, §5): raw keys
 * (with the per-CPU `cpu` suffix and the label-less special cases), split into labels,
 * decoded, duplicate label sets summed, histograms grouped and bucketed.
 */
#ifndef EBPFEXP_METRIC_H
#define EBPFEXP_METRIC_H
#include <stddef.h>

#include "decode.h"
#include "diag.h"
#include "family.h"
#include "manifest.h"

/* [compat] A family is named this prefix and the metric's configured name (= its map's). */
#define METRIC_PREFIX "ebpf_exporter_"

struct metric_opts {
	size_t max_series; /* per metric, the first in exported order kept; 0: no limit */
	size_t batch;	   /* entries per batch lookup; 0: default */
};

/* What one config's read did, for the reader's own metrics. */
struct metric_stats {
	size_t n_series;	/* series written */
	size_t n_decode_errors; /* samples skipped because a label failed to decode */
	size_t n_skipped;	/* samples a decoder (regexp) asked to drop */
	size_t n_dropped;	/* series dropped by max_series */
	size_t n_failed;	/* metrics that could not be read at all */
};

struct metric_reader;

/* @dctx is borrowed and must outlive the reader. Free with metric_reader_free(). */
int metric_reader_new(struct metric_reader **out, struct decode_ctx *dctx,
		      const struct metric_opts *opts);
void metric_reader_free(struct metric_reader *r);

/*
 * Read every metric of @m into @fs (appending families named "ebpf_exporter_" + name).
 * A bad key skips that sample and counts a decoder error; a metric whose map cannot be read
 * is reported in @d and counted in @st->n_failed, and the others are still read. Returns a
 * negative errno only when nothing of @m could be read.
 */
int metric_read_config(struct metric_reader *r, const struct manifest *m, struct family_set *fs,
		       struct metric_stats *st, struct diag *d);

#endif
