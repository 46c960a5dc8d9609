/*
 * mapread: read a whole pinned map in as few syscalls as the kernel allows. One pass,
 * buffers allocated once per map and reused per batch; no allocation per entry. Labels,
 * decoding and aggregation are metric's business.
 */
#include "mapread.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "mapkind.h"

#define MAPREAD_DEFAULT_BATCH 4096
#define MAPREAD_MAX_BATCH (1u << 20)

struct mapread {
	int fd;
	char *path;
	struct mapread_info info;
	size_t slot;	  /* bytes per CPU slot in a per-CPU value */
	size_t value_len; /* bytes of one entry's value as the kernel returns it */
	int per_key;
	uint64_t *values; /* n_values u64s handed to the callback */
};

/*
 * What @path is when it is not a pinned map, or NULL when it is one (or when that cannot
 * be told). The kernel refuses a directory or a file outside bpffs with EACCES, as it does
 * a pin this user may not read: tell them apart, so that nobody is sent to fix a group.
 * With @fd >= 0 (the pin opened), the kind of BPF object it is.
 */
static const char *not_a_map(const char *path, int fd)
{
	char link[64], target[64];
	struct statfs sfs;
	struct stat st;
	ssize_t n;

	if (fd >= 0) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			return NULL;
		target[n] = '\0';
		if (!strcmp(target, "anon_inode:bpf-map"))
			return NULL;
		if (!strcmp(target, "anon_inode:bpf-prog"))
			return "a pinned program";
		if (!strcmp(target, "anon_inode:bpf_link"))
			return "a pinned link";
		return "a pinned BPF object of another kind";
	}
	if (stat(path, &st))
		return NULL;
	if (S_ISDIR(st.st_mode))
		return "a directory";
	if (statfs(path, &sfs) == 0 && sfs.f_type != BPF_FS_MAGIC)
		return S_ISREG(st.st_mode) ? "a file outside bpffs" : "not on bpffs";
	return NULL;
}

int mapread_open(struct mapread **out, const char *pin_path, struct diag *d)
{
	LIBBPF_OPTS(bpf_obj_get_opts, gopts, .file_flags = BPF_F_RDONLY);
	struct bpf_map_info info = {0};
	__u32 info_len = sizeof(info);
	struct mapread *r;
	const char *what;
	int fd, err, ncpu;

	*out = NULL;
	fd = bpf_obj_get_opts(pin_path, &gopts);
	if (fd < 0) {
		err = -errno;
		what = err == -EACCES || err == -EPERM ? not_a_map(pin_path, -1) : NULL;
		if (what)
			return diag_err(d, EINVAL, NULL,
					"%s: %s, not a pinned map (restart "
					"ebpfexp-load to pin the map again)",
					pin_path, what);
		return diag_err(d, err, NULL, "open %s: %s%s", pin_path, strerror(-err),
				err == -EACCES || err == -EPERM
					? " (is this user in the pins' group, or root?)"
				: err == -ENOENT ? " (is ebpfexp-load running with this config?)"
						 : "");
	}
	what = not_a_map(pin_path, fd);
	if (what) {
		close(fd);
		return diag_err(d, EINVAL, NULL,
				"%s: %s, not a pinned map (restart ebpfexp-load "
				"to pin the map again)",
				pin_path, what);
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len)) {
		err = -errno;
		close(fd);
		return diag_err(d, err, NULL, "%s: map info: %s", pin_path, strerror(-err));
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		close(fd);
		return -ENOMEM;
	}
	r->fd = fd;
	r->path = strdup(pin_path);
	r->info = (struct mapread_info){
		.type = info.type,
		.key_size = info.key_size,
		.value_size = info.value_size,
		.max_entries = info.max_entries,
		.id = info.id,
		.is_percpu = mapkind_is_percpu(info.type),
		.n_values = 1,
	};
	r->value_len = info.value_size;
	if (r->info.is_percpu) {
		ncpu = libbpf_num_possible_cpus();
		if (ncpu <= 0) {
			mapread_close(r);
			return diag_err(d, ncpu ? ncpu : -EINVAL, NULL,
					"%s: cannot count possible CPUs", pin_path);
		}
		r->slot = (info.value_size + 7) & ~7u;
		r->info.n_values = (size_t)ncpu;
		r->value_len = r->slot * (size_t)ncpu;
	}
	if (!r->path) {
		mapread_close(r);
		return -ENOMEM;
	}
	if (info.value_size < 8 || !info.key_size) {
		mapread_close(r);
		return diag_err(d, EINVAL, NULL,
				"%s: key size %u, value size %u: values must be at least 8 bytes "
				"(a u64 counter)",
				pin_path, info.key_size, info.value_size);
	}
	r->values = calloc(r->info.n_values, sizeof(uint64_t));
	if (!r->values) {
		mapread_close(r);
		return -ENOMEM;
	}
	*out = r;
	return 0;
}

