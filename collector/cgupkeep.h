/*
 * cgupkeep: the loader's cgroup upkeep. One watch of the cgroup2 tree (cgwatch), opened on
 * first need, keeps every registered cgroup_id_map (cgidmap) current and, when a config
 * decodes cgroups, the cgroup record (cgrecord) in the state dir, so that a reader names a
 * cgroup removed before it ran. Which configs need what is the loader's.
 */
#ifndef EBPFEXP_CGUPKEEP_H
#define EBPFEXP_CGUPKEEP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgidmap.h"
#include "diag.h"

struct cgupkeep_opts {
	const char *state_dir; /* the record goes here */
	mode_t mode;	       /* the record's mode and group ((gid_t)-1: unchanged) */
	gid_t gid;
	size_t record_max;	/* cgroups in the record; 0: no record */
	int64_t record_max_age; /* seconds a removed cgroup stays in it */
	int epfd;		/* the watch's fd is added here ... */
	void *tag;		/* ... with this epoll data.ptr */
};

struct cgupkeep;

/* Watch nothing yet. @o's strings are borrowed. Free with cgupkeep_free(). */
int cgupkeep_new(struct cgupkeep **out, const struct cgupkeep_opts *o);
/* Open the watch of the cgroup2 tree now, unless it is open. */
int cgupkeep_watch(struct cgupkeep *k, struct diag *d);
/*
 * Keep @m (borrowed until cgupkeep_remove_map) current: open the watch if need be and put
 * in @m every cgroup that lives now. A failure to fill it is an error in @d.
 */
int cgupkeep_add_map(struct cgupkeep *k, struct cgidmap *m, struct diag *d);
/* Forget @m (before freeing it). Not registered: nothing happens. */
void cgupkeep_remove_map(struct cgupkeep *k, struct cgidmap *m);
/*
 * Start the cgroup record, once: take over a previous loader's, add what lives now, write
 * it. Not fatal: a failure is a warning in @d (such cgroups decode as unknown).
 */
void cgupkeep_record(struct cgupkeep *k, struct diag *d);
/* Is the record kept (its file written)? */
bool cgupkeep_recording(const struct cgupkeep *k);
/* The watch's fd (its tag) is readable: tell every map and the record. */
int cgupkeep_process(struct cgupkeep *k, struct diag *d);
/* Write the record when it changed, at most once a second: one write for many events. */
void cgupkeep_flush(struct cgupkeep *k, struct diag *d);
/* NULL is fine. The record's file stays. */
void cgupkeep_free(struct cgupkeep *k);

#endif
