/*
 * ksymsnap: a copy of /proc/kallsyms for readers that cannot see kernel addresses.
 * Without CAP_SYSLOG, /proc/kallsyms shows every address as zero, and the ksym and kstack
 * decoders would resolve nothing. The loader, which has the privilege, writes a snapshot
 * into its state dir with the manifests' mode and group; the reader's ksym decoders fall
 * back on it when their own view of /proc/kallsyms is zeroed or unreadable
 * (decode_opts.kallsyms_fallback).
 */
#ifndef EBPFEXP_KSYMSNAP_H
#define EBPFEXP_KSYMSNAP_H
#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "diag.h"

#define KSYMSNAP_NAME "kallsyms"

/* Does any label of @c decode with ksym or kstack? */
bool ksymsnap_needed(const struct config *c);
/* Copy @src (NULL: /proc/kallsyms) to STATE_DIR/kallsyms atomically, with @mode and @gid. */
int ksymsnap_write(const char *state_dir, const char *src, mode_t mode, gid_t gid,
		   struct diag *d);

#endif
