/*
 * cgupkeep: one cgroup2 watch fanned out to the cgroup_id_maps and the cgroup record. The
 * maps' entries are cgidmap's, the record's format cgrecord's, the walk cgwatch's.
 */
#include "cgupkeep.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "cgrecord.h"
#include "cgwatch.h"

struct cgupkeep {
	struct cgupkeep_opts o;
	struct cgwatch *cgw;
	size_t n_maps;
	struct cgidmap **maps;	/* borrowed */
	struct cgrecord *cgr;	/* the cgroup record, once a config decodes cgroups */
	int64_t cgr_written_us; /* monotonic time of its last write */
};

static int64_t cgupkeep_clock_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int cgupkeep_new(struct cgupkeep **out, const struct cgupkeep_opts *o)
{
	struct cgupkeep *k = calloc(1, sizeof(*k));

	*out = k;
	if (!k)
		return -ENOMEM;
	k->o = *o;
	return 0;
}

/* Watch the cgroup2 tree (once, for cgroup_id_maps and the cgroup record). */
int cgupkeep_watch(struct cgupkeep *k, struct diag *d)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = k->o.tag};
	int err;

	if (k->cgw)
		return 0;
	err = cgwatch_open(&k->cgw, NULL, NULL, d);
	if (err)
		return err;
	if (epoll_ctl(k->o.epfd, EPOLL_CTL_ADD, cgwatch_fd(k->cgw), &ev))
		return diag_err(d, errno, NULL, "epoll: %s", strerror(errno));
	return 0;
}

/* A cgroup came or went: tell every cgroup_id_map and the record. */
static void cgupkeep_event(void *ctx, const char *path, uint64_t id, bool added)
{
	struct cgupkeep *k = ctx;

	for (size_t i = 0; i < k->n_maps; i++)
		cgidmap_apply(k->maps[i], path, id, added);
	if (k->cgr && added)
		(void)cgrecord_made(k->cgr, id, path, time(NULL)); /* ENOMEM: one name lost */
	else if (k->cgr)
		cgrecord_gone(k->cgr, id, time(NULL));
}

static void cgupkeep_fill_one(void *ctx, const char *path, uint64_t id, bool added)
{
	cgidmap_apply(ctx, path, id, added);
}

int cgupkeep_add_map(struct cgupkeep *k, struct cgidmap *m, struct diag *d)
{
	struct cgidmap **maps;
	int err;

	err = cgupkeep_watch(k, d);
	if (err)
		return err;
	maps = realloc(k->maps, (k->n_maps + 1) * sizeof(*maps));
	if (!maps)
		return -ENOMEM;
	k->maps = maps;
	cgwatch_each(k->cgw, cgupkeep_fill_one, m);
	err = cgidmap_check(m, d);
	if (err)
		return err;
	k->maps[k->n_maps++] = m;
	return 0;
}

void cgupkeep_remove_map(struct cgupkeep *k, struct cgidmap *m)
{
	for (size_t i = 0; i < k->n_maps; i++)
		if (k->maps[i] == m) {
			k->maps[i] = k->maps[--k->n_maps];
			return;
		}
}

static void cgupkeep_record_one(void *ctx, const char *path, uint64_t id, bool added)
{
	(void)added;
	(void)cgrecord_made(ctx, id, path, time(NULL)); /* ENOMEM: one name lost */
}

void cgupkeep_record(struct cgupkeep *k, struct diag *d)
{
	int err;

	if (!k->o.record_max || k->cgr)
		return;
	err = cgupkeep_watch(k, d);
	if (!err)
		err = cgrecord_new(&k->cgr, k->o.record_max, k->o.record_max_age);
	if (!err) /* a previous loader's removed cgroups, then what lives now */
		err = cgrecord_resume(k->cgr, k->o.state_dir, time(NULL), d);
	if (!err) {
		cgwatch_each(k->cgw, cgupkeep_record_one, k->cgr);
		err = cgrecord_write(k->cgr, k->o.state_dir, k->o.mode, k->o.gid, time(NULL), d);
		k->cgr_written_us = cgupkeep_clock_usec();
	}
	if (err)
		diag_warn(d, NULL,
			  "cgroup record: %s: cgroups removed between reader runs will "
			  "decode as unknown",
			  diag_last(d));
}

bool cgupkeep_recording(const struct cgupkeep *k)
{
	return k->cgr != NULL;
}

int cgupkeep_process(struct cgupkeep *k, struct diag *d)
{
	return k->cgw ? cgwatch_process(k->cgw, cgupkeep_event, k, d) : 0;
}

void cgupkeep_flush(struct cgupkeep *k, struct diag *d)
{
	int64_t now = cgupkeep_clock_usec();

	if (!k->cgr || !cgrecord_dirty(k->cgr) || now - k->cgr_written_us < 1000000)
		return;
	k->cgr_written_us = now;
	if (cgrecord_write(k->cgr, k->o.state_dir, k->o.mode, k->o.gid, time(NULL), d))
		diag_prefix(d, "cgroup record");
}

void cgupkeep_free(struct cgupkeep *k)
{
	if (!k)
		return;
	cgrecord_free(k->cgr);
	cgwatch_close(k->cgw);
	free(k->maps);
	free(k);
}
