/*
 * cgrecord: the loader keeps its record in memory (insertion order, an open-addressing
 * index by id) and writes it whole, sorted by id, when the main loop asks; the reader
 * parses the file back. Which id resolves how is the cgroup decoder's business.
 */
#include "cgrecord.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "decoderkind.h"
#include "idsearch.h"
#include "statedir.h"
#include "tsv.h"

#define CGRECORD_HEADER "# ebpfexp cgroup record 1\n"

struct rec {
	uint64_t id;
	int64_t made, gone;
	char *path; /* NULL: a free slot, dropped at the next compaction */
};

struct cgrecord {
	size_t max;
	int64_t max_age;
	size_t n, cap;
	struct rec *e;
	uint32_t *idx; /* slot + 1, 0 empty; n_idx is a power of two */
	size_t n_idx;
	size_t n_live; /* slots with a path */
	bool dirty;
};

static size_t hash_id(uint64_t id, size_t n_idx)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	id ^= id >> 33;
	return (size_t)id & (n_idx - 1);
}

/* The index slot of @id, or of the empty place where it would go. */
static uint32_t *idx_slot(const struct cgrecord *r, uint64_t id)
{
	size_t i = hash_id(id, r->n_idx);

	while (r->idx[i] && r->e[r->idx[i] - 1].id != id)
		i = (i + 1) & (r->n_idx - 1);
	return &r->idx[i];
}

/* Index every slot with a path again, in a table at least twice @want large. */
static int idx_rebuild(struct cgrecord *r, size_t want)
{
	size_t n_idx = 64;
	uint32_t *idx;

	while (n_idx < 2 * want)
		n_idx *= 2;
	idx = calloc(n_idx, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	free(r->idx);
	r->idx = idx;
	r->n_idx = n_idx;
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].path)
			*idx_slot(r, r->e[i].id) = (uint32_t)(i + 1);
	return 0;
}

int cgrecord_parse_opt(bool count, const char *s, int64_t *out)
{
	static const struct {
		char c;
		int64_t mul;
	} units[] = {
		{'s', 1},
		{'m', 60},
		{'h', 3600},
		{'d', 86400},
	};
	int64_t mul = 1, v = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > (1 << 30))
			return -EINVAL;
	}
	if (p == s)
		return -EINVAL;
	if (*p && !count) {
		mul = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (*p == units[i].c && !p[1])
				mul = units[i].mul;
		if (!mul)
			return -EINVAL;
	} else if (*p) {
		return -EINVAL;
	}
	*out = v * mul;
	return 0;
}

bool cgrecord_needed(const struct config *c)
{
	for (size_t i = 0; i < c->n_metrics; i++)
		for (size_t l = 0; l < c->metrics[i].n_labels; l++) {
			const struct config_label *lb = &c->metrics[i].labels[l];

			for (size_t k = 0; k < lb->n_decoders; k++)
				if (decoderkind_info(lb->decoders[k].kind)->needs &
				    DECODER_NEEDS_CGROUP_IDS)
					return true;
		}
	return false;
}

int cgrecord_new(struct cgrecord **out, size_t max, int64_t max_age)
{
	struct cgrecord *r = calloc(1, sizeof(*r));
	int err;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->max = max;
	r->max_age = max_age;
	err = idx_rebuild(r, 64);
	if (err) {
		free(r);
		return err;
	}
	*out = r;
	return 0;
}

/* Is @a to be dropped before @b? Gone before alive; the longest gone, then the oldest. */
static bool drop_first(const struct rec *a, const struct rec *b)
{
	if (!!a->gone != !!b->gone)
		return a->gone != 0;
	if (a->gone != b->gone)
		return a->gone < b->gone;
	return a->made < b->made;
}

static int rec_cmp_drop(const void *x, const void *y)
{
	const struct rec *a = *(const struct rec *const *)x, *b = *(const struct rec *const *)y;

	return drop_first(a, b) ? -1 : drop_first(b, a);
}

