/*
 * btfcheck: a config against its BPF object, opened but not loaded. ebpf_exporter only
 * checks that each map exists and has 8-byte values, and leaves everything else to fail at
 * scrape time; we check map types, key sizes and cgroup_id_map here, and where the object
 * has BTF for a key struct, explain which member each label covers. Loading, pinning and
 * kaddrs are the loader's and attach's business.
 */
#include "btfcheck.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "mapkind.h"
#include "strbuf.h"

/* Members of a key struct we lay out; real keys have a handful. */
#define BTFCHECK_MAX_SEGS 64

/* A byte range of a key struct: a member, or padding between or after members. */
struct seg {
	uint32_t off, end;
	const char *name; /* NULL: padding */
	char type[64];
};

struct layout {
	const char *name; /* the struct's name, or its typedef's */
	uint32_t size;
	size_t n_segs;
	struct seg segs[BTFCHECK_MAX_SEGS];
};

int btfcheck_map_type_supported(unsigned map_type)
{
	return mapkind_is_metric(map_type);
}

static const char *type_str(unsigned map_type)
{
	const char *s = mapkind_name(map_type);

	return s ? s : "map of unknown type";
}

/* ---- BTF ---- */

static const struct btf_type *skip_mods(const struct btf *btf, __u32 *id)
{
	const struct btf_type *t = btf__type_by_id(btf, *id);

	while (t && (btf_is_mod(t) || btf_is_type_tag(t))) {
		*id = t->type;
		t = btf__type_by_id(btf, *id);
	}
	return t;
}

/* How a person would write the type: u8, char[16], struct in6_addr, ... */
static void type_name(const struct btf *btf, __u32 id, char *buf, size_t len)
{
	const struct btf_type *t = skip_mods(btf, &id);
	const char *name = t ? btf__name_by_offset(btf, t->name_off) : NULL;
	char elem[48];

	if (!t) {
		snprintf(buf, len, "?");
	} else if (btf_is_array(t)) {
		type_name(btf, btf_array(t)->type, elem, sizeof(elem));
		snprintf(buf, len, "%s[%u]", elem, btf_array(t)->nelems);
	} else if (btf_is_struct(t) || btf_is_union(t) || btf_is_enum(t)) {
		snprintf(buf, len, "%s%s%s",
			 btf_is_struct(t)  ? "struct"
			 : btf_is_union(t) ? "union"
					   : "enum",
			 name && *name ? " " : "", name ? name : "");
	} else if (btf_is_ptr(t)) {
		snprintf(buf, len, "pointer");
	} else {
		snprintf(buf, len, "%s", name && *name ? name : "?");
	}
}

static void add_seg(struct layout *lo, uint32_t off, uint32_t end, const char *name)
{
	struct seg *s = &lo->segs[lo->n_segs++];

	*s = (struct seg){.off = off, .end = end, .name = name};
}

/*
 * The byte layout of key type @id if it is a struct (members and the padding between
 * them); false for scalar keys, bitfields, or structs too large to explain.
 */
static bool key_layout(const struct btf *btf, __u32 id, __u32 outer, struct layout *lo)
{
	const struct btf_type *t = skip_mods(btf, &id), *o = btf__type_by_id(btf, outer);
	const struct btf_member *mem;
	uint32_t at = 0;

	if (!t || !btf_is_struct(t) || btf_vlen(t) + 1 > BTFCHECK_MAX_SEGS / 2)
		return false;
	lo->name = btf__name_by_offset(btf, t->name_off);
	if ((!lo->name || !*lo->name) && o && btf_is_typedef(o))
		lo->name = btf__name_by_offset(btf, o->name_off);
	if (!lo->name || !*lo->name)
		lo->name = "(anonymous)";
	lo->size = t->size;
	lo->n_segs = 0;
	mem = btf_members(t);
	for (unsigned i = 0; i < btf_vlen(t); i++, mem++) {
		uint32_t off = btf_member_bit_offset(t, i) / 8;
		__s64 size = btf__resolve_size(btf, mem->type);

		if (btf_member_bitfield_size(t, i) || btf_member_bit_offset(t, i) % 8 || size < 0 ||
		    off < at || off + (uint64_t)size > t->size)
			return false;
		if (off > at)
			add_seg(lo, at, off, NULL);
		add_seg(lo, off, off + (uint32_t)size, btf__name_by_offset(btf, mem->name_off));
		type_name(btf, mem->type, lo->segs[lo->n_segs - 1].type, sizeof(lo->segs[0].type));
		at = off + (uint32_t)size;
	}
	if (at < t->size)
		add_seg(lo, at, t->size, NULL);
	return true;
}

