/*
 * ksymsnap: a copy of /proc/kallsyms for readers that cannot see kernel addresses.
 * Without CAP_SYSLOG, /proc/kallsyms shows every address as zero, and the ksym and kstack
 * decoders would resolve nothing. The loader, which has the privilege, writes a snapshot
 * into its state dir with the manifests' mode and group; the reader uses it only when its
 * own view of /proc/kallsyms is zeroed.
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
/* Does @path (NULL: /proc/kallsyms) show real addresses to this process? */
bool ksymsnap_addresses_visible(const char *path);
/*
 * The kallsyms file a reader should decode with: NULL (the system's) when its addresses
 * are visible, else STATE_DIR/kallsyms when it exists, else NULL. Writes into @buf.
 */
const char *ksymsnap_path_for_reader(const char *state_dir, char *buf, size_t len);

#endif
