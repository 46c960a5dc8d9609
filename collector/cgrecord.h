/*
 * cgrecord: the loader's record of the cgroups it saw (id, path, when made, when gone), a
 * file in the state dir that the reader consults for an id it finds neither in the live
 * cgroup2 tree nor among the cgroups it remembers itself: a cgroup made and removed between
 * two reader runs keeps its path. The loader writes it (cgrecord_new ... cgrecord_write),
 * the reader reads it (cgrecord_load, cgrecord_find); the format lives only here.
 *
 * The file: a first line "# ebpfexp cgroup record 1", then "id<TAB>made<TAB>gone<TAB>path"
 * per cgroup, sorted by id; made and gone are unix seconds, gone 0 while the cgroup lives.
 * Paths escape backslash, tab and newline as \\, \t and \n.
 */
#ifndef EBPFEXP_CGRECORD_H
#define EBPFEXP_CGRECORD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "diag.h"
#include "strbuf.h"

/* Defaults of ebpfexp-load's --cgroups.record-max and --cgroups.record-max-age. */
#define CGRECORD_MAX_DEFAULT 16384
#define CGRECORD_MAX_AGE_DEFAULT 3600
/* Larger files are not read (far more than CGRECORD_MAX_DEFAULT paths of PATH_MAX). */
#define CGRECORD_MAX_SIZE (256u << 20)

struct cgrecord_entry {
	uint64_t id;
	int64_t made;
	int64_t gone; /* 0: alive when written */
	const char *path;
};

/* ---- the loader's side ---- */

/*
 * Parse the value of --cgroups.record-max (@count: a count, at most 1 << 30) or of
 * --cgroups.record-max-age (seconds, or a number with s, m, h or d). 0 or -EINVAL.
 */
int cgrecord_parse_opt(bool count, const char *s, int64_t *out);
/* Does any label of @c decode with cgroup? (Then the loader keeps the record.) */
bool cgrecord_needed(const struct config *c);

struct cgrecord;

/*
 * A record of at most @max cgroups; a cgroup gone @max_age seconds ago or longer is
 * forgotten. Free with cgrecord_free().
 */
int cgrecord_new(struct cgrecord **out, size_t max, int64_t max_age);
/*
 * Take over what STATE_DIR/STATEDIR_CGRECORD (statedir.h) holds (a previous loader's record) as cgroups
 * gone by @now at the latest: a restart forgets no removed cgroup. Cgroups still alive are
 * made again by the caller. A missing or bad file adds nothing (a bad one with a
 * warning in @d). 0 or -ENOMEM.
 */
int cgrecord_resume(struct cgrecord *r, const char *state_dir, int64_t now, struct diag *d);
/* Cgroup @id appeared at @path (copied). 0 or -ENOMEM. */
int cgrecord_made(struct cgrecord *r, uint64_t id, const char *path, int64_t now);
/* Cgroup @id went away. An id never made is ignored. */
void cgrecord_gone(struct cgrecord *r, uint64_t id, int64_t now);
/* Changed since the last cgrecord_write()? */
bool cgrecord_dirty(const struct cgrecord *r);
/* Cgroups held now (at most 2 * max between writes; at most max after one). */
size_t cgrecord_count(const struct cgrecord *r);
/*
 * Forget what is too old or over the cap (the longest gone first, then the oldest made),
 * then replace STATE_DIR/STATEDIR_CGRECORD atomically with mode @mode and group @gid
 * ((gid_t)-1: unchanged).
 */
int cgrecord_write(struct cgrecord *r, const char *state_dir, mode_t mode, gid_t gid, int64_t now,
		   struct diag *d);
/* NULL is fine. */
void cgrecord_free(struct cgrecord *r);

/* ---- the reader's side ---- */

/* `= {0}` is empty and valid. */
struct cgrecord_file {
	size_t n;
	struct cgrecord_entry *e; /* sorted by id, one per id; paths point into buf */
	struct strbuf buf;
	bool found; /* the file was there */
};

/*
 * Load @path (never through a symlink). A missing file is empty. A file that cannot be
 * read, is no regular file, is larger than CGRECORD_MAX_SIZE or has another first line is
 * empty, with a warning in @d; malformed lines are skipped, with one warning. Returns 0 or
 * -ENOMEM.
 */
int cgrecord_load(struct cgrecord_file *f, const char *path, struct diag *d);
/* The entry of @id, or NULL. Borrowed from @f. */
const struct cgrecord_entry *cgrecord_find(const struct cgrecord_file *f, uint64_t id);
void cgrecord_file_release(struct cgrecord_file *f);

#endif
