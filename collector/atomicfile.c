/*
 * atomicfile: write a new file beside the old one and rename it into place, so that a
 * reader (node_exporter, ebpfexp-read) sees the old content or the new, never a mix.
 * The temp file is hidden and never ends in ".prom" (node_exporter reads hidden .prom
 * files too). What to write and when is the caller's business.
 */
#include "atomicfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ATOMICFILE_SUFFIX_LEN 6
#define ATOMICFILE_TRIES 100

static const char suffix_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

struct atomicfile {
	int dirfd; /* the directory of the target, owned */
	int fd;
	int err;	/* first write error: commit refuses to rename */
	bool created;	/* the temp file exists and is ours to remove */
	bool no_sync;	/* atomicfile_no_sync() */
	char *name;	/* final base name */
	char *tmp;	/* temp base name */
	char *path;	/* the target as given, for messages */
	char *tmp_path; /* the temp file as a path beside @path, for messages */
};

static void atomicfile_free(struct atomicfile *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	if (f->dirfd >= 0)
		close(f->dirfd);
	free(f->name);
	free(f->tmp);
	free(f->path);
	free(f->tmp_path);
	free(f);
}

static void random_suffix(char out[ATOMICFILE_SUFFIX_LEN + 1])
{
	static unsigned counter;
	unsigned char rnd[ATOMICFILE_SUFFIX_LEN];

	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd)) {
		/* No entropy yet (early boot): any value that differs per try will do. */
		struct timespec ts;
		uint64_t x;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
		    ((uint64_t)getpid() << 40) ^ (uint64_t)++counter * 0x9e3779b97f4a7c15ull;
		for (size_t i = 0; i < sizeof(rnd); i++, x >>= 8)
			rnd[i] = (unsigned char)x;
	}
	for (size_t i = 0; i < ATOMICFILE_SUFFIX_LEN; i++)
		out[i] = suffix_chars[rnd[i] % (sizeof(suffix_chars) - 1)];
	out[ATOMICFILE_SUFFIX_LEN] = '\0';
}

/* Split @path into a directory (".", "/" or the part before the last '/') and a base name. */
static int split_path(const char *path, char **dir, char **base)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		*dir = strdup(".");
		*base = strdup(path);
	} else {
		*dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
		*base = strdup(slash + 1);
	}
	if (!*dir || !*base) {
		free(*dir);
		free(*base);
		*dir = *base = NULL;
		return -ENOMEM;
	}
	return 0;
}

int atomicfile_open(struct atomicfile **out, int dirfd, const char *path, mode_t mode,
		    struct diag *d)
{
	struct atomicfile *f;
	char *dir = NULL;
	int err;

	*out = NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return diag_err(d, ENOMEM, NULL, "%s: out of memory", path);
	f->fd = -1;
	f->dirfd = -1;
	f->path = strdup(path);
	err = f->path ? split_path(path, &dir, &f->name) : -ENOMEM;
	if (err) {
		err = diag_err(d, ENOMEM, NULL, "%s: out of memory", path);
		goto out;
	}
	if (!*f->name || !strcmp(f->name, ".") || !strcmp(f->name, "..")) {
		err = diag_err(d, EISDIR, NULL, "%s: not a file name", path);
		goto out;
	}
	f->dirfd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->dirfd < 0) {
		err = -errno;
		diag_err(d, err, NULL, "open directory %s: %s", dir, strerror(-err));
		goto out;
	}
	for (int tries = 0; tries < ATOMICFILE_TRIES; tries++) {
		char suffix[ATOMICFILE_SUFFIX_LEN + 1];

		random_suffix(suffix);
		free(f->tmp);
		free(f->tmp_path);
		f->tmp_path = NULL;
		/* hidden, with one dot: ".NAME.tmp.X", and ".NAME.tmp.X" for ".NAME" too */
		if (asprintf(&f->tmp, "%s%s.tmp.%s", f->name[0] == '.' ? "" : ".", f->name,
			     suffix) < 0) {
			f->tmp = NULL;
			err = diag_err(d, ENOMEM, NULL, "%s: out of memory", path);
			goto out;
		}
		if (asprintf(&f->tmp_path, "%.*s%s", (int)(strlen(path) - strlen(f->name)), path,
			     f->tmp) < 0) {
			f->tmp_path = NULL;
			err = diag_err(d, ENOMEM, NULL, "%s: out of memory", path);
			goto out;
		}
		f->fd = openat(f->dirfd, f->tmp,
			       O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode & 07777);
		if (f->fd >= 0 || errno != EEXIST)
			break;
	}
	if (f->fd < 0) {
		err = -errno;
		diag_err(d, err, NULL, "create %s: %s", f->tmp_path, strerror(-err));
		goto out;
	}
	f->created = true;
	/* The umask applied to openat(); the caller's mode is the contract. */
	if (fchmod(f->fd, mode & 07777) < 0) {
		err = -errno;
		diag_err(d, err, NULL, "chmod %s: %s", f->tmp_path, strerror(-err));
		goto out;
	}
	err = 0;
