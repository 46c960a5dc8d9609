/*
 * config: read NAME.yaml, ebpf_exporter's config format, into struct config with libyaml's
 * document API. ebpf_exporter accepts almost anything and fails later at scrape time; we
 * check strictly instead (unknown keys, wrong types, impossible sizes, bad names) and report
 * every problem found in one run, each at its file:line:col. What needs the BPF object
 * (map types, key sizes) is btfcheck's job; regexps are compiled by decode.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "promname.h"
#include "strbuf.h"

/*
 * Aliases let a small file name the same node many times; the walk below visits nodes
 * through the schema, so it is bounded by depth, but a budget keeps an alias bomb cheap.
 */
#define CONFIG_NODE_BUDGET 200000
/* Bytes of one label; far above any real key (BPF keys live on a 512-byte stack). */
#define CONFIG_LABEL_SIZE_MAX 65536
/* Buckets of one histogram: more would produce a file no one can scrape. */
#define CONFIG_BUCKETS_MAX 65536

static const char *const top_keys[] = {"metrics", "kaddrs", "cgroup_id_map",
				       "tracing", "name",   NULL};
static const char *const metrics_keys[] = {"counters", "histograms", NULL};
static const char *const counter_keys[] = {"name",	     "help", "labels", "perf_event_array",
					   "flush_interval", NULL};
static const char *const histogram_keys[] = {
	"name",	      "help",	    "labels",	   "bucket_type",
	"bucket_min", "bucket_max", "bucket_keys", "bucket_multiplier",
	NULL};
static const char *const label_keys[] = {"name", "size", "padding", "decoders", "reuse", NULL};
static const char *const decoder_keys[] = {"name", "static_map", "allow_unknown", "regexps", NULL};
static const char *const cgroup_keys[] = {"name", "type", "regexps", NULL};
static const char *const bucket_types[] = {"exp2", "exp2zero", "linear", "fixed", NULL};
static const char *const cgroup_types[] = {"hash", "cgrp_storage", NULL};

enum {
	C_NAME,
	C_HELP,
	C_LABELS,
	C_PERF,
	C_FLUSH,
};

enum {
	H_NAME,
	H_HELP,
	H_LABELS,
	H_TYPE,
	H_MIN,
	H_MAX,
	H_KEYS,
	H_MULT,
};

struct parser_msg {
	unsigned line, col;
	size_t seq;
	bool is_warning;
	char *text;
};

struct parser {
	yaml_document_t *doc;
	struct config *c;
	struct diag *d;
	size_t budget;
	bool oom;
	struct parser_msg *msgs; /* kept to be reported in file order */
	size_t n_msgs, cap_msgs;
	char ctx[512]; /* "metric \"x\": label \"y\"": the subject of messages */
	size_t ctx_len;
};

/* ---- messages ---- */

static struct pos node_pos(const struct parser *p, const yaml_node_t *n)
{
	struct pos at = {.file = p->c->path, .line = 1, .col = 1};

	if (n) {
		at.line = (unsigned)n->start_mark.line + 1;
		at.col = (unsigned)n->start_mark.column + 1;
	}
	return at;
}

static void vreport(struct parser *p, bool warn, struct pos at, const char *fmt, va_list ap)
{
	struct parser_msg *m;
	char *body = NULL, *text = NULL;

	if (vasprintf(&body, fmt, ap) < 0) {
		p->oom = true;
		return;
	}
	if (asprintf(&text, "%s%s%s", p->ctx, p->ctx_len ? ": " : "", body) < 0)
		text = NULL;
	free(body);
	if (text && p->n_msgs == p->cap_msgs) {
		size_t cap = p->cap_msgs ? p->cap_msgs * 2 : 16;

		m = reallocarray(p->msgs, cap, sizeof(*m));
		if (m) {
			p->msgs = m;
			p->cap_msgs = cap;
		}
	}
	if (!text || p->n_msgs == p->cap_msgs) {
		free(text);
		p->oom = true;
		return;
	}
	p->msgs[p->n_msgs] = (struct parser_msg){
		.line = at.line, .col = at.col, .seq = p->n_msgs, .is_warning = warn, .text = text};
	p->n_msgs++;
}

static int msg_cmp(const void *a, const void *b)
{
	const struct parser_msg *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Hand the messages to @p->d, sorted by position (and, at one position, as found). */
static void flush_msgs(struct parser *p)
{
	if (p->n_msgs)
		qsort(p->msgs, p->n_msgs, sizeof(*p->msgs), msg_cmp);
	for (size_t i = 0; i < p->n_msgs; i++) {
		struct parser_msg *m = &p->msgs[i];
		struct pos at = {.file = p->c->path, .line = m->line, .col = m->col};

		if (m->is_warning)
			diag_warn(p->d, &at, "%s", m->text);
		else
			diag_err(p->d, EINVAL, &at, "%s", m->text);
		free(m->text);
	}
	free(p->msgs);
	p->msgs = NULL;
	p->n_msgs = p->cap_msgs = 0;
}

__attribute__((format(printf, 3, 4))) static void perr(struct parser *p, const yaml_node_t *n,
						       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, false, node_pos(p, n), fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4))) static void perr_at(struct parser *p, struct pos at,
							  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, false, at, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4))) static void pwarn(struct parser *p, const yaml_node_t *n,
							const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, true, node_pos(p, n), fmt, ap);
	va_end(ap);
}

