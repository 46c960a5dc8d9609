/*
 * cgidmap: a cgroup_id_map's entries, one cgroup at a time. The walk and the inotify watch
 * of the cgroup2 tree are cgwatch's, the fan-out to every map cgupkeep's.
 */
#include "cgidmap.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regex.h"

struct cgidmap {
	const struct config *cfg;
	int map_fd;	      /* borrowed from the object */
	struct regex_set *re; /* the map's regexps, over the path */
	int err;	      /* first failure since the last report */
};

int cgidmap_new(struct cgidmap **out, const struct config *cfg, int map_fd, struct diag *d)
{
	const struct config_cgroup_id_map *cc = &cfg->cgroup_id_map;
	struct cgidmap *m;
	int err;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = cfg;
	m->map_fd = map_fd;
	err = regex_set_new(&m->re, cc->regexps, cc->n_regexps, d);
	if (err) {
		free(m);
		return err;
	}
	*out = m;
	return 0;
}

void cgidmap_apply(struct cgidmap *m, const char *path, uint64_t id, bool added)
{
	__u64 one = 1;
	size_t from, to;
	int err = 0, rc;

	if (!added) {
		/* cgrp_storage: the kernel frees a cgroup's storage with the cgroup */
		if (m->cfg->cgroup_id_map.type == CGROUP_MAP_HASH &&
		    bpf_map_delete_elem(m->map_fd, &id) && errno != ENOENT)
			err = -errno;
	} else {
		rc = regex_set_match(m->re, (const uint8_t *)path, strlen(path), &from, &to, NULL);
		if (rc < 0)
			err = rc;
		else if (rc == REGEX_NOMATCH)
			return;
		else if (m->cfg->cgroup_id_map.type == CGROUP_MAP_HASH) {
			if (bpf_map_update_elem(m->map_fd, &id, &one, BPF_ANY))
				err = -errno;
		} else {
			int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			if (fd < 0)
				err = errno == ENOENT ? 0 : -errno; /* gone already */
			else if (bpf_map_update_elem(m->map_fd, &fd, &one, BPF_ANY))
				err = -errno;
			if (fd >= 0)
				close(fd);
		}
	}
	if (err && !m->err)
		m->err = err;
}

int cgidmap_check(struct cgidmap *m, struct diag *d)
{
	const struct config_cgroup_id_map *cc = &m->cfg->cgroup_id_map;
	int err = m->err;

	m->err = 0;
	if (!err)
		return 0;
	return diag_err(d, -err, &cc->at, "config \"%s\": cgroup_id_map \"%s\": %s", m->cfg->name,
			cc->name, strerror(-err));
}

void cgidmap_report(struct cgidmap *m, struct diag *d)
{
	if (m->err)
		diag_warn(d, NULL, "config \"%s\": cgroup_id_map \"%s\": %s", m->cfg->name,
			  m->cfg->cgroup_id_map.name, strerror(-m->err));
	m->err = 0;
}

void cgidmap_free(struct cgidmap *m)
{
	if (!m)
		return;
	regex_set_free(m->re);
	free(m);
}
