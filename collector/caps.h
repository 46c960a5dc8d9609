/*
 * caps: --capabilities.keep [compat]: after attaching, keep only the named capabilities
 * (libcap names such as cap_bpf), none, or all of them.
 */
#ifndef EBPFEXP_CAPS_H
#define EBPFEXP_CAPS_H
#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

struct caps_keep {
	bool all; /* "all": change nothing */
	size_t n;
	int *caps; /* cap_value_t values */
};

/* Parse "all", "none" or a comma list of libcap names; an unknown name is an error. */
int caps_parse(struct caps_keep *k, const char *spec, struct diag *d);
/* Make the kept capabilities the only permitted and effective ones (inheritable: none). */
int caps_apply(const struct caps_keep *k, struct diag *d);
void caps_release(struct caps_keep *k);

#endif
