/*
 * pins: bpffs layout and lifetime. Maps stay pinned across loader restarts so counters keep
 * counting; programs are pinned for bpftool while the loader runs. Attaching is attach's job.
 */
#include "pins.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "mapkind.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif
#ifndef TRACEFS_MAGIC
#define TRACEFS_MAGIC 0x74726163
#endif
#define PINS_BPFFS "/sys/fs/bpf"

/* The filesystem magic of @path's nearest existing ancestor (or itself). */
static int nearest_fs_magic(const char *path, long *magic, char *found, size_t found_len)
{
	char buf[PATH_MAX];
	struct statfs sfs;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (;;) {
		if (statfs(buf, &sfs) == 0) {
			*magic = (long)sfs.f_type;
			snprintf(found, found_len, "%s", buf);
			return 0;
		}
		if (errno != ENOENT)
			return -errno;
		char *slash = strrchr(buf, '/');

		if (!slash || slash == buf)
			return -ENOENT;
		*slash = '\0';
	}
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

static mode_t dir_mode(const struct pins_access *acc)
{
	return acc && acc->gid != (gid_t)-1 ? 0750 : 0700;
}

static int apply_access(const char *path, mode_t mode, const struct pins_access *acc,
			struct diag *d)
{
	if (acc && acc->gid != (gid_t)-1 && chown(path, (uid_t)-1, acc->gid))
		return diag_err(d, errno, NULL, "chown %s to group %u: %s", path,
				(unsigned)acc->gid, strerror(errno));
	if (chmod(path, mode))
		return diag_err(d, errno, NULL, "chmod %s: %s", path, strerror(errno));
	return 0;
}

int pins_ensure_root(const char *root, const struct pins_access *acc, struct diag *d)
{
	char found[PATH_MAX];
	long magic = 0;
	int err;

	err = nearest_fs_magic(root, &magic, found, sizeof(found));
	if (err)
		return diag_err(d, err, NULL, "bpffs root %s: %s", root, strerror(-err));
	if (magic != BPF_FS_MAGIC) {
		size_t n = strlen(PINS_BPFFS);

		if (strncmp(root, PINS_BPFFS, n) || (root[n] && root[n] != '/'))
			return diag_err(d, ENOTSUP, NULL,
					"bpffs root %s: %s is not on a bpf filesystem (mount one: "
					"mount -t bpf bpf %s)",
					root, found, PINS_BPFFS);
		if (mkdir_p(PINS_BPFFS, 0700) ||
		    mount("bpf", PINS_BPFFS, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700"))
			return diag_err(d, errno, NULL,
					"mount bpffs on %s: %s (needs CAP_SYS_ADMIN; or mount it "
					"before: mount -t bpf bpf %s)",
					PINS_BPFFS, strerror(errno), PINS_BPFFS);
	}
	err = mkdir_p(root, dir_mode(acc));
	if (err)
		return diag_err(d, err, NULL, "create %s: %s", root, strerror(-err));
	return apply_access(root, dir_mode(acc), acc, d);
}

int pins_ensure_tracefs(struct diag *d)
{
	static const char *const places[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
	struct statfs sfs;

	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++)
		if (statfs(places[i], &sfs) == 0 && sfs.f_type == TRACEFS_MAGIC)
			return 0;
	if (mount("tracefs", places[0], "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		return diag_err(d, errno, NULL,
				"mount tracefs on %s: %s (tracepoint programs need it)", places[0],
				strerror(errno));
	return 0;
}

int pins_config_dir(char **out, const char *root, const char *name)
{
	if (asprintf(out, "%s/%s", root, name) < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

static const char *map_type_str(unsigned t)
{
	const char *s = mapkind_name(t);

	return s ? s : "unknown";
}

struct map_shape {
	__u32 type, key_size, value_size, max_entries, flags;
};

static struct map_shape shape_of(const struct bpf_map *map)
{
	return (struct map_shape){
		.type = bpf_map__type(map),
		.key_size = bpf_map__key_size(map),
		.value_size = bpf_map__value_size(map),
		.max_entries = bpf_map__max_entries(map),
		.flags = bpf_map__map_flags(map),
	};
}

/* Describe how the pinned map at @fd differs from @want, or return 0 when compatible. */
static int pin_differs(int fd, const struct map_shape *want, char *why, size_t why_len)
{
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		snprintf(why, why_len, "it is not a map (%s)", strerror(errno));
		return 1;
	}
	if (info.type != want->type)
		snprintf(why, why_len, "its type is %s, the object's %s", map_type_str(info.type),
			 map_type_str(want->type));
	else if (info.key_size != want->key_size)
		snprintf(why, why_len, "its key size is %u, the object's %u", info.key_size,
			 want->key_size);
	else if (info.value_size != want->value_size)
		snprintf(why, why_len, "its value size is %u, the object's %u", info.value_size,
			 want->value_size);
	else if (info.max_entries != want->max_entries)
		snprintf(why, why_len, "its max_entries is %u, the object's %u", info.max_entries,
			 want->max_entries);
	else if (info.map_flags != want->flags)
		snprintf(why, why_len, "its flags are 0x%x, the object's 0x%x", info.map_flags,
			 want->flags);
	else
		return 0;
	return 1;
}

static int prepare_one(struct bpf_map *map, const char *config, const char *path, struct diag *d)
{
	char why[160];
	int fd, err;

	fd = bpf_obj_get(path);
	if (fd < 0 && errno != ENOENT)
		return diag_err(d, errno, NULL, "config \"%s\": map \"%s\": open pin %s: %s",
				config, bpf_map__name(map), path, strerror(errno));
	if (fd >= 0) {
		struct map_shape want = shape_of(map);
		int differs = pin_differs(fd, &want, why, sizeof(why));

		close(fd);
		if (differs) {
			diag_warn(d, NULL,
				  "config \"%s\": map \"%s\": pinned map %s no longer matches the "
				  "object: %s; replacing it (its counts start again from zero)",
				  config, bpf_map__name(map), path, why);
			if (unlink(path))
				return diag_err(d, errno, NULL, "config \"%s\": remove %s: %s",
						config, path, strerror(errno));
		}
	}
	err = bpf_map__set_pin_path(map, path);
	if (err)
		return diag_err(d, err, NULL, "config \"%s\": map \"%s\": set pin path: %s", config,
				bpf_map__name(map), strerror(-err));
	return 0;
}

int pins_prepare_maps(struct bpf_object *obj, const struct config *c, const char *dir,
		      const struct pins_access *acc, struct diag *d)
{
	int err = mkdir_p(dir, dir_mode(acc));

	if (err)
		return diag_err(d, err, NULL, "create %s: %s", dir, strerror(-err));
	err = apply_access(dir, dir_mode(acc), acc, d);
	for (size_t i = 0; i < c->n_metrics && !err; i++) {
		const struct config_metric *m = &c->metrics[i];
		struct bpf_map *map;
		char *path;

		if (m->perf_event_array)
			continue; /* the loader's own counting map is pinned instead */
		map = bpf_object__find_map_by_name(obj, m->name);
		if (!map)
			continue; /* btfcheck has reported it */
		if (asprintf(&path, "%s/%s", dir, m->name) < 0)
			return -ENOMEM;
		err = prepare_one(map, c->name, path, d);
		free(path);
	}
	return err;
}

int pins_finish(struct bpf_object *obj, const char *dir, const struct pins_access *acc,
		struct diag *d)
{
	mode_t mode = acc ? acc->mode : 0600;
	struct bpf_program *prog;
	struct bpf_map *map;
	char path[PATH_MAX];
	int err = 0;

	bpf_object__for_each_program(prog, obj) {
		if (bpf_program__fd(prog) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/prog_%s", dir, bpf_program__name(prog));
		unlink(path); /* a stale pin of an earlier run */
		err = bpf_program__pin(prog, path);
		if (err)
			return diag_err(d, err, NULL, "pin program \"%s\" at %s: %s",
					bpf_program__name(prog), path, strerror(-err));
		err = apply_access(path, mode, acc, d);
		if (err)
			return err;
	}
	bpf_object__for_each_map(map, obj) {
		const char *p = bpf_map__pin_path(map);

		if (p && bpf_map__is_pinned(map)) {
			err = apply_access(p, mode, acc, d);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Which entries of a pin directory a removal spares. */
struct keep_rule {
	const char *only_prefix;  /* remove only names starting with this (NULL: any) */
	bool progs;		  /* spare "prog_*" */
	const char *const *names; /* spare these */
	size_t n_names;
};

static bool kept(const struct keep_rule *k, const char *name)
{
	if (name[0] == '.')
		return true;
	if (k->only_prefix && strncmp(name, k->only_prefix, strlen(k->only_prefix)))
		return true;
	if (k->progs && !strncmp(name, "prog_", 5))
		return true;
	for (size_t i = 0; i < k->n_names; i++)
		if (!strcmp(name, k->names[i]))
			return true;
	return false;
}

/* Unlink the entries of @dir that @k does not spare; a missing @dir has none. */
static int remove_entries(const char *dir, const struct keep_rule *k, struct diag *d)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	int err = 0;

	if (!dp)
		return errno == ENOENT
			       ? 0
			       : diag_err(d, errno, NULL, "open %s: %s", dir, strerror(errno));
	while ((de = readdir(dp))) {
		if (kept(k, de->d_name))
			continue;
		if (unlinkat(dirfd(dp), de->d_name, 0) && errno != ENOENT && !err)
			err = diag_err(d, errno, NULL, "remove %s/%s: %s", dir, de->d_name,
				       strerror(errno));
	}
	closedir(dp);
	return err;
}

int pins_remove_progs(const char *dir, struct diag *d)
{
	const struct keep_rule k = {.only_prefix = "prog_"};

	return remove_entries(dir, &k, d);
}

int pins_remove_all(const char *dir, struct diag *d)
{
	const struct keep_rule k = {0};
	int err = remove_entries(dir, &k, d);

	if (!err && rmdir(dir) && errno != ENOENT)
		err = diag_err(d, errno, NULL, "remove %s: %s", dir, strerror(errno));
	return err;
}

int pins_own_map(int *fd_out, const char *path, const struct pins_map_def *def,
		 const struct pins_access *acc, struct diag *d)
{
	struct map_shape want = {def->type, def->key_size, def->value_size, def->max_entries,
				 def->flags};
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = def->flags);
	char why[160];
	int fd, err;

	*fd_out = -1;
	fd = bpf_obj_get(path);
	if (fd < 0 && errno != ENOENT)
		return diag_err(d, errno, NULL, "%s: open pin %s: %s", def->what, path,
				strerror(errno));
	if (fd >= 0) {
		if (!pin_differs(fd, &want, why, sizeof(why))) {
			*fd_out = fd;
			return 0;
		}
		close(fd);
		diag_warn(d, NULL,
			  "%s: pinned map %s no longer matches: %s; replacing it (its "
			  "counts start again from zero)",
			  def->what, path, why);
		if (unlink(path))
			return diag_err(d, errno, NULL, "%s: remove %s: %s", def->what, path,
					strerror(errno));
	}
	fd = bpf_map_create(def->type, def->name, def->key_size, def->value_size, def->max_entries,
			    &opts);
	if (fd < 0)
		return diag_err(d, errno, NULL, "%s: create map: %s", def->what, strerror(errno));
	if (bpf_obj_pin(fd, path)) {
		err = diag_err(d, errno, NULL, "%s: pin at %s: %s", def->what, path,
			       strerror(errno));
		close(fd);
		return err;
	}
	err = apply_access(path, acc ? acc->mode : 0600, acc, d);
	if (err) {
		close(fd);
		return err;
	}
	*fd_out = fd;
	return 0;
}

int pins_repin(int fd, const char *path, struct diag *d)
{
	struct bpf_map_info want = {0}, have = {0};
	__u32 len = sizeof(want);
	int pfd;

	if (bpf_obj_get_info_by_fd(fd, &want, &len))
		return diag_err(d, errno, NULL, "pin again at %s: %s", path, strerror(errno));
	pfd = bpf_obj_get(path);
	if (pfd >= 0) {
		len = sizeof(have);
		if (!bpf_obj_get_info_by_fd(pfd, &have, &len) && have.id == want.id) {
			close(pfd);
			return 0;
		}
		close(pfd);
		unlink(path);
	}
	if (bpf_obj_pin(fd, path))
		return diag_err(d, errno, NULL, "pin again at %s: %s", path, strerror(errno));
	return 0;
}

int pins_restore_maps(struct bpf_object *obj, struct diag *d)
{
	struct bpf_map *map;
	int err = 0;

	bpf_object__for_each_map(map, obj) {
		const char *p = bpf_map__pin_path(map);
		int e;

		if (!p || bpf_map__fd(map) < 0)
			continue;
		e = pins_repin(bpf_map__fd(map), p, d);
		if (e && !err)
			err = e;
	}
	return err;
}

int pins_remove_stale(const char *dir, const char *const *keep, size_t n_keep, struct diag *d)
{
	const struct keep_rule k = {.progs = true, .names = keep, .n_names = n_keep};

	return remove_entries(dir, &k, d);
}

int pins_read_perf_lost(const char *count_pin, uint64_t *lost)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_RDONLY);
	char path[PATH_MAX];
	__u64 v[PINS_PERF_LOST_N] = {0};
	int fd, err = 0;

	*lost = 0;
	if (snprintf(path, sizeof(path), "%s%s", count_pin, PINS_PERF_LOST_SUFFIX) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get_opts(path, &opts);
	if (fd < 0)
		return -errno;
	for (__u32 k = 0; k < PINS_PERF_LOST_N && !err; k++) {
		if (bpf_map_lookup_elem(fd, &k, &v[k]))
			err = -errno;
		else
			*lost += v[k];
	}
	close(fd);
	return err;
}
