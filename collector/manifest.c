/*
 * manifest: struct manifest <-> a config's manifest in the state dir (statedir.h), as JSON
 * (jansson), schema 1. The loader writes it after attach; the reader rebuilds from it the
 * struct config the loader used, positions included, and trusts nothing else. Reading is
 * strict: an unknown schema, bad JSON or a missing or mistyped field is an error naming the
 * file and the field path ("metrics[2].labels[0].size"). Fields this reader does not know are
 * ignored, so that additions that change no meaning need no new schema. Also: SHA-256 of the
 * object file (libmd's, as on every Debian base system).
 */
#include "manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <sha2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "decoderkind.h"
#include "promname.h"

/* A manifest is a few KiB; anything far larger is not one. */
#define MANIFEST_MAX_SIZE (64u << 20)

static const char *const metric_kind_names[] = {
	[METRIC_COUNTER] = "counter",
	[METRIC_HISTOGRAM] = "histogram",
};

static const char *const cgroup_map_kind_names[] = {
	[CGROUP_MAP_HASH] = "hash",
	[CGROUP_MAP_CGRP_STORAGE] = "cgrp_storage",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static bool is_lower_hex(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/*
 * Writing. Every builder records the first problem in @w and returns NULL; jansson's
 * setters accept NULL values (and fail), so a tree is built to the end and checked once.
 */

struct mwriter {
	struct diag *d;
	int err;
};

static json_t *w_fail(struct mwriter *w, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static json_t *w_fail(struct mwriter *w, int err, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	if (w->err)
		return NULL;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	w->err = diag_err(w->d, err, NULL, "%s", msg ? msg : "out of memory");
	free(msg);
	return NULL;
}

static json_t *w_oom(struct mwriter *w, json_t *v)
{
	if (!v)
		w_fail(w, ENOMEM, "out of memory");
	return v;
}

static void w_set(struct mwriter *w, json_t *obj, const char *key, json_t *v)
{
	if (!obj || !v) {
		json_decref(v);
		w_oom(w, NULL);
		return;
	}
	if (json_object_set_new(obj, key, v) < 0)
		w_oom(w, NULL);
}

static void w_append(struct mwriter *w, json_t *arr, json_t *v)
{
	if (!arr || !v) {
		json_decref(v);
		w_oom(w, NULL);
		return;
	}
	if (json_array_append_new(arr, v) < 0)
		w_oom(w, NULL);
}

/* A string the schema requires; @what names it for the loader's bug report. */
static json_t *w_str(struct mwriter *w, const char *s, const char *what)
{
	if (!s)
		return w_fail(w, EINVAL, "%s is not set", what);
	return w_oom(w, json_string(s));
}

static json_t *w_str_or_null(struct mwriter *w, const char *s)
{
	return w_oom(w, s ? json_string(s) : json_null());
}

static json_t *w_int(struct mwriter *w, json_int_t v)
{
	return w_oom(w, json_integer(v));
}

static json_t *w_real(struct mwriter *w, double v, const char *what)
{
	if (!isfinite(v))
		return w_fail(w, EINVAL, "%s: %g is not a finite number", what, v);
	return w_oom(w, json_real(v));
}

static json_t *w_pos(struct mwriter *w, const struct pos *at)
{
	json_t *o = w_oom(w, json_object());

	w_set(w, o, "line", w_int(w, at->line));
	w_set(w, o, "col", w_int(w, at->col));
	return o;
}

static json_t *w_strv(struct mwriter *w, char *const *v, size_t n, const char *what)
{
	json_t *a = w_oom(w, json_array());

	for (size_t i = 0; i < n; i++)
		w_append(w, a, w_str(w, v[i], what));
	return a;
}

static json_t *w_decoder(struct mwriter *w, const struct config_decoder *dc)
{
	json_t *o = w_oom(w, json_object()), *sm = NULL;

	w_set(w, o, "name", w_str(w, dc->name, "decoder name"));
	w_set(w, o, "at", w_pos(w, &dc->at));
	if (dc->has_static_map) {
		/* Pairs, not an object: YAML key order and repeated keys must survive [compat]. */
		sm = w_oom(w, json_array());
		for (size_t i = 0; i < dc->n_static; i++) {
			json_t *pair = w_oom(w, json_array());

			w_append(w, pair, w_str(w, dc->static_map[i].key, "static_map key"));
			w_append(w, pair, w_str(w, dc->static_map[i].value, "static_map value"));
			w_append(w, sm, pair);
		}
	}
	w_set(w, o, "static_map", sm ? sm : w_oom(w, json_null()));
	w_set(w, o, "allow_unknown", w_oom(w, json_boolean(dc->allow_unknown)));
	w_set(w, o, "regexps",
	      dc->has_regexps ? w_strv(w, dc->regexps, dc->n_regexps, "decoder regexp")
			      : w_oom(w, json_null()));
	return o;
}

static json_t *w_label(struct mwriter *w, const struct config_label *l)
{
	json_t *o = w_oom(w, json_object()), *decs = w_oom(w, json_array());

	w_set(w, o, "name", w_str(w, l->name, "label name"));
	w_set(w, o, "at", w_pos(w, &l->at));
	w_set(w, o, "size", w_int(w, l->size));
	w_set(w, o, "padding", w_int(w, l->padding));
	if (l->reuse) /* only when set: manifests of configs without it stay as they were */
		w_set(w, o, "reuse", w_oom(w, json_true()));
	for (size_t i = 0; i < l->n_decoders; i++)
		w_append(w, decs, w_decoder(w, &l->decoders[i]));
	w_set(w, o, "decoders", decs);
	return o;
}

static json_t *w_map(struct mwriter *w, const struct manifest_map *mm)
{
	json_t *o = w_oom(w, json_object());

	w_set(w, o, "pin_path", w_str(w, mm->pin_path, "map pin_path"));
	w_set(w, o, "type", w_int(w, mm->type));
	w_set(w, o, "key_size", w_int(w, mm->key_size));
	w_set(w, o, "value_size", w_int(w, mm->value_size));
	w_set(w, o, "max_entries", w_int(w, mm->max_entries));
	w_set(w, o, "id", w_int(w, mm->id));
	return o;
}

static json_t *w_metric(struct mwriter *w, const struct manifest *m, const struct config_metric *cm)
{
	json_t *o = w_oom(w, json_object()), *labels = w_oom(w, json_array());
	json_t *keys = w_oom(w, json_array());
	const struct manifest_map *mm = cm->name ? manifest_find_map(m, cm->name) : NULL;
	const char *bt = config_hist_kind_name(cm->bucket_type);

	if ((unsigned)cm->kind >= ARRAY_SIZE(metric_kind_names))
		w_fail(w, EINVAL, "metric \"%s\": unknown kind %d", cm->name, (int)cm->kind);
	else
		w_set(w, o, "kind", w_str(w, metric_kind_names[cm->kind], "metric kind"));
	w_set(w, o, "name", w_str(w, cm->name, "metric name"));
	w_set(w, o, "help", w_str_or_null(w, cm->help));
	w_set(w, o, "at", w_pos(w, &cm->at));
	w_set(w, o, "perf_event_array", w_oom(w, json_boolean(cm->perf_event_array)));
	if (cm->flush_interval_ns > INT64_MAX)
		w_fail(w, EINVAL, "metric \"%s\": flush_interval_ns is out of range", cm->name);
	w_set(w, o, "flush_interval_ns", w_int(w, (json_int_t)cm->flush_interval_ns));
	if (cm->bucket_type != HIST_NONE && !bt)
		w_fail(w, EINVAL, "metric \"%s\": unknown bucket_type %d", cm->name,
		       (int)cm->bucket_type);
	w_set(w, o, "bucket_type", w_str_or_null(w, bt));
	w_set(w, o, "bucket_multiplier", w_real(w, cm->bucket_multiplier, "bucket_multiplier"));
	w_set(w, o, "bucket_min", w_int(w, cm->bucket_min));
	w_set(w, o, "bucket_max", w_int(w, cm->bucket_max));
	for (size_t i = 0; i < cm->n_bucket_keys; i++)
		w_append(w, keys, w_real(w, cm->bucket_keys[i], "bucket_keys"));
	w_set(w, o, "bucket_keys", keys);
	for (size_t i = 0; i < cm->n_labels; i++)
		w_append(w, labels, w_label(w, &cm->labels[i]));
	w_set(w, o, "labels", labels);
	w_set(w, o, "map", mm ? w_map(w, mm) : w_oom(w, json_null()));
	return o;
}

static json_t *w_prog(struct mwriter *w, const struct manifest_prog *p)
{
	json_t *o = w_oom(w, json_object());

	if (!is_lower_hex(p->tag, 16) && p->tag[0])
		w_fail(w, EINVAL, "program \"%s\": tag \"%.17s\" is not 16 hex digits", p->name,
		       p->tag);
	w_set(w, o, "name", w_str(w, p->name, "program name"));
	w_set(w, o, "section", w_str(w, p->section, "program section"));
	w_set(w, o, "pin_path", w_str_or_null(w, p->pin_path));
	w_set(w, o, "id", w_int(w, p->id));
	w_set(w, o, "tag", w_str(w, p->tag, "program tag"));
	w_set(w, o, "attached", w_oom(w, json_boolean(p->attached)));
	w_set(w, o, "attach_error", w_str_or_null(w, p->attach_error));
	return o;
}

static json_t *w_cgroup_id_map(struct mwriter *w, const struct config_cgroup_id_map *cg)
{
	json_t *o;

	if (!cg->name)
		return w_oom(w, json_null());
	o = w_oom(w, json_object());
	w_set(w, o, "name", w_str(w, cg->name, "cgroup_id_map name"));
	w_set(w, o, "at", w_pos(w, &cg->at));
	if ((unsigned)cg->type >= ARRAY_SIZE(cgroup_map_kind_names))
		w_fail(w, EINVAL, "cgroup_id_map: unknown type %d", (int)cg->type);
	else
		w_set(w, o, "type", w_str(w, cgroup_map_kind_names[cg->type], "type"));
	w_set(w, o, "regexps", w_strv(w, cg->regexps, cg->n_regexps, "cgroup_id_map regexp"));
	return o;
}

static json_t *w_manifest(struct mwriter *w, const struct manifest *m)
{
	const struct config *c = m->config;
	json_t *o = w_oom(w, json_object()), *obj = w_oom(w, json_object());
	json_t *metrics = w_oom(w, json_array()), *kaddrs = w_oom(w, json_array());
	json_t *progs = w_oom(w, json_array());

	if (!is_lower_hex(m->sha256, 64))
		w_fail(w, EINVAL, "object sha256 \"%.65s\" is not 64 hex digits", m->sha256);
	/* Every map must appear under its metric: one map per metric, no map without one. */
	for (size_t i = 0; i < m->n_maps; i++) {
		const struct manifest_map *mm = &m->maps[i];
		bool found = false;

		if (!mm->metric || manifest_find_map(m, mm->metric) != mm) {
			w_fail(w, EINVAL, "map \"%s\": no metric or a second map for it",
			       mm->metric ? mm->metric : "(null)");
			continue;
		}
		for (size_t j = 0; j < c->n_metrics && !found; j++)
			found = c->metrics[j].name && !strcmp(c->metrics[j].name, mm->metric);
		if (!found)
			w_fail(w, EINVAL, "map \"%s\": no metric of that name in the config",
			       mm->metric);
	}
	w_set(w, o, "schema", w_int(w, MANIFEST_SCHEMA));
	w_set(w, o, "name", w_str(w, c->name, "config name"));
	w_set(w, o, "config_path", w_str(w, c->path, "config path"));
	w_set(w, obj, "path", w_str(w, m->object_path, "object path"));
	w_set(w, obj, "sha256", w_str(w, m->sha256, "object sha256"));
	w_set(w, o, "object", obj);
	w_set(w, o, "loaded_at", w_int(w, m->loaded_at));
	w_set(w, o, "loader_pid", w_int(w, m->loader_pid));
	for (size_t i = 0; i < c->n_metrics; i++)
		w_append(w, metrics, w_metric(w, m, &c->metrics[i]));
	w_set(w, o, "metrics", metrics);
	for (size_t i = 0; i < c->n_kaddrs; i++) {
		json_t *k = w_oom(w, json_object());

		w_set(w, k, "symbol", w_str(w, c->kaddrs[i].symbol, "kaddr symbol"));
		w_set(w, k, "at", w_pos(w, &c->kaddrs[i].at));
		w_append(w, kaddrs, k);
	}
	w_set(w, o, "kaddrs", kaddrs);
	w_set(w, o, "cgroup_id_map", w_cgroup_id_map(w, &c->cgroup_id_map));
	w_set(w, o, "tracing", w_oom(w, json_boolean(c->has_tracing)));
	for (size_t i = 0; i < m->n_progs; i++)
		w_append(w, progs, w_prog(w, &m->progs[i]));
	w_set(w, o, "programs", progs);
	if (w->err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int manifest_dump(const struct manifest *m, char **out, struct diag *d)
{
	struct mwriter w = {.d = d};
	char *text = NULL, *nl = NULL;
	json_t *root;

	*out = NULL;
	if (!m->config)
		return diag_err(d, EINVAL, NULL, "manifest: no config");
	root = w_manifest(&w, m);
	if (root)
		text = json_dumps(root, JSON_INDENT(2));
	json_decref(root);
	if (w.err) {
		diag_prefix(d, "manifest for config \"%s\"", m->config->name);
		return w.err;
	}
	if (!text || asprintf(&nl, "%s\n", text) < 0) {
		free(text);
		return diag_err(d, ENOMEM, NULL, "manifest for config \"%s\": out of memory",
				m->config->name);
	}
	free(text);
	*out = nl;
	return 0;
}

int manifest_write(const struct manifest *m, const char *path, unsigned mode, gid_t gid,
		   struct diag *d)
{
	char *text = NULL;
	int err;

	err = manifest_dump(m, &text, d);
	if (!err)
		err = atomicfile_replace_group(AT_FDCWD, path, (mode_t)mode, gid, text,
					       strlen(text), d);
	free(text);
	return err;
}

/*
 * Reading. @where is the path of the JSON value being read ("metrics[2].labels[0]");
 * each getter names "where.key" in its message.
 */

struct mreader {
	const char *path;     /* the manifest file, for messages */
	const char *cfg_path; /* config->path: the file positions refer to */
	struct diag *d;
};

static int r_fail(struct mreader *r, const char *where, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int r_fail(struct mreader *r, const char *where, const char *key, const char *fmt, ...)
{
	struct pos at = {.file = r->path};
	char *msg = NULL;
	va_list ap;
	int err;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	err = diag_err(r->d, EINVAL, &at, "%s%s%s%s%s", where, *where && *key ? "." : "", key,
		       *where || *key ? ": " : "", msg ? msg : "out of memory");
	free(msg);
	return err;
}

static int r_oom(struct mreader *r)
{
	struct pos at = {.file = r->path};

	return diag_err(r->d, ENOMEM, &at, "out of memory");
}

/*
 * A name the reader will print, checked by the loader's rule (promname): a manifest that
 * breaks it would inject lines into a .prom file or make node_exporter drop the file.
 */
static int r_name(struct mreader *r, const char *where, const char *key, const char *name,
		  int (*check)(const char *, char *, size_t))
{
	char why[160], q[80];

	if (!check(name, why, sizeof(why)))
		return 0;
	promname_quote(q, sizeof(q), name);
	return r_fail(r, where, key,
		      "%s: %s: the loader refuses such a name (restart "
		      "ebpfexp-load to rewrite the manifest)",
		      q, why);
}

/* "file:line:col" of @at, or "no position" when it has no line. */
static const char *r_at(char *buf, size_t size, const struct pos *at)
{
	if (!at->line)
		snprintf(buf, size, "no position");
	else
		snprintf(buf, size, "%s:%u:%u", at->file ? at->file : "", at->line, at->col);
	return buf;
}

/* Element @i of array @where.@key, as a path. Ownership: the caller's buffer. */
static const char *r_elem(char *buf, size_t size, const char *where, const char *key, size_t i)
{
	if (snprintf(buf, size, "%s%s%s[%zu]", where, *where ? "." : "", key, i) >= (int)size)
		buf[size - 1] = '\0'; /* a cut path in a message is still useful */
	return buf;
}

/* The object @where.@key, as a path. */
static const char *r_member(char *buf, size_t size, const char *where, const char *key)
{
	if (snprintf(buf, size, "%s%s%s", where, *where ? "." : "", key) >= (int)size)
		buf[size - 1] = '\0';
	return buf;
}

static const char *const json_type_words[] = {
	[JSON_OBJECT] = "an object",   [JSON_ARRAY] = "an array", [JSON_STRING] = "a string",
	[JSON_INTEGER] = "an integer", [JSON_REAL] = "a number",  [JSON_TRUE] = "a boolean",
	[JSON_FALSE] = "a boolean",    [JSON_NULL] = "null",
};

/* The value at @key of type @want; with @nullable, JSON null gives *@out = NULL. */
static int r_get(struct mreader *r, json_t *obj, const char *where, const char *key, json_type want,
		 bool nullable, json_t **out)
{
	json_t *v = json_object_get(obj, key);
	bool match;

	*out = NULL;
	if (!v)
		return r_fail(r, where, key, "missing");
	if (nullable && json_is_null(v))
		return 0;
	switch (want) {
	case JSON_TRUE:
	case JSON_FALSE: match = json_is_boolean(v); break;
	case JSON_REAL: match = json_is_number(v); break;
	default: match = json_typeof(v) == want;
	}
	if (!match)
		return r_fail(r, where, key, "expected %s%s", json_type_words[want],
			      nullable ? " or null" : "");
	*out = v;
	return 0;
}

static int r_str(struct mreader *r, json_t *obj, const char *where, const char *key, bool nullable,
		 char **out)
{
	json_t *v;
	int err = r_get(r, obj, where, key, JSON_STRING, nullable, &v);

	*out = NULL;
	if (err || !v)
		return err;
	*out = strdup(json_string_value(v));
	return *out ? 0 : r_oom(r);
}

static int r_int(struct mreader *r, json_t *obj, const char *where, const char *key, json_int_t min,
		 json_int_t max, json_int_t *out)
{
	json_t *v;
	int err = r_get(r, obj, where, key, JSON_INTEGER, false, &v);

	if (err)
		return err;
	*out = json_integer_value(v);
	if (*out < min || *out > max)
		return r_fail(r, where, key, "%lld is out of range (%lld..%lld)", (long long)*out,
			      (long long)min, (long long)max);
	return 0;
}

static int r_u32(struct mreader *r, json_t *obj, const char *where, const char *key, uint32_t *out)
{
	json_int_t v = 0;
	int err = r_int(r, obj, where, key, 0, UINT32_MAX, &v);

	*out = (uint32_t)v;
	return err;
}

static int r_bool(struct mreader *r, json_t *obj, const char *where, const char *key, bool *out)
{
	json_t *v;
	int err = r_get(r, obj, where, key, JSON_TRUE, false, &v);

	if (!err)
		*out = json_is_true(v);
	return err;
}

static int r_enum(struct mreader *r, json_t *obj, const char *where, const char *key,
		  const char *const *names, size_t n, int *out)
{
	const char *s;
	json_t *v;
	int err = r_get(r, obj, where, key, JSON_STRING, false, &v);

	if (err)
		return err;
	s = json_string_value(v);
	for (size_t i = 0; i < n; i++) {
		if (names[i] && !strcmp(names[i], s)) {
			*out = (int)i;
			return 0;
		}
	}
	return r_fail(r, where, key, "unknown value \"%s\"", s);
}

static int r_pos(struct mreader *r, json_t *obj, const char *where, struct pos *at)
{
	char w[256];
	json_int_t line = 0, col = 0;
	json_t *v;
	int err;

	err = r_get(r, obj, where, "at", JSON_OBJECT, false, &v);
	if (err)
		return err;
	r_member(w, sizeof(w), where, "at");
	err = r_int(r, v, w, "line", 0, UINT32_MAX, &line);
	if (!err)
		err = r_int(r, v, w, "col", 0, UINT32_MAX, &col);
	*at = (struct pos){.file = r->cfg_path, .line = (unsigned)line, .col = (unsigned)col};
	return err;
}

/* calloc() that treats @n == 0 as success with NULL. */
static int r_alloc(struct mreader *r, void **out, size_t n, size_t size)
{
	*out = NULL;
	if (!n)
		return 0;
	*out = calloc(n, size);
	return *out ? 0 : r_oom(r);
}

/* An array of strings into a new char *[] (*@n set as it fills, for the caller's free). */
static int r_strv(struct mreader *r, json_t *a, const char *where, const char *key, char ***out,
		  size_t *n)
{
	size_t len = json_array_size(a);
	char w[256];
	int err;

	*n = 0;
	err = r_alloc(r, (void **)out, len, sizeof(**out));
	for (size_t i = 0; i < len && !err; i++) {
		json_t *v = json_array_get(a, i);

		if (!json_is_string(v))
			return r_fail(r, r_elem(w, sizeof(w), where, key, i), "",
				      "expected a string");
		(*out)[i] = strdup(json_string_value(v));
		if (!(*out)[i])
			return r_oom(r);
		*n = i + 1;
	}
	return err;
}

static int r_decoder(struct mreader *r, json_t *o, const char *where, struct config_decoder *dc)
{
	json_t *sm, *re;
	char w[256];
	int err;

	err = r_str(r, o, where, "name", false, &dc->name);
	/* An unknown name is the reader's "unknown decoder" for this label, not the manifest's. */
	if (!err)
		dc->kind = decoderkind_find(dc->name);
	if (!err)
		err = r_pos(r, o, where, &dc->at);
	if (!err)
		err = r_get(r, o, where, "static_map", JSON_ARRAY, true, &sm);
	if (!err && sm) {
		size_t len = json_array_size(sm);

		dc->has_static_map = true;
		err = r_alloc(r, (void **)&dc->static_map, len, sizeof(*dc->static_map));
		for (size_t i = 0; i < len && !err; i++) {
			json_t *pair = json_array_get(sm, i), *k = json_array_get(pair, 0),
			       *v = json_array_get(pair, 1);
			struct config_static_entry *e = &dc->static_map[i];

			if (json_array_size(pair) != 2 || !json_is_string(k) || !json_is_string(v))
				return r_fail(r, r_elem(w, sizeof(w), where, "static_map", i), "",
					      "expected a [key, value] pair of strings");
			dc->n_static = i + 1;
			e->key = strdup(json_string_value(k));
			e->value = strdup(json_string_value(v));
			if (!e->key || !e->value)
				err = r_oom(r);
		}
	}
	if (!err)
		err = r_bool(r, o, where, "allow_unknown", &dc->allow_unknown);
	if (!err)
		err = r_get(r, o, where, "regexps", JSON_ARRAY, true, &re);
	if (!err && re) {
		dc->has_regexps = true;
		err = r_strv(r, re, where, "regexps", &dc->regexps, &dc->n_regexps);
	}
	return err;
}

static int r_label(struct mreader *r, json_t *o, const char *where, struct config_label *l)
{
	json_t *decs;
	char w[256];
	int err;

	err = r_str(r, o, where, "name", false, &l->name);
	if (!err)
		err = r_name(r, where, "name", l->name, promname_check_label);
	if (!err)
		err = r_pos(r, o, where, &l->at);
	if (!err)
		err = r_u32(r, o, where, "size", &l->size);
	if (!err)
		err = r_u32(r, o, where, "padding", &l->padding);
	if (!err && json_object_get(o, "reuse"))
		err = r_bool(r, o, where, "reuse", &l->reuse);
	if (!err && l->reuse && (l->size || l->padding))
		err = r_fail(r, where, "reuse", "a reused label has no size or padding");
	if (!err)
		err = r_get(r, o, where, "decoders", JSON_ARRAY, false, &decs);
	if (!err) {
		err = r_alloc(r, (void **)&l->decoders, json_array_size(decs),
			      sizeof(*l->decoders));
		if (!err)
			l->n_decoders = json_array_size(decs);
	}
	for (size_t i = 0; i < l->n_decoders && !err; i++) {
		json_t *dj = json_array_get(decs, i);

		r_elem(w, sizeof(w), where, "decoders", i);
		if (!json_is_object(dj))
			return r_fail(r, w, "", "expected an object");
		err = r_decoder(r, dj, w, &l->decoders[i]);
	}
	return err;
}

static int r_map(struct mreader *r, json_t *o, const char *where, const char *metric,
		 struct manifest_map *mm)
{
	char w[256];
	int err;

	r_member(w, sizeof(w), where, "map");
	mm->metric = strdup(metric);
	if (!mm->metric)
		return r_oom(r);
	err = r_str(r, o, w, "pin_path", false, &mm->pin_path);
	if (!err)
		err = r_u32(r, o, w, "type", &mm->type);
	if (!err)
		err = r_u32(r, o, w, "key_size", &mm->key_size);
	if (!err)
		err = r_u32(r, o, w, "value_size", &mm->value_size);
	if (!err)
		err = r_u32(r, o, w, "max_entries", &mm->max_entries);
	if (!err)
		err = r_u32(r, o, w, "id", &mm->id);
	return err;
}

static int r_hist_kind(struct mreader *r, json_t *o, const char *where, enum hist_kind *out)
{
	const char *s;
	json_t *v;
	int err;

	*out = HIST_NONE;
	err = r_get(r, o, where, "bucket_type", JSON_STRING, true, &v);
	if (err || !v)
		return err;
	s = json_string_value(v);
	for (enum hist_kind k = HIST_EXP2; k <= HIST_FIXED; k++) {
		const char *name = config_hist_kind_name(k);

		if (name && !strcmp(name, s)) {
			*out = k;
			return 0;
		}
	}
	return r_fail(r, where, "bucket_type", "unknown value \"%s\"", s);
}

/* One metric; its map, if any, goes to *@mm (set when one was read). */
static int r_metric(struct mreader *r, json_t *o, const char *where, struct config_metric *cm,
		    struct manifest_map *mm, bool *has_map)
{
	json_int_t v = 0;
	json_t *a, *mj;
	char w[256];
	int err, kind = 0;

	*has_map = false;
	err = r_enum(r, o, where, "kind", metric_kind_names, ARRAY_SIZE(metric_kind_names), &kind);
	cm->kind = (enum metric_kind)kind;
	if (!err)
		err = r_str(r, o, where, "name", false, &cm->name);
	if (!err)
		err = r_name(r, where, "name", cm->name, promname_check_metric);
	if (!err)
		err = r_str(r, o, where, "help", true, &cm->help);
	if (!err)
		err = r_pos(r, o, where, &cm->at);
	if (!err)
		err = r_bool(r, o, where, "perf_event_array", &cm->perf_event_array);
	if (!err)
		err = r_int(r, o, where, "flush_interval_ns", 0, INT64_MAX, &v);
	cm->flush_interval_ns = (uint64_t)v;
	if (!err)
		err = r_hist_kind(r, o, where, &cm->bucket_type);
	if (!err)
		err = r_get(r, o, where, "bucket_multiplier", JSON_REAL, false, &a);
	if (!err)
		cm->bucket_multiplier = json_number_value(a);
	if (!err)
		err = r_int(r, o, where, "bucket_min", INT64_MIN, INT64_MAX, &v);
	cm->bucket_min = v;
	if (!err)
		err = r_int(r, o, where, "bucket_max", INT64_MIN, INT64_MAX, &v);
	cm->bucket_max = v;
	if (!err)
		err = r_get(r, o, where, "bucket_keys", JSON_ARRAY, false, &a);
	if (!err)
		err = r_alloc(r, (void **)&cm->bucket_keys, json_array_size(a),
			      sizeof(*cm->bucket_keys));
	for (size_t i = 0; !err && i < json_array_size(a); i++) {
		json_t *k = json_array_get(a, i);

		if (!json_is_number(k))
			return r_fail(r, r_elem(w, sizeof(w), where, "bucket_keys", i), "",
				      "expected a number");
		cm->bucket_keys[i] = json_number_value(k);
		cm->n_bucket_keys = i + 1;
	}
	if (!err)
		err = r_get(r, o, where, "labels", JSON_ARRAY, false, &a);
	if (!err) {
		err = r_alloc(r, (void **)&cm->labels, json_array_size(a), sizeof(*cm->labels));
		if (!err)
			cm->n_labels = json_array_size(a);
	}
	for (size_t i = 0; i < cm->n_labels && !err; i++) {
		json_t *lj = json_array_get(a, i);

		r_elem(w, sizeof(w), where, "labels", i);
		if (!json_is_object(lj))
			return r_fail(r, w, "", "expected an object");
		err = r_label(r, lj, w, &cm->labels[i]);
	}
	if (!err)
		err = r_get(r, o, where, "map", JSON_OBJECT, true, &mj);
	if (!err && mj) {
		*has_map = true;
		err = r_map(r, mj, where, cm->name, mm);
	}
	return err;
}

/* Positions of @a and @b for a message: "FILE:L:C and FILE:L:C". */
static void r_two_places(char *buf, size_t size, const struct pos *a, const struct pos *b)
{
	char pa[96], pb[96];

	snprintf(buf, size, "%s and %s", r_at(pa, sizeof(pa), a), r_at(pb, sizeof(pb), b));
}

/*
 * Metric @i against the ones before it, and its labels against each other: the loader
 * refuses a name twice, and a manifest with one would write a family or a label twice
 * (node_exporter drops the file) and decode one metric with the other's map.
 */
static int r_unique_metric(struct mreader *r, const struct config *c, size_t i)
{
	const struct config_metric *cm = &c->metrics[i];
	char w[64], places[256], q[80];

	for (size_t j = 0; j < i; j++) {
		if (strcmp(c->metrics[j].name, cm->name))
			continue;
		promname_quote(q, sizeof(q), cm->name);
		r_two_places(places, sizeof(places), &c->metrics[j].at, &cm->at);
		r_elem(w, sizeof(w), "", "metrics", i);
		return r_fail(r, w, "name",
			      "metric %s is also metrics[%zu] (from %s): a metric "
			      "appears once (restart ebpfexp-load to rewrite the manifest)",
			      q, j, places);
	}
	for (size_t k = 0; k < cm->n_labels; k++) {
		for (size_t j = 0; j < k; j++) {
			char lw[128];

			if (strcmp(cm->labels[j].name, cm->labels[k].name))
				continue;
			promname_quote(q, sizeof(q), cm->labels[k].name);
			r_two_places(places, sizeof(places), &cm->labels[j].at, &cm->labels[k].at);
			r_elem(w, sizeof(w), "", "metrics", i);
			r_elem(lw, sizeof(lw), w, "labels", k);
			return r_fail(r, lw, "name",
				      "label %s is also labels[%zu] (from %s): a "
				      "label appears once in a metric (restart ebpfexp-load to "
				      "rewrite the manifest)",
				      q, j, places);
		}
	}
	return 0;
}

static int r_cgroup_id_map(struct mreader *r, json_t *root, struct config_cgroup_id_map *cg)
{
	const char *where = "cgroup_id_map";
	json_t *o, *re;
	int err, type = 0;

	err = r_get(r, root, "", "cgroup_id_map", JSON_OBJECT, true, &o);
	if (err || !o)
		return err;
	err = r_str(r, o, where, "name", false, &cg->name);
	if (!err)
		err = r_pos(r, o, where, &cg->at);
	if (!err)
		err = r_enum(r, o, where, "type", cgroup_map_kind_names,
			     ARRAY_SIZE(cgroup_map_kind_names), &type);
	cg->type = (enum cgroup_map_kind)type;
	if (!err)
		err = r_get(r, o, where, "regexps", JSON_ARRAY, false, &re);
	if (!err)
		err = r_strv(r, re, where, "regexps", &cg->regexps, &cg->n_regexps);
	return err;
}

static int r_prog(struct mreader *r, json_t *o, const char *where, struct manifest_prog *p)
{
	char *tag = NULL;
	int err;

	err = r_str(r, o, where, "name", false, &p->name);
	if (!err)
		err = r_str(r, o, where, "section", false, &p->section);
	if (!err)
		err = r_str(r, o, where, "pin_path", true, &p->pin_path);
	if (!err)
		err = r_u32(r, o, where, "id", &p->id);
	if (!err)
		err = r_str(r, o, where, "tag", false, &tag);
	if (!err && tag[0] && !is_lower_hex(tag, 16))
		err = r_fail(r, where, "tag", "expected 16 lowercase hex digits or \"\"");
	if (!err)
		memcpy(p->tag, tag, strlen(tag) + 1);
	free(tag);
	if (!err)
		err = r_bool(r, o, where, "attached", &p->attached);
	if (!err)
		err = r_str(r, o, where, "attach_error", true, &p->attach_error);
	return err;
}

static int r_schema(struct mreader *r, json_t *root, struct manifest *m)
{
	json_t *v = json_object_get(root, "schema");
	json_int_t s;

	if (!v)
		return r_fail(r, "", "schema", "missing (is this an ebpfexp manifest?)");
	if (!json_is_integer(v))
		return r_fail(r, "", "schema", "expected an integer");
	s = json_integer_value(v);
	if (s > MANIFEST_SCHEMA)
		return r_fail(r, "", "",
			      "schema %lld is not supported (this reader knows %d; "
			      "upgrade ebpfexp-read)",
			      (long long)s, MANIFEST_SCHEMA);
	if (s != MANIFEST_SCHEMA)
		return r_fail(r, "", "", "schema %lld is not supported (this reader knows %d)",
			      (long long)s, MANIFEST_SCHEMA);
	m->schema = (int)s;
	return 0;
}

static int r_manifest(struct mreader *r, json_t *root, struct manifest *m)
{
	struct config *c;
	json_t *obj, *a;
	json_int_t v = 0;
	char *sha = NULL;
	char w[256];
	int err;

	if (!json_is_object(root))
		return r_fail(r, "", "", "expected a JSON object at the top level");
	err = r_schema(r, root, m);
	if (err)
		return err;
	c = m->config = calloc(1, sizeof(*c));
	if (!c)
		return r_oom(r);
	err = r_str(r, root, "", "name", false, &c->name);
	if (!err)
		err = r_name(r, "", "name", c->name, promname_check_config);
	if (!err)
		err = r_str(r, root, "", "config_path", false, &c->path);
	r->cfg_path = c->path;
	if (!err)
		err = r_get(r, root, "", "object", JSON_OBJECT, false, &obj);
	if (!err)
		err = r_str(r, obj, "object", "path", false, &m->object_path);
	if (!err)
		err = r_str(r, obj, "object", "sha256", false, &sha);
	if (!err && !is_lower_hex(sha, 64))
		err = r_fail(r, "object", "sha256", "expected 64 lowercase hex digits");
	if (!err)
		memcpy(m->sha256, sha, sizeof(m->sha256));
	free(sha);
	if (!err)
		err = r_int(r, root, "", "loaded_at", INT64_MIN, INT64_MAX, &v);
	m->loaded_at = v;
	if (!err)
		err = r_u32(r, root, "", "loader_pid", &m->loader_pid);
	if (!err)
		err = r_get(r, root, "", "metrics", JSON_ARRAY, false, &a);
	if (!err) {
		size_t n = json_array_size(a);

		err = r_alloc(r, (void **)&c->metrics, n, sizeof(*c->metrics));
		if (!err)
			err = r_alloc(r, (void **)&m->maps, n, sizeof(*m->maps));
		if (!err)
			c->n_metrics = n;
	}
	for (size_t i = 0; i < c->n_metrics && !err; i++) {
		json_t *mj = json_array_get(a, i);
		bool has_map = false;

		r_elem(w, sizeof(w), "", "metrics", i);
		if (!json_is_object(mj))
			return r_fail(r, w, "", "expected an object");
		err = r_metric(r, mj, w, &c->metrics[i], &m->maps[m->n_maps], &has_map);
		if (has_map)
			m->n_maps++;
		if (!err)
			err = r_unique_metric(r, c, i);
	}
	if (!err)
		err = r_get(r, root, "", "kaddrs", JSON_ARRAY, false, &a);
	if (!err)
		err = r_alloc(r, (void **)&c->kaddrs, json_array_size(a), sizeof(*c->kaddrs));
	for (size_t i = 0; !err && i < json_array_size(a); i++) {
		json_t *kj = json_array_get(a, i);

		r_elem(w, sizeof(w), "", "kaddrs", i);
		if (!json_is_object(kj))
			return r_fail(r, w, "", "expected an object");
		c->n_kaddrs = i + 1;
		err = r_str(r, kj, w, "symbol", false, &c->kaddrs[i].symbol);
		if (!err)
			err = r_pos(r, kj, w, &c->kaddrs[i].at);
	}
	if (!err)
		err = r_cgroup_id_map(r, root, &c->cgroup_id_map);
	if (!err)
		err = r_bool(r, root, "", "tracing", &c->has_tracing);
	if (!err)
		err = r_get(r, root, "", "programs", JSON_ARRAY, false, &a);
	if (!err) {
		err = r_alloc(r, (void **)&m->progs, json_array_size(a), sizeof(*m->progs));
		if (!err)
			m->n_progs = json_array_size(a);
	}
	for (size_t i = 0; i < m->n_progs && !err; i++) {
		json_t *pj = json_array_get(a, i);

		r_elem(w, sizeof(w), "", "programs", i);
		if (!json_is_object(pj))
			return r_fail(r, w, "", "expected an object");
		err = r_prog(r, pj, w, &m->progs[i]);
	}
	return err;
}

int manifest_parse(struct manifest **out, const char *json, size_t len, const char *path,
		   struct diag *d)
{
	struct mreader r = {.path = path, .d = d};
	struct manifest *m;
	json_error_t jerr;
	json_t *root;
	int err;

	*out = NULL;
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		struct pos at = {.file = path};

		if (jerr.line > 0) {
			at.line = (unsigned)jerr.line;
			at.col = jerr.column > 0 ? (unsigned)jerr.column : 0;
		}
		return diag_err(d, EINVAL, &at,
				"invalid JSON: %s (restart ebpfexp-load to "
				"rewrite the manifest)",
				jerr.text);
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		json_decref(root);
		return r_oom(&r);
	}
	err = r_manifest(&r, root, m);
	json_decref(root);
	if (err) {
		manifest_free(m);
		return err;
	}
	*out = m;
	return 0;
}

int manifest_read(struct manifest **out, const char *path, struct diag *d)
{
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int fd, err = 0;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		err = -errno;
		return diag_err(d, err, NULL, "open %s: %s", path, strerror(-err));
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
		diag_err(d, err, NULL, "stat %s: %s", path, strerror(-err));
	} else if (!S_ISREG(st.st_mode)) {
		err = diag_err(d, EINVAL, NULL, "%s: not a regular file", path);
	} else if ((uint64_t)st.st_size > MANIFEST_MAX_SIZE) {
		err = diag_err(d, EFBIG, NULL, "%s: %lld bytes is too large for a manifest", path,
			       (long long)st.st_size);
	} else if (!(buf = malloc((size_t)st.st_size + 1))) {
		err = diag_err(d, ENOMEM, NULL, "%s: out of memory", path);
	}
	/* Read to the end of what we allocated for; the writer replaces, never appends. */
	while (!err && len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			diag_err(d, err, NULL, "read %s: %s", path, strerror(-err));
		} else if (n == 0) {
			break;
		}
		len += n > 0 ? (size_t)n : 0;
	}
	close(fd);
	if (!err)
		err = manifest_parse(out, buf, len, path, d);
	free(buf);
	return err;
}

const struct manifest_map *manifest_find_map(const struct manifest *m, const char *metric)
{
	for (size_t i = 0; i < m->n_maps; i++)
		if (m->maps[i].metric && !strcmp(m->maps[i].metric, metric))
			return &m->maps[i];
	return NULL;
}

void manifest_free(struct manifest *m)
{
	if (!m)
		return;
	config_free(m->config);
	free(m->object_path);
	for (size_t i = 0; i < m->n_maps; i++) {
		free(m->maps[i].metric);
		free(m->maps[i].pin_path);
	}
	free(m->maps);
	for (size_t i = 0; i < m->n_progs; i++) {
		free(m->progs[i].name);
		free(m->progs[i].section);
		free(m->progs[i].pin_path);
		free(m->progs[i].attach_error);
	}
	free(m->progs);
	free(m);
}

int manifest_sha256_file(const char *path, char out[65], struct diag *d)
{
	uint8_t buf[16384];
	SHA2_CTX s;
	int fd, err = 0;

	out[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		err = -errno;
		return diag_err(d, err, NULL, "open %s: %s", path, strerror(-err));
	}
	SHA256Init(&s);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			diag_err(d, err, NULL, "read %s: %s", path, strerror(-err));
			break;
		}
		if (!n)
			break;
		SHA256Update(&s, buf, (size_t)n);
	}
	close(fd);
	if (!err)
		SHA256End(&s, out); /* lowercase hex, NUL-terminated: 65 bytes */
	return err;
}
