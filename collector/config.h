/*
 * config: NAME.yaml (ebpf_exporter's format) -> struct config. Every node keeps its
 * file:line:col so that later checks (btfcheck, the loader) can point at the YAML.
 * The same model is what the manifest carries to the reader.
 */
#ifndef EBPFEXP_CONFIG_H
#define EBPFEXP_CONFIG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decoderkind.h"
#include "diag.h"

struct config_static_entry {
	char *key;   /* the literal scalar text of the YAML key [compat] */
	char *value; /* "" for a null value */
};

struct config_decoder {
	char *name;		/* as written; for messages and the manifest */
	enum decoder_kind kind; /* resolved from @name by the parser and the manifest reader */
	struct pos at;
	bool has_static_map; /* false: `static_map` absent (decodes to "empty mapping") */
	size_t n_static;
	struct config_static_entry *static_map;
	bool allow_unknown;
	bool has_regexps; /* false: `regexps` absent (an error at decode time) */
	size_t n_regexps;
	char **regexps;
};

struct config_label {
	char *name;
	struct pos at;
	uint32_t size;
	uint32_t padding;
	/*
	 * ebpfexp: decode again the bytes of the nearest label before this one that has its
	 * own (size 0, no padding here), so several labels derive from one key field.
	 */
	bool reuse;
	size_t n_decoders;
	struct config_decoder *decoders;
};

enum metric_kind { METRIC_COUNTER, METRIC_HISTOGRAM };

enum hist_kind { HIST_NONE, HIST_EXP2, HIST_EXP2ZERO, HIST_LINEAR, HIST_FIXED };

struct config_metric {
	enum metric_kind kind;
	char *name; /* map name; exported as "ebpf_exporter_" name */
	char *help;
	struct pos at;
	size_t n_labels;
	struct config_label *labels;
	/* counters */
	bool perf_event_array;
	uint64_t flush_interval_ns; /* 0 = default (1h) */
	/* histograms */
	enum hist_kind bucket_type;
	double bucket_multiplier; /* 0 = 1 */
	int64_t bucket_min, bucket_max;
	size_t n_bucket_keys;
	double *bucket_keys;
};

enum cgroup_map_kind { CGROUP_MAP_HASH, CGROUP_MAP_CGRP_STORAGE };

struct config_cgroup_id_map {
	char *name; /* NULL: not configured */
	struct pos at;
	enum cgroup_map_kind type;
	size_t n_regexps;
	char **regexps;
};

struct config_kaddr {
	char *symbol;
	struct pos at;
};

struct config {
	char *name;	  /* from the file name, never from the YAML [compat] */
	char *path;	  /* the YAML file; positions point into it */
	size_t n_metrics; /* counters first, in file order, then histograms */
	struct config_metric *metrics;
	size_t n_kaddrs;
	struct config_kaddr *kaddrs;
	struct config_cgroup_id_map cgroup_id_map;
	bool has_tracing; /* accepted, warned about, ignored */
};

/*
 * Parse @path as config @name. On success *@out is a new config (free with config_free());
 * warnings may still be added to @d. On failure every problem found is in @d (each with
 * file:line:col), *@out is NULL and a negative errno is returned.
 */
int config_parse_file(struct config **out, const char *path, const char *name, struct diag *d);
/* The same from memory; @path names the source in messages. */
int config_parse_buf(struct config **out, const char *buf, size_t len, const char *path,
		     const char *name, struct diag *d);
void config_free(struct config *c);

/* Check names across configs: one metric name must never be defined twice. */
int config_check_set(struct config *const *cfgs, size_t n, struct diag *d);
/*
 * -EEXIST, with a message per metric, if @c defines a metric that one of @others (@n of
 * them) defines too; else 0.
 */
int config_check_clash(const struct config *c, struct config *const *others, size_t n,
		       struct diag *d);

/* The word of @words nearest to @word (edit distance <= 2), for "did you mean"; or NULL. */
const char *config_suggest(const char *word, const char *const *words);

/* "exp2" etc.; NULL for HIST_NONE. */
const char *config_hist_kind_name(enum hist_kind k);
/* Σ(size + padding) of @m's labels: the key size the map must have (4 with no labels). */
size_t config_metric_key_size(const struct config_metric *m);
/* The metric's label that is exported last (histograms: all but the bucket label). */
size_t config_metric_n_exported_labels(const struct config_metric *m);

/* Helpers for building models by hand (manifest reader, tests). NULL-safe frees. */
void config_metric_release(struct config_metric *m);

#endif