/* Append "part" to the message subject; returns the length to restore with ctx_pop(). */
__attribute__((format(printf, 2, 3))) static size_t ctx_push(struct parser *p, const char *fmt, ...)
{
	size_t old = p->ctx_len;
	va_list ap;
	int n;

	if (old && old + 2 < sizeof(p->ctx)) {
		memcpy(p->ctx + old, ": ", 3);
		p->ctx_len += 2;
	}
	va_start(ap, fmt);
	n = vsnprintf(p->ctx + p->ctx_len, sizeof(p->ctx) - p->ctx_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		p->ctx_len += (size_t)n;
	if (p->ctx_len >= sizeof(p->ctx))
		p->ctx_len = sizeof(p->ctx) - 1;
	return old;
}

static void ctx_pop(struct parser *p, size_t len)
{
	p->ctx_len = len;
	p->ctx[len] = '\0';
}

static void *xcalloc(struct parser *p, size_t n, size_t size)
{
	void *m;

	if (!n)
		n = 1;
	m = calloc(n, size);
	if (!m)
		p->oom = true;
	return m;
}

static char *xstrdup(struct parser *p, const char *s)
{
	char *r = strdup(s);

	if (!r)
		p->oom = true;
	return r;
}

/* ---- nodes ---- */

static yaml_node_t *node_at(struct parser *p, int id)
{
	if (!p->budget)
		return NULL;
	p->budget--;
	return yaml_document_get_node(p->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static bool is_quoted(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
}

static bool is_null(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE || is_quoted(n))
		return false;
	s = scalar(n);
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

static size_t seq_len(const yaml_node_t *n)
{
	return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static size_t map_len(const yaml_node_t *n)
{
	return (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
}

/* What a node is, for "expected X, got Y". */
static const char *describe(const yaml_node_t *n, char *buf, size_t len)
{
	const char *s;

	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (is_null(n))
		return "nothing";
	s = scalar(n);
	if (strlen(s) > 40)
		snprintf(buf, len, "\"%.37s...\"", s);
	else if (is_quoted(n) && !*s)
		return "an empty string";
	else if (is_quoted(n))
		snprintf(buf, len, "the quoted string \"%s\"", s);
	else
		snprintf(buf, len, "\"%s\"", s);
	return buf;
}

static void expected(struct parser *p, const yaml_node_t *n, const char *field, const char *what)
{
	char buf[96];

	perr(p, n, "%s: expected %s, got %s", field, what, describe(n, buf, sizeof(buf)));
}

/* ---- words ---- */

/* Edit distance with transpositions (optimal string alignment), capped for long words. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[3][65];

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t *cur = row[i % 3], *prev = row[(i - 1) % 3], *prev2 = row[(i + 1) % 3];

		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = prev[j] + 1;

			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (prev[j - 1] + cost < v)
				v = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
		}
	}
	return row[la % 3][lb];
}

const char *config_suggest(const char *word, const char *const *words)
{
	const char *best = NULL;
	size_t best_d = 3, wl;

	if (!word || !words)
		return NULL;
	wl = strlen(word);
	for (size_t i = 0; words[i]; i++) {
		size_t dist = edit_distance(word, words[i]);
		size_t longer = wl > strlen(words[i]) ? wl : strlen(words[i]);

		/* "a" is 2 edits from "ab" and from "hex": only suggest what shares something */
		if (dist < best_d && dist < longer) {
			best = words[i];
			best_d = dist;
		}
	}
	return best;
}

/* "did you mean \"x\"?" or "expected one of: a, b, c", into @sb. */
static void hint(struct strbuf *sb, const char *word, const char *const *words)
{
	const char *s = config_suggest(word, words);

	if (s) {
		strbuf_addf(sb, "did you mean \"%s\"?", s);
		return;
	}
	strbuf_addstr(sb, "expected one of: ");
	for (size_t i = 0; words[i]; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", words[i]);
}

static void bad_word(struct parser *p, const yaml_node_t *n, const char *what, const char *word,
		     const char *const *words)
{
	struct strbuf sb = {0};

	hint(&sb, word, words);
	perr(p, n, "unknown %s \"%s\" (%s)", what, word, strbuf_str(&sb));
	strbuf_release(&sb);
}

static int word_index(const char *word, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		if (!strcmp(word, words[i]))
			return i;
	return -1;
}

/* ---- mappings with a fixed set of keys ---- */

/* The non-empty scalar text of key @key in mapping @n, to name the subject early; or NULL. */
static const char *peek_name(struct parser *p, const yaml_node_t *n, const char *key)
{
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(p->doc, pr->value);

		if (k && v && k->type == YAML_SCALAR_NODE && !strcmp(scalar(k), key))
			return v->type == YAML_SCALAR_NODE && !is_null(v) && *scalar(v) ? scalar(v)
											: NULL;
	}
	return NULL;
}

/*
 * Look up @known keys in mapping @n: vals[i] is the value of known[i] or NULL. Unknown keys,
 * non-scalar keys and repeated keys are errors; @other names the keys that belong to a
 * sibling kind (counter vs histogram) so that the message can say so.
 */
static void map_fields(struct parser *p, const yaml_node_t *n, const char *const *known,
		       yaml_node_t **vals, const char *const *other, const char *other_what)
{
	yaml_node_t *keys[16] = {0};
	size_t nk = 0;

	while (known[nk])
		vals[nk++] = NULL;
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node_at(p, pr->key), *v = node_at(p, pr->value);
		char buf[96];
		int i;

		if (!k || !v)
			return;
		if (k->type != YAML_SCALAR_NODE) {
			perr(p, k, "expected a key name, got %s", describe(k, buf, sizeof(buf)));
			continue;
		}
		i = word_index(scalar(k), known);
		if (i < 0) {
			if (other && word_index(scalar(k), other) >= 0)
				perr(p, k, "%s: %s", scalar(k), other_what);
			else
				bad_word(p, k, "key", scalar(k), known);
			continue;
		}
		if (keys[i]) {
			perr(p, k, "duplicate key \"%s\" (first at %u:%u)", scalar(k),
			     (unsigned)keys[i]->start_mark.line + 1,
			     (unsigned)keys[i]->start_mark.column + 1);
			continue;
		}
		keys[i] = k;
		vals[i] = v;
	}
}

/* ---- scalars ---- */

/* A string field; NULL (with an error) unless it is a scalar, non-empty if @nonempty. */
static const char *get_string(struct parser *p, const yaml_node_t *n, const char *field,
			      const char *what, bool nonempty)
{
	if (n->type != YAML_SCALAR_NODE || (nonempty && (is_null(n) || !*scalar(n)))) {
		expected(p, n, field, what);
		return NULL;
	}
	if (is_null(n))
		return "";
	if (strlen(scalar(n)) != n->data.scalar.length) {
		perr(p, n, "%s: contains a NUL byte", field);
		return NULL;
	}
	return scalar(n);
}

static bool get_bool(struct parser *p, const yaml_node_t *n, const char *field, bool *out)
{
	static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES",
					  "on",	  "On",	  "ON",	  "y",	 "Y",	NULL};
	static const char *const no[] = {"false", "False", "FALSE", "no", "No", "NO",
					 "off",	  "Off",   "OFF",   "n",  "N",	NULL};

	if (n->type == YAML_SCALAR_NODE && !is_quoted(n)) {
		if (word_index(scalar(n), yes) >= 0) {
			*out = true;
			return true;
		}
		if (word_index(scalar(n), no) >= 0) {
			*out = false;
			return true;
		}
	}
	expected(p, n, field, "true or false");
	return false;
}

/* YAML integers we accept: decimal without leading zeros, or 0x hex; optional sign. */
static bool parse_int(const yaml_node_t *n, int64_t *out)
{
	const char *s, *digits;
	char *end;
	long long v;
	int base = 10;

	if (n->type != YAML_SCALAR_NODE || is_quoted(n))
		return false;
	s = scalar(n);
	digits = s + (*s == '-' || *s == '+');
	if (!strncmp(digits, "0x", 2) || !strncmp(digits, "0X", 2))
		base = 16;
	else if (digits[0] == '0' && digits[1])
		return false;
	if (!(*digits >= '0' && *digits <= '9'))
		return false;
	errno = 0;
	v = strtoll(s, &end, base);
	if (errno || *end || end == s)
		return false;
	*out = v;
	return true;
}

static bool get_uint32(struct parser *p, const yaml_node_t *n, const char *field, const char *what,
		       uint32_t min, uint32_t *out)
{
	int64_t v;

	if (!parse_int(n, &v) || v < min) {
		expected(p, n, field, what);
		return false;
	}
	if (v > CONFIG_LABEL_SIZE_MAX) {
		perr(p, n, "%s: %lld is more than %d bytes", field, (long long)v,
		     CONFIG_LABEL_SIZE_MAX);
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

static bool parse_double(const yaml_node_t *n, double *out)
{
	const char *s;
	char *end;
	double v;

	if (n->type != YAML_SCALAR_NODE || is_quoted(n))
		return false;
	s = scalar(n);
	if (!*s || strchr(s, 'x') || strchr(s, 'X'))
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

/*
 * Go's time.ParseDuration: a sequence of decimal numbers, each with an optional fraction and
 * a unit (ns, us, µs, μs, ms, s, m, h), like "1h30m" or "1.5s"; "0" alone is zero.
 */
static bool parse_go_duration(const char *s, uint64_t *out)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {
		{"ns", 1ULL},		{"us", 1000ULL},	 {"\xc2\xb5s", 1000ULL},
		{"\xce\xbcs", 1000ULL}, {"ms", 1000000ULL},	 {"s", 1000000000ULL},
		{"m", 60000000000ULL},	{"h", 3600000000000ULL},
	};
	uint64_t total = 0;

	if (*s == '+')
		s++;
	if (!strcmp(s, "0")) {
		*out = 0;
		return true;
	}
	if (!*s)
		return false;
	while (*s) {
		uint64_t whole = 0, frac = 0, scale = 1, unit = 0, v;
		bool digits = false;
		size_t ul = 0;

		for (; *s >= '0' && *s <= '9'; s++, digits = true) {
			if (whole > (UINT64_MAX - 9) / 10)
				return false;
			whole = whole * 10 + (uint64_t)(*s - '0');
		}
		if (*s == '.') {
			for (s++; *s >= '0' && *s <= '9'; s++, digits = true) {
				if (scale < 1000000000000000000ULL) {
					frac = frac * 10 + (uint64_t)(*s - '0');
					scale *= 10;
				}
			}
		}
		if (!digits)
			return false;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].unit);

			/* the longest unit that matches: "ms" before "m" */
			if (!strncmp(s, units[i].unit, l) && l > ul) {
				ul = l;
				unit = units[i].ns;
			}
		}
		if (!unit)
			return false;
		s += ul;
		if (whole > UINT64_MAX / unit)
			return false;
		v = whole * unit + (uint64_t)((double)frac * ((double)unit / (double)scale));
		if (v < whole * unit || total > UINT64_MAX - v)
			return false;
		total += v;
	}
	*out = total;
	return true;
}