out:
	free(dir);
	if (err) {
		atomicfile_abort(f);
		return err;
	}
	*out = f;
	return 0;
}

int atomicfile_write(struct atomicfile *f, const void *buf, size_t len, struct diag *d)
{
	const char *p = buf;

	if (f->err)
		return diag_err(d, f->err, NULL, "write %s: %s (an earlier write failed)",
				f->tmp_path, strerror(-f->err));
	while (len) {
		ssize_t n = write(f->fd, p, len > SSIZE_MAX ? SSIZE_MAX : len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* write() returning 0 for a non-empty buffer: no progress is possible. */
			f->err = n < 0 ? -errno : -EIO;
			return diag_err(d, f->err, NULL, "write %s: %s", f->tmp_path,
					strerror(-f->err));
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int atomicfile_set_group(struct atomicfile *f, gid_t gid, struct diag *d)
{
	int err;

	if (gid == (gid_t)-1)
		return 0;
	if (fchown(f->fd, (uid_t)-1, gid) < 0) {
		err = -errno;
		return diag_err(d, err, NULL, "chown %s to group %u: %s", f->tmp_path,
				(unsigned)gid, strerror(-err));
	}
	return 0;
}

void atomicfile_no_sync(struct atomicfile *f)
{
	f->no_sync = true;
}

/*
 * Without the fsyncs, a rename over a regular file is still costly on ext4: replacing a file
 * by rename makes it allocate and start writing the new file's blocks at once (auto_da_alloc,
 * which exists for the crash safety that atomicfile_no_sync() gives up), 40 ms for a 47 MB
 * file. Exchanging the two names (RENAME_EXCHANGE) and removing the old content from the temp
 * name leaves the writing to the kernel's flusher, and readers see the old content or the new
 * as with rename. Only over a regular file: anything else at the name is renamed over, as
 * before. 0 when done; -1 when a plain rename must be done (nothing to exchange with, or a
 * file system without exchange).
 */
static int exchange(struct atomicfile *f)
{
	struct stat st;

	if (fstatat(f->dirfd, f->name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return -1;
	if (renameat2(f->dirfd, f->tmp, f->dirfd, f->name, RENAME_EXCHANGE) < 0)
		return -1;
	/* the temp name now holds the old content; if it cannot go, the next clean finds it */
	(void)unlinkat(f->dirfd, f->tmp, 0);
	return 0;
}

int atomicfile_commit(struct atomicfile *f, struct diag *d)
{
	int err = 0, fd;

	if (f->err) {
		err = diag_err(d, f->err, NULL, "%s: not replaced: writing %s failed", f->path,
			       f->tmp_path);
		goto out;
	}
	if (!f->no_sync && fsync(f->fd) < 0) {
		err = -errno;
		diag_err(d, err, NULL, "fsync %s: %s", f->tmp_path, strerror(-err));
		goto out;
	}
	fd = f->fd;
	f->fd = -1;
	/* Network file systems may report a lost write only here. */
	if (close(fd) < 0 && errno != EINTR) {
		err = -errno;
		diag_err(d, err, NULL, "close %s: %s", f->tmp_path, strerror(-err));
		goto out;
	}
	if (f->no_sync && exchange(f) == 0) {
		f->created = false;
		goto out;
	}
	/* rename() replaces whatever the final name is, a symlink included; it never follows it. */
	if (renameat(f->dirfd, f->tmp, f->dirfd, f->name) < 0) {
		err = -errno;
		diag_err(d, err, NULL, "rename %s to %s: %s", f->tmp_path, f->path, strerror(-err));
		goto out;
	}
	f->created = false;
	/* Make the rename itself durable; EINVAL: the file system cannot sync a directory. */
	if (!f->no_sync && fsync(f->dirfd) < 0 && errno != EINVAL) {
		err = -errno;
		diag_err(d, err, NULL, "fsync directory of %s: %s", f->path, strerror(-err));
	}
out:
	atomicfile_abort(f);
	return err;
}

void atomicfile_abort(struct atomicfile *f)
{
	if (!f)
		return;
	if (f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
	}
	/* Best effort: the caller already has the error that led here. */
	if (f->created)
		(void)unlinkat(f->dirfd, f->tmp, 0);
	atomicfile_free(f);
}

int atomicfile_replace(int dirfd, const char *path, mode_t mode, const void *buf, size_t len,
		       struct diag *d)
{
	return atomicfile_replace_group(dirfd, path, mode, (gid_t)-1, buf, len, d);
}

int atomicfile_replace_group(int dirfd, const char *path, mode_t mode, gid_t gid, const void *buf,
			     size_t len, struct diag *d)
{
	struct atomicfile *f = NULL;
	int err;

	err = atomicfile_open(&f, dirfd, path, mode, d);
	if (!err)
		err = atomicfile_set_group(f, gid, d);
	if (!err)
		err = atomicfile_write(f, buf, len, d);
	if (!err) {
		err = atomicfile_commit(f, d);
		f = NULL; /* commit frees it either way */
	}
	atomicfile_abort(f);
	return err;
}

/* Is @name one of ours: ".NAME.tmp.XXXXXX" with a suffix from random_suffix()? */
static bool is_temp_name(const char *name)
{
	size_t len = strlen(name);
	const char *sfx;

	if (name[0] != '.' || len < 1 + 1 + 5 + ATOMICFILE_SUFFIX_LEN)
		return false;
	sfx = name + len - ATOMICFILE_SUFFIX_LEN;
	if (memcmp(sfx - 5, ".tmp.", 5) != 0)
		return false;
	for (size_t i = 0; i < ATOMICFILE_SUFFIX_LEN; i++)
		if (!sfx[i] || !strchr(suffix_chars, sfx[i]))
			return false;
	return true;
}

int atomicfile_clean_stale(int dirfd, unsigned min_age_s)
{
	struct dirent *de;
	int fd, n_removed = 0, err = 0;
	time_t now = time(NULL);
	DIR *dir;

	/* A new open file description: the caller's fd keeps its offset and stays open. */
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		err = -errno;
		close(fd);
		return err;
	}
	for (;;) {
		struct stat st;

		errno = 0;
		de = readdir(dir);
		if (!de) {
			if (errno)
				err = -errno;
			break;
		}
		if (!is_temp_name(de->d_name))
			continue;
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (st.st_mtime > now || (uint64_t)(now - st.st_mtime) < min_age_s)
			continue;
		if (unlinkat(fd, de->d_name, 0) == 0)
			n_removed++;
		else if (errno != ENOENT)
			err = -errno;
	}
	closedir(dir);
	return err ? err : n_removed;
}
