/*
 * cgroup2: the cgroup2 mount found in mountinfo (octal escapes undone, v1 mounts passed
 * over); the walk: every directory once with its inode number, a parent before its
 * children, paths spelled parent/name ("" for "/"), no file and no symlink visited, an
 * early stop, and directories that cannot be opened skipped or visited alone.
 */
#include "cgroup2.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "testdir.h"

static struct testdir scratch;

struct seen {
	size_t n, stop_at;
	char path[16][256];
	uint64_t id[16];
};

static int record(void *arg, const char *path, size_t len, uint64_t id)
{
	struct seen *s = arg;

	if (strlen(path) != len || s->n == 16)
		return -EINVAL;
	snprintf(s->path[s->n], sizeof(s->path[0]), "%s", path);
	s->id[s->n++] = id;
	return s->stop_at && s->n == s->stop_at ? -EINTR : 0;
}

/* Index of @path in @s, or -1. */
static int where(const struct seen *s, const char *path)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->path[i], path))
			return (int)i;
	return -1;
}

static uint64_t ino_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? 0 : (uint64_t)st.st_ino;
}

static void mk(const char *sub)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", scratch.path, sub);
	if (mkdir(p, 0755))
		printf("# mkdir %s: %s\n", p, strerror(errno));
}

static void test_find_mount(void)
{
	char mi[128], *mnt = NULL;
	struct diag d = {0};
	FILE *f;

	snprintf(mi, sizeof(mi), "%s/mountinfo", scratch.path);
	f = fopen(mi, "w");
	fputs("25 30 0:23 / /sys rw,nosuid - sysfs sysfs rw\n"
	      "33 25 0:28 / /sys/fs/cgroup/cpu rw shared:9 - cgroup cgroup rw,cpu\n"
	      "34 25 0:29 / /sys/fs/cgroup/uni\\040fied rw shared:10 - cgroup2 cgroup2 rw\n"
	      "35 25 0:30 / /other rw - cgroup2 cgroup2 rw\n",
	      f);
	fclose(f);
	is_int(cgroup2_find_mount(mi, &mnt, &d), 0, "mountinfo with a cgroup2 mount");
	is_str(mnt, "/sys/fs/cgroup/uni fied", "the first cgroup2 mount, octal escapes undone");
	free(mnt);
	f = fopen(mi, "w");
	fputs("33 25 0:28 / /sys/fs/cgroup/cpu rw shared:9 - cgroup cgroup rw,cpu\n", f);
	fclose(f);
	is_int(cgroup2_find_mount(mi, &mnt, &d), -ENOENT, "v1 only: -ENOENT ...");
	is_int(d.n_msgs, 0, "... without a message");
	ok(mnt == NULL, "... and no mount point");
	snprintf(mi, sizeof(mi), "%s/none", scratch.path);
	ok(cgroup2_find_mount(mi, &mnt, &d) == -ENOENT && d.n_msgs == 1,
	   "a missing mountinfo is an error with a message");
	diag_release(&d);
}