/* ---- decoders and labels ---- */

static int static_idx_cmp(const void *a, const void *b, void *arg)
{
	const struct config_static_entry *e = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(e[x].key, e[y].key);

	return c ? c : (x > y) - (x < y);
}

/* Duplicate keys, found by sorting: a static_map may be large (syscall names, say). */
static void static_map_dups(struct parser *p, const struct config_decoder *dec,
			    yaml_node_t *const *key_nodes)
{
	size_t *idx = xcalloc(p, dec->n_static, sizeof(*idx));

	if (!idx)
		return;
	for (size_t i = 0; i < dec->n_static; i++)
		idx[i] = i;
	qsort_r(idx, dec->n_static, sizeof(*idx), static_idx_cmp, dec->static_map);
	for (size_t i = 1; i < dec->n_static; i++) {
		if (strcmp(dec->static_map[idx[i - 1]].key, dec->static_map[idx[i]].key))
			continue;
		perr(p, key_nodes[idx[i]], "static_map: duplicate key \"%s\" (first at %u:%u)",
		     dec->static_map[idx[i]].key,
		     (unsigned)key_nodes[idx[i - 1]]->start_mark.line + 1,
		     (unsigned)key_nodes[idx[i - 1]]->start_mark.column + 1);
	}
	free(idx);
}

static void parse_static_map(struct parser *p, const yaml_node_t *n, struct config_decoder *dec)
{
	yaml_node_t **key_nodes;
	size_t len;

	dec->has_static_map = true;
	if (is_null(n))
		return;
	if (n->type != YAML_MAPPING_NODE) {
		expected(p, n, "static_map", "a mapping of key text to label value");
		return;
	}
	len = map_len(n);
	dec->static_map = xcalloc(p, len, sizeof(*dec->static_map));
	key_nodes = xcalloc(p, len, sizeof(*key_nodes));
	for (size_t i = 0; dec->static_map && key_nodes && i < len; i++) {
		const yaml_node_pair_t *pr = &n->data.mapping.pairs.start[i];
		yaml_node_t *k = node_at(p, pr->key), *v = node_at(p, pr->value);
		struct config_static_entry *e;
		const char *ks, *vs;
		char buf[96];

		if (!k || !v)
			break;
		if (k->type != YAML_SCALAR_NODE) {
			perr(p, k, "static_map: expected a scalar key, got %s",
			     describe(k, buf, sizeof(buf)));
			continue;
		}
		if (v->type != YAML_SCALAR_NODE) {
			perr(p, v, "static_map: \"%s\": expected a label value, got %s", scalar(k),
			     describe(v, buf, sizeof(buf)));
			continue;
		}
		/* [compat] keys and values are the literal scalar text; a null value is "" */
		ks = scalar(k);
		vs = is_null(v) ? "" : scalar(v);
		if (strlen(ks) != k->data.scalar.length ||
		    (!is_null(v) && strlen(vs) != v->data.scalar.length)) {
			perr(p, k, "static_map: \"%s\": contains a NUL byte", ks);
			continue;
		}
		e = &dec->static_map[dec->n_static];
		e->key = xstrdup(p, ks);
		e->value = xstrdup(p, vs);
		if (!e->key || !e->value) {
			free(e->key);
			free(e->value);
			break;
		}
		key_nodes[dec->n_static++] = k;
	}
	if (key_nodes && !p->oom)
		static_map_dups(p, dec, key_nodes);
	free(key_nodes);
}

