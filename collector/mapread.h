/*
 * mapread: a pinned map -> its raw keys and u64 values, in batches (BPF_MAP_LOOKUP_BATCH)
 * with a per-key fallback where the kernel or map type has no batch support. Opens the pin
 * read-only. Knows nothing of labels.
 */
#ifndef EBPFEXP_MAPREAD_H
#define EBPFEXP_MAPREAD_H
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

struct mapread;

struct mapread_info {
	uint32_t type; /* enum bpf_map_type */
	uint32_t key_size, value_size, max_entries;
	uint32_t id;
	int is_percpu;
	size_t n_values; /* u64 slots per entry: possible CPUs for per-CPU maps, else 1 */
};

/*
 * Called once per entry. @values holds n_values host-order u64s (per CPU for per-CPU maps;
 * the first 8 bytes of each slot). Return 0 to go on, or a negative errno to stop.
 * @key and @values are borrowed until the callback returns.
 */
typedef int (*mapread_fn)(void *arg, const uint8_t *key, const uint64_t *values);

/* Open @pin_path with BPF_F_RDONLY. Free with mapread_close(). */
int mapread_open(struct mapread **out, const char *pin_path, struct diag *d);
const struct mapread_info *mapread_info(const struct mapread *r);
/*
 * Visit every entry once. Batch lookups of @batch entries (0: a default), growing on
 * ENOSPC; falls back to get_next_key + lookup when batches are unsupported.
 */
int mapread_foreach(struct mapread *r, size_t batch, mapread_fn fn, void *arg, struct diag *d);
/* Force the per-key path (tests and benchmarks). */
void mapread_set_per_key(struct mapread *r, int per_key);
void mapread_close(struct mapread *r);

#endif