static void test_walk(void)
{
	struct strbuf sb = {0};
	struct seen s = {0};
	char p[256], top[128];
	int fd;

	snprintf(top, sizeof(top), "%s/t", scratch.path);
	mk("t");
	mk("t/a");
	mk("t/a/b");
	mk("t/a/b/c");
	mk("t/d");
	snprintf(p, sizeof(p), "%s/t/file", scratch.path);
	close(open(p, O_CREAT | O_WRONLY, 0644));
	snprintf(p, sizeof(p), "%s/t/link", scratch.path);
	if (symlink("a", p))
		printf("# symlink: %s\n", strerror(errno));

	strbuf_addstr(&sb, top);
	is_int(cgroup2_walk(&sb, 0, record, &s), 0, "the walk succeeds");
	is_int(s.n, 5, "every directory is visited once, no file, no symlink");
	is_str(strbuf_str(&sb), top, "the path buffer is as given afterwards");
	is_int(sb.len, strlen(top), "... its length too");
	ok(where(&s, top) == 0, "the top first");
	snprintf(p, sizeof(p), "%s/a/b/c", top);
	ok(where(&s, p) > 0 && s.id[where(&s, p)] == ino_of(p), "a nested path, with its inode");
	{
		char a[256], b[256];

		snprintf(a, sizeof(a), "%s/a", top);
		snprintf(b, sizeof(b), "%s/a/b", top);
		ok(where(&s, a) >= 0 && where(&s, a) < where(&s, b) && where(&s, b) < where(&s, p),
		   "a parent before its children");
	}

	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	is_int(cgroup2_walk(&sb, 0, record, &s), -EINTR, "the callback's error ends the walk");
	is_int(s.n, 2, "... at once");
	is_str(strbuf_str(&sb), top, "... leaving the path buffer as given");

	memset(&s, 0, sizeof(s));
	fd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	strbuf_reset(&sb);
	is_int(cgroup2_walk_fd(fd, &sb, 0, record, &s), 0, "a walk from an fd, spelled \"\"");
	ok(s.n == 5 && !strcmp(s.path[0], "") && s.id[0] == ino_of(top),
	   "the top is \"\", with the top's inode");
	ok(where(&s, "/a/b/c") > 0 && where(&s, "/d") > 0, "children are \"/name\" below it");

	memset(&s, 0, sizeof(s));
	strbuf_reset(&sb);
	strbuf_addstr(&sb, top);
	strbuf_addstr(&sb, "/link");
	is_int(cgroup2_walk(&sb, 0, record, &s), 0, "a symlink as the top ...");
	is_int(s.n, 0, "... is not followed");
	strbuf_reset(&sb);
	strbuf_addstr(&sb, top);
	strbuf_addstr(&sb, "/gone");
	is_int(cgroup2_walk(&sb, CGROUP2_WALK_UNOPENED, record, &s), 0, "a missing top ...");
	is_int(s.n, 0, "... visits nothing, even with CGROUP2_WALK_UNOPENED");
	strbuf_release(&sb);
}

/* Directories that cannot be opened: no fd left (EMFILE), as EACCES would do. */
static void test_unopened(void)
{
	struct rlimit old, low;
	struct strbuf sb = {0};
	struct seen s = {0}, u = {0};
	char top[128];
	int fd, fd2, fill[256], n_fill = 0, err1, err2;

	snprintf(top, sizeof(top), "%s/t", scratch.path);
	fd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd2 = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	getrlimit(RLIMIT_NOFILE, &old);
	low = old;
	low.rlim_cur = (rlim_t)(fd2 > fd ? fd2 : fd) + 1;
	setrlimit(RLIMIT_NOFILE, &low);
	/* take every lower fd number still free */
	while (n_fill < 256 && (fill[n_fill] = dup(0)) >= 0)
		n_fill++;
	strbuf_addstr(&sb, top);
	err1 = cgroup2_walk_fd(fd, &sb, 0, record, &s);
	/* the walk closed @fd: take its number too */
	while (n_fill < 256 && (fill[n_fill] = dup(0)) >= 0)
		n_fill++;
	err2 = cgroup2_walk_fd(fd2, &sb, CGROUP2_WALK_UNOPENED, record, &u);
	setrlimit(RLIMIT_NOFILE, &old);
	while (n_fill)
		close(fill[--n_fill]);
	is_int(err1, 0, "a walk with no fd left succeeds ...");
	is_int(s.n, 1, "... visiting only the top: what cannot be opened is skipped");
	is_int(err2, 0, "with CGROUP2_WALK_UNOPENED ...");
	is_int(u.n, 3, "... the top and its two directories are visited");
	{
		char a[256], dd[256];

		snprintf(a, sizeof(a), "%s/a", top);
		snprintf(dd, sizeof(dd), "%s/d", top);
		ok(where(&u, a) > 0 && u.id[where(&u, a)] == ino_of(a) && where(&u, dd) > 0,
		   "... with their inodes, not what is below them");
	}
	strbuf_release(&sb);
}

int main(void)
{
	if (testdir_open(&scratch, "cgroup2")) {
		printf("Bail out! no scratch directory\n");
		return 1;
	}
	test_find_mount();
	test_walk();
	test_unopened();
	testdir_close(&scratch);
	return done_testing();
}