/* A list of non-empty strings (regexps). */
static void parse_regexps(struct parser *p, const yaml_node_t *n, size_t *n_out, char ***out)
{
	size_t len;
	char **r;

	if (is_null(n))
		return;
	if (n->type != YAML_SEQUENCE_NODE) {
		expected(p, n, "regexps", "a list of regular expressions");
		return;
	}
	len = seq_len(n);
	r = xcalloc(p, len, sizeof(*r));
	if (!r)
		return;
	*out = r;
	for (size_t i = 0; i < len; i++) {
		yaml_node_t *e = node_at(p, n->data.sequence.items.start[i]);
		char field[48];
		const char *s;

		if (!e)
			return;
		snprintf(field, sizeof(field), "regexps[%zu]", i);
		s = get_string(p, e, field, "a regular expression", false);
		if (!s)
			continue;
		r[*n_out] = xstrdup(p, s);
		if (!r[*n_out])
			return;
		(*n_out)++;
	}
}

/*
 * "KEY: only the static_map decoder takes WHAT": @n is @key (enum decoder_keys @flag) on
 * a decoder whose kind does not take it. The kinds that do are named from their table.
 */
static void key_not_taken(struct parser *p, const yaml_node_t *n, const char *key, unsigned flag,
			  const char *what)
{
	struct strbuf sb = {0};
	size_t n_kinds = 0;

	for (int k = DECODER_UNKNOWN + 1; k < DECODER_N_KINDS; k++) {
		const struct decoderkind_info *info = decoderkind_info((enum decoder_kind)k);

		if (info->keys & flag)
			strbuf_addf(&sb, "%s%s", n_kinds++ ? ", " : "", info->name);
	}
	perr(p, n, "%s: only the %s decoder%s %s %s", key, strbuf_str(&sb), n_kinds == 1 ? "" : "s",
	     n_kinds == 1 ? "takes" : "take", what);
	strbuf_release(&sb);
}

static void parse_decoder(struct parser *p, const yaml_node_t *n, size_t idx,
			  struct config_decoder *dec)
{
	yaml_node_t *f[5];
	const char *name = NULL;
	unsigned keys;
	size_t saved;

	dec->at = node_pos(p, n);
	if (n->type != YAML_MAPPING_NODE) {
		char field[48];

		snprintf(field, sizeof(field), "decoders[%zu]", idx);
		expected(p, n, field, "a mapping with \"name\"");
		return;
	}
	if ((name = peek_name(p, n, "name")))
		saved = ctx_push(p, "decoder \"%s\"", name);
	else
		saved = ctx_push(p, "decoders[%zu]", idx);
	map_fields(p, n, decoder_keys, f, NULL, NULL);
	if (!f[0])
		perr(p, n, "missing \"name\" (the decoder, e.g. uint)");
	ctx_pop(p, saved);
	name = NULL;
	if (f[0]) {
		name = get_string(p, f[0], "decoder name", "a decoder name such as uint", true);
		if (name)
			dec->kind = decoderkind_find(name);
		if (name && dec->kind == DECODER_UNKNOWN) {
			bad_word(p, f[0], "decoder", name, decoderkind_names());
			name = NULL;
		}
		if (name)
			dec->name = xstrdup(p, name);
	}
	if (!name)
		return;
	saved = ctx_push(p, "decoder \"%s\"", name);
	keys = decoderkind_info(dec->kind)->keys;
	if (f[1] && !(keys & DECODER_KEY_STATIC_MAP))
		key_not_taken(p, f[1], "static_map", DECODER_KEY_STATIC_MAP, "a static_map");
	else if (f[1])
		parse_static_map(p, f[1], dec);
	else if (keys & DECODER_KEY_STATIC_MAP)
		pwarn(p, n, "no static_map: every value decodes to \"empty mapping\" [compat]");
	if (f[2] && !(keys & DECODER_KEY_ALLOW_UNKNOWN))
		key_not_taken(p, f[2], "allow_unknown", DECODER_KEY_ALLOW_UNKNOWN, "allow_unknown");
	else if (f[2])
		get_bool(p, f[2], "allow_unknown", &dec->allow_unknown);
	if (f[3] && !(keys & DECODER_KEY_REGEXPS)) {
		key_not_taken(p, f[3], "regexps", DECODER_KEY_REGEXPS, "regexps");
	} else if (f[3]) {
		dec->has_regexps = true;
		parse_regexps(p, f[3], &dec->n_regexps, &dec->regexps);
	} else if (keys & DECODER_KEY_REGEXPS) {
		perr(p, n,
		     "missing \"regexps\" (a list of patterns; a value none matches drops "
		     "the sample)");
	}
	ctx_pop(p, saved);
}

