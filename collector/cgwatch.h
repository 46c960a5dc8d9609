/*
 * cgwatch: the cgroup2 directories of this host, kept current with inotify, for the loader's
 * cgroup_id_map (reference §9.3). A cgroup's id is its directory's inode number; its path is
 * absolute, mount point included (as the cgroup decoder prints it). Only the cgroup2 mount
 * found in mountinfo is watched, never v1 hierarchies.
 */
#ifndef EBPFEXP_CGWATCH_H
#define EBPFEXP_CGWATCH_H
#include <stdbool.h>
#include <stdint.h>

#include "diag.h"

struct cgwatch;

/* Called for each cgroup that appears (@added) or goes away. @path is borrowed. */
typedef void cgwatch_fn(void *ctx, const char *path, uint64_t id, bool added);

/*
 * Find the cgroup2 mount in @mountinfo (NULL: /proc/self/mountinfo), or use @root when not
 * NULL, walk it and watch every directory. Free with cgwatch_close().
 */
int cgwatch_open(struct cgwatch **out, const char *mountinfo, const char *root, struct diag *d);
/* The inotify fd: readable when cgwatch_process() has something to do. */
int cgwatch_fd(const struct cgwatch *w);
/* The cgroup2 mount point. Borrowed. */
const char *cgwatch_root(const struct cgwatch *w);
/*
 * Read the pending events and call @fn for every cgroup added or removed since the last
 * call. On an inotify queue overflow the tree is walked again and the difference reported.
 */
int cgwatch_process(struct cgwatch *w, cgwatch_fn *fn, void *ctx, struct diag *d);
/* Call @fn(added = true) for every cgroup known now. */
void cgwatch_each(const struct cgwatch *w, cgwatch_fn *fn, void *ctx);
/* NULL is fine. */
void cgwatch_close(struct cgwatch *w);

#endif
