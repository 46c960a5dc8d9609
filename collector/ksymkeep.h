/*
 * ksymkeep: the loader's upkeep of the kallsyms snapshot and symbol index (ksymsnap) in the
 * state dir: written at every start and reload that needs them, and again when kernel
 * modules are loaded or removed. Which configs need them is the loader's. Not fatal:
 * without them a reader reads /proc/kallsyms, and says why.
 */
#ifndef EBPFEXP_KSYMKEEP_H
#define EBPFEXP_KSYMKEEP_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "diag.h"

/* Set up with ksymkeep_init(); the other fields are ksymkeep.c's. */
struct ksymkeep {
	const char *state_dir; /* borrowed */
	mode_t mode;
	gid_t gid;		/* (gid_t)-1: unchanged */
	bool written;		/* the files are current as far as we know */
	uint64_t modules;	/* ksymsnap_write()'s view of /proc/modules */
	struct timespec looked; /* when ksymkeep_watch() last read /proc/modules */
};

void ksymkeep_init(struct ksymkeep *k, const char *state_dir, mode_t mode, gid_t gid);
/*
 * @needed: write the snapshot and index now (a failure is a warning in @d); else stop
 * keeping them. Either way ksymkeep_written() says afterwards whether they are current.
 */
void ksymkeep_refresh(struct ksymkeep *k, bool needed, struct diag *d);
bool ksymkeep_written(const struct ksymkeep *k);
/*
 * From the main loop's wakeups, at most once a second: when modules were loaded or
 * removed since the last write, write again (a failure is logged as a warning).
 */
void ksymkeep_watch(struct ksymkeep *k);

#endif