static void parse_label(struct parser *p, const yaml_node_t *n, size_t idx, struct config_label *l)
{
	yaml_node_t *f[5];
	const char *name = NULL;
	size_t saved, len;
	char why[160];

	l->at = node_pos(p, n);
	if (n->type != YAML_MAPPING_NODE) {
		char field[48];

		snprintf(field, sizeof(field), "labels[%zu]", idx);
		expected(p, n, field, "a mapping with name, size and decoders");
		return;
	}
	if ((name = peek_name(p, n, "name")))
		saved = ctx_push(p, "label \"%s\"", name);
	else
		saved = ctx_push(p, "labels[%zu]", idx);
	map_fields(p, n, label_keys, f, NULL, NULL);
	if (!f[0]) {
		perr(p, n, "missing \"name\" (the Prometheus label name)");
	} else {
		name = get_string(p, f[0], "name", "a label name", true);
		if (name && promname_check_label(name, why, sizeof(why))) {
			perr(p, f[0], "name: %s", why);
			name = NULL;
		}
		if (name)
			l->name = xstrdup(p, name);
	}
	if (f[4])
		get_bool(p, f[4], "reuse", &l->reuse);
	if (l->reuse && f[1])
		perr(p, f[1],
		     "size: a label with reuse: true decodes the bytes of the label "
		     "before it and has no size of its own (remove size)");
	else if (l->reuse && f[2])
		perr(p, f[2],
		     "padding: a label with reuse: true takes no key bytes, so it has "
		     "no padding (put it on the label whose bytes it reuses)");
	else if (!f[1] && !f[4])
		perr(p, n, "missing \"size\" (bytes of the map key this label decodes)");
	else if (f[1])
		get_uint32(p, f[1], "size", "a positive number of bytes", 1, &l->size);
	if (f[2] && !l->reuse)
		get_uint32(p, f[2], "padding", "a number of bytes (0 or more)", 0, &l->padding);
	if (!f[3] || is_null(f[3])) {
		perr(p, f[3] ? f[3] : n, "no decoders (list at least one, e.g. - name: uint)");
	} else if (f[3]->type != YAML_SEQUENCE_NODE) {
		expected(p, f[3], "decoders", "a list of decoders");
	} else if (!(len = seq_len(f[3]))) {
		perr(p, f[3], "no decoders (list at least one, e.g. - name: uint)");
	} else {
		l->decoders = xcalloc(p, len, sizeof(*l->decoders));
		for (size_t i = 0; l->decoders && i < len; i++) {
			yaml_node_t *e = node_at(p, f[3]->data.sequence.items.start[i]);

			if (!e)
				break;
			parse_decoder(p, e, i, &l->decoders[i]);
			l->n_decoders++;
		}
	}
	ctx_pop(p, saved);
}

/* ---- metrics ---- */

static void parse_labels(struct parser *p, const yaml_node_t *n, struct config_metric *m)
{
	size_t len;

	if (is_null(n))
		return;
	if (n->type != YAML_SEQUENCE_NODE) {
		expected(p, n, "labels", "a list of labels");
		return;
	}
	len = seq_len(n);
	m->labels = xcalloc(p, len, sizeof(*m->labels));
	for (size_t i = 0; m->labels && i < len; i++) {
		yaml_node_t *e = node_at(p, n->data.sequence.items.start[i]);
		struct config_label *l = &m->labels[i];

		if (!e)
			break;
		parse_label(p, e, i, l);
		m->n_labels++;
		if (l->reuse && !i)
			perr(p, e,
			     "label \"%s\": reuse: true, but no label before it has key "
			     "bytes to reuse (give the first label a size)",
			     l->name ? l->name : "");
		for (size_t j = 0; l->name && j < i; j++) {
			if (m->labels[j].name && !strcmp(m->labels[j].name, l->name)) {
				perr(p, e, "label \"%s\": defined twice (first at %u:%u)", l->name,
				     m->labels[j].at.line, m->labels[j].at.col);
				break;
			}
		}
	}
}

static void parse_counter(struct parser *p, yaml_node_t **f, struct config_metric *m)
{
	if (f[C_PERF])
		get_bool(p, f[C_PERF], "perf_event_array", &m->perf_event_array);
	if (!f[C_FLUSH])
		return;
	if (!m->perf_event_array) {
		perr(p, f[C_FLUSH], "flush_interval: only used with perf_event_array: true");
		return;
	}
	if (f[C_FLUSH]->type == YAML_SCALAR_NODE && !is_quoted(f[C_FLUSH])) {
		int64_t v;

		/* [compat] a bare integer is a count of nanoseconds */
		if (parse_int(f[C_FLUSH], &v) && v >= 0) {
			m->flush_interval_ns = (uint64_t)v;
			if (v)
				pwarn(p, f[C_FLUSH],
				      "flush_interval: %lld without a unit means %lld nanoseconds "
				      "[compat] (write e.g. %llds for seconds)",
				      (long long)v, (long long)v, (long long)v);
			return;
		}
	}
	if (f[C_FLUSH]->type != YAML_SCALAR_NODE ||
	    !parse_go_duration(scalar(f[C_FLUSH]), &m->flush_interval_ns))
		expected(p, f[C_FLUSH], "flush_interval", "a duration such as 30s, 5m or 1h30m");
}

static void parse_bucket_keys(struct parser *p, const yaml_node_t *n, struct config_metric *m)
{
	size_t len;

	if (n->type != YAML_SEQUENCE_NODE) {
		expected(p, n, "bucket_keys", "a list of numbers");
		return;
	}
	len = seq_len(n);
	m->bucket_keys = xcalloc(p, len, sizeof(*m->bucket_keys));
	for (size_t i = 0; m->bucket_keys && i < len; i++) {
		yaml_node_t *e = node_at(p, n->data.sequence.items.start[i]);
		char field[48];
		double v;

		if (!e)
			break;
		snprintf(field, sizeof(field), "bucket_keys[%zu]", i);
		if (!parse_double(e, &v)) {
			expected(p, e, field, "a number");
			continue;
		}
		if (m->n_bucket_keys && v <= m->bucket_keys[m->n_bucket_keys - 1]) {
			perr(p, e, "%s: %g does not follow %g (keys must increase)", field, v,
			     m->bucket_keys[m->n_bucket_keys - 1]);
			continue;
		}
		m->bucket_keys[m->n_bucket_keys++] = v;
	}
}

static void parse_histogram(struct parser *p, yaml_node_t **f, const yaml_node_t *n,
			    struct config_metric *m)
{
	bool has_min = false, has_max = false, ok_min = true, ok_max = true;
	const char *t;
	int64_t v;

