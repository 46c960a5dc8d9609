/*
 * cgroup: a decimal cgroup id -> the absolute path of that cgroup's directory (§6.13,
 * §9.1), e.g. "/sys/fs/cgroup/unified/system.slice" on a hybrid host; otherwise
 * "unknown_cgroup_id:<id>". A cgroup2 id is the inode number of its directory. Only the
 * cgroup2 mount (the first in mountinfo) is walked, never v1 hierarchies, whose inode
 * numbers collide with cgroup2 ids. The walk happens once per context, on first use:
 * directories only, no symlinks, entries that vanish meanwhile are skipped. A cgroup
 * removed since an earlier context can still resolve through the paths its caller
 * remembered (decode_cgroups_remember()); this file marks which ids it resolved, and
 * leaves where they are kept between contexts to the caller. An id found in neither is
 * looked up in the loader's cgroup record (cgrecord.h, decode_opts.cgroup_record), read on
 * the first such miss: a cgroup made and removed between two runs keeps its path.
 */
#include "decoders.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "cgrecord.h"
#include "cgroup2.h"
#include "idsearch.h"

struct cgroup_entry {
	uint64_t ino;
	size_t path; /* offset of the NUL-terminated path in cgroups.paths */
	size_t seq;  /* walk order: the last of equal inodes wins */
	bool used;   /* resolved a key in this context */
};

/* A cgroup remembered from an earlier context. */
struct cgroup_memo {
	uint64_t ino;
	int64_t last_lookup;
	size_t path; /* offset in cgroups.memo_paths */
	size_t seq;  /* the caller's order */
	bool used;
};

struct cgroups {
	bool walked;
	struct strbuf paths;
	struct cgroup_entry *e;
	size_t n, cap;
	struct strbuf memo_paths;
	struct cgroup_memo *memo; /* sorted by ino, one per ino */
	size_t n_memo;
	struct decode_cgroup *keep; /* the last answer of cgroup_to_keep() */
	struct cgrecord_file rec;   /* the loader's record, once an id missed both */
	bool rec_loaded;
	bool *rec_used; /* per rec entry: resolved a key in this context */
	size_t n_rec_used;
};

static struct cgroups *cgroups_get(struct decode_ctx *ctx)
{
	if (!ctx->cgroups)
		ctx->cgroups = calloc(1, sizeof(*ctx->cgroups));
	return ctx->cgroups;
}

static int cgroup_add(struct cgroups *cg, uint64_t ino, const char *path, size_t len)
{
	size_t off = cg->paths.len;
	int err;

	if (cg->n == cg->cap) {
		size_t cap = cg->cap ? cg->cap * 2 : 256;
		struct cgroup_entry *p = reallocarray(cg->e, cap, sizeof(*p));

		if (!p)
			return -ENOMEM;
		cg->e = p;
		cg->cap = cap;
	}
	/* The walk builds "" for a root mounted at "/". */
	err = len ? strbuf_add(&cg->paths, path, len) : strbuf_addch(&cg->paths, '/');
	if (!err)
		err = strbuf_addch(&cg->paths, '\0');
	if (err)
		return err;
	cg->e[cg->n] = (struct cgroup_entry){ino, off, cg->n, false};
	cg->n++;
	return 0;
}

static int cgroup_walked(void *arg, const char *path, size_t len, uint64_t ino)
{
	return cgroup_add(arg, ino, path, len);
}

