/*
 * readcgroups: the cgroup paths the reader remembers between runs (decode.h, "Remembered
 * cgroups"), in a private file of its own beside readstate's, so that a cgroup removed
 * while its key is still in a map keeps its path instead of becoming unknown_cgroup_id:N.
 */
#ifndef EBPFEXP_READCGROUPS_H
#define EBPFEXP_READCGROUPS_H
#include <stdbool.h>
#include <stddef.h>

#include "decode.h"
#include "diag.h"
#include "strbuf.h"

/* Larger files are not read: far more than the paths of every cgroup a host could have. */
#define READCGROUPS_MAX_SIZE (64u << 20)

/* `= {0}` is empty and valid. */
struct readcgroups {
	size_t n;
	struct decode_cgroup *e; /* paths point into buf */
	struct strbuf buf;
	bool found; /* the file was there */
};

/*
 * Load @name in @dirfd (never through a symlink). A missing file is empty. One that cannot
 * be read, is not a regular file or is larger than READCGROUPS_MAX_SIZE is empty, with a
 * warning in @d; malformed lines (a truncated last line among them) are skipped, with one
 * warning. Returns 0, or -ENOMEM.
 */
int readcgroups_load(struct readcgroups *c, int dirfd, const char *name, struct diag *d);
/*
 * Write @e[0..@n) as the whole new content of @name in @dirfd, atomically, mode 0600: a
 * line "id<TAB>last_lookup<TAB>path" per entry, with backslash, tab and newline in paths
 * written as \\, \t and \n.
 */
int readcgroups_save(const struct decode_cgroup *e, size_t n, int dirfd, const char *name,
		     struct diag *d);
void readcgroups_release(struct readcgroups *c);

#endif