/* Forget the expired, then the surplus over max; squeeze out the free slots. */
static int prune(struct cgrecord *r, int64_t now)
{
	size_t k = 0;

	for (size_t i = 0; i < r->n; i++) {
		struct rec *e = &r->e[i];

		/* in unsigned arithmetic: no overflow, whatever the clock says */
		if (e->path && e->gone && e->gone < now &&
		    (uint64_t)now - (uint64_t)e->gone >= (uint64_t)r->max_age) {
			free(e->path);
			e->path = NULL;
			r->n_live--;
		}
	}
	if (r->n_live > r->max) {
		struct rec **by = malloc(r->n_live * sizeof(*by));
		size_t m = 0;

		if (!by)
			return -ENOMEM;
		for (size_t i = 0; i < r->n; i++)
			if (r->e[i].path)
				by[m++] = &r->e[i];
		qsort(by, m, sizeof(*by), rec_cmp_drop);
		for (size_t i = 0; i < m - r->max; i++) {
			free(by[i]->path);
			by[i]->path = NULL;
		}
		r->n_live = r->max;
		free(by);
	}
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].path)
			r->e[k++] = r->e[i];
	r->n = k;
	return idx_rebuild(r, r->n);
}

int cgrecord_made(struct cgrecord *r, uint64_t id, const char *path, int64_t now)
{
	uint32_t *slot;
	char *copy;
	int err;

	if (!r->max)
		return 0;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	slot = idx_slot(r, id);
	r->dirty = true;
	if (*slot) { /* seen again (a rewalk, a rename): the newest path */
		struct rec *e = &r->e[*slot - 1];

		free(e->path);
		*e = (struct rec){id, now, 0, copy};
		return 0;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 256;
		struct rec *ne = reallocarray(r->e, cap, sizeof(*ne));

		if (!ne) {
			free(copy);
			return -ENOMEM;
		}
		r->e = ne;
		r->cap = cap;
	}
	r->e[r->n] = (struct rec){id, now, 0, copy};
	*slot = (uint32_t)++r->n;
	r->n_live++;
	/* Between writes, memory stays within twice the cap. */
	if (r->n_live > 2 * r->max)
		return prune(r, now);
	if (2 * r->n >= r->n_idx) {
		err = idx_rebuild(r, r->n);
		if (err)
			return err;
	}
	return 0;
}

int cgrecord_resume(struct cgrecord *r, const char *state_dir, int64_t now, struct diag *d)
{
	struct cgrecord_file f = {0};
	struct strbuf path = {0};
	int err = strbuf_addf(&path, "%s/%s", state_dir, STATEDIR_CGRECORD);

	if (!err)
		err = cgrecord_load(&f, path.buf, d);
	for (size_t i = 0; i < f.n && !err; i++) {
		err = cgrecord_made(r, f.e[i].id, f.e[i].path, f.e[i].made);
		cgrecord_gone(r, f.e[i].id, f.e[i].gone ? f.e[i].gone : now);
	}
	cgrecord_file_release(&f);
	strbuf_release(&path);
	return err;
}

void cgrecord_gone(struct cgrecord *r, uint64_t id, int64_t now)
{
	uint32_t *slot;

	if (!r->max)
		return;
	slot = idx_slot(r, id);
	if (!*slot || r->e[*slot - 1].gone)
		return;
	r->e[*slot - 1].gone = now ? now : 1;
	r->dirty = true;
}

bool cgrecord_dirty(const struct cgrecord *r)
{
	return r->dirty;
}

size_t cgrecord_count(const struct cgrecord *r)
{
	return r->n_live;
}

static int rec_cmp_id(const void *x, const void *y)
{
	const struct rec *a = *(const struct rec *const *)x, *b = *(const struct rec *const *)y;

	return a->id < b->id ? -1 : a->id > b->id;
}

int cgrecord_write(struct cgrecord *r, const char *state_dir, mode_t mode, gid_t gid, int64_t now,
		   struct diag *d)
{
	struct strbuf sb = {0}, path = {0};
	struct rec **by = NULL;
	int err = prune(r, now);

	if (!err)
		err = strbuf_addf(&path, "%s/%s", state_dir, STATEDIR_CGRECORD);
	if (!err && r->n && !(by = malloc(r->n * sizeof(*by))))
		err = -ENOMEM;
	if (!err) {
		for (size_t i = 0; i < r->n; i++)
			by[i] = &r->e[i];
		if (r->n)
			qsort(by, r->n, sizeof(*by), rec_cmp_id);
		err = strbuf_add(&sb, CGRECORD_HEADER, sizeof(CGRECORD_HEADER) - 1);
	}
	for (size_t i = 0; i < r->n && !err; i++) {
		char num[80];
		int len = snprintf(num, sizeof(num), "%llu\t%lld\t%lld\t",
				   (unsigned long long)by[i]->id, (long long)by[i]->made,
				   (long long)by[i]->gone);

		err = strbuf_add(&sb, num, (size_t)len);
		if (!err)
			err = tsv_add_escaped(&sb, by[i]->path);
		if (!err)
			err = strbuf_addch(&sb, '\n');
	}
	free(by);
	if (err) {
		err = diag_err(d, -err, NULL, "%s/%s: %s", state_dir, STATEDIR_CGRECORD,
			       strerror(-err));
	} else {
		err = atomicfile_replace_group(AT_FDCWD, path.buf, mode, gid, sb.buf, sb.len, d);
	}
	if (!err)
		r->dirty = false;
	strbuf_release(&sb);
	strbuf_release(&path);
	return err;
}