static int cgroup_entry_cmp(const void *a, const void *b)
{
	const struct cgroup_entry *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cgroup_load(struct decode_ctx *ctx, struct diag *d)
{
	const char *mountinfo =
		ctx->opts.mountinfo_path ? ctx->opts.mountinfo_path : "/proc/self/mountinfo";
	struct cgroups *cg = cgroups_get(ctx);
	struct strbuf root = {0};
	struct diag quiet = {0};
	int err = 0, fd;

	if (!cg)
		return -ENOMEM;
	cg->walked = true;
	if (ctx->opts.cgroup_root)
		err = strbuf_addstr(&root, ctx->opts.cgroup_root);
	else {
		char *mnt = NULL;

		err = cgroup2_find_mount(mountinfo, &mnt, &quiet);
		if (!err)
			err = strbuf_addstr(&root, mnt);
		free(mnt);
	}
	if (err == -ENOMEM) {
		strbuf_release(&root);
		diag_release(&quiet);
		return err;
	}
	/* No cgroup2 (or no mountinfo): every id is unknown, as in ebpf_exporter. */
	if (err == -ENOENT && !quiet.n_msgs)
		diag_warn(d, NULL, "no cgroup2 mount in %s: every cgroup id decodes as unknown",
			  mountinfo);
	else if (err)
		diag_warn(d, NULL, "%s: every cgroup id decodes as unknown", diag_last(&quiet));
	diag_release(&quiet);
	if (err) {
		strbuf_release(&root);
		return 0;
	}
	fd = open(root.buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		diag_warn(d, NULL, "open %s: %s: every cgroup id decodes as unknown", root.buf,
			  strerror(err));
		strbuf_release(&root);
		return 0;
	}
	/* The walk adds a '/' before each name: none at the end of the root. */
	while (root.len && root.buf[root.len - 1] == '/')
		root.buf[--root.len] = '\0';
	err = cgroup2_walk_fd(fd, &root, 0, cgroup_walked, cg);
	strbuf_release(&root);
	if (err)
		return err;
	qsort(cg->e, cg->n, sizeof(cg->e[0]), cgroup_entry_cmp);
	return 0;
}

/* Sorted by (ino, seq): the last of equal inodes is the one the walk saw last. */
static struct cgroup_entry *cgroup_find(const struct cgroups *cg, uint64_t ino)
{
	return idsearch_last(cg->e, cg->n, sizeof(*cg->e), offsetof(struct cgroup_entry, ino), ino);
}

/* One per ino. */
static struct cgroup_memo *cgroup_memo_find(const struct cgroups *cg, uint64_t ino)
{
	return idsearch_first(cg->memo, cg->n_memo, sizeof(*cg->memo),
			      offsetof(struct cgroup_memo, ino), ino);
}

int cgroup_decode(struct decode_ctx *ctx, const struct config_decoder *dec, const uint8_t *in,
		  size_t len, struct strbuf *out, struct diag *d)
{
	struct cgroup_entry *live;
	struct cgroup_memo *memo;
	struct cgroups *cg;
	int64_t id;
	int err;

	(void)dec;
	err = decoders_atoi_diag(in, len, &id, d);
	if (err)
		return err;
	if (!ctx->cgroups || !ctx->cgroups->walked) {
		err = cgroup_load(ctx, d);
		if (err)
			return diag_err(d, err, NULL, "walking the cgroup2 tree: %s",
					strerror(-err));
	}
	cg = ctx->cgroups;
	if (id >= 0 && (live = cgroup_find(cg, (uint64_t)id))) {
		live->used = true;
		return strbuf_addstr(out, cg->paths.buf + live->path);
	}
	if (id >= 0 && (memo = cgroup_memo_find(cg, (uint64_t)id))) {
		memo->used = true;
		return strbuf_addstr(out, cg->memo_paths.buf + memo->path);
	}
	if (id >= 0 && ctx->opts.cgroup_record) {
		const struct cgrecord_entry *re;

		if (!cg->rec_loaded) {
			cg->rec_loaded = true;
			err = cgrecord_load(&cg->rec, ctx->opts.cgroup_record, d);
			if (!err && cg->rec.n && !(cg->rec_used = calloc(cg->rec.n, 1)))
				err = -ENOMEM;
			if (err)
				return diag_err(d, -err, NULL, "cgroup record: %s", strerror(-err));
		}
		re = cgrecord_find(&cg->rec, (uint64_t)id);
		if (re) {
			size_t i = (size_t)(re - cg->rec.e);

			cg->n_rec_used += !cg->rec_used[i];
			cg->rec_used[i] = true;
			return strbuf_addstr(out, re->path);
		}
	}
	err = strbuf_add(out, "unknown_cgroup_id:", 18);
	if (!err)
		err = decoders_add_i64(out, id);
	return err;
}

/* Forgotten: last looked up DECODE_CGROUP_KEEP_S or more before @now (no overflow). */
static bool cgroup_expired(int64_t last_lookup, int64_t now)
{
	return last_lookup < now && (uint64_t)now - (uint64_t)last_lookup >= DECODE_CGROUP_KEEP_S;
}

/* By ino, then by last lookup, then in the caller's order: the last of an ino is kept. */
static int cgroup_memo_cmp(const void *a, const void *b)
{
	const struct cgroup_memo *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	if (x->last_lookup != y->last_lookup)
		return x->last_lookup < y->last_lookup ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void cgroup_forget(struct cgroups *cg)
{
	strbuf_release(&cg->memo_paths);
	free(cg->memo);
	cg->memo = NULL;
	cg->n_memo = 0;
}

int cgroup_remember(struct decode_ctx *ctx, const struct decode_cgroup *c, size_t n, int64_t now)
{
	struct cgroups *cg = cgroups_get(ctx);
	size_t i, k = 0;
	int err = 0;

	if (!cg)
		return -ENOMEM;
	cgroup_forget(cg);
	if (!n)
		return 0;
	cg->memo = calloc(n, sizeof(*cg->memo));
	if (!cg->memo)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		size_t off = cg->memo_paths.len;

		if (!c[i].path || cgroup_expired(c[i].last_lookup, now))
			continue;
		err = strbuf_add(&cg->memo_paths, c[i].path, strlen(c[i].path) + 1);
		if (err) {
			cgroup_forget(cg);
			return err;
		}
		cg->memo[k++] = (struct cgroup_memo){c[i].id, c[i].last_lookup, off, i, false};
	}
	qsort(cg->memo, k, sizeof(cg->memo[0]), cgroup_memo_cmp);
	cg->n_memo = 0;
	for (i = 0; i < k; i++) {
		if (i + 1 < k && cg->memo[i + 1].ino == cg->memo[i].ino)
			continue;
		cg->memo[cg->n_memo++] = cg->memo[i];
	}
	return 0;
}

static int decode_cgroup_cmp(const void *a, const void *b)
{
	const struct decode_cgroup *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int cgroup_to_keep(struct decode_ctx *ctx, int64_t now, const struct decode_cgroup **out, size_t *n)
{
	struct cgroups *cg = ctx->cgroups;
	struct decode_cgroup *keep;
	size_t i, k = 0;

	*out = NULL;
	*n = 0;
	if (!cg)
		return 0;
	/* At most one entry per walked cgroup looked up and per remembered one. */
	keep = reallocarray(cg->keep, cg->n + cg->n_memo + cg->n_rec_used + 1, sizeof(*keep));
	if (!keep)
		return -ENOMEM;
	cg->keep = keep;
	for (i = 0; i < cg->n; i++)
		if (cg->e[i].used)
			keep[k++] = (struct decode_cgroup){cg->e[i].ino, now,
							   cg->paths.buf + cg->e[i].path};
	for (i = 0; i < cg->n_memo; i++) {
		const struct cgroup_memo *m = &cg->memo[i];
		const struct cgroup_entry *live = cgroup_find(cg, m->ino);
		const char *path = cg->memo_paths.buf + m->path;
		/* A last lookup after @now (a clock set back) counts as now, not as younger. */
		int64_t last = m->last_lookup > now ? now : m->last_lookup;

		if (m->used) {
			last = now;
		} else {
			if (live && live->used)
				continue; /* kept above, with its live path */
			if (cgroup_expired(last, now))
				continue;
			/* Alive but not looked up: its current path, its own age. */
			if (live)
				path = cg->paths.buf + live->path;
		}
		keep[k++] = (struct decode_cgroup){m->ino, last, path};
	}
	/* Named by the loader's record only: remembered from now on, as if walked. */
	for (i = 0; cg->rec_used && i < cg->rec.n; i++)
		if (cg->rec_used[i])
			keep[k++] = (struct decode_cgroup){cg->rec.e[i].id, now, cg->rec.e[i].path};
	qsort(keep, k, sizeof(*keep), decode_cgroup_cmp);
	*out = keep;
	*n = k;
	return 0;
}

void cgroup_release(struct decode_ctx *ctx)
{
	struct cgroups *cg = ctx->cgroups;

	if (!cg)
		return;
	strbuf_release(&cg->paths);
	free(cg->e);
	cgroup_forget(cg);
	free(cg->keep);
	cgrecord_file_release(&cg->rec);
	free(cg->rec_used);
	free(cg);
	ctx->cgroups = NULL;
}
