/*
 * Unit tests for collector/manifest.c: a hand-built manifest survives write + read field
 * by field, the dump is stable (and matches t/data/manifest/example.json), malformed
 * manifests give exact messages, and SHA-256 matches the FIPS 180-4 vectors.
 * EBPFEXP_REGEN=1 rewrites example.json from the model built here.
 */
#include "manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strbuf.h"
#include "tap.h"

static char root[64];

static char *xstrdup(const char *s)
{
	char *p = s ? strdup(s) : NULL;

	if (s && !p)
		abort();
	return p;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		abort();
	return p;
}

static char **strv(size_t n, ...)
{
	char **v = xcalloc(n, sizeof(*v));
	va_list ap;

	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		v[i] = xstrdup(va_arg(ap, const char *));
	va_end(ap);
	return v;
}

/*
 * A config as config_parse_file() would build it: a counter with a static_map (repeated
 * and unordered keys, a null value), a regexp decoder and a map; a histogram with two
 * labels and fixed buckets; a counter without a map; kaddrs, a cgroup_id_map, tracing.
 */
static struct manifest *build(void)
{
	struct manifest *m = xcalloc(1, sizeof(*m));
	struct config *c = xcalloc(1, sizeof(*c));
	struct config_metric *cm;
	struct config_label *l;
	struct config_decoder *dc;

	m->config = c;
	c->name = xstrdup("timers");
	c->path = xstrdup("/etc/ebpfexp/timers.yaml");
	c->n_metrics = 3;
	c->metrics = cm = xcalloc(3, sizeof(*cm));

	cm[0].kind = METRIC_COUNTER;
	cm[0].name = xstrdup("timer_starts_total");
	cm[0].help = xstrdup("Timers fired in the kernel, \"quoted\" and ünïcode");
	cm[0].at = (struct pos){c->path, 4, 7};
	cm[0].n_labels = 2;
	cm[0].labels = l = xcalloc(2, sizeof(*l));
	l[0].name = xstrdup("function");
	l[0].at = (struct pos){c->path, 7, 11};
	l[0].size = 8;
	l[0].n_decoders = 2;
	l[0].decoders = dc = xcalloc(2, sizeof(*dc));
	dc[0].name = xstrdup("ksym");
	dc[0].kind = DECODER_KSYM;
	dc[0].at = (struct pos){c->path, 10, 15};
	dc[1].name = xstrdup("regexp");
	dc[1].kind = DECODER_REGEXP;
	dc[1].at = (struct pos){c->path, 11, 15};
	dc[1].has_regexps = true;
	dc[1].n_regexps = 2;
	dc[1].regexps = strv(2, "^tick_.*", "^hrtimer_(wakeup|fn)$");
	l[1].name = xstrdup("kind");
	l[1].at = (struct pos){c->path, 13, 11};
	l[1].size = 4;
	l[1].padding = 4;
	l[1].n_decoders = 2;
	l[1].decoders = dc = xcalloc(2, sizeof(*dc));
	dc[0].name = xstrdup("uint");
	dc[0].kind = DECODER_UINT;
	dc[0].at = (struct pos){c->path, 16, 15};
	dc[1].name = xstrdup("static_map");
	dc[1].kind = DECODER_STATIC_MAP;
	dc[1].at = (struct pos){c->path, 17, 15};
	dc[1].has_static_map = true;
	dc[1].allow_unknown = true;
	dc[1].n_static = 4;
	dc[1].static_map = xcalloc(4, sizeof(*dc[1].static_map));
	dc[1].static_map[0] = (struct config_static_entry){xstrdup("2"), xstrdup("soft")};
	dc[1].static_map[1] = (struct config_static_entry){xstrdup("0x1"), xstrdup("hard")};
	dc[1].static_map[2] = (struct config_static_entry){xstrdup("2"), xstrdup("again")};
	dc[1].static_map[3] = (struct config_static_entry){xstrdup("3"), xstrdup("")};
	cm[0].flush_interval_ns = 60000000000ull;

	cm[1].kind = METRIC_COUNTER;
	cm[1].name = xstrdup("timer_events_total");
	cm[1].help = NULL;
	cm[1].at = (struct pos){c->path, 20, 7};
	cm[1].perf_event_array = true;
	cm[1].n_labels = 1;
	cm[1].labels = l = xcalloc(1, sizeof(*l));
	l[0].name = xstrdup("cpu");
	l[0].at = (struct pos){c->path, 23, 11};
	l[0].size = 4;
	l[0].n_decoders = 1;
	l[0].decoders = dc = xcalloc(1, sizeof(*dc));
	dc[0].name = xstrdup("static_map");
	dc[0].kind = DECODER_STATIC_MAP;
	dc[0].at = (struct pos){c->path, 25, 15};
	dc[0].has_static_map = true; /* present but empty */

