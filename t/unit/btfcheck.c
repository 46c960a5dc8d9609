/*
 * btfcheck: configs against t/bpf/keys.bpf.o, a test object with struct keys and odd maps.
 * The object directory is argv[1], else $EBPFEXP_TEST_BPF_DIR, else build/t/bpf (make check
 * runs from the repository root).
 */
#include "btfcheck.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "tap.h"

struct check_case {
	const char *title;
	const char *yaml;
	int err;
	const char *msgs[4]; /* every message expected, in order; W: marks a warning */
};

#define COUNTER(name) "metrics:\n  counters:\n    - name: " name "\n      help: h\n"
#define LABEL(spec) "        - {" spec ", decoders: [{name: uint}]}\n"

static const struct check_case cases[] = {
	{"a histogram whose labels match the key struct",
	 "metrics:\n  histograms:\n    - name: bio_latency_seconds\n      help: h\n"
	 "      bucket_type: exp2\n      bucket_max: 27\n      labels:\n" LABEL(
		 "name: device, size: 4") LABEL("name: operation, size: 1, padding: 3")
		 LABEL("name: bucket, size: 8"),
	 0,
	 {NULL}},
	{"a label that takes in struct padding is explained",
	 "metrics:\n  histograms:\n    - name: bio_latency_seconds\n      help: h\n"
	 "      bucket_type: exp2\n      bucket_max: 27\n      labels:\n" LABEL(
		 "name: device, size: 4") LABEL("name: operation, size: 4")
		 LABEL("name: bucket, size: 8"),
	 0,
	 {"W:t.yaml:9:11: metric \"bio_latency_seconds\": label \"operation\" covers bytes 4..8 "
	  "but the key struct disk_latency_key_t has op (u8) at 4 and padding 5..8"}},
	{"a label across two members is explained",
	 COUNTER("comm_total") "      labels:\n" LABEL("name: comm, size: 18")
		 LABEL("name: pid_low, size: 2"),
	 0,
	 {"W:t.yaml:6:11: metric \"comm_total\": label \"comm\" covers bytes 0..18 but the key "
	  "struct comm_key has comm (char[16]) at 0 and pid (u32) at 16"}},
	{"part of one member (a truncated cgroup id) is a choice, not a slip",
	 COUNTER("cgroup_latency_seconds") "      labels:\n" LABEL(
		 "name: cgroup, size: 4, padding: 4") LABEL("name: bucket, size: 8"),
	 0,
	 {NULL}},
	{"a key struct larger than the labels",
	 COUNTER("comm_total") "      labels:\n" LABEL("name: comm, size: 16"),
	 -EINVAL,
	 {"t.yaml:3:7: metric \"comm_total\": map key is 20 bytes, but the labels cover 16 "
	  "(comm 16); key struct comm_key: comm (char[16]) at 0 and pid (u32) at 16"}},
	{"a key struct smaller than the labels",
	 COUNTER("cgroup_latency_seconds") "      labels:\n" LABEL("name: cgroup, size: 8")
		 LABEL("name: bucket, size: 4, padding: 8"),
	 -EINVAL,
	 {"t.yaml:3:7: metric \"cgroup_latency_seconds\": map key is 16 bytes, but the labels "
	  "cover 20 (cgroup 8, bucket 4+8); key struct cgroup_lat_key: cgroup_id (u64) at 0 "
	  "and bucket (u64) at 8"}},
	{"a scalar key of the wrong size",
	 COUNTER("ops_total") "      labels:\n" LABEL("name: op, size: 8"),
	 -EINVAL,
	 {"t.yaml:3:7: metric \"ops_total\": map key is 4 bytes, but the labels cover 8 "
	  "(op 8)"}},
	{"a label-less metric on a u64 key",
	 COUNTER("cgroup_ids"),
	 -EINVAL,
	 {"t.yaml:3:7: metric \"cgroup_ids\": map key is 8 bytes, but a metric without labels "
	  "reads a 4-byte key 0 (declare labels for the key)"}},
	{"a label-less metric on a one-entry array", COUNTER("jit_pages"), 0, {NULL}},
	{"a label-less metric on a larger array",
	 COUNTER("four_slots"),
	 -EINVAL,
	 {"t.yaml:3:7: metric \"four_slots\": without labels only key 0 is read, but map "
	  "\"four_slots\" is an array of 4 entries (add a label for the index)"}},
	{"a misspelt map name",
	 COUNTER("ops_totl"),
	 -EINVAL,
	 {"t.yaml:3:7: metric \"ops_totl\": no map \"ops_totl\" in object \"keys\" (did you "
	  "mean \"ops_total\"?)"}},
	{"a map that is not there at all",
	 COUNTER("page_cache_ops_total"),
	 -EINVAL,
	 {"t.yaml:3:7: metric \"page_cache_ops_total\": no map \"page_cache_ops_total\" in "
	  "object \"keys\" (its maps: bio_latency_seconds, cgroup_ids, cgroup_latency_seconds, "
	  "cgroup_marks, comm_total, cpu_busy_total, events_rb, four_slots, jit_pages, "
	  "narrow_values_total, oom_kills_total, ops_total, softirqs_total)"}},
	{"4-byte values",
	 COUNTER("narrow_values_total") "      labels:\n" LABEL("name: a, size: 4"),
	 -EINVAL,
	 {"t.yaml:3:7: metric \"narrow_values_total\": map \"narrow_values_total\" has 4-byte "
	  "values; metric maps need 8-byte (u64) values"}},
	{"a ring buffer as a metric",
	 COUNTER("events_rb"),
	 -EINVAL,
	 {"t.yaml:3:7: metric \"events_rb\": map \"events_rb\" is a ringbuf, which cannot be "
	  "read as a metric (use hash, lru_hash, percpu_hash, lru_percpu_hash, array or "
	  "percpu_array)"}},
	{"a perf_event_array without perf_event_array: true",
	 COUNTER("oom_kills_total"),
	 -EINVAL,
	 {"t.yaml:3:7: metric \"oom_kills_total\": map \"oom_kills_total\" is a "
	  "perf_event_array (set perf_event_array: true to count its events)"}},
	{"perf_event_array: true on a hash",
	 COUNTER("ops_total") "      perf_event_array: true\n",
	 -EINVAL,
	 {"t.yaml:3:7: metric \"ops_total\": perf_event_array is set, but map \"ops_total\" "
	  "is a hash (it must be a perf_event_array)"}},
	{"a perf_event_array counter with labels",
	 COUNTER("oom_kills_total") "      perf_event_array: true\n      labels:\n" LABEL(
		 "name: cgroup, size: 8"),
	 0,
	 {NULL}},
	{"a per-CPU map with a cpu label",
	 COUNTER("softirqs_total") "      labels:\n" LABEL("name: kind, size: 4")
		 LABEL("name: cpu, size: 2"),
	 0,
	 {NULL}},
	{"a per-CPU map with only the cpu label reads key 0",
	 COUNTER("cpu_busy_total") "      labels:\n" LABEL("name: cpu, size: 2"),
	 0,
	 {NULL}},
	{"a cpu label of the wrong size",
	 COUNTER("softirqs_total") "      labels:\n" LABEL("name: kind, size: 4")
		 LABEL("name: cpu, size: 4"),
	 -EINVAL,
	 {"t.yaml:7:11: metric \"softirqs_total\": label \"cpu\" is the CPU number on a per-CPU "
	  "map: it must have size 2, not 4"}},
	{"a cgroup_id_map of type hash",
	 COUNTER("jit_pages") "cgroup_id_map:\n  name: cgroup_ids\n  regexps: [a]\n",
	 0,
	 {NULL}},
	{"a cgroup_id_map of type cgrp_storage",
	 COUNTER("jit_pages") "cgroup_id_map:\n  name: cgroup_marks\n  type: cgrp_storage\n  "
			      "regexps: [a]\n",
	 0,
	 {NULL}},
	{"a cgroup_id_map of the wrong type",
	 COUNTER("jit_pages") "cgroup_id_map:\n  name: cgroup_marks\n  regexps: [a]\n",
	 -EINVAL,
	 {"t.yaml:6:3: cgroup_id_map: map \"cgroup_marks\" is a cgrp_storage, but type hash "
	  "needs a hash or lru_hash map",
	  "t.yaml:6:3: cgroup_id_map: map \"cgroup_marks\" has 4-byte keys, but type hash "
	  "needs 8-byte keys (u64 cgroup ids)"}},
	{"a cgroup_id_map with 4-byte values",
	 COUNTER("jit_pages") "cgroup_id_map:\n  name: narrow_values_total\n  regexps: [a]\n",
	 -EINVAL,
	 {"t.yaml:6:3: cgroup_id_map: map \"narrow_values_total\" has 4-byte keys, but type "
	  "hash needs 8-byte keys (u64 cgroup ids)",
	  "t.yaml:6:3: cgroup_id_map: map \"narrow_values_total\" has 4-byte values, but it "
	  "needs 8-byte values"}},
	{"a cgroup_id_map that is not there",
	 COUNTER("jit_pages") "cgroup_id_map:\n  name: cgroup_idz\n  regexps: [a]\n",
	 -EINVAL,
	 {"t.yaml:6:3: cgroup_id_map: no map \"cgroup_idz\" in object \"keys\" (did you mean "
	  "\"cgroup_ids\"?)"}},
	{"every problem is reported",
	 "metrics:\n  counters:\n    - {name: events_rb, help: h}\n"
	 "    - {name: four_slots, help: h}\n    - {name: nope_nope_nope, help: h}\n",
	 -EINVAL,
	 {"t.yaml:3:7: metric \"events_rb\": map \"events_rb\" is a ringbuf, which cannot be "
	  "read as a metric (use hash, lru_hash, percpu_hash, lru_percpu_hash, array or "
	  "percpu_array)",
	  "t.yaml:4:7: metric \"four_slots\": without labels only key 0 is read, but map "
	  "\"four_slots\" is an array of 4 entries (add a label for the index)",
	  "t.yaml:5:7: metric \"nope_nope_nope\": no map \"nope_nope_nope\" in object \"keys\" "
	  "(its maps: bio_latency_seconds, cgroup_ids, cgroup_latency_seconds, "
	  "cgroup_marks, comm_total, cpu_busy_total, events_rb, four_slots, jit_pages, "
	  "narrow_values_total, oom_kills_total, ops_total, softirqs_total)"}},
};

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static void run_case(struct bpf_object *obj, const struct check_case *tc)
{
	struct diag d = {0};
	struct config *c = NULL;
	size_t n_want = 0;
	int err;

	if (!ok(config_parse_buf(&c, tc->yaml, strlen(tc->yaml), "t.yaml", "t", &d) == 0,
		"%s: config parses", tc->title)) {
		for (size_t i = 0; i < d.n_msgs; i++)
			printf("#   %s\n", d.msgs[i].text);
		diag_release(&d);
		return;
	}
	diag_clear(&d);
	err = btfcheck_config(c, obj, &d);
	is_int(err, tc->err, "%s: result", tc->title);
	while (n_want < 4 && tc->msgs[n_want])
		n_want++;
	if (!ok(d.n_msgs == n_want, "%s: %zu message(s)", tc->title, n_want)) {
		for (size_t i = 0; i < d.n_msgs; i++)
			printf("#   %s\n", d.msgs[i].text);
	}
	for (size_t i = 0; i < n_want && i < d.n_msgs; i++) {
		const char *want = tc->msgs[i];
		bool warn = !strncmp(want, "W:", 2);

		is_str(d.msgs[i].text, warn ? want + 2 : want, "%s: message %zu", tc->title, i + 1);
		is_int(d.msgs[i].is_warning, warn, "%s: message %zu is %s", tc->title, i + 1,
		       warn ? "a warning" : "an error");
	}
	config_free(c);
	diag_release(&d);
}