static void seg_describe(struct strbuf *sb, const struct seg *s)
{
	if (s->name)
		strbuf_addf(sb, "%s (%s) at %u", s->name, s->type, s->off);
	else
		strbuf_addf(sb, "padding %u..%u", s->off, s->end);
}

/* "a (u32) at 0, padding 4..8 and b (u64) at 8" for the segments overlapping [a, b). */
static void segs_describe(struct strbuf *sb, const struct layout *lo, uint32_t a, uint32_t b)
{
	size_t first = SIZE_MAX, last = 0;

	for (size_t i = 0; i < lo->n_segs; i++) {
		if (lo->segs[i].off < b && lo->segs[i].end > a) {
			if (first == SIZE_MAX)
				first = i;
			last = i;
		}
	}
	for (size_t i = first; first != SIZE_MAX && i <= last; i++) {
		if (i > first)
			strbuf_addstr(sb, i == last ? " and " : ", ");
		seg_describe(sb, &lo->segs[i]);
	}
}

/*
 * A label is explained when it takes in padding bytes or parts of several members; a label
 * reading part of one member (the low half of a u64 cgroup id, say) is a choice, not a slip.
 */
static void check_label_layout(const struct config_metric *m, const struct config_label *l,
			       uint32_t a, uint32_t b, const struct layout *lo, struct diag *d)
{
	size_t n_members = 0, n_pad = 0;
	struct strbuf sb = {0};

	for (size_t i = 0; i < lo->n_segs; i++) {
		if (lo->segs[i].off >= b || lo->segs[i].end <= a)
			continue;
		if (lo->segs[i].name)
			n_members++;
		else
			n_pad++;
	}
	if (b > lo->size)
		n_pad++;
	if (!n_pad && n_members <= 1)
		return;
	segs_describe(&sb, lo, a, b);
	if (b > lo->size)
		strbuf_addf(&sb, "%sends at %u", sb.len ? " and " : "", lo->size);
	diag_warn(d, &l->at,
		  "metric \"%s\": label \"%s\" covers bytes %u..%u but the key struct %s has %s",
		  m->name, l->name, a, b, lo->name, strbuf_str(&sb));
	strbuf_release(&sb);
}

/* ---- maps ---- */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "did you mean \"x\"?" or "its maps: a, b" (sorted) for a map that is not there. */
static void no_map(struct bpf_object *obj, const char *name, struct strbuf *sb)
{
	const char *names[256];
	struct bpf_map *map;
	const char *best;
	size_t n = 0;

	bpf_object__for_each_map(map, obj) {
		if (!bpf_map__is_internal(map) && n + 1 < sizeof(names) / sizeof(names[0]))
			names[n++] = bpf_map__name(map);
	}
	names[n] = NULL;
	best = config_suggest(name, names);
	if (best) {
		strbuf_addf(sb, "did you mean \"%s\"?", best);
		return;
	}
	if (!n) {
		strbuf_addstr(sb, "it has no maps");
		return;
	}
	qsort(names, n, sizeof(names[0]), name_cmp);
	strbuf_addstr(sb, "its maps: ");
	for (size_t i = 0; i < n; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", names[i]);
}

static struct bpf_map *find_map(struct bpf_object *obj, const char *name, const struct pos *at,
				const char *what, struct diag *d)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, name);
	struct strbuf sb = {0};

	if (map && !bpf_map__is_internal(map))
		return map;
	no_map(obj, name, &sb);
	diag_err(d, ENOENT, at, "%s: no map \"%s\" in object \"%s\" (%s)", what, name,
		 bpf_object__name(obj), strbuf_str(&sb));
	strbuf_release(&sb);
	return NULL;
}

