/*
 * mapkind: which map types hold metrics, which are per-CPU, hash or array, and the names
 * messages give them (libbpf's, also for types an older libbpf does not know).
 */
#include "mapkind.h"

#include <bpf/libbpf.h>

#include "strbuf.h"
#include "tap.h"

static void test_kinds(void)
{
	static const struct {
		unsigned type;
		bool metric, percpu, hash, array;
	} k[] = {
		{BPF_MAP_TYPE_HASH, true, false, true, false},
		{BPF_MAP_TYPE_LRU_HASH, true, false, true, false},
		{BPF_MAP_TYPE_PERCPU_HASH, true, true, true, false},
		{BPF_MAP_TYPE_LRU_PERCPU_HASH, true, true, true, false},
		{BPF_MAP_TYPE_ARRAY, true, false, false, true},
		{BPF_MAP_TYPE_PERCPU_ARRAY, true, true, false, true},
		{BPF_MAP_TYPE_PERF_EVENT_ARRAY, false, false, false, true},
		{MAPKIND_CGRP_STORAGE, false, false, false, false},
		{BPF_MAP_TYPE_RINGBUF, false, false, false, false},
		{BPF_MAP_TYPE_LPM_TRIE, false, false, false, false},
		{9999, false, false, false, false},
	};

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		const char *name = mapkind_name(k[i].type);

		is_int(mapkind_is_metric(k[i].type), k[i].metric, "%s: %s a metric map",
		       name ? name : "9999", k[i].metric ? "is" : "is not");
		is_int(mapkind_is_percpu(k[i].type), k[i].percpu, "%s: %s per-CPU",
		       name ? name : "9999", k[i].percpu ? "is" : "is not");
		is_int(mapkind_is_hash(k[i].type), k[i].hash, "%s: %s a hash", name ? name : "9999",
		       k[i].hash ? "is" : "is not");
		is_int(mapkind_is_array(k[i].type), k[i].array, "%s: %s an array",
		       name ? name : "9999", k[i].array ? "is" : "is not");
	}
}

static void test_names(void)
{
	struct strbuf sb = {0};

	for (unsigned t = 0; t <= BPF_MAP_TYPE_USER_RINGBUF; t++)
		if (libbpf_bpf_map_type_str((enum bpf_map_type)t))
			is_str(mapkind_name(t), libbpf_bpf_map_type_str((enum bpf_map_type)t),
			       "map type %u is named as libbpf names it", t);
	is_str(mapkind_name(MAPKIND_CGRP_STORAGE), "cgrp_storage",
	       "cgrp_storage has its name whatever libbpf knows");
	ok(mapkind_name(9999) == NULL, "an unknown type has no name");
	{
		unsigned type = 0;

		ok(mapkind_metric_by_name("lru_percpu_hash", &type) &&
			   type == BPF_MAP_TYPE_LRU_PERCPU_HASH,
		   "a metric kind is found by its name");
		ok(!mapkind_metric_by_name("ringbuf", &type) &&
			   !mapkind_metric_by_name("perf_event_array", &type),
		   "other kinds are not metric kinds");
	}
	is_int(mapkind_add_metric_names(&sb), 0, "the metric kinds are listed");
	is_str(strbuf_str(&sb),
	       "hash, lru_hash, percpu_hash, lru_percpu_hash, array or percpu_array",
	       "... in the order and words of the messages");
	strbuf_release(&sb);
}

int main(void)
{
	test_kinds();
	test_names();
	return done_testing();
}
