/*
 * cgroup: a decimal cgroup id -> the absolute path of that cgroup's directory (§6.13,
 * §9.1), e.g. "/sys/fs/cgroup/unified/system.slice" on a hybrid host; otherwise
 * "unknown_cgroup_id:<id>". A cgroup2 id is the inode number of its directory. Only the
 * cgroup2 mount (the first in mountinfo) is walked, never v1 hierarchies, whose inode
 * numbers collide with cgroup2 ids. The walk happens once per context, on first use:
 * directories only, no symlinks, entries that vanish meanwhile are skipped.
 */
#include "decoders.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup2.h"

struct cgroup_entry {
	uint64_t ino;
	size_t path; /* offset of the NUL-terminated path in cgroups.paths */
	size_t seq;  /* walk order: the last of equal inodes wins */
};

struct cgroups {
	bool walked;
	struct strbuf paths;
	struct cgroup_entry *e;
	size_t n, cap;
};

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
	cg->e[cg->n] = (struct cgroup_entry){ino, off, cg->n};
	cg->n++;
	return 0;
}

/* Record the directory open at @fd as @path, then everything below it. Closes @fd. */
static int cgroup_walk(struct cgroups *cg, int fd, struct strbuf *path)
{
	size_t base = path->len;
	struct dirent *de;
	struct stat st;
	DIR *dir;
	int err;

	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		close(fd);
		return 0;
	}
	err = cgroup_add(cg, st.st_ino, path->buf, path->len);
	if (err) {
		close(fd);
		return err;
	}
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return 0;
	}
	while (!err && (de = readdir(dir))) {
		int sub;

		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		/* O_NOFOLLOW and O_DIRECTORY: a symlink or a file is not opened. */
		sub = openat(dirfd(dir), de->d_name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue; /* gone meanwhile, or not a directory */
		path->len = base;
		err = strbuf_addch(path, '/');
		if (!err)
			err = strbuf_addstr(path, de->d_name);
		if (err)
			close(sub);
		else
			err = cgroup_walk(cg, sub, path);
	}
	path->len = base;
	if (path->buf)
		path->buf[base] = '\0';
	closedir(dir);
	return err;
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
	struct cgroups *cg = ctx->cgroups;
	struct strbuf root = {0};
	struct diag quiet = {0};
	int err = 0, fd;

	if (!cg) {
		cg = calloc(1, sizeof(*cg));
		if (!cg)
			return -ENOMEM;
		ctx->cgroups = cg;
	}
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
	err = cgroup_walk(cg, fd, &root);
	strbuf_release(&root);
	if (err)
		return err;
	qsort(cg->e, cg->n, sizeof(cg->e[0]), cgroup_entry_cmp);
	return 0;
}

static const char *cgroup_find(const struct cgroups *cg, uint64_t ino)
{
	size_t lo = 0, hi = cg->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cg->e[mid].ino <= ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && cg->e[lo - 1].ino == ino)
		return cg->paths.buf + cg->e[lo - 1].path;
	return NULL;
}

int cgroup_decode(struct decode_ctx *ctx, const struct config_decoder *dec, const uint8_t *in,
		  size_t len, struct strbuf *out, struct diag *d)
{
	const char *path = NULL;
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
	if (id >= 0)
		path = cgroup_find(ctx->cgroups, (uint64_t)id);
	if (path)
		return strbuf_addstr(out, path);
	err = strbuf_add(out, "unknown_cgroup_id:", 18);
	if (!err)
		err = decoders_add_i64(out, id);
	return err;
}

void cgroup_release(struct decode_ctx *ctx)
{
	struct cgroups *cg = ctx->cgroups;

	if (!cg)
		return;
	strbuf_release(&cg->paths);
	free(cg->e);
	free(cg);
	ctx->cgroups = NULL;
}