void cgrecord_free(struct cgrecord *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->e[i].path);
	free(r->e);
	free(r->idx);
	free(r);
}

/* ---- the reader's side ---- */

static bool parse_line(char *s, char *end, struct cgrecord_entry *e)
{
	char *t[3];
	uint64_t id, made, gone;

	t[0] = memchr(s, '\t', (size_t)(end - s));
	t[1] = t[0] ? memchr(t[0] + 1, '\t', (size_t)(end - t[0] - 1)) : NULL;
	t[2] = t[1] ? memchr(t[1] + 1, '\t', (size_t)(end - t[1] - 1)) : NULL;
	if (!t[2] || !tsv_parse_num(s, t[0], false, &id) ||
	    !tsv_parse_num(t[0] + 1, t[1], true, &made) ||
	    !tsv_parse_num(t[1] + 1, t[2], true, &gone))
		return false;
	if (t[2] + 1 == end || t[2][1] != '/' || !tsv_unescape(t[2] + 1, end))
		return false;
	*e = (struct cgrecord_entry){id, (int64_t)made, (int64_t)gone, t[2] + 1};
	return true;
}

static int entry_cmp(const void *x, const void *y)
{
	const struct cgrecord_entry *a = x, *b = y;

	return a->id < b->id ? -1 : a->id > b->id;
}

int cgrecord_load(struct cgrecord_file *f, const char *path, struct diag *d)
{
	size_t n_lines = 0, n_bad = 0, hl = sizeof(CGRECORD_HEADER) - 1, k = 0;
	char why[160], *s, *end;
	bool sorted = true;
	int err = strbuf_read_private(&f->buf, AT_FDCWD, path, CGRECORD_MAX_SIZE, why, sizeof(why));

	if (err == -ENOENT)
		return 0;
	if (err == -ENOMEM)
		return err;
	f->found = true;
	if (!err && (f->buf.len < hl || memcmp(f->buf.buf, CGRECORD_HEADER, hl))) {
		err = -EINVAL;
		snprintf(why, sizeof(why), "not a cgroup record (first line is not \"%.*s\")",
			 (int)hl - 1, CGRECORD_HEADER);
	}
	if (err) {
		strbuf_reset(&f->buf);
		diag_warn(d, NULL, "%s: %s: cgroups removed before this run decode as unknown",
			  path, why);
		return 0;
	}
	s = f->buf.buf + hl;
	end = f->buf.buf + f->buf.len;
	for (char *p = s; p < end && (p = memchr(p, '\n', (size_t)(end - p))); p++)
		n_lines++;
	f->e = calloc(n_lines ? n_lines : 1, sizeof(*f->e));
	if (!f->e)
		return -ENOMEM;
	while (s < end) {
		char *nl = memchr(s, '\n', (size_t)(end - s));

		if (!nl) { /* a last line without its newline was cut short */
			n_bad++;
			break;
		}
		if (parse_line(s, nl, &f->e[f->n])) {
			if (f->n && f->e[f->n - 1].id >= f->e[f->n].id)
				sorted = false;
			f->n++;
		} else {
			n_bad++;
		}
		s = nl + 1;
	}
	if (!sorted) { /* written sorted; not trusted to be */
		qsort(f->e, f->n, sizeof(*f->e), entry_cmp);
		for (size_t i = 0; i < f->n; i++)
			if (!(i + 1 < f->n && f->e[i + 1].id == f->e[i].id))
				f->e[k++] = f->e[i];
		f->n = k;
	}
	if (n_bad)
		diag_warn(d, NULL, "%s: ignored %zu malformed line(s)", path, n_bad);
	return 0;
}

const struct cgrecord_entry *cgrecord_find(const struct cgrecord_file *f, uint64_t id)
{
	return idsearch_first(f->e, f->n, sizeof(*f->e), offsetof(struct cgrecord_entry, id), id);
}

void cgrecord_file_release(struct cgrecord_file *f)
{
	free(f->e);
	strbuf_release(&f->buf);
	*f = (struct cgrecord_file){0};
}