	if (!f[H_TYPE]) {
		perr(p, n, "missing \"bucket_type\" (one of: exp2, exp2zero, linear, fixed)");
	} else if ((t = get_string(p, f[H_TYPE], "bucket_type", "exp2, exp2zero, linear or fixed",
				   true))) {
		int i = word_index(t, bucket_types);

		if (i < 0)
			bad_word(p, f[H_TYPE], "bucket_type", t, bucket_types);
		else
			m->bucket_type = (enum hist_kind)(HIST_EXP2 + i);
	}
	if (f[H_MULT] &&
	    (!parse_double(f[H_MULT], &m->bucket_multiplier) || m->bucket_multiplier < 0))
		expected(p, f[H_MULT], "bucket_multiplier", "a number (0 or more; 0 means 1)");
	if (f[H_MIN]) {
		has_min = true;
		ok_min = parse_int(f[H_MIN], &v);
		if (ok_min)
			m->bucket_min = v;
		else
			expected(p, f[H_MIN], "bucket_min", "an integer bucket key");
	}
	if (f[H_MAX]) {
		has_max = true;
		ok_max = parse_int(f[H_MAX], &v);
		if (ok_max)
			m->bucket_max = v;
		else
			expected(p, f[H_MAX], "bucket_max", "an integer bucket key");
	}
	if (m->bucket_type == HIST_FIXED) {
		if (has_min)
			perr(p, f[H_MIN],
			     "bucket_min: not used with bucket_type fixed (list "
			     "bucket_keys instead)");
		if (has_max)
			perr(p, f[H_MAX],
			     "bucket_max: not used with bucket_type fixed (list "
			     "bucket_keys instead)");
		if (!f[H_KEYS])
			perr(p, n,
			     "missing \"bucket_keys\" (bucket_type fixed needs a list of "
			     "bucket keys)");
		else if (is_null(f[H_KEYS]) ||
			 (f[H_KEYS]->type == YAML_SEQUENCE_NODE && !seq_len(f[H_KEYS])))
			perr(p, f[H_KEYS],
			     "bucket_keys: empty (bucket_type fixed needs at least "
			     "one bucket key)");
		else
			parse_bucket_keys(p, f[H_KEYS], m);
		return;
	}
	if (f[H_KEYS])
		perr(p, f[H_KEYS], "bucket_keys: only used with bucket_type fixed");
	if (m->bucket_type == HIST_NONE)
		return;
	if (!has_max) {
		perr(p, n, "missing \"bucket_max\" (the last bucket key, e.g. 26)");
	} else if (ok_min && ok_max && m->bucket_max <= m->bucket_min) {
		perr(p, f[H_MAX], "bucket_max (%lld) must be greater than bucket_min (%lld)",
		     (long long)m->bucket_max, (long long)m->bucket_min);
	} else if (ok_min && ok_max &&
		   (uint64_t)m->bucket_max - (uint64_t)m->bucket_min >= CONFIG_BUCKETS_MAX) {
		perr(p, f[H_MAX], "bucket_max: %lld..%lld is more than %d buckets",
		     (long long)m->bucket_min, (long long)m->bucket_max, CONFIG_BUCKETS_MAX);
	}
}

static void parse_metric(struct parser *p, const yaml_node_t *n, enum metric_kind kind, size_t idx,
			 struct config_metric *m)
{
	const char *what = kind == METRIC_COUNTER ? "counters" : "histograms";
	yaml_node_t *f[8];
	const char *name = NULL, *help;
	size_t saved;
	char why[160];

	m->kind = kind;
	m->at = node_pos(p, n);
	if (n->type != YAML_MAPPING_NODE) {
		char field[48];

		snprintf(field, sizeof(field), "%s[%zu]", what, idx);
		expected(p, n, field, "a mapping with name, help and labels");
		return;
	}
	if ((name = peek_name(p, n, "name")))
		saved = ctx_push(p, "metric \"%s\"", name);
	else
		saved = ctx_push(p, "%s[%zu]", what, idx);
	if (kind == METRIC_COUNTER)
		map_fields(p, n, counter_keys, f, histogram_keys + 3,
			   "a histogram setting, not valid for a counter");
	else
		map_fields(p, n, histogram_keys, f, counter_keys + 3,
			   "a counter setting, not valid for a histogram");

	if (!f[0]) {
		perr(p, n, "missing \"name\" (the metric and map name)");
	} else if ((name = get_string(p, f[0], "name", "a metric name", true))) {
		if (promname_check_metric(name, why, sizeof(why)))
			perr(p, f[0], "name: %s", why);
		m->name = xstrdup(p, name);
	}
	if (!f[1])
		perr(p, n, "missing \"help\" (the HELP text for Prometheus)");
	else if ((help = get_string(p, f[1], "help", "a non-empty HELP text", true)))
		m->help = xstrdup(p, help);
	if (f[2])
		parse_labels(p, f[2], m);
	if (m->n_labels && m->labels[m->n_labels - 1].reuse) {
		const struct config_label *l = &m->labels[m->n_labels - 1];

		/* The last label has a meaning of its own: the bucket key, or a CPU's number. */
		if (kind == METRIC_HISTOGRAM)
			perr_at(p, l->at,
				"label \"%s\": reuse: true on the bucket label (the "
				"last label of a histogram must have its own key bytes)",
				l->name ? l->name : "");
		else if (l->name && !strcmp(l->name, "cpu"))
			perr_at(p, l->at,
				"label \"cpu\": reuse: true on a last label named cpu "
				"(on per-CPU maps it is the CPU number; rename it or move it)");
	}
	if (kind == METRIC_COUNTER) {
		parse_counter(p, f, m);
	} else {
		parse_histogram(p, f, n, m);
		if (!m->n_labels)
			perr(p, f[2] ? f[2] : n,
			     "labels: a histogram needs at least one label "
			     "(the last one is the bucket key)");
		for (size_t i = 0; i + 1 < m->n_labels; i++)
			if (m->labels[i].name && !strcmp(m->labels[i].name, "le"))
				perr_at(p, m->labels[i].at,
					"label \"le\": reserved for the "
					"histogram bucket bounds");
	}
	ctx_pop(p, saved);
}

static size_t list_len(const yaml_node_t *n)
{
	return n && n->type == YAML_SEQUENCE_NODE ? seq_len(n) : 0;
}

static void parse_metric_list(struct parser *p, const yaml_node_t *n, enum metric_kind kind)
{
	const char *what = kind == METRIC_COUNTER ? "counters" : "histograms";

	if (is_null(n))
		return;
	if (n->type != YAML_SEQUENCE_NODE) {
		char field[48];

		snprintf(field, sizeof(field), "metrics: %s", what);
		expected(p, n, field,
			 kind == METRIC_COUNTER ? "a list of counters" : "a list of histograms");
		return;
	}
	for (size_t i = 0; i < seq_len(n); i++) {
		yaml_node_t *e = node_at(p, n->data.sequence.items.start[i]);
		struct config_metric *m = &p->c->metrics[p->c->n_metrics];

		if (!e)
			return;
		p->c->n_metrics++;
		parse_metric(p, e, kind, i, m);
		for (size_t j = 0; m->name && j + 1 < p->c->n_metrics; j++) {
			const struct config_metric *o = &p->c->metrics[j];

			if (o->name && !strcmp(o->name, m->name)) {
				perr(p, e, "metric \"%s\": defined twice (first at %u:%u)", m->name,
				     o->at.line, o->at.col);
				break;
			}
		}
	}
}

