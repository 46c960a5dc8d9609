/*
 * mapkind: one row per map type ebpfexp reads, checks or creates, with what the rest of
 * the code asks about it. Whether a config's map suits its metric is btfcheck's business;
 * how a per-CPU value is laid out, mapread's.
 */
#include "mapkind.h"

#include <stddef.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "strbuf.h"

enum mapkind_flags {
	MAPKIND_METRIC = 1u << 0, /* a metric's counters or buckets: the reader reads it */
	MAPKIND_PERCPU = 1u << 1,
	MAPKIND_HASH = 1u << 2,
	MAPKIND_ARRAY = 1u << 3,
};

struct mapkind {
	unsigned type;
	const char *name;
	unsigned flags;
};

/* The metric kinds in the order messages list them. */
static const struct mapkind mapkinds[] = {
	{BPF_MAP_TYPE_HASH, "hash", MAPKIND_METRIC | MAPKIND_HASH},
	{BPF_MAP_TYPE_LRU_HASH, "lru_hash", MAPKIND_METRIC | MAPKIND_HASH},
	{BPF_MAP_TYPE_PERCPU_HASH, "percpu_hash", MAPKIND_METRIC | MAPKIND_HASH | MAPKIND_PERCPU},
	{BPF_MAP_TYPE_LRU_PERCPU_HASH, "lru_percpu_hash",
	 MAPKIND_METRIC | MAPKIND_HASH | MAPKIND_PERCPU},
	{BPF_MAP_TYPE_ARRAY, "array", MAPKIND_METRIC | MAPKIND_ARRAY},
	{BPF_MAP_TYPE_PERCPU_ARRAY, "percpu_array",
	 MAPKIND_METRIC | MAPKIND_ARRAY | MAPKIND_PERCPU},
	/* perf_event_array metrics: the loader counts perf events into a map of its own */
	{BPF_MAP_TYPE_PERF_EVENT_ARRAY, "perf_event_array", MAPKIND_ARRAY},
	/* cgroup_id_map of type cgrp_storage (reference §9.3) */
	{MAPKIND_CGRP_STORAGE, "cgrp_storage", 0},
};

#define MAPKIND_N (sizeof(mapkinds) / sizeof(mapkinds[0]))

static const struct mapkind *find(unsigned type)
{
	for (size_t i = 0; i < MAPKIND_N; i++)
		if (mapkinds[i].type == type)
			return &mapkinds[i];
	return NULL;
}

static bool has(unsigned type, unsigned flag)
{
	const struct mapkind *k = find(type);

	return k && (k->flags & flag);
}

bool mapkind_is_metric(unsigned type)
{
	return has(type, MAPKIND_METRIC);
}

bool mapkind_is_percpu(unsigned type)
{
	return has(type, MAPKIND_PERCPU);
}

bool mapkind_is_hash(unsigned type)
{
	return has(type, MAPKIND_HASH);
}

bool mapkind_is_array(unsigned type)
{
	return has(type, MAPKIND_ARRAY);
}

const char *mapkind_name(unsigned type)
{
	const struct mapkind *k = find(type);

	return k ? k->name : libbpf_bpf_map_type_str((enum bpf_map_type)type);
}

bool mapkind_metric_by_name(const char *name, unsigned *type)
{
	for (size_t i = 0; i < MAPKIND_N; i++)
		if ((mapkinds[i].flags & MAPKIND_METRIC) && !strcmp(mapkinds[i].name, name)) {
			*type = mapkinds[i].type;
			return true;
		}
	return false;
}

int mapkind_add_metric_names(struct strbuf *sb)
{
	size_t n = 0, i, seen = 0;
	int err = 0;

	for (i = 0; i < MAPKIND_N; i++)
		n += !!(mapkinds[i].flags & MAPKIND_METRIC);
	for (i = 0; i < MAPKIND_N && !err; i++) {
		if (!(mapkinds[i].flags & MAPKIND_METRIC))
			continue;
		if (seen)
			err = strbuf_addstr(sb, seen + 1 == n ? " or " : ", ");
		if (!err)
			err = strbuf_addstr(sb, mapkinds[i].name);
		seen++;
	}
	return err;
}
