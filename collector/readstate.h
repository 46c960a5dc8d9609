/*
 * readstate: the reader's own small state between runs (it opens pins read-only, so it
 * cannot keep anything in bpffs), per state dir and config: decoder error totals, so that
 * ebpf_exporter_decoder_errors_total stays monotonic across runs, and the file the reader
 * wrote for it in the textfile dir, so that it removes only what it wrote (textfiles.h).
 */
#ifndef EBPFEXP_READSTATE_H
#define EBPFEXP_READSTATE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

struct readstate_entry {
	/*
	 * The state dir (textfiles_state_key()) whose config this is. NULL: a line of the
	 * first format, which did not say; readstate_get() gives it to the first state dir
	 * that asks for its config.
	 */
	char *state_dir;
	char *config; /* NULL: the state dir's own entry (ebpfexp.prom) */
	char *file;   /* what the reader wrote for it in the textfile dir, NULL: nothing */
	uint64_t decoder_errors;
	double last_success; /* unix time of the last fully successful read, 0: never */
};

/* `= {0}` is empty and valid. */
struct readstate {
	size_t n;
	struct readstate_entry *e;
	bool found;	   /* the file was there */
	bool first_format; /* it had lines of the first format (3 fields) */
};

/* Larger files are not read: the state has a short line per config. */
#define READSTATE_MAX_SIZE (16 << 20)

/*
 * Load @name in @dirfd (never through a symlink). A missing file is an empty state; one that
 * cannot be opened, is not a regular file or is larger than READSTATE_MAX_SIZE is an empty
 * state with a warning in @d, as are its malformed lines. Both formats load: the first,
 * "config<TAB>decoder_errors<TAB>last_success", and the current one, which adds
 * "<TAB>file<TAB>state_dir" (readstate.c). Returns 0, or -ENOMEM.
 */
int readstate_load(struct readstate *s, int dirfd, const char *name, struct diag *d);
/*
 * The entry of @config (NULL: the state dir's own) of @state_dir: its own, else one of the
 * first format with that config, which it then takes, else a new one at zero. NULL only on
 * ENOMEM. Borrowed, valid until the next readstate_get() or readstate_drop().
 */
struct readstate_entry *readstate_get(struct readstate *s, const char *state_dir,
				      const char *config);
/* Set what was written for @e (NULL: nothing). 0 or -ENOMEM. */
int readstate_set_file(struct readstate_entry *e, const char *file);
/* Forget entry @i; the entries after it move down by one. */
void readstate_drop(struct readstate *s, size_t i);
/* Write it back atomically, in the current format. */
int readstate_save(const struct readstate *s, int dirfd, const char *name, struct diag *d);
void readstate_release(struct readstate *s);

#endif