/* ---- top level ---- */

static void parse_kaddrs(struct parser *p, const yaml_node_t *n)
{
	struct config *c = p->c;
	size_t len;

	if (is_null(n))
		return;
	if (n->type != YAML_SEQUENCE_NODE) {
		expected(p, n, "kaddrs", "a list of kernel symbol names");
		return;
	}
	len = seq_len(n);
	c->kaddrs = xcalloc(p, len, sizeof(*c->kaddrs));
	for (size_t i = 0; c->kaddrs && i < len; i++) {
		yaml_node_t *e = node_at(p, n->data.sequence.items.start[i]);
		char field[48];
		const char *s;
		bool dup = false;

		if (!e)
			return;
		snprintf(field, sizeof(field), "kaddrs[%zu]", i);
		s = get_string(p, e, field, "a kernel symbol name", true);
		if (!s)
			continue;
		if (!promname_is_ident(s)) {
			perr(p, e,
			     "%s: \"%s\" is not a C identifier (the object needs a variable "
			     "kaddr_%s)",
			     field, s, s);
			continue;
		}
		for (size_t j = 0; j < c->n_kaddrs; j++)
			dup = dup || !strcmp(c->kaddrs[j].symbol, s);
		if (dup) {
			perr(p, e, "%s: \"%s\" is listed twice", field, s);
			continue;
		}
		c->kaddrs[c->n_kaddrs].at = node_pos(p, e);
		c->kaddrs[c->n_kaddrs].symbol = xstrdup(p, s);
		if (!c->kaddrs[c->n_kaddrs].symbol)
			return;
		c->n_kaddrs++;
	}
}

static void parse_cgroup_id_map(struct parser *p, const yaml_node_t *n)
{
	struct config_cgroup_id_map *cg = &p->c->cgroup_id_map;
	yaml_node_t *f[3];
	const char *s;
	size_t saved;

	if (n->type != YAML_MAPPING_NODE) {
		expected(p, n, "cgroup_id_map", "a mapping with name, type and regexps");
		return;
	}
	saved = ctx_push(p, "cgroup_id_map");
	cg->at = node_pos(p, n);
	map_fields(p, n, cgroup_keys, f, NULL, NULL);
	if (!f[0])
		perr(p, n, "missing \"name\" (the map of interesting cgroup ids)");
	else if ((s = get_string(p, f[0], "name", "a map name", true)) && !promname_is_ident(s))
		perr(p, f[0], "name: \"%s\" is not a valid map name", s);
	else if (s)
		cg->name = xstrdup(p, s);
	if (f[1] && (s = get_string(p, f[1], "type", "hash or cgrp_storage", true))) {
		int i = word_index(s, cgroup_types);

		if (i < 0)
			bad_word(p, f[1], "type", s, cgroup_types);
		else
			cg->type = i ? CGROUP_MAP_CGRP_STORAGE : CGROUP_MAP_HASH;
	}
	if (!f[2])
		perr(p, n, "missing \"regexps\" (patterns for the cgroup paths to put in the map)");
	else
		parse_regexps(p, f[2], &cg->n_regexps, &cg->regexps);
	ctx_pop(p, saved);
}

static void parse_top(struct parser *p, const yaml_node_t *root)
{
	struct config *c = p->c;
	yaml_node_t *f[5], *mf[2] = {NULL, NULL};
	size_t n = 0;
	char buf[96];

	if (!root || is_null(root)) {
		perr(p, root, "empty config (expected a mapping with \"metrics\")");
		return;
	}
	if (root->type != YAML_MAPPING_NODE) {
		perr(p, root, "expected a mapping with \"metrics\", got %s",
		     describe(root, buf, sizeof(buf)));
		return;
	}
	map_fields(p, root, top_keys, f, NULL, NULL);
	if (f[0] && f[0]->type == YAML_MAPPING_NODE) {
		size_t saved = ctx_push(p, "metrics");

		map_fields(p, f[0], metrics_keys, mf, NULL, NULL);
		ctx_pop(p, saved);
	} else if (f[0] && !is_null(f[0])) {
		expected(p, f[0], "metrics", "a mapping with counters and histograms");
	}
	if (!mf[0] && !mf[1] && !f[3])
		perr(p, f[0] ? f[0] : root,
		     "no metrics (expected \"metrics\" with \"counters\" or \"histograms\")");
	n = list_len(mf[0]) + list_len(mf[1]);
	c->metrics = xcalloc(p, n, sizeof(*c->metrics));
	if (c->metrics) {
		if (mf[0])
			parse_metric_list(p, mf[0], METRIC_COUNTER);
		if (mf[1])
			parse_metric_list(p, mf[1], METRIC_HISTOGRAM);
	}
	if (f[1])
		parse_kaddrs(p, f[1]);
	if (f[2])
		parse_cgroup_id_map(p, f[2]);
	if (f[3]) {
		c->has_tracing = true;
		pwarn(p, f[3],
		      "tracing: spans are not metrics and a textfile collector cannot "
		      "export them; ignored");
	}
	/* [compat] f[4], a top-level name, is ignored: the file name names the config */
}

/* libyaml's marks are 0-based; reader errors only carry a byte offset. */
static void yaml_error(struct parser *p, const yaml_parser_t *yp, const char *buf, size_t len)
{
	struct pos at = {.file = p->c->path, .line = 1, .col = 1};
	const char *problem = yp->problem ? yp->problem : "cannot parse";

	if (yp->error == YAML_MEMORY_ERROR) {
		p->oom = true;
		return;
	}
	if (yp->error == YAML_READER_ERROR) {
		for (size_t i = 0; i < yp->problem_offset && i < len; i++) {
			if (buf[i] == '\n') {
				at.line++;
				at.col = 1;
			} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
				at.col++;
			}
		}
		diag_err(p->d, EINVAL, &at, "YAML: %s", problem);
		return;
	}
	at.line = (unsigned)yp->problem_mark.line + 1;
	at.col = (unsigned)yp->problem_mark.column + 1;
	if (yp->context)
		diag_err(p->d, EINVAL, &at, "YAML: %s (%s at %zu:%zu)", problem, yp->context,
			 yp->context_mark.line + 1, yp->context_mark.column + 1);
	else
		diag_err(p->d, EINVAL, &at, "YAML: %s", problem);
}