	cm[2].kind = METRIC_HISTOGRAM;
	cm[2].name = xstrdup("timer_latency_seconds");
	cm[2].help = xstrdup("Timer latency");
	cm[2].at = (struct pos){c->path, 30, 7};
	cm[2].bucket_type = HIST_FIXED;
	cm[2].bucket_multiplier = 0.000001;
	cm[2].bucket_min = -3;
	cm[2].bucket_max = 9007199254740993; /* beyond a double's exact integers */
	cm[2].n_bucket_keys = 4;
	cm[2].bucket_keys = xcalloc(4, sizeof(double));
	cm[2].bucket_keys[0] = 0.1;
	cm[2].bucket_keys[1] = 1;
	cm[2].bucket_keys[2] = 12345.678;
	cm[2].bucket_keys[3] = 1e300;
	cm[2].n_labels = 2;
	cm[2].labels = l = xcalloc(2, sizeof(*l));
	l[0].name = xstrdup("cgroup");
	l[0].at = (struct pos){c->path, 36, 11};
	l[0].size = 8;
	l[0].n_decoders = 1;
	l[0].decoders = dc = xcalloc(1, sizeof(*dc));
	dc[0].name = xstrdup("cgroup");
	dc[0].kind = DECODER_CGROUP;
	dc[0].at = (struct pos){c->path, 38, 15};
	l[1].name = xstrdup("bucket");
	l[1].at = (struct pos){c->path, 39, 11};
	l[1].size = 8;
	l[1].n_decoders = 1;
	l[1].decoders = dc = xcalloc(1, sizeof(*dc));
	dc[0].name = xstrdup("uint");
	dc[0].kind = DECODER_UINT;
	dc[0].at = (struct pos){c->path, 41, 15};

	c->n_kaddrs = 2;
	c->kaddrs = xcalloc(2, sizeof(*c->kaddrs));
	c->kaddrs[0] = (struct config_kaddr){xstrdup("jiffies"), {c->path, 44, 5}};
	c->kaddrs[1] = (struct config_kaddr){xstrdup("init_task"), {c->path, 45, 5}};
	c->cgroup_id_map.name = xstrdup("cgroup_filter");
	c->cgroup_id_map.at = (struct pos){c->path, 47, 3};
	c->cgroup_id_map.type = CGROUP_MAP_CGRP_STORAGE;
	c->cgroup_id_map.n_regexps = 1;
	c->cgroup_id_map.regexps = strv(1, "^/system\\.slice/.*$");
	c->has_tracing = true;