static void labels_describe(struct strbuf *sb, const struct config_metric *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct config_label *l = &m->labels[i];

		strbuf_addf(sb, "%s%s %u", i ? ", " : "", l->name, l->size);
		if (l->padding)
			strbuf_addf(sb, "+%u", l->padding);
	}
}

static void check_key(const struct config_metric *m, const struct bpf_object *obj,
		      const struct bpf_map *map, struct diag *d)
{
	unsigned type = bpf_map__type(map);
	uint32_t key_size = bpf_map__key_size(map);
	size_t n = m->n_labels, want;
	bool cpu = mapkind_is_percpu(type) && n && !strcmp(m->labels[n - 1].name, "cpu");
	const struct btf *btf = bpf_object__btf(obj);
	struct layout *lo = NULL;
	struct strbuf sb = {0}, struct_sb = {0};
	uint32_t off = 0;

	if (cpu) {
		/* [compat] reference §4.2: the CPU number is appended as 2 bytes, not read */
		if (m->labels[n - 1].size != 2)
			diag_err(d, EINVAL, &m->labels[n - 1].at,
				 "metric \"%s\": label \"cpu\" is the CPU number on a per-CPU map: "
				 "it must have size 2, not %u",
				 m->name, m->labels[n - 1].size);
		n--;
	}
	/* [compat] §4.3: no labels, or only cpu, means a u32 key 0 */
	want = 4;
	if (n)
		want = config_metric_key_size(m) -
		       (cpu ? (size_t)m->labels[n].size + m->labels[n].padding : 0);
	if (!n && mapkind_is_array(type) && bpf_map__max_entries(map) > 1)
		diag_err(d, EINVAL, &m->at,
			 "metric \"%s\": without labels only key 0 is read, but map \"%s\" is an "
			 "array of %u entries (add a label for the index)",
			 m->name, m->name, bpf_map__max_entries(map));
	if (btf && bpf_map__btf_key_type_id(map)) {
		lo = calloc(1, sizeof(*lo));
		if (lo && !key_layout(btf, bpf_map__btf_key_type_id(map),
				      bpf_map__btf_key_type_id(map), lo)) {
			free(lo);
			lo = NULL;
		}
	}
	if (key_size != want) {
		if (n)
			labels_describe(&sb, m, n);
		if (lo)
			segs_describe(&struct_sb, lo, 0, lo->size);
		if (!n)
			diag_err(d, EINVAL, &m->at,
				 "metric \"%s\": map key is %u bytes, but %s reads a 4-byte key 0 "
				 "(declare labels for the key)",
				 m->name, key_size,
				 cpu ? "a per-CPU metric with only the cpu label"
				     : "a metric without labels");
		else if (lo)
			diag_err(d, EINVAL, &m->at,
				 "metric \"%s\": map key is %u bytes, but the labels cover %zu "
				 "(%s); "
				 "key struct %s: %s",
				 m->name, key_size, want, strbuf_str(&sb), lo->name,
				 strbuf_str(&struct_sb));
		else
			diag_err(
				d, EINVAL, &m->at,
				"metric \"%s\": map key is %u bytes, but the labels cover %zu (%s)",
				m->name, key_size, want, strbuf_str(&sb));
	}
	for (size_t i = 0; lo && i < n; i++) {
		const struct config_label *l = &m->labels[i];

		if (l->reuse)
			continue; /* the bytes of a label already checked */
		check_label_layout(m, l, off, off + l->size, lo, d);
		off += l->size + l->padding;
	}
	strbuf_release(&sb);
	strbuf_release(&struct_sb);
	free(lo);
}

