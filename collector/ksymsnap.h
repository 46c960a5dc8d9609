/*
 * ksymsnap: a copy of /proc/kallsyms, and its binary index, for readers that cannot see
 * kernel addresses and should not parse 5 MB of text every run.
 * Without CAP_SYSLOG, /proc/kallsyms shows every address as zero, and the ksym and kstack
 * decoders would resolve nothing. The loader, which has the privilege, writes a snapshot
 * into its state dir with the manifests' mode and group; the reader's ksym decoders fall
 * back on it when their own view of /proc/kallsyms is zeroed or unreadable
 * (decode_opts.kallsyms_fallback).
 */
#ifndef EBPFEXP_KSYMSNAP_H
#define EBPFEXP_KSYMSNAP_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "diag.h"

/* Does any label of @c decode with ksym or kstack? */
bool ksymsnap_needed(const struct config *c);
/*
 * Copy @src (NULL: /proc/kallsyms) to STATE_DIR/STATEDIR_KALLSYMS and its index (ksymidx)
 * to STATE_DIR/STATEDIR_KSYMIDX (statedir.h), each atomically, with @mode and @gid. Both hold absolute kernel
 * addresses, readable by @gid. *@modules: ksymidx_modules_hash(full) as it was before @src
 * was read, for ksymsnap_modules_changed().
 */
int ksymsnap_write(const char *state_dir, const char *src, mode_t mode, gid_t gid,
		   uint64_t *modules, struct diag *d);
/* Have modules been loaded or removed since *@modules was taken? One read of /proc/modules. */
bool ksymsnap_modules_changed(uint64_t modules);

#endif
