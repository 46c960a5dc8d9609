/*
 * cgroup2: find the cgroup2 mount point in mountinfo; walk the directories below one,
 * by fd (openat, fstat, fdopendir), so that no path is resolved twice and no symlink is
 * followed. What a directory means (a cgroup to decode, to watch) is the caller's business.
 */
#include "cgroup2.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Undo the octal escapes of mountinfo ("\040" for a space) in place. */
static void unescape_octal(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

int cgroup2_find_mount(const char *mountinfo, char **out, struct diag *d)
{
	const char *path = mountinfo ? mountinfo : "/proc/self/mountinfo";
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	int err = -ENOENT;

	*out = NULL;
	if (!f)
		return diag_err(d, errno, NULL, "open %s: %s", path, strerror(errno));
	/* "id parent maj:min root mountpoint options [optional...] - fstype source super" */
	while (err == -ENOENT && getline(&line, &cap, f) > 0) {
		char *field[5], *p = line, *sep;
		int i;

		for (i = 0; i < 5; i++) {
			field[i] = strsep(&p, " ");
			if (!field[i] || !p)
				break;
		}
		sep = p ? strstr(p, " - ") : NULL;
		if (i < 5 || !sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		unescape_octal(field[4]);
		*out = strdup(field[4]);
		err = *out ? 0 : -ENOMEM;
	}
	fclose(f);
	free(line);
	return err;
}

struct walk {
	unsigned flags;
	cgroup2_walk_fn *fn;
	void *arg;
};

static int walk_fd(const struct walk *w, int fd, struct strbuf *path);

/*
 * The entry @name of the directory open at @dirfd, as @path. Directories only, never
 * through a symlink: O_NOFOLLOW fails on one (ELOOP), O_DIRECTORY on a file (ENOTDIR).
 */
static int walk_entry(const struct walk *w, int dirfd, const char *name, struct strbuf *path)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd >= 0)
		return walk_fd(w, fd, path);
	/* gone meanwhile (ENOENT), not a directory, or one that cannot be opened */
	if (!(w->flags & CGROUP2_WALK_UNOPENED) || errno == ENOENT ||
	    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISDIR(st.st_mode))
		return 0;
	return w->fn(w->arg, strbuf_str(path), path->len, (uint64_t)st.st_ino);
}

static int walk_fd(const struct walk *w, int fd, struct strbuf *path)
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
	err = w->fn(w->arg, strbuf_str(path), path->len, (uint64_t)st.st_ino);
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
		/* DT_UNKNOWN: a filesystem without d_type; cgroupfs always has it */
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		path->len = base;
		err = strbuf_addch(path, '/');
		if (!err)
			err = strbuf_addstr(path, de->d_name);
		if (!err)
			err = walk_entry(w, dirfd(dir), de->d_name, path);
	}
	path->len = base;
	if (path->buf)
		path->buf[base] = '\0';
	closedir(dir);
	return err;
}

int cgroup2_walk_fd(int fd, struct strbuf *path, unsigned flags, cgroup2_walk_fn *fn, void *arg)
{
	const struct walk w = {flags, fn, arg};

	return walk_fd(&w, fd, path);
}

int cgroup2_walk(struct strbuf *path, unsigned flags, cgroup2_walk_fn *fn, void *arg)
{
	const struct walk w = {flags, fn, arg};

	return walk_entry(&w, AT_FDCWD, path->len ? path->buf : "/", path);
}
