/*
 * live: what changed between two reads of the same families, for `ebpfexp-read --interval`.
 * Counters become deltas and per-second rates over the measured length of the interval,
 * histograms the interval's own distribution (bucket differences) with count, sum, average
 * and estimated quantiles; rendered as a table for people (redrawn in place on a terminal)
 * or as one JSON object per interval (JSON lines). live knows nothing of maps or configs:
 * it is handed family sets, and how to read the next one.
 */
#ifndef EBPFEXP_LIVE_H
#define EBPFEXP_LIVE_H
#include <stdbool.h>
#include <stdint.h>

#include "family.h"
#include "strbuf.h"

struct diag;

enum live_state {
	LIVE_SAME,  /* in both reads: delta = now - before */
	LIVE_NEW,   /* first seen in a family read before: it started from zero, delta = now */
	LIVE_RESET, /* went down, or its map was replaced: restarted from zero, delta = now */
	LIVE_START, /* its family was not in the previous read: no base yet, delta 0 */
};

/* One series of an interval. */
struct live_row {
	const struct series *s; /* in the newer read; borrowed */
	enum live_state state;
	/*
	 * counters: the increase; gauges: the change (may be negative); histograms: the
	 * interval's count. rate = delta / seconds; never negative for counters and histograms.
	 */
	double delta, rate;
	struct family_hist hist; /* histograms: the interval's buckets, cumulative */
};

struct live_family {
	const struct family *f; /* in the newer read; borrowed */
	size_t n_rows;
	struct live_row *rows; /* by rate, highest first; ties in label order */
	size_t n_hidden;       /* rows left out by --top */
	size_t n_vanished;     /* series of the previous read that are gone (dropped) */
};

struct live_interval {
	double seconds;	 /* the measured length (monotonic clock) */
	double end_unix; /* wall-clock time of the newer read, for people */
	size_t n_fams;
	struct live_family *fams; /* in the newer read's order (by name when sorted) */
};

struct live_opts {
	size_t top; /* keep the N rows of highest rate per family; 0: all */
};

struct live;

int live_new(struct live **out, const struct live_opts *o);
void live_free(struct live *l);
/*
 * The data of family @name comes from a source with identity @epoch (e.g. its map's id):
 * when it differs from the epoch of the previous read, every series of it is a reset.
 * Say it before live_step() for each read; a family never named has no epoch.
 */
int live_set_epoch(struct live *l, const char *name, uint64_t epoch);
/*
 * Take @fs (its content moves into @l; @fs is left empty) as read at monotonic time @mono
 * (seconds) and wall-clock time @unix_time. The first call sets the base and returns 0
 * with *@have_interval false; each later one computes the interval since the previous
 * read (live_last()). Sorts @fs. -ENOMEM, -EINVAL when @mono does not advance.
 */
int live_step(struct live *l, struct family_set *fs, double mono, double unix_time,
	      bool *have_interval);
/* The interval of the last live_step(); borrowed, valid until the next one. */
const struct live_interval *live_last(const struct live *l);

/*
 * Estimate the @q-quantile (0 <= q <= 1) of the cumulative buckets @h as Prometheus's
 * histogram_quantile() does. NaN when @h has no observation.
 */
double live_quantile(const struct family_hist *h, double q);

/* Append the interval as a block for people, headed by a line with @title. -ENOMEM. */
int live_render_table(struct strbuf *out, const struct live_interval *iv, const char *title);
/*
 * Append the interval as one JSON object on one line (ends with a newline):
 *
 *   {"time": "2026-12-06T19:01:02.345Z", "interval_seconds": 1.000213,
 *    "families": [{"name": n, "type": t, "labels": [..], "hidden": h, "vanished": v,
 *      "series": [{"labels": {..}, "delta": d, "rate": r, "state": "same"|"new"|"reset"|
 *                  "start"}                                              (counter, gauge)
 *                 {"labels": {..}, "count": d, "rate": r, "sum": s, "avg": a|null,
 *                  "p50": x|null, "p90": y|null, "p99": z|null, "state": ..,
 *                  "buckets": [{"le": b, "count": c}, ..]}]}]}          (histogram)
 *
 * Bucket counts are the interval's, cumulative; avg and the quantiles are null for an
 * interval without observations. -ENOMEM.
 */
int live_render_json(struct strbuf *out, const struct live_interval *iv);

enum live_format { LIVE_TABLE, LIVE_JSON };

struct live_run_opts {
	double interval; /* seconds, > 0 */
	uint64_t count;	 /* intervals to show; 0: until SIGINT or SIGTERM */
	enum live_format format;
	int fd; /* where frames go; a terminal gets them redrawn in place */
	/* Read every config into @fs (empty); 0, or a negative errno with why in @d. */
	int (*read)(void *arg, struct family_set *fs, struct diag *d);
	void *arg;
	/* Show (and clear) what @d holds, when it cannot go into the frame. */
	void (*report)(void *arg, struct diag *d);
};

/*
 * Read once, then every @o->interval (sleeping until absolute deadlines on the monotonic
 * clock) read again and write the interval, until @o->count intervals were written or
 * SIGINT or SIGTERM came (handled while it runs, restored after). On a terminal the table
 * is drawn on the alternate screen, redrawn in place, and the terminal is restored before
 * it returns. 0 (a stop by signal included), or the first read's error, or a write error.
 */
int live_run(struct live *l, const struct live_run_opts *o, struct diag *d);

#endif