int config_parse_buf(struct config **out, const char *buf, size_t len, const char *path,
		     const char *name, struct diag *d)
{
	struct parser p = {.d = d, .budget = CONFIG_NODE_BUDGET};
	yaml_parser_t yp;
	yaml_document_t doc;
	size_t errors_before = d ? d->n_errors : 0;
	struct diag local = {0};
	int err = 0;

	*out = NULL;
	if (!d)
		p.d = d = &local;
	p.c = calloc(1, sizeof(*p.c));
	if (!p.c)
		return diag_err(d, ENOMEM, NULL, "%s: %s", path, strerror(ENOMEM));
	p.c->name = strdup(name ? name : "");
	p.c->path = strdup(path ? path : "");
	if (!p.c->name || !p.c->path || !yaml_parser_initialize(&yp)) {
		config_free(p.c);
		return diag_err(d, ENOMEM, NULL, "%s: %s", path, strerror(ENOMEM));
	}
	yaml_parser_set_input_string(&yp, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&yp, &doc)) {
		yaml_error(&p, &yp, buf, len);
	} else {
		p.doc = &doc;
		parse_top(&p, yaml_document_get_root_node(&doc));
		if (!p.budget)
			diag_err(d, E2BIG, &(struct pos){p.c->path, 1, 1},
				 "too many nodes (aliases expanding to more than %d)",
				 CONFIG_NODE_BUDGET);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&yp);
	flush_msgs(&p);
	if (p.oom)
		err = diag_err(d, ENOMEM, NULL, "%s: %s", path, strerror(ENOMEM));
	else if (d->n_errors > errors_before)
		err = -EINVAL;
	diag_release(&local);
	if (err) {
		config_free(p.c);
		return err;
	}
	*out = p.c;
	return 0;
}

int config_parse_file(struct config **out, const char *path, const char *name, struct diag *d)
{
	struct strbuf sb = {0};
	char chunk[65536];
	FILE *f;
	int err = 0;

	*out = NULL;
	f = fopen(path, "re");
	if (!f) {
		err = errno;
		return diag_err(d, err, NULL, "%s: %s", path, strerror(err));
	}
	for (;;) {
		size_t n = fread(chunk, 1, sizeof(chunk), f);

		if (n && strbuf_add(&sb, chunk, n) < 0) {
			err = diag_err(d, ENOMEM, NULL, "%s: %s", path, strerror(ENOMEM));
			break;
		}
		if (n < sizeof(chunk)) {
			if (ferror(f))
				err = diag_err(d, EIO, NULL, "%s: read: %s", path, strerror(EIO));
			break;
		}
	}
	fclose(f);
	if (!err)
		err = config_parse_buf(out, strbuf_str(&sb), sb.len, path, name, d);
	strbuf_release(&sb);
	return err;
}

/* ---- sets of configs and small helpers ---- */

int config_check_clash(const struct config *c, struct config *const *others, size_t n,
		       struct diag *d)
{
	int err = 0;

	for (size_t mi = 0; mi < c->n_metrics; mi++) {
		const struct config_metric *m = &c->metrics[mi];
		bool found = false;

		for (size_t j = 0; j < n && !found; j++) {
			for (size_t mj = 0; mj < others[j]->n_metrics && !found; mj++) {
				const struct config_metric *o = &others[j]->metrics[mj];

				if (strcmp(o->name, m->name))
					continue;
				found = true;
				err = diag_err(d, EEXIST, &m->at,
					       "metric \"%s\": also defined by config \"%s\" at "
					       "%s:%u:%u (a metric name must come from one config)",
					       m->name, others[j]->name, o->at.file, o->at.line,
					       o->at.col);
			}
		}
	}
	return err;
}

int config_check_set(struct config *const *cfgs, size_t n, struct diag *d)
{
	int err = 0;

	for (size_t i = 0; i < n; i++)
		if (config_check_clash(cfgs[i], cfgs, i, d))
			err = -EEXIST;
	return err;
}

const char *config_hist_kind_name(enum hist_kind k)
{
	switch (k) {
	case HIST_EXP2: return "exp2";
	case HIST_EXP2ZERO: return "exp2zero";
	case HIST_LINEAR: return "linear";
	case HIST_FIXED: return "fixed";
	case HIST_NONE: break;
	}
	return NULL;
}

size_t config_metric_key_size(const struct config_metric *m)
{
	size_t sum = 0;

	if (!m->n_labels)
		return 4;
	for (size_t i = 0; i < m->n_labels; i++)
		sum += (size_t)m->labels[i].size + m->labels[i].padding;
	return sum;
}

size_t config_metric_n_exported_labels(const struct config_metric *m)
{
	if (m->kind == METRIC_HISTOGRAM)
		return m->n_labels ? m->n_labels - 1 : 0;
	return m->n_labels;
}

static void decoder_release(struct config_decoder *dec)
{
	free(dec->name);
	for (size_t i = 0; i < dec->n_static; i++) {
		free(dec->static_map[i].key);
		free(dec->static_map[i].value);
	}
	free(dec->static_map);
	for (size_t i = 0; i < dec->n_regexps; i++)
		free(dec->regexps[i]);
	free(dec->regexps);
}

void config_metric_release(struct config_metric *m)
{
	if (!m)
		return;
	free(m->name);
	free(m->help);
	for (size_t i = 0; i < m->n_labels; i++) {
		struct config_label *l = &m->labels[i];

		free(l->name);
		for (size_t j = 0; j < l->n_decoders; j++)
			decoder_release(&l->decoders[j]);
		free(l->decoders);
	}
	free(m->labels);
	free(m->bucket_keys);
	*m = (struct config_metric){0};
}

void config_free(struct config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_metrics; i++)
		config_metric_release(&c->metrics[i]);
	free(c->metrics);
	for (size_t i = 0; i < c->n_kaddrs; i++)
		free(c->kaddrs[i].symbol);
	free(c->kaddrs);
	free(c->cgroup_id_map.name);
	for (size_t i = 0; i < c->cgroup_id_map.n_regexps; i++)
		free(c->cgroup_id_map.regexps[i]);
	free(c->cgroup_id_map.regexps);
	free(c->name);
	free(c->path);
	free(c);
}
