/*
 * mapkind: the BPF map types ebpfexp works with, in one table: which ones a metric can be
 * read from, which are per-CPU, hash or array, and how messages name them. The loader's
 * checks (btfcheck, pins) and the reader (mapread) look them up here.
 */
#ifndef EBPFEXP_MAPKIND_H
#define EBPFEXP_MAPKIND_H
#include <stdbool.h>

struct strbuf;

/* Linux 6.2 added BPF_MAP_TYPE_CGRP_STORAGE; Debian 12's uapi headers (6.1) lack it. */
#define MAPKIND_CGRP_STORAGE 32

/* Can a metric be read from a map of @type (enum bpf_map_type)? */
bool mapkind_is_metric(unsigned type);
/* Does a map of @type hold one value per possible CPU? */
bool mapkind_is_percpu(unsigned type);
/* Is @type a hash map (hash, lru_hash and their per-CPU kinds)? */
bool mapkind_is_hash(unsigned type);
/* Is @type an array (keys 0 to max_entries - 1)? */
bool mapkind_is_array(unsigned type);
/*
 * The name of @type as libbpf spells it ("percpu_hash"), also for the kinds in the table
 * that an older libbpf does not know; NULL for a type neither knows. Static.
 */
const char *mapkind_name(unsigned type);
/* The metric kind named @name (a name of mapkind_name()) into @type; false: none. */
bool mapkind_metric_by_name(const char *name, unsigned *type);
/* Append the metric kinds for a message: "hash, lru_hash, ... array or percpu_array". */
int mapkind_add_metric_names(struct strbuf *sb);

#endif
