/*
 * perfcount: the loader's count of a perf_event_array metric (reference §8.1). The BPF
 * program sends events through the array; the loader counts each event, truncated to its
 * labels' bytes, in a hash map of its own pinned as the metric's map (so that the reader
 * reads it like any other), and the events lost (ring overruns, failed updates) in a
 * companion array pinned beside it (PINS_PERF_LOST_SUFFIX). Every flush interval the
 * counts start again from zero [compat]. When to wait is the caller's: the rings and the
 * flush timer go into its epoll.
 */
#ifndef EBPFEXP_PERFCOUNT_H
#define EBPFEXP_PERFCOUNT_H
#include <stddef.h>

#include "config.h"
#include "diag.h"
#include "pins.h"

struct perfcount_opts {
	const struct config *cfg;	/* names for messages */
	const struct config_metric *cm; /* the perf_event_array metric */
	int event_map_fd;		/* the object's perf_event_array */
	const char *pin_dir;		/* the count map is PIN_DIR/METRIC */
	const struct pins_access *acc;
	unsigned pages;	 /* ring pages per CPU; 0: the default */
	int epfd;	 /* rings and timer are added here */
	void *ring_tag;	 /* epoll data.ptr of every ring */
	void *timer_tag; /* epoll data.ptr of the flush timer */
};

struct perfcount;

/*
 * Make (or reuse, when compatible) the count and lost maps, open the perf buffer and the
 * flush timer, and add them to @o->epfd. Everything in @o is borrowed and must outlive
 * the counter. Free with perfcount_close(), also on failure (*@out is set whenever it
 * could be allocated).
 */
int perfcount_open(struct perfcount **out, const struct perfcount_opts *o, struct diag *d);
/* Count what the rings hold. A failure is kept for perfcount_report(). */
void perfcount_consume(struct perfcount *pc);
/* The flush timer woke us (its tag): count what came before, then start again from zero. */
void perfcount_flush(struct perfcount *pc, struct diag *d);
/* Write the lost counts to their map when they changed. */
void perfcount_flush_lost(struct perfcount *pc);
/* Write the lost counts; warn in @d of a count that failed since the last report. */
void perfcount_report(struct perfcount *pc, struct diag *d);
/* The metric counted. Borrowed. */
const struct config_metric *perfcount_metric(const struct perfcount *pc);
/* The count map's fd and pin path (borrowed), for the manifest and a failed reload. */
int perfcount_map_fd(const struct perfcount *pc);
const char *perfcount_pin(const struct perfcount *pc);
/* Count what is left, leave the epoll, close everything. NULL is fine. */
void perfcount_close(struct perfcount *pc);

#endif
