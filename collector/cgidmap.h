/*
 * cgidmap: one config's cgroup_id_map kept current (reference §9.3). The cgroups whose path
 * matches one of the map's regexps (regex.h, RE2 semantics) are in the map: by id for a
 * hash, by the cgroup directory's fd for cgrp_storage (whose entries the kernel frees with
 * the cgroup). Which cgroups come and go is cgwatch's; cgupkeep calls this for each.
 */
#ifndef EBPFEXP_CGIDMAP_H
#define EBPFEXP_CGIDMAP_H
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"

struct cgidmap;

/*
 * The cgroup_id_map of @cfg (borrowed, must outlive the map), in the map @map_fd (borrowed
 * from the loaded object). The regexps are compiled on first use: check them first
 * (regex_check). Free with cgidmap_free().
 */
int cgidmap_new(struct cgidmap **out, const struct config *cfg, int map_fd, struct diag *d);
/*
 * Cgroup @id at @path was @added or removed: put it in or take it out if its path matches.
 * A failure is kept for cgidmap_failed() and cgidmap_report().
 */
void cgidmap_apply(struct cgidmap *m, const char *path, uint64_t id, bool added);
/*
 * A failure since the last report: as an error in @d, at the map's place in its config
 * (a negative errno), and forgotten; or 0.
 */
int cgidmap_check(struct cgidmap *m, struct diag *d);
/* Warn in @d of a failure since the last report, and forget it. */
void cgidmap_report(struct cgidmap *m, struct diag *d);
/* NULL is fine. */
void cgidmap_free(struct cgidmap *m);

#endif
