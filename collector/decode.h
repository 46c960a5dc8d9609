/*
 * decode: decoder chains, key bytes -> label values, as ebpf_exporter decodes them
 * (reference §6), by kind (decoderkind.h; collector/decoders/NAME.c); lookup sources
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
/*
 * Returned by decode_label() when the label is written but a decoder could not do its job
 * (ksym: an unresolved address): count a decoder error, with the reason in @d, and keep
 * the sample.
 */
#define DECODE_COUNTED 2

/* Where the lookup sources are; NULL fields mean the system's files. Borrowed. */
struct decode_opts {
	const char *kallsyms_path; /* /proc/kallsyms */
	/*
	 * Read instead when kallsyms_path cannot be read or shows every address as 0 (no
	 * CAP_SYSLOG): the loader's snapshot. NULL: none.
	 */
	const char *kallsyms_fallback;
	/*
	 * The loader's symbol index (ksymidx), mapped instead of reading kallsyms when it is
	 * current; when it is missing, stale or broken, a warning says why. NULL: none.
	 */
	const char *ksym_index;
	/*
	 * [compat] ksym writes an address it cannot resolve as ebpf_exporter does,
	 * "unknown_addr:0x<hex>", and counts no error. Off: "unknown_addr", with a decoder
	 * error counted, so that no kernel address reaches a world-readable file.
	 */
	bool ksym_unknown_addr;
	const char *partitions_path; /* /proc/partitions */
	const char *mountinfo_path;  /* /proc/self/mountinfo (finds the cgroup2 mount) */
	const char *cgroup_root;     /* overrides the cgroup2 mount found in mountinfo */
	/* The loader's cgroup record (cgrecord.h), for ids neither walked nor remembered. */
	const char *cgroup_record;
	const char *kube_pods_dir; /* kubelet's /var/log/pods (the kube_* decoders) */
	const char *pci_ids_path;  /* overrides the pci.ids search */
};

struct decode_ctx;

/* Free with decode_ctx_free(). @opts may be NULL. */
int decode_ctx_new(struct decode_ctx **out, const struct decode_opts *opts);
void decode_ctx_free(struct decode_ctx *ctx);
/* Move the context's warnings so far (e.g. why a lookup source fell back) into @d. */
void decode_take_warnings(struct decode_ctx *ctx, struct diag *d);

/*
 * Run @label's decoder chain over @in[0..@len) and put the label value in @out (reset
 * first). Each decoder runs by its kind, as the parser or the manifest reader resolved it;
 * DECODER_UNKNOWN is an "unknown decoder" error. Returns 0, DECODE_SKIP, or a negative
 * errno with the reason in @d (the caller adds config/metric context). Allocates nothing
 * per call once warmed up.
 */
int decode_label(struct decode_ctx *ctx, const struct config_label *label, const uint8_t *in,
		 size_t len, struct strbuf *out, struct diag *d);

/*
 * Check a label's chain without data: decoders known (with a "did you mean" suggestion),
 * regexps compile. Used by the config checks; reports every problem in @d.
 */
int decode_check_label(const struct config_label *label, struct diag *d);

/*
 * Remembered cgroups. The cgroup decoder resolves ids by walking the cgroup2 tree once per
 * context, so a cgroup removed since is unknown to it, while ebpf_exporter's cgroup
 * monitor keeps a removed cgroup's path until DECODE_CGROUP_KEEP_S seconds after its last
 * lookup (reference §9.1). A caller that lives longer than a context (the reader, from run
 * to run) hands the context what it remembered before decoding, and takes back what to
 * remember afterwards. Times are unix seconds; the caller says what "now" is.
 */
#define DECODE_CGROUP_KEEP_S 600

struct decode_cgroup {
	uint64_t id;
	int64_t last_lookup;
	const char *path;
};

/*
 * Before decoding: remember @c[0..@n), replacing what was remembered before. Entries whose
 * last lookup is DECODE_CGROUP_KEEP_S or more before @now are dropped, and of equal ids the
 * one looked up last is kept. A remembered id resolves to its path only when the walk does
 * not find it: a live cgroup always wins. Paths are copied. 0 or -ENOMEM.
 */
int decode_cgroups_remember(struct decode_ctx *ctx, const struct decode_cgroup *c, size_t n,
			    int64_t now);
/*
 * After decoding: what to remember, sorted by id. Every id the cgroup decoder resolved in
 * this context, live or remembered, with @now as its last lookup; and every remembered id
 * not looked up whose last lookup is less than DECODE_CGROUP_KEEP_S before @now (with the
 * live path if the walk found it). Ids that never resolved are not in it, nor cgroups that
 * were walked but never looked up. *@out is borrowed, valid until the next call of either
 * function or decode_ctx_free(). 0 or -ENOMEM.
 */
int decode_cgroups_to_keep(struct decode_ctx *ctx, int64_t now, const struct decode_cgroup **out,
			   size_t *n);

#endif
