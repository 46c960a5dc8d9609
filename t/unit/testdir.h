/*
 * testdir.h: a unit test's private directory under /tmp, for a module that loads and saves a
 * file of its own there, with whole-file writes and reads of that file for the test.
 */
#ifndef EBPFEXP_TESTDIR_H
#define EBPFEXP_TESTDIR_H
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct testdir {
	char path[64];
	int fd; /* the directory, for the module's dirfd argument */
};

/* Make /tmp/ebpfexp-@name.XXXXXX; on failure say why and return -1. */
static inline int testdir_open(struct testdir *t, const char *name)
{
	snprintf(t->path, sizeof(t->path), "/tmp/ebpfexp-%s.XXXXXX", name);
	t->fd = -1;
	if (!mkdtemp(t->path)) {
		perror("mkdtemp");
		return -1;
	}
	t->fd = open(t->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->fd < 0)
		perror(t->path);
	return t->fd < 0 ? -1 : 0;
}

/* Remove the directory and whatever the test left in it. */
static inline void testdir_close(struct testdir *t)
{
	char cmd[sizeof(t->path) + 16];

	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->path);
	if (system(cmd))
		fprintf(stderr, "# could not remove %s\n", t->path);
}

/* Replace @file in the directory with @len bytes of @buf (0600); a failure is a TAP comment. */
static inline void testdir_put(const struct testdir *t, const char *file, const void *buf,
			       size_t len)
{
	int fd = openat(t->fd, file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		printf("# could not write %s\n", file);
	if (fd >= 0)
		close(fd);
}

static inline void testdir_puts(const struct testdir *t, const char *file, const char *text)
{
	testdir_put(t, file, text, strlen(text));
}

/* The content of @file (not followed if a symlink) in @buf, NUL-terminated, or "(none)". */
static inline const char *testdir_get(const struct testdir *t, const char *file, char *buf,
				      size_t size)
{
	int fd = openat(t->fd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);

	if (fd >= 0)
		close(fd);
	if (n < 0)
		return "(none)";
	buf[n] = '\0';
	return buf;
}

#endif