	m->schema = MANIFEST_SCHEMA;
	m->object_path = xstrdup("/etc/ebpfexp/timers.bpf.o");
	strcpy(m->sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	m->loaded_at = 1763880000;
	m->loader_pid = 4242;
	m->n_maps = 2;
	m->maps = xcalloc(2, sizeof(*m->maps));
	m->maps[0] = (struct manifest_map){xstrdup("timer_starts_total"),
					   xstrdup("/sys/fs/bpf/ebpfexp/timers/timer_starts_total"),
					   1,
					   16,
					   8,
					   1024,
					   77};
	m->maps[1] =
		(struct manifest_map){xstrdup("timer_latency_seconds"),
				      xstrdup("/sys/fs/bpf/ebpfexp/timers/timer_latency_seconds"),
				      5,
				      16,
				      8,
				      UINT32_MAX,
				      UINT32_MAX};
	m->n_progs = 2;
	m->progs = xcalloc(2, sizeof(*m->progs));
	m->progs[0] = (struct manifest_prog){xstrdup("timer_start"),
					     xstrdup("tp_btf/timer_start"),
					     xstrdup("/sys/fs/bpf/ebpfexp/timers/prog_timer_start"),
					     301,
					     "0123456789abcdef",
					     true,
					     NULL};
	m->progs[1] = (struct manifest_prog){xstrdup("do_kprobe"),
					     xstrdup("kprobe/do_nanosleep"),
					     NULL,
					     0,
					     "",
					     false,
					     xstrdup("attach kprobe/do_nanosleep: Operation not "
						     "supported (this kernel has no kprobes)")};
	return m;
}

/* Field-by-field comparison; the first difference is described in @why. */
struct cmp {
	struct strbuf why;
};

static void differ(struct cmp *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void differ(struct cmp *c, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (c->why.len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	strbuf_addstr(&c->why, buf);
}

static void cmp_str(struct cmp *c, const char *a, const char *b, const char *what)
{
	if ((a == NULL) != (b == NULL) || (a && strcmp(a, b)))
		differ(c, "%s: \"%s\" vs \"%s\"", what, a ? a : "(null)", b ? b : "(null)");
}

static void cmp_u64(struct cmp *c, uint64_t a, uint64_t b, const char *what)
{
	if (a != b)
		differ(c, "%s: %llu vs %llu", what, (unsigned long long)a, (unsigned long long)b);
}

static void cmp_pos(struct cmp *c, const struct pos *a, const struct pos *b, const char *file,
		    const char *what)
{
	if (a->line != b->line || a->col != b->col)
		differ(c, "%s.at: %u:%u vs %u:%u", what, a->line, a->col, b->line, b->col);
	if (b->file != file)
		differ(c, "%s.at.file does not point to config->path", what);
}

static void cmp_decoder(struct cmp *c, const struct config_decoder *a,
			const struct config_decoder *b, const char *file)
{
	cmp_str(c, a->name, b->name, "decoder name");
	cmp_u64(c, a->kind, b->kind, "decoder kind");
	cmp_pos(c, &a->at, &b->at, file, "decoder");
	cmp_u64(c, a->has_static_map, b->has_static_map, "has_static_map");
	cmp_u64(c, a->n_static, b->n_static, "n_static");
	for (size_t i = 0; i < a->n_static && i < b->n_static; i++) {
		cmp_str(c, a->static_map[i].key, b->static_map[i].key, "static_map key");
		cmp_str(c, a->static_map[i].value, b->static_map[i].value, "static_map value");
	}
	cmp_u64(c, a->allow_unknown, b->allow_unknown, "allow_unknown");
	cmp_u64(c, a->has_regexps, b->has_regexps, "has_regexps");
	cmp_u64(c, a->n_regexps, b->n_regexps, "n_regexps");
	for (size_t i = 0; i < a->n_regexps && i < b->n_regexps; i++)
		cmp_str(c, a->regexps[i], b->regexps[i], "regexp");
}

static void cmp_metric(struct cmp *c, const struct config_metric *a, const struct config_metric *b,
		       const char *file)
{
	cmp_u64(c, a->kind, b->kind, "kind");
	cmp_str(c, a->name, b->name, "metric name");
	cmp_str(c, a->help, b->help, "help");
	cmp_pos(c, &a->at, &b->at, file, a->name);
	cmp_u64(c, a->perf_event_array, b->perf_event_array, "perf_event_array");
	cmp_u64(c, a->flush_interval_ns, b->flush_interval_ns, "flush_interval_ns");
	cmp_u64(c, a->bucket_type, b->bucket_type, "bucket_type");
	if (a->bucket_multiplier != b->bucket_multiplier)
		differ(c, "bucket_multiplier: %.17g vs %.17g", a->bucket_multiplier,
		       b->bucket_multiplier);
	cmp_u64(c, (uint64_t)a->bucket_min, (uint64_t)b->bucket_min, "bucket_min");
	cmp_u64(c, (uint64_t)a->bucket_max, (uint64_t)b->bucket_max, "bucket_max");
	cmp_u64(c, a->n_bucket_keys, b->n_bucket_keys, "n_bucket_keys");
	for (size_t i = 0; i < a->n_bucket_keys && i < b->n_bucket_keys; i++)
		if (a->bucket_keys[i] != b->bucket_keys[i])
			differ(c, "bucket_keys[%zu]: %.17g vs %.17g", i, a->bucket_keys[i],
			       b->bucket_keys[i]);
	cmp_u64(c, a->n_labels, b->n_labels, "n_labels");
	for (size_t i = 0; i < a->n_labels && i < b->n_labels; i++) {
		const struct config_label *la = &a->labels[i], *lb = &b->labels[i];

		cmp_str(c, la->name, lb->name, "label name");
		cmp_pos(c, &la->at, &lb->at, file, la->name);
		cmp_u64(c, la->size, lb->size, "size");
		cmp_u64(c, la->padding, lb->padding, "padding");
		cmp_u64(c, la->n_decoders, lb->n_decoders, "n_decoders");
		for (size_t j = 0; j < la->n_decoders && j < lb->n_decoders; j++)
			cmp_decoder(c, &la->decoders[j], &lb->decoders[j], file);
	}
}

static void cmp_config(struct cmp *c, const struct config *a, const struct config *b)
{
	cmp_str(c, a->name, b->name, "config name");
	cmp_str(c, a->path, b->path, "config path");
	cmp_u64(c, a->n_metrics, b->n_metrics, "n_metrics");
	for (size_t i = 0; i < a->n_metrics && i < b->n_metrics; i++)
		cmp_metric(c, &a->metrics[i], &b->metrics[i], b->path);
	cmp_u64(c, a->n_kaddrs, b->n_kaddrs, "n_kaddrs");
	for (size_t i = 0; i < a->n_kaddrs && i < b->n_kaddrs; i++) {
		cmp_str(c, a->kaddrs[i].symbol, b->kaddrs[i].symbol, "kaddr");
		cmp_pos(c, &a->kaddrs[i].at, &b->kaddrs[i].at, b->path, "kaddr");
	}
	cmp_str(c, a->cgroup_id_map.name, b->cgroup_id_map.name, "cgroup_id_map name");
	cmp_pos(c, &a->cgroup_id_map.at, &b->cgroup_id_map.at, b->path, "cgroup_id_map");
	cmp_u64(c, a->cgroup_id_map.type, b->cgroup_id_map.type, "cgroup_id_map type");
	cmp_u64(c, a->cgroup_id_map.n_regexps, b->cgroup_id_map.n_regexps, "cgroup regexps");
	for (size_t i = 0; i < a->cgroup_id_map.n_regexps && i < b->cgroup_id_map.n_regexps; i++)
		cmp_str(c, a->cgroup_id_map.regexps[i], b->cgroup_id_map.regexps[i],
			"cgroup regexp");
	cmp_u64(c, a->has_tracing, b->has_tracing, "has_tracing");
}

static void cmp_rest(struct cmp *c, const struct manifest *a, const struct manifest *b)
{
	cmp_u64(c, (uint64_t)a->schema, (uint64_t)b->schema, "schema");
	cmp_str(c, a->object_path, b->object_path, "object_path");
	cmp_str(c, a->sha256, b->sha256, "sha256");
	cmp_u64(c, (uint64_t)a->loaded_at, (uint64_t)b->loaded_at, "loaded_at");
	cmp_u64(c, a->loader_pid, b->loader_pid, "loader_pid");
	cmp_u64(c, a->n_maps, b->n_maps, "n_maps");
	for (size_t i = 0; i < a->n_maps && i < b->n_maps; i++) {
		const struct manifest_map *x = &a->maps[i], *y = &b->maps[i];

		cmp_str(c, x->metric, y->metric, "map metric");
		cmp_str(c, x->pin_path, y->pin_path, "map pin_path");
		cmp_u64(c, x->type, y->type, "map type");
		cmp_u64(c, x->key_size, y->key_size, "key_size");
		cmp_u64(c, x->value_size, y->value_size, "value_size");
		cmp_u64(c, x->max_entries, y->max_entries, "max_entries");
		cmp_u64(c, x->id, y->id, "map id");
	}
	cmp_u64(c, a->n_progs, b->n_progs, "n_progs");
	for (size_t i = 0; i < a->n_progs && i < b->n_progs; i++) {
		const struct manifest_prog *x = &a->progs[i], *y = &b->progs[i];

		cmp_str(c, x->name, y->name, "prog name");
		cmp_str(c, x->section, y->section, "section");
		cmp_str(c, x->pin_path, y->pin_path, "prog pin_path");
		cmp_u64(c, x->id, y->id, "prog id");
		cmp_str(c, x->tag, y->tag, "tag");
		cmp_u64(c, x->attached, y->attached, "attached");
		cmp_str(c, x->attach_error, y->attach_error, "attach_error");
	}
}

static char *slurp(const char *path, size_t *len)
{
	struct strbuf sb = {0};
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		strbuf_add(&sb, buf, (size_t)n);
	close(fd);
	if (len)
		*len = sb.len;
	return strbuf_detach(&sb);
}

static void spit(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		printf("# cannot write %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* t/data/manifest/NAME, found from the source file's own path (or EBPFEXP_SRCDIR). */
static void data_path(char *buf, size_t size, const char *name)
{
	const char *src = getenv("EBPFEXP_SRCDIR");
	const char *self = __FILE__, *tail = strstr(self, "t/unit/manifest.c");

	if (src)
		snprintf(buf, size, "%s/t/data/manifest/%s", src, name);
	else
		snprintf(buf, size, "%.*st/data/manifest/%s", (int)(tail ? tail - self : 0), self,
			 name);
}

static void test_roundtrip(void)
{
	struct manifest *m = build(), *r = NULL;
	struct diag d = {0};
	struct cmp c = {0};
	char path[128], *a = NULL, *b = NULL, *file;
	const struct manifest_map *mm;
	struct stat st;
	int err;

	snprintf(path, sizeof(path), "%s/timers.json", root);
	err = manifest_write(m, path, 0600, (gid_t)-1, &d);
	is_int(err, 0, "write a manifest");
	if (err)
		printf("# %s\n", diag_last(&d));
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600, "with the mode given");
	err = manifest_read(&r, path, &d);
	is_int(err, 0, "read it back");
	if (err) {
		printf("# %s\n", diag_last(&d));
		manifest_free(m);
		diag_release(&d);
		return;
	}
	cmp_config(&c, m->config, r->config);
	ok(!c.why.len, "the config survives field by field, positions included");
	if (c.why.len)
		printf("#   %s\n", c.why.buf);
	strbuf_reset(&c.why);
	cmp_rest(&c, m, r);
	ok(!c.why.len, "object, maps and programs survive field by field");
	if (c.why.len)
		printf("#   %s\n", c.why.buf);
	strbuf_release(&c.why);
	ok(r->config->metrics[0].labels[0].at.file == r->config->path,
	   "positions point into config->path of the manifest read");
	mm = manifest_find_map(r, "timer_latency_seconds");
	ok(mm && mm->max_entries == UINT32_MAX, "find_map finds a metric's map");
	ok(!manifest_find_map(r, "timer_events_total"), "a metric without a map has none");
	ok(!manifest_find_map(r, "nope"), "an unknown metric has no map");

	is_int(manifest_dump(m, &a, &d), 0, "dump");
	is_int(manifest_dump(r, &b, &d), 0, "dump what was read");
	is_str(b, a, "dumping what was read gives the same text");
	free(b);
	is_int(manifest_dump(m, &b, &d), 0, "dump again");
	is_str(b, a, "the dump is deterministic");
	file = slurp(path, NULL);
	is_str(file, a, "the file holds exactly the dump");
	free(file);
	free(b);

	data_path(path, sizeof(path), "example.json");
	if (getenv("EBPFEXP_REGEN"))
		spit(path, a, strlen(a));
	file = slurp(path, NULL);
	ok(file && !strcmp(file, a),
	   "the dump matches t/data/manifest/example.json (schema changes are deliberate)");
	free(file);
	free(a);
	manifest_free(r);
	manifest_free(m);
	diag_release(&d);
}

/* The example as a jansson tree, for making broken variants of it. */
static json_t *example_json(void)
{
	struct manifest *m = build();
	struct diag d = {0};
	char *text = NULL;
	json_t *j = NULL;

	if (!manifest_dump(m, &text, &d))
		j = json_loads(text, 0, NULL);
	free(text);
	manifest_free(m);
	diag_release(&d);
	return j;
}

/* Parse @j (consumed) as "t.json" and return the message (static) or "(parsed)". */
static const char *parse_msg(json_t *j, int *err)
{
	static char msg[512];
	struct manifest *m = NULL;
	struct diag d = {0};
	char *text = json_dumps(j, JSON_INDENT(2));

	*err = manifest_parse(&m, text, strlen(text), "t.json", &d);
	snprintf(msg, sizeof(msg), "%s", *err ? diag_last(&d) : "(parsed)");
	if (!*err != (m != NULL))
		snprintf(msg, sizeof(msg), "*out and the return value disagree");
	manifest_free(m);
	diag_release(&d);
	free(text);
	json_decref(j);
	return msg;
}

static json_t *at(json_t *j, const char *key, int idx)
{
	json_t *o = json_object_get(j, key);

	return idx >= 0 ? json_array_get(o, (size_t)idx) : o;
}

static void test_malformed(void)
{
	struct manifest *m = NULL;
	struct diag d = {0};
	json_t *j, *lab;
	int err;
	const char *msg;
	char *text = NULL;
	char path[128];

	/* Truncated: cut in the middle of the example. */
	j = example_json();
	text = json_dumps(j, JSON_INDENT(2));
	json_decref(j);
	err = manifest_parse(&m, text, 200, "t.json", &d);
	is_int(err, -EINVAL, "a truncated manifest is refused");
	is_str(diag_last(&d),
	       "t.json:7:63: invalid JSON: premature end of input"
	       " (restart ebpfexp-load to rewrite the manifest)",
	       "with jansson's line:column and reason");
	free(text);
	err = manifest_parse(&m, "{\"schema\": 1", 12, "t.json", &d);
	is_str(diag_last(&d),
	       "t.json:1:12: invalid JSON: '}' expected near end of file"
	       " (restart ebpfexp-load to rewrite the manifest)",
	       "a manifest cut after a value names the end of the file");
	err = manifest_parse(&m, "", 0, "t.json", &d);
	is_int(err, -EINVAL, "an empty file is refused");
	ok(m == NULL, "and *out is NULL");
	err = manifest_parse(&m, "{\"schema\": 1, \"schema\": 1}", 26, "t.json", &d);
	like(diag_last(&d), "duplicate object key", "a repeated key is refused");
	err = manifest_parse(&m, "[1]", 3, "t.json", &d);
	is_str(diag_last(&d), "t.json: expected a JSON object at the top level",
	       "a top-level array is refused");

	j = example_json();
	json_object_set_new(j, "schema", json_integer(2));
	msg = parse_msg(j, &err);
	is_int(err, -EINVAL, "schema 2 is refused");
	is_str(msg, "t.json: schema 2 is not supported (this reader knows 1; upgrade ebpfexp-read)",
	       "and the message says to upgrade the reader");
	j = example_json();
	json_object_set_new(j, "schema", json_integer(0));
	is_str(parse_msg(j, &err), "t.json: schema 0 is not supported (this reader knows 1)",
	       "schema 0 is refused");
	j = example_json();
	json_object_del(j, "schema");
	is_str(parse_msg(j, &err), "t.json: schema: missing (is this an ebpfexp manifest?)",
	       "a missing schema is refused");
	j = example_json();
	json_object_set_new(j, "schema", json_string("1"));
	is_str(parse_msg(j, &err), "t.json: schema: expected an integer",
	       "a schema of the wrong type is refused");

	j = example_json();
	lab = at(at(j, "metrics", 2), "labels", 0);
	json_object_set_new(lab, "size", json_string("8"));
	is_str(parse_msg(j, &err), "t.json: metrics[2].labels[0].size: expected an integer",
	       "a mistyped label size names its field path");
	j = example_json();
	lab = at(at(j, "metrics", 2), "labels", 1);
	json_object_set_new(lab, "size", json_integer(-1));
	is_str(parse_msg(j, &err),
	       "t.json: metrics[2].labels[1].size: -1 is out of range (0..4294967295)",
	       "a negative size is out of range");
	j = example_json();
	json_object_del(at(at(at(j, "metrics", 0), "labels", 1), "decoders", 1), "allow_unknown");
	is_str(parse_msg(j, &err),
	       "t.json: metrics[0].labels[1].decoders[1].allow_unknown: missing",
	       "a missing decoder field names its path");
	j = example_json();
	json_array_append_new(
		json_object_get(at(at(at(j, "metrics", 0), "labels", 1), "decoders", 1),
				"static_map"),
		json_pack("[s]", "4"));
	is_str(parse_msg(j, &err),
	       "t.json: metrics[0].labels[1].decoders[1].static_map[4]: "
	       "expected a [key, value] pair of strings",
	       "a static_map entry that is not a pair is refused");
	j = example_json();
	json_array_append_new(
		json_object_get(at(at(at(j, "metrics", 0), "labels", 0), "decoders", 1), "regexps"),
		json_integer(5));
	is_str(parse_msg(j, &err),
	       "t.json: metrics[0].labels[0].decoders[1].regexps[2]: "
	       "expected a string",
	       "a regexp that is not a string is refused");
	j = example_json();
	json_object_set_new(at(j, "metrics", 0), "kind", json_string("gauge"));
	is_str(parse_msg(j, &err), "t.json: metrics[0].kind: unknown value \"gauge\"",
	       "an unknown metric kind is refused");
	j = example_json();
	json_object_set_new(at(j, "metrics", 2), "bucket_type", json_string("log10"));
	is_str(parse_msg(j, &err), "t.json: metrics[2].bucket_type: unknown value \"log10\"",
	       "an unknown bucket type is refused");
	j = example_json();
	json_object_set_new(at(j, "metrics", 0), "help", json_integer(1));
	is_str(parse_msg(j, &err), "t.json: metrics[0].help: expected a string or null",
	       "a nullable field of the wrong type says null is allowed");
	j = example_json();
	json_object_set_new(at(j, "metrics", 2), "bucket_keys", json_pack("[f, s]", 1.0, "2"));
	is_str(parse_msg(j, &err), "t.json: metrics[2].bucket_keys[1]: expected a number",
	       "a bucket key that is not a number is refused");
	j = example_json();
	json_object_set_new(at(at(j, "metrics", 0), "at", -1), "line", json_real(4.5));
	is_str(parse_msg(j, &err), "t.json: metrics[0].at.line: expected an integer",
	       "a position must be integers");
	j = example_json();
	json_object_set_new(json_object_get(at(j, "metrics", 0), "map"), "key_size",
			    json_integer(4294967296));
	is_str(parse_msg(j, &err),
	       "t.json: metrics[0].map.key_size: 4294967296 is out of range (0..4294967295)",
	       "a map field beyond u32 is refused");
	j = example_json();
	json_object_del(json_object_get(at(j, "metrics", 2), "map"), "pin_path");
	is_str(parse_msg(j, &err), "t.json: metrics[2].map.pin_path: missing",
	       "a map without a pin path is refused");
	j = example_json();
	json_object_set_new(json_object_get(j, "object"), "sha256", json_string("ABC"));
	is_str(parse_msg(j, &err), "t.json: object.sha256: expected 64 lowercase hex digits",
	       "a malformed sha256 is refused");
	j = example_json();
	json_object_set_new(at(j, "programs", 0), "tag", json_string("xyz"));
	is_str(parse_msg(j, &err),
	       "t.json: programs[0].tag: expected 16 lowercase hex digits or \"\"",
	       "a malformed program tag is refused");
	j = example_json();
	json_object_set_new(at(j, "programs", 1), "attached", json_string("no"));
	is_str(parse_msg(j, &err), "t.json: programs[1].attached: expected a boolean",
	       "a mistyped program field names its path");
	j = example_json();
	json_array_append_new(json_object_get(j, "kaddrs"), json_string("jiffies"));
	is_str(parse_msg(j, &err), "t.json: kaddrs[2]: expected an object",
	       "a kaddr that is not an object is refused");
	j = example_json();
	json_object_set_new(json_object_get(j, "cgroup_id_map"), "type", json_string("lru"));
	is_str(parse_msg(j, &err), "t.json: cgroup_id_map.type: unknown value \"lru\"",
	       "an unknown cgroup_id_map type is refused");
	j = example_json();
	json_object_del(j, "programs");
	is_str(parse_msg(j, &err), "t.json: programs: missing", "missing programs are refused");

	j = example_json();
	json_object_set_new(j, "written_by", json_string("ebpfexp-load 9.9"));
	json_object_set_new(at(j, "metrics", 1), "future", json_true());
	is_str(parse_msg(j, &err), "(parsed)", "fields this reader does not know are ignored");
	j = example_json();
	json_object_set_new(j, "cgroup_id_map", json_null());
	is_str(parse_msg(j, &err), "(parsed)", "cgroup_id_map may be null");

	snprintf(path, sizeof(path), "%s/missing.json", root);
	err = manifest_read(&m, path, &d);
	is_int(err, -ENOENT, "reading a missing manifest fails with -ENOENT");
	snprintf(path, sizeof(path), "open %s/missing.json: No such file or directory", root);
	is_str(diag_last(&d), path, "naming the file");
	err = manifest_read(&m, root, &d);
	is_int(err, -EINVAL, "a directory is not a manifest");
	diag_release(&d);
}

static void test_write_errors(void)
{
	struct manifest *m = build();
	struct diag d = {0};
	char *text = (char *)1;
	int err;

	free(m->maps[1].metric);
	m->maps[1].metric = xstrdup("no_such_metric");
	err = manifest_dump(m, &text, &d);
	is_int(err, -EINVAL, "a map that serves no metric is refused");
	is_str(diag_last(&d),
	       "manifest for config \"timers\": map \"no_such_metric\": no metric "
	       "of that name in the config",
	       "naming the map");
	ok(text == NULL, "and *out is NULL");
	free(m->maps[1].metric);
	m->maps[1].metric = xstrdup("timer_starts_total");
	err = manifest_dump(m, &text, &d);
	is_str(diag_last(&d),
	       "manifest for config \"timers\": map \"timer_starts_total\": no "
	       "metric or a second map for it",
	       "two maps for one metric are refused");
	free(m->maps[1].metric);
	m->maps[1].metric = xstrdup("timer_latency_seconds");
	m->config->metrics[2].bucket_keys[1] = 1.0 / 0.0;
	err = manifest_dump(m, &text, &d);
	is_str(diag_last(&d),
	       "manifest for config \"timers\": bucket_keys: inf is not a finite "
	       "number",
	       "a non-finite bucket key is refused");
	m->config->metrics[2].bucket_keys[1] = 1;
	m->sha256[0] = '\0';
	err = manifest_dump(m, &text, &d);
	is_str(diag_last(&d),
	       "manifest for config \"timers\": object sha256 \"\" is not 64 hex "
	       "digits",
	       "a missing sha256 is refused");
	strcpy(m->sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	err = manifest_write(m, "/nonexistent/dir/timers.json", 0644, (gid_t)-1, &d);
	is_int(err, -ENOENT, "writing into a missing directory fails");
	is_str(diag_last(&d), "open directory /nonexistent/dir: No such file or directory",
	       "with atomicfile's message");
	manifest_free(m);
	diag_release(&d);
}

static void test_sha256(void)
{
	static const struct {
		const char *what, *want;
		size_t len;
		char fill;
	} v[] = {
		{"the empty file",
		 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0, 0},
		{"55 bytes (padding fits the block)",
		 "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072", 55, 'x'},
		{"56 bytes (padding needs a second block)",
		 "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e", 56, 'x'},
		{"64 bytes", "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c", 64,
		 'x'},
		{"65 bytes", "9537c5fdf120482f7d58d25e9ed583f52c02b4e304ea814db1633ad565aed7e9", 65,
		 'x'},
		{"one million 'a' (FIPS 180-4 vector)",
		 "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", 1000000, 'a'},
	};
	static const struct {
		const char *text, *want;
	} s[] = {
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	struct diag d = {0};
	char path[128], out[65];
	size_t mib = 1 << 20;
	unsigned char *buf = malloc(mib);

	snprintf(path, sizeof(path), "%s/blob", root);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memset(buf, v[i].fill, v[i].len);
		spit(path, buf, v[i].len);
		is_int(manifest_sha256_file(path, out, &d), 0, "sha256 of %s", v[i].what);
		is_str(out, v[i].want, "is the known digest of %s", v[i].what);
	}
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		spit(path, s[i].text, strlen(s[i].text));
		is_int(manifest_sha256_file(path, out, &d), 0, "sha256 of \"%.8s\"", s[i].text);
		is_str(out, s[i].want, "is the FIPS 180-4 value");
	}
	for (size_t i = 0; i < mib; i++)
		buf[i] = (unsigned char)(i % 251);
	spit(path, buf, mib);
	manifest_sha256_file(path, out, &d);
	is_str(out, "631b84027d6b9e52b539c4e8373622d23032dfadc64d60af87339c9037e4f769",
	       "sha256 of a 1 MiB file of every byte value");
	free(buf);
	snprintf(path, sizeof(path), "%s/none", root);
	is_int(manifest_sha256_file(path, out, &d), -ENOENT, "a missing object fails");
	is_str(out, "", "leaving the output empty");
	is_int(manifest_sha256_file(root, out, &d), -EISDIR, "a directory fails on read ...");
	snprintf(path, sizeof(path), "read %s: Is a directory", root);
	is_str(diag_last(&d), path, "... with a message naming the read");
	is_str(out, "", "... leaving the output empty");
	diag_release(&d);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path); /* best effort: the scratch directory is in /tmp */
	return 0;
}

/* Names the reader prints pass the loader's rule, and appear once (promname). */
static void test_names(void)
{
	const char *again = " (restart ebpfexp-load to rewrite the manifest)";
	json_t *j, *copy;
	char want[512];
	int err;

	j = example_json();
	copy = json_deep_copy(at(j, "metrics", 0));
	json_object_set_new(copy, "map", json_null());
	json_object_set_new(json_object_get(copy, "at"), "line", json_integer(20));
	json_array_append_new(json_object_get(j, "metrics"), copy);
	snprintf(want, sizeof(want),
		 "t.json: metrics[3].name: metric \"timer_starts_total\" is "
		 "also metrics[0] (from /etc/ebpfexp/timers.yaml:4:7 and "
		 "/etc/ebpfexp/timers.yaml:20:7): a metric appears once%s",
		 again);
	is_str(parse_msg(j, &err), want,
	       "a metric twice is refused, naming the file, the metric and both places");

	j = example_json();
	json_object_set_new(at(j, "metrics", 0), "name", json_string("x 1\nevil_total"));
	snprintf(want, sizeof(want),
		 "t.json: metrics[0].name: \"x 1\\nevil_total\": not a valid "
		 "metric name (letters, digits and _, not starting with a digit; it is also the "
		 "map name): the loader refuses such a name%s",
		 again);
	is_str(parse_msg(j, &err), want,
	       "a newline in a metric name is refused, escaped, with the loader's reason");

	j = example_json();
	json_object_set_new(at(at(j, "metrics", 0), "labels", 0), "name", json_string("a\"b"));
	snprintf(want, sizeof(want),
		 "t.json: metrics[0].labels[0].name: \"a\\\"b\": not a valid "
		 "label name (letters, digits and _, not starting with a digit): the loader "
		 "refuses such a name%s",
		 again);
	is_str(parse_msg(j, &err), want, "a quote in a label name is refused the same way");

	j = example_json();
	json_object_set_new(at(at(j, "metrics", 0), "labels", 1), "name", json_string("function"));
	snprintf(want, sizeof(want),
		 "t.json: metrics[0].labels[1].name: label \"function\" is "
		 "also labels[0] (from /etc/ebpfexp/timers.yaml:7:11 and "
		 "/etc/ebpfexp/timers.yaml:13:11): a label appears once in a metric%s",
		 again);
	is_str(parse_msg(j, &err), want, "a label twice in a metric is refused, naming both");

	j = example_json();
	json_object_set_new(j, "name", json_string("../evil"));
	parse_msg(j, &err);
	is_int(err, -EINVAL, "a config name with a slash is refused by the same rule");
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/ebpfexp-manifest.XXXXXX");
	if (!mkdtemp(root)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_roundtrip();
	test_malformed();
	test_names();
	test_write_errors();
	test_sha256();
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
