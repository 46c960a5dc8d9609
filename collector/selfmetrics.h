/*
 * selfmetrics: the families of ebpfexp.prom, ebpf_exporter's built-in ones (build info,
 * enabled configs, decoder errors, program info, attachment, run time and count) and
 * ebpfexp's own (loader up, config load failed, read success and duration, series, lost
 * perf events). The reader says what its run found; the program figures and the lost
 * events are read here from the pins the manifests name.
 */
#ifndef EBPFEXP_SELFMETRICS_H
#define EBPFEXP_SELFMETRICS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct family_set;
struct manifest;
struct metric_stats;

/* One config the run read. */
struct selfmetrics_config {
	const char *name;
	bool ok;		       /* read and written without error */
	const struct metric_stats *st; /* what the read produced */
	const struct manifest *m;      /* NULL when its manifest could not be read */
	uint64_t decoder_errors;       /* total over the runs, this one's included */
	double last_success;	       /* unix time of the last successful read, 0: never */
	bool load_failed;	       /* its last load failed (a failure mark) */
};

/* What a run of the reader found. Everything is borrowed. */
struct selfmetrics {
	bool loader_up;	 /* the loader holds its lock */
	double duration; /* seconds the run took so far */
	size_t n_configs;
	const struct selfmetrics_config *configs;
	size_t n_failed;
	const char *const *failed; /* configs with a failure mark and no manifest */
};

/* Add the families of @s to @fs, creating them as needed (a family that fails is left out). */
void selfmetrics_add(struct family_set *fs, const struct selfmetrics *s);

#endif
