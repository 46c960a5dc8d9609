/*
 * fuzzdir.h: the private directory of a harness whose module reads and writes files: made at
 * the first call, in /dev/shm if it can be (no disk write for each input), removed at exit
 * with every file in it. A harness is a program of its own, so one directory a program.
 */
#ifndef EBPFEXP_FUZZDIR_H
#define EBPFEXP_FUZZDIR_H
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

static char fuzzdir_path[96]; /* "" until fuzzdir() made it */
static int fuzzdir_fd = -1;

static void fuzzdir_remove(void)
{
	int fd = dup(fuzzdir_fd);
	DIR *dp = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;

	while (dp && (de = readdir(dp)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			(void)unlinkat(fuzzdir_fd, de->d_name, 0);
	if (dp)
		closedir(dp);
	else if (fd >= 0)
		close(fd);
	(void)rmdir(fuzzdir_path);
}

/* The directory's fd (fuzzdir_path is its path), /dev/shm/ebpfexp-fuzz-@name.XXXXXX. */
static int fuzzdir(const char *name)
{
	const char *made;

	if (fuzzdir_fd >= 0)
		return fuzzdir_fd;
	snprintf(fuzzdir_path, sizeof(fuzzdir_path), "/dev/shm/ebpfexp-fuzz-%s.XXXXXX", name);
	made = mkdtemp(fuzzdir_path);
	if (!made) {
		snprintf(fuzzdir_path, sizeof(fuzzdir_path), "/tmp/ebpfexp-fuzz-%s.XXXXXX", name);
		made = mkdtemp(fuzzdir_path);
	}
	FUZZ_ASSERT(made, "no temporary directory");
	fuzzdir_fd = open(fuzzdir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	FUZZ_ASSERT(fuzzdir_fd >= 0, "open %s", fuzzdir_path);
	atexit(fuzzdir_remove);
	return fuzzdir_fd;
}

/* Make @file in the directory anew (0600) with the input's @size bytes. */
static void fuzzdir_put(const char *file, const uint8_t *data, size_t size)
{
	int dirfd = fuzzdir_fd, fd;

	(void)unlinkat(dirfd, file, 0);
	fd = openat(dirfd, file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_ASSERT(fd >= 0, "create the input file");
	FUZZ_ASSERT(write(fd, data, size) == (ssize_t)size, "write the input file");
	close(fd);
}

#endif
