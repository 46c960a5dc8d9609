/*
 * cgroup2: where the cgroup2 hierarchy is mounted. Hybrid hosts have it beside the v1
 * hierarchies (e.g. /sys/fs/cgroup/unified), whose inode numbers collide with cgroup2 ids,
 * so both the cgroup decoder and the loader's cgroup_id_map find it here, never by walking.
 */
#ifndef EBPFEXP_CGROUP2_H
#define EBPFEXP_CGROUP2_H

#include "diag.h"

/*
 * The mount point of the first cgroup2 mount in @mountinfo (mountinfo(5); NULL:
 * /proc/self/mountinfo) as a new string (free()). -ENOENT, with no message, when there is
 * none; other errors name the file in @d.
 */
int cgroup2_find_mount(const char *mountinfo, char **out, struct diag *d);

#endif