static void check_metric(const struct config_metric *m, struct bpf_object *obj, struct diag *d)
{
	char what[256];
	struct bpf_map *map;
	unsigned type;

	snprintf(what, sizeof(what), "metric \"%s\"", m->name);
	map = find_map(obj, m->name, &m->at, what, d);
	if (!map)
		return;
	type = bpf_map__type(map);
	if (m->perf_event_array) {
		if (type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
			diag_err(d, EINVAL, &m->at,
				 "metric \"%s\": perf_event_array is set, but map \"%s\" is a %s "
				 "(it must be a perf_event_array)",
				 m->name, m->name, type_str(type));
		return;
	}
	if (type == BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
		diag_err(d, EINVAL, &m->at,
			 "metric \"%s\": map \"%s\" is a perf_event_array (set perf_event_array: "
			 "true to count its events)",
			 m->name, m->name);
		return;
	}
	if (!mapkind_is_metric(type)) {
		struct strbuf kinds = {0};

		(void)mapkind_add_metric_names(&kinds); /* out of memory: the message is shorter */
		diag_err(d, EINVAL, &m->at,
			 "metric \"%s\": map \"%s\" is a %s, which cannot be read as a metric (use "
			 "%s)",
			 m->name, m->name, type_str(type), strbuf_str(&kinds));
		strbuf_release(&kinds);
		return;
	}
	if (bpf_map__value_size(map) != 8)
		diag_err(d, EINVAL, &m->at,
			 "metric \"%s\": map \"%s\" has %u-byte values; metric maps need 8-byte "
			 "(u64) values",
			 m->name, m->name, bpf_map__value_size(map));
	check_key(m, obj, map, d);
}

/* reference §9.3 */
static void check_cgroup_id_map(const struct config_cgroup_id_map *cg, struct bpf_object *obj,
				struct diag *d)
{
	bool storage = cg->type == CGROUP_MAP_CGRP_STORAGE;
	struct bpf_map *map = find_map(obj, cg->name, &cg->at, "cgroup_id_map", d);
	unsigned type;

	if (!map)
		return;
	type = bpf_map__type(map);
	if (storage ? type != MAPKIND_CGRP_STORAGE
		    : !mapkind_is_hash(type) || mapkind_is_percpu(type))
		diag_err(d, EINVAL, &cg->at,
			 "cgroup_id_map: map \"%s\" is a %s, but type %s needs %s", cg->name,
			 type_str(type), storage ? "cgrp_storage" : "hash",
			 storage ? "a cgrp_storage map" : "a hash or lru_hash map");
	if (bpf_map__key_size(map) != (storage ? 4u : 8u))
		diag_err(d, EINVAL, &cg->at,
			 "cgroup_id_map: map \"%s\" has %u-byte keys, but type %s needs %s",
			 cg->name, bpf_map__key_size(map), storage ? "cgrp_storage" : "hash",
			 storage ? "4-byte keys (a cgroup fd)" : "8-byte keys (u64 cgroup ids)");
	if (bpf_map__value_size(map) != 8)
		diag_err(d, EINVAL, &cg->at,
			 "cgroup_id_map: map \"%s\" has %u-byte values, but it needs 8-byte values",
			 cg->name, bpf_map__value_size(map));
}

int btfcheck_config(const struct config *c, struct bpf_object *obj, struct diag *d)
{
	size_t errors = d->n_errors;

	for (size_t i = 0; i < c->n_metrics; i++)
		check_metric(&c->metrics[i], obj, d);
	if (c->cgroup_id_map.name)
		check_cgroup_id_map(&c->cgroup_id_map, obj, d);
	return d->n_errors > errors ? -EINVAL : 0;
}
