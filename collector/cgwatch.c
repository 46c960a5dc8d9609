/*
 * cgwatch: a table of cgroup2 directories (inotify watch, path, id) kept current from inotify
 * events. mkdir and rmdir on cgroupfs go through the VFS, so the parent directory's watch
 * sees IN_CREATE and IN_DELETE for every cgroup, whoever makes it. What to do with a cgroup
 * is the caller's business (the loader's cgroup_id_map).
 */
#include "cgwatch.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cgroup2.h"
#include "strbuf.h"

#define CGWATCH_MASK                                                                               \
	(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR | IN_DONT_FOLLOW)

struct cgwatch_entry {
	int wd;
	char *path;
	uint64_t id;
	bool seen;
};

struct cgwatch {
	int fd;
	char *root;
	size_t n, cap;
	struct cgwatch_entry *e;
};

static struct cgwatch_entry *find_path(struct cgwatch *w, const char *path)
{
	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->e[i].path, path))
			return &w->e[i];
	return NULL;
}

static struct cgwatch_entry *find_wd(struct cgwatch *w, int wd)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->e[i].wd == wd)
			return &w->e[i];
	return NULL;
}

/* Watch @path and record it; @fn hears about it when it is new. Gone already: not an error. */
static int add_one(struct cgwatch *w, const char *path, uint64_t id, cgwatch_fn *fn, void *ctx)
{
	struct cgwatch_entry *e = find_path(w, path);
	int wd;

	wd = inotify_add_watch(w->fd, path, CGWATCH_MASK);
	if (wd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (e && e->id == id) {
		e->wd = wd;
		e->seen = true;
		return 0;
	}
	if (e) { /* same path, another cgroup: the old one went away unnoticed */
		if (fn)
			fn(ctx, e->path, e->id, false);
		e->id = id;
		e->wd = wd;
		e->seen = true;
		if (fn)
			fn(ctx, e->path, e->id, true);
		return 0;
	}
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 64;
		struct cgwatch_entry *ne = realloc(w->e, cap * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		w->e = ne;
		w->cap = cap;
	}
	e = &w->e[w->n];
	e->path = strdup(path);
	if (!e->path)
		return -ENOMEM;
	e->wd = wd;
	e->id = id;
	e->seen = true;
	w->n++;
	if (fn)
		fn(ctx, e->path, e->id, true);
	return 0;
}

struct walk_ctx {
	struct cgwatch *w;
	cgwatch_fn *fn;
	void *ctx;
};

static int walk_one(void *arg, const char *path, size_t len, uint64_t id)
{
	const struct walk_ctx *c = arg;

	if (len >= PATH_MAX) /* inotify takes no longer path: left out, as below it */
		return 0;
	return add_one(c->w, path, id, c->fn, c->ctx);
}

/*
 * @path and every directory below it; directories that vanish meanwhile are skipped. One
 * that cannot be opened is still watched (inotify says why it cannot be, if it cannot).
 */
static int walk(struct cgwatch *w, const char *path, cgwatch_fn *fn, void *ctx)
{
	struct walk_ctx c = {w, fn, ctx};
	struct strbuf sb = {0};
	int err = strbuf_addstr(&sb, path);

	if (!err)
		err = cgroup2_walk(&sb, CGROUP2_WALK_UNOPENED, walk_one, &c);
	strbuf_release(&sb);
	return err;
}

/* Forget @path and everything below it (a rmdir, or a rename away). */
static void remove_tree(struct cgwatch *w, const char *path, cgwatch_fn *fn, void *ctx)
{
	size_t len = strlen(path);

	for (size_t i = 0; i < w->n;) {
		struct cgwatch_entry *e = &w->e[i];

		if (strncmp(e->path, path, len) || (e->path[len] && e->path[len] != '/')) {
			i++;
			continue;
		}
		if (fn)
			fn(ctx, e->path, e->id, false);
		(void)inotify_rm_watch(w->fd, e->wd); /* gone with the directory anyway */
		free(e->path);
		w->e[i] = w->e[--w->n];
	}
}

/* After an overflow: walk again, report what appeared, then what was not seen. */
static int rewalk(struct cgwatch *w, cgwatch_fn *fn, void *ctx)
{
	int err;

	for (size_t i = 0; i < w->n; i++)
		w->e[i].seen = false;
	err = walk(w, w->root, fn, ctx);
	if (err)
		return err;
	for (size_t i = 0; i < w->n;) {
		if (w->e[i].seen) {
			i++;
			continue;
		}
		if (fn)
			fn(ctx, w->e[i].path, w->e[i].id, false);
		free(w->e[i].path);
		w->e[i] = w->e[--w->n];
	}
	return 0;
}

int cgwatch_open(struct cgwatch **out, const char *mountinfo, const char *root, struct diag *d)
{
	struct cgwatch *w = calloc(1, sizeof(*w));
	int err;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0) {
		err = diag_err(d, errno, NULL, "inotify: %s", strerror(errno));
		goto fail;
	}
	if (root) {
		w->root = strdup(root);
		err = w->root ? 0 : -ENOMEM;
	} else {
		err = cgroup2_find_mount(mountinfo, &w->root, d);
		if (err == -ENOENT)
			err = diag_err(d, ENOENT, NULL, "no cgroup2 mount in %s",
				       mountinfo ? mountinfo : "/proc/self/mountinfo");
	}
	if (err)
		goto fail;
	while (strlen(w->root) > 1 && w->root[strlen(w->root) - 1] == '/')
		w->root[strlen(w->root) - 1] = '\0';
	err = walk(w, w->root, NULL, NULL);
	if (err) {
		err = diag_err(d, -err, NULL, "watch cgroups under %s: %s%s", w->root,
			       strerror(-err),
			       err == -ENOSPC ? " (raise fs.inotify.max_user_watches)" : "");
		goto fail;
	}
	*out = w;
	return 0;
fail:
	cgwatch_close(w);
	return err;
}

int cgwatch_fd(const struct cgwatch *w)
{
	return w->fd;
}

const char *cgwatch_root(const struct cgwatch *w)
{
	return w->root;
}

int cgwatch_process(struct cgwatch *w, cgwatch_fn *fn, void *ctx, struct diag *d)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool overflow = false;
	int err = 0;

	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			struct cgwatch_entry *parent;
			char path[PATH_MAX];

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				overflow = true;
				continue;
			}
			if (!(ev->mask & IN_ISDIR) || !ev->len)
				continue;
			parent = find_wd(w, ev->wd);
			if (!parent || snprintf(path, sizeof(path), "%s/%s", parent->path,
						ev->name) >= (int)sizeof(path))
				continue;
			if (ev->mask & (IN_DELETE | IN_MOVED_FROM))
				remove_tree(w, path, fn, ctx);
			else if (ev->mask & (IN_CREATE | IN_MOVED_TO))
				err = walk(w, path, fn, ctx);
			if (err)
				break;
		}
		if (err)
			break;
	}
	if (!err && overflow)
		err = rewalk(w, fn, ctx);
	if (err)
		return diag_err(d, -err, NULL, "watch cgroups under %s: %s", w->root,
				strerror(-err));
	return 0;
}

void cgwatch_each(const struct cgwatch *w, cgwatch_fn *fn, void *ctx)
{
	for (size_t i = 0; i < w->n; i++)
		fn(ctx, w->e[i].path, w->e[i].id, true);
}

void cgwatch_close(struct cgwatch *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		free(w->e[i].path);
	free(w->e);
	free(w->root);
	if (w->fd >= 0)
		close(w->fd);
	free(w);
}
