/*
 * manifest: the contract between loader and reader, a config's file in the state dir (its
 * name is statedir's). It carries the config as the loader understood it (normalised
 * metrics, labels, decoders), the object and its sha256, each metric map's pin and shape,
 * and each program's state. The reader decodes with the manifest, never with the YAML on
 * disk.
 */
#ifndef EBPFEXP_MANIFEST_H
#define EBPFEXP_MANIFEST_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h> /* gid_t */

#include "config.h"
#include "diag.h"

#define MANIFEST_SCHEMA 1

struct manifest_map {
	char *metric;	/* the metric this map serves (= map name) */
	char *pin_path; /* absolute path in bpffs */
	uint32_t type;	/* enum bpf_map_type */
	uint32_t key_size, value_size, max_entries;
	uint32_t id; /* kernel map id when the manifest was written */
};

struct manifest_prog {
	char *name; /* libbpf program (C function) name */
	char *section;
	char *pin_path; /* NULL when not pinned */
	uint32_t id;
	char tag[17]; /* 16 lowercase hex digits, "" when unknown */
	bool attached;
	char *attach_error; /* NULL when attached */
};

struct manifest {
	int schema;
	struct config *config; /* owned; positions refer to config->path */
	char *object_path;
	char sha256[65];   /* of the object file, lowercase hex */
	int64_t loaded_at; /* unix seconds */
	uint32_t loader_pid;
	size_t n_maps;
	struct manifest_map *maps;
	size_t n_progs;
	struct manifest_prog *progs;
};

/*
 * Serialise @m to @path atomically (temp + fsync + rename), mode @mode, group @gid
 * ((gid_t)-1: the writer's) from the moment it is in place.
 */
int manifest_write(const struct manifest *m, const char *path, unsigned mode, gid_t gid,
		   struct diag *d);
/*
 * Serialise to a malloc'ed JSON string ending in a newline (free()); the same @m always
 * gives the same text. Every map must serve a metric of m->config (by name), at most one
 * each; a metric without a map is written with "map": null.
 */
int manifest_dump(const struct manifest *m, char **out, struct diag *d);
/*
 * Read @path into a new manifest (free with manifest_free()). An unknown schema, a
 * truncated file or a field of the wrong type is an error naming the file and the field.
 */
int manifest_read(struct manifest **out, const char *path, struct diag *d);
int manifest_parse(struct manifest **out, const char *json, size_t len, const char *path,
		   struct diag *d);
/* The map that serves @metric, or NULL. Borrowed. */
const struct manifest_map *manifest_find_map(const struct manifest *m, const char *metric);
void manifest_free(struct manifest *m);

/* SHA-256 of the file at @path as 64 lowercase hex digits into @out ("" on failure). */
int manifest_sha256_file(const char *path, char out[65], struct diag *d);

#endif