static void test_map_types(void)
{
	static const unsigned yes[] = {BPF_MAP_TYPE_HASH,	 BPF_MAP_TYPE_LRU_HASH,
				       BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH,
				       BPF_MAP_TYPE_ARRAY,	 BPF_MAP_TYPE_PERCPU_ARRAY};
	static const unsigned no[] = {BPF_MAP_TYPE_RINGBUF, BPF_MAP_TYPE_PERF_EVENT_ARRAY,
				      BPF_MAP_TYPE_LPM_TRIE, BPF_MAP_TYPE_STACK_TRACE, 9999};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		ok(btfcheck_map_type_supported(yes[i]), "map type %s is supported",
		   libbpf_bpf_map_type_str(yes[i]));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ok(!btfcheck_map_type_supported(no[i]), "map type %u is not supported", no[i]);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : getenv("EBPFEXP_TEST_BPF_DIR");
	struct bpf_object *obj;
	char path[4096];
	int err;

	if (!dir || !*dir)
		dir = "build/t/bpf";
	libbpf_set_print(quiet);
	test_map_types();
	snprintf(path, sizeof(path), "%s/keys.bpf.o", dir);
	obj = bpf_object__open_file(path, NULL);
	err = libbpf_get_error(obj);
	if (!ok(!err, "open %s", path)) {
		printf("#   %s (build it with make, or pass the directory as argv[1])\n",
		       strerror((int)-err));
		return done_testing();
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(obj, &cases[i]);
	bpf_object__close(obj);
	return done_testing();
}