const struct mapread_info *mapread_info(const struct mapread *r)
{
	return &r->info;
}

void mapread_set_per_key(struct mapread *r, int per_key)
{
	r->per_key = per_key;
}

/* The u64s of one entry's value bytes, into r->values. */
static const uint64_t *entry_values(struct mapread *r, const uint8_t *val)
{
	if (!r->info.is_percpu) {
		memcpy(r->values, val, sizeof(uint64_t));
		return r->values;
	}
	for (size_t i = 0; i < r->info.n_values; i++)
		memcpy(&r->values[i], val + i * r->slot, sizeof(uint64_t));
	return r->values;
}

static int foreach_per_key(struct mapread *r, mapread_fn fn, void *arg, struct diag *d)
{
	uint8_t *key = malloc(r->info.key_size), *next = malloc(r->info.key_size);
	uint8_t *val = malloc(r->value_len);
	void *prev = NULL;
	int err = 0;

	if (!key || !next || !val) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		if (bpf_map_get_next_key(r->fd, prev, next)) {
			if (errno != ENOENT)
				err = diag_err(d, errno, NULL, "%s: next key: %s", r->path,
					       strerror(errno));
			break;
		}
		memcpy(key, next, r->info.key_size);
		prev = key;
		if (bpf_map_lookup_elem(r->fd, key, val)) {
			if (errno == ENOENT) /* deleted since we saw its key */
				continue;
			err = diag_err(d, errno, NULL, "%s: lookup: %s", r->path, strerror(errno));
			break;
		}
		err = fn(arg, key, entry_values(r, val));
		if (err)
			break;
	}
out:
	free(key);
	free(next);
	free(val);
	return err;
}

static int foreach_batch(struct mapread *r, size_t batch, mapread_fn fn, void *arg, struct diag *d)
{
	/* hash maps use a u32 bucket cursor, arrays a key: room for either */
	size_t tok_len = r->info.key_size > 8 ? r->info.key_size : 8;
	uint8_t *in_tok = calloc(1, tok_len), *out_tok = calloc(1, tok_len);
	uint8_t *keys = NULL, *vals = NULL;
	bool first = true;
	int err = 0;

	if (r->info.max_entries && batch > r->info.max_entries)
		batch = r->info.max_entries;
	if (!in_tok || !out_tok)
		goto nomem;
	keys = malloc(batch * r->info.key_size);
	vals = malloc(batch * r->value_len);
	if (!keys || !vals)
		goto nomem;
	for (;;) {
		__u32 count = (__u32)batch;
		int ret, saved;

		ret = bpf_map_lookup_batch(r->fd, first ? NULL : in_tok, out_tok, keys, vals,
					   &count, NULL);
		saved = errno;
		if (ret && saved == ENOSPC && count == 0) {
			/* one hash bucket holds more entries than a batch: grow and retry */
			size_t nb = batch * 2;
			uint8_t *nk, *nv;

			if (nb > MAPREAD_MAX_BATCH) {
				err = diag_err(d, ENOSPC, NULL, "%s: batch read: bucket too large",
					       r->path);
				break;
			}
			nk = realloc(keys, nb * r->info.key_size);
			if (!nk)
				goto nomem;
			keys = nk;
			nv = realloc(vals, nb * r->value_len);
			if (!nv)
				goto nomem;
			vals = nv;
			batch = nb;
			continue;
		}
		if (ret && saved != ENOENT) {
			err = first && (saved == EINVAL || saved == ENOTSUP ||
					saved == EOPNOTSUPP || saved == 524 /* ENOTSUPP */)
				      ? 1
				      : diag_err(d, saved, NULL, "%s: batch read: %s", r->path,
						 strerror(saved));
			break;
		}
		/* the final call (ENOENT) still returns entries */
		for (__u32 i = 0; i < count && !err; i++)
			err = fn(arg, keys + (size_t)i * r->info.key_size,
				 entry_values(r, vals + (size_t)i * r->value_len));
		if (err || ret)
			break;
		memcpy(in_tok, out_tok, tok_len);
		first = false;
	}
	goto out;
nomem:
	err = -ENOMEM;
out:
	free(in_tok);
	free(out_tok);
	free(keys);
	free(vals);
	return err;
}

int mapread_foreach(struct mapread *r, size_t batch, mapread_fn fn, void *arg, struct diag *d)
{
	int err;

	if (!r->per_key) {
		err = foreach_batch(r, batch ? batch : MAPREAD_DEFAULT_BATCH, fn, arg, d);
		if (err <= 0)
			return err;
		/* 1: batches unsupported before any entry was seen */
	}
	return foreach_per_key(r, fn, arg, d);
}

void mapread_close(struct mapread *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->path);
	free(r->values);
	free(r);
}
