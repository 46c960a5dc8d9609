/*
 * decode: decoder chains, key bytes -> label values, as ebpf_exporter decodes them
 * (reference §6). One registry of decoders (collector/decoders/NAME.c); lookup sources
 * (kallsyms, cgroup2 paths, pci.ids, /proc/partitions) live in a struct decode_ctx,
 * loaded lazily on first use and kept for the life of the context (one reader run).
 */
#ifndef EBPFEXP_DECODE_H
#define EBPFEXP_DECODE_H
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"
#include "strbuf.h"

/* Returned by decode_label() when a decoder (regexp) says: drop this whole sample. */
#define DECODE_SKIP 1

/* Where the lookup sources are; NULL fields mean the system's files. Borrowed. */
struct decode_opts {
	const char *kallsyms_path;	/* /proc/kallsyms */
	/*
	 * Read instead when kallsyms_path cannot be read or shows every address as 0 (no
	 * CAP_SYSLOG): the loader's snapshot. NULL: none.
	 */
	const char *kallsyms_fallback;
	const char *partitions_path;	/* /proc/partitions */
	const char *mountinfo_path;	/* /proc/self/mountinfo (finds the cgroup2 mount) */
	const char *cgroup_root;	/* overrides the cgroup2 mount found in mountinfo */
	const char *pci_ids_path;	/* overrides the pci.ids search */
};

struct decode_ctx;

/* Free with decode_ctx_free(). @opts may be NULL. */
int decode_ctx_new(struct decode_ctx **out, const struct decode_opts *opts);
void decode_ctx_free(struct decode_ctx *ctx);

/*
 * Run @label's decoder chain over @in[0..@len) and put the label value in @out (reset
 * first). Returns 0, DECODE_SKIP, or a negative errno with the reason in @d (the caller
 * adds config/metric context). Allocates nothing per call once warmed up.
 */
int decode_label(struct decode_ctx *ctx, const struct config_label *label, const uint8_t *in,
		 size_t len, struct strbuf *out, struct diag *d);

/*
 * Check a label's chain without data: decoders known (with a "did you mean" suggestion),
 * regexps compile. Used by the config checks; reports every problem in @d.
 */
int decode_check_label(const struct config_label *label, struct diag *d);

/* Is @name a known decoder? */
int decode_is_known(const char *name);
/* The known decoder names, NULL-terminated, sorted. */
const char *const *decode_names(void);

#endif
