/*
 * cgroup2: where the cgroup2 hierarchy is mounted, and a walk of its directories. Hybrid
 * hosts have it beside the v1 hierarchies (e.g. /sys/fs/cgroup/unified), whose inode
 * numbers collide with cgroup2 ids, so both the cgroup decoder and the loader's
 * cgroup_id_map (cgwatch) find it here, never by walking /sys/fs/cgroup, and walk it here.
 */
#ifndef EBPFEXP_CGROUP2_H
#define EBPFEXP_CGROUP2_H
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "strbuf.h"

/*
 * The mount point of the first cgroup2 mount in @mountinfo (mountinfo(5); NULL:
 * /proc/self/mountinfo) as a new string (free()). -ENOENT, with no message, when there is
 * none; other errors name the file in @d.
 */
int cgroup2_find_mount(const char *mountinfo, char **out, struct diag *d);

/*
 * Called once per directory of a walk, a directory before those below it. @path (@len
 * bytes, NUL-terminated) is borrowed until the call returns; @id is the directory's inode
 * number, which is the cgroup id on cgroup2. Return 0 to go on, or a negative errno to end
 * the walk with it.
 */
typedef int cgroup2_walk_fn(void *arg, const char *path, size_t len, uint64_t id);

enum cgroup2_walk_flags {
	/*
	 * A directory below the top that cannot be opened (no permission, no fd left) is
	 * visited too, from lstat, without what is below it. Without this flag it is skipped
	 * with what is below it. One gone meanwhile is skipped either way.
	 */
	CGROUP2_WALK_UNOPENED = 1u << 0,
};

/*
 * Visit the directory open at @fd (the walk closes it) as @path, then every directory
 * below it, depth first in readdir order. Below @fd, entries are opened with O_NOFOLLOW
 * and O_DIRECTORY: symlinks and files are not visited. A child's path is its parent's,
 * '/', and its name: a top spelled "" (for "/") has children "/x". @path is used as a
 * buffer and is as given again on return; an empty @path may have a NULL buf. An @fd that
 * is not a directory visits nothing; a directory whose entries cannot be listed is
 * visited without them. Returns 0, -ENOMEM, or what @fn returned to stop.
 */
int cgroup2_walk_fd(int fd, struct strbuf *path, unsigned flags, cgroup2_walk_fn *fn, void *arg);
/*
 * The same from @path ("" is "/"), opened as the directories below it are: never through
 * a symlink; one that cannot be opened is skipped, or visited alone with
 * CGROUP2_WALK_UNOPENED.
 */
int cgroup2_walk(struct strbuf *path, unsigned flags, cgroup2_walk_fn *fn, void *arg);

#endif
