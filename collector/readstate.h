/*
 * readstate: the reader's own small state between runs (it opens pins read-only, so it
 * cannot keep anything in bpffs): per-config decoder error totals, so that
 * ebpf_exporter_decoder_errors_total stays monotonic across runs.
 */
#ifndef EBPFEXP_READSTATE_H
#define EBPFEXP_READSTATE_H
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

struct readstate_entry {
	char *config;
	uint64_t decoder_errors;
	double last_success;	/* unix time of the last fully successful read, 0: never */
};

/* `= {0}` is empty and valid. */
struct readstate {
	size_t n;
	struct readstate_entry *e;
};

/* Larger files are not read: the state has a short line per config. */
#define READSTATE_MAX_SIZE (16 << 20)

/*
 * Load @name in @dirfd (never through a symlink). A missing file is an empty state; one that
 * cannot be opened, is not a regular file or is larger than READSTATE_MAX_SIZE is an empty
 * state with a warning in @d, as are its malformed lines. Returns 0, or -ENOMEM.
 */
int readstate_load(struct readstate *s, int dirfd, const char *name, struct diag *d);
/* The entry of @config, created at zero when missing; NULL only on ENOMEM. Borrowed. */
struct readstate_entry *readstate_get(struct readstate *s, const char *config);
/* Write it back atomically. */
int readstate_save(const struct readstate *s, int dirfd, const char *name, struct diag *d);
void readstate_release(struct readstate *s);

#endif
