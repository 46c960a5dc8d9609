/* atomicfile: replace a file so that readers see the old or the new content, never a mix. */
#ifndef EBPFEXP_ATOMICFILE_H
#define EBPFEXP_ATOMICFILE_H
#include <sys/types.h> /* size_t, mode_t */

#include "diag.h"

struct atomicfile;

/*
 * Create a hidden temp file ".NAME.tmp.XXXXXX" (never ending in ".prom"; a NAME that is
 * hidden already gets no second dot) with O_EXCL beside @path. @dirfd: a directory fd that @path is relative to, or AT_FDCWD. The final name
 * is created without following symlinks (a symlink planted there is replaced, not followed).
 */
int atomicfile_open(struct atomicfile **out, int dirfd, const char *path, mode_t mode,
		    struct diag *d);
int atomicfile_write(struct atomicfile *f, const void *buf, size_t len, struct diag *d);
/*
 * Give the temp file group @gid ((gid_t)-1: leave it), before commit: the file then is the
 * group's from the moment it has its final name. A chown after the rename leaves a moment
 * in which a reader of that group is refused (EACCES).
 */
int atomicfile_set_group(struct atomicfile *f, gid_t gid, struct diag *d);
/*
 * For content that need not survive a crash, because it is written again soon (the reader's
 * textfiles, every 15 s): commit renames without the two fsyncs, which cost milliseconds
 * each on a busy disk, and over a regular file exchanges the names instead (RENAME_EXCHANGE)
 * and removes the old content, so that ext4 does not write the new file out at once.
 * Readers still see the old content or the new, never a mix.
 */
void atomicfile_no_sync(struct atomicfile *f);
/* fsync, rename over @path, fsync the directory. Frees @f whether or not it succeeds. */
int atomicfile_commit(struct atomicfile *f, struct diag *d);
/* Remove the temp file and free @f. NULL is fine. */
void atomicfile_abort(struct atomicfile *f);
/* Write @buf as the whole new content of @path in one go. */
int atomicfile_replace(int dirfd, const char *path, mode_t mode, const void *buf, size_t len,
		       struct diag *d);
/* The same, of group @gid ((gid_t)-1: the creator's) from the moment it is in place. */
int atomicfile_replace_group(int dirfd, const char *path, mode_t mode, gid_t gid, const void *buf,
			     size_t len, struct diag *d);
/*
 * Remove temp files left by killed writers in @dirfd: regular files named as
 * atomicfile_open() names them (".NAME.tmp.XXXXXX") whose mtime is at least @min_age_s
 * seconds old. Returns how many were removed, or a negative errno.
 */
int atomicfile_clean_stale(int dirfd, unsigned min_age_s);

#endif
