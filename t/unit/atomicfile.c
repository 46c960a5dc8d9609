/* Unit tests for collector/atomicfile.c: replace, modes, temp names, symlinks, failures. */
#include "atomicfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "testdir.h"

static struct testdir scratch;

static void mkpath(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", scratch.path, name);
}

static char *slurp(const char *path)
{
	static char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static void spit(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		printf("# cannot write %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* Entries of @dir whose names contain ".tmp."; the first one's name goes to @first. */
static int count_temps(const char *dir, char *first, size_t size)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (!strstr(de->d_name, ".tmp."))
			continue;
		if (!n && first)
			snprintf(first, size, "%s", de->d_name);
		n++;
	}
	closedir(d);
	return n;
}

/* @msg with the random six characters after ".tmp." replaced by "XXXXXX". */
static const char *unrandom(const char *msg)
{
	static char buf[1024];
	char *p;

	snprintf(buf, sizeof(buf), "%s", msg);
	p = strstr(buf, ".tmp.");
	if (p && strlen(p + 5) >= 6)
		memcpy(p + 5, "XXXXXX", 6);
	return buf;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return (mode_t)-1;
	return st.st_mode;
}

static void test_replace(void)
{
	struct diag d = {0};
	char p[128];

	mkpath(p, sizeof(p), "a.prom");
	is_int(atomicfile_replace(AT_FDCWD, p, 0644, "one\n", 4, &d), 0, "replace creates a file");
	is_str(slurp(p), "one\n", "with the content given");
	is_int(atomicfile_replace(AT_FDCWD, p, 0644, "second\n", 7, &d), 0,
	       "replace over an existing file");
	is_str(slurp(p), "second\n", "the content is replaced, not appended or mixed");
	is_int(atomicfile_replace(AT_FDCWD, p, 0644, "", 0, &d), 0, "empty content is fine");
	is_str(slurp(p), "", "the file is then empty");
	is_int(count_temps(scratch.path, NULL, 0), 0, "no temp file is left behind");
	is_int((int)d.n_msgs, 0, "no messages on success");
	diag_release(&d);
}

static void test_modes(void)
{
	static const struct {
		mode_t umask, mode;
	} cases[] = {{077, 0644}, {022, 0666}, {022, 0600}, {077, 0640}, {0, 0400}};
	struct diag d = {0};
	mode_t old = umask(0);
	char p[128];

	mkpath(p, sizeof(p), "mode.prom");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		umask(cases[i].umask);
		is_int(atomicfile_replace(AT_FDCWD, p, cases[i].mode, "x\n", 2, &d), 0,
		       "replace with mode %04o under umask %03o", (unsigned)cases[i].mode,
		       (unsigned)cases[i].umask);
		is_int(mode_of(p) & 07777, cases[i].mode,
		       "mode is exactly %04o, umask %03o ignored", (unsigned)cases[i].mode,
		       (unsigned)cases[i].umask);
	}
	umask(old);
	diag_release(&d);
}

static void test_temp_name(void)
{
	struct atomicfile *f = NULL;
	struct diag d = {0};
	char p[128], tmp[256] = "", tp[512];
	const char *prefix = ".b.prom.tmp.";

	mkpath(p, sizeof(p), "b.prom");
	spit(p, "old\n");
	is_int(atomicfile_open(&f, AT_FDCWD, p, 0644, &d), 0, "open a temp file beside b.prom");
	is_int(atomicfile_write(f, "new\n", 4, &d), 0, "write to it");
	is_int(count_temps(scratch.path, tmp, sizeof(tmp)), 1,
	       "one temp file exists while writing");
	ok(!strncmp(tmp, prefix, strlen(prefix)) && strlen(tmp) == strlen(prefix) + 6,
	   "temp name is .NAME.tmp.XXXXXX (%s)", tmp);
	ok(strlen(tmp) < 5 || strcmp(tmp + strlen(tmp) - 5, ".prom") != 0,
	   "temp name does not end in .prom, so node_exporter never reads it");
	snprintf(tp, sizeof(tp), "%s/%s", scratch.path, tmp);
	is_int(mode_of(tp) & 07777, 0644, "the temp file already has the final mode");
	is_str(slurp(p), "old\n", "the target keeps its old content until commit");
	is_int(atomicfile_commit(f, &d), 0, "commit");
	is_str(slurp(p), "new\n", "commit puts the new content in place");
	is_int(count_temps(scratch.path, NULL, 0), 0, "and leaves no temp file");
	diag_release(&d);
}

static gid_t gid_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? (gid_t)-1 : st.st_gid;
}

/* A group given is the temp file's already: the final name is never the creator's group. */
static void test_group(void)
{
	struct atomicfile *f = NULL;
	struct diag d = {0};
	char p[128], tmp[256] = "", tp[512];
	gid_t other = getegid() == 65534 ? 65533 : 65534, list[64];
	int n;

	/* root gives any group; anyone else one of their own */
	if (geteuid() != 0) {
		n = getgroups(64, list);
		other = (gid_t)-1;
		for (int i = 0; i < n; i++)
			if (list[i] != getegid())
				other = list[i];
		if (other == (gid_t)-1) {
			ok(1, "# SKIP not root and in no second group");
			return;
		}
	}
	mkpath(p, sizeof(p), "group.json");
	spit(p, "old\n");
	is_int(atomicfile_open(&f, AT_FDCWD, p, 0640, &d), 0, "open a temp file beside group.json");
	is_int(atomicfile_set_group(f, other, &d), 0, "give it group %u", (unsigned)other);
	count_temps(scratch.path, tmp, sizeof(tmp));
	snprintf(tp, sizeof(tp), "%s/%s", scratch.path, tmp);
	is_int((int)gid_of(tp), (int)other, "the temp file has the group before the rename");
	is_int(atomicfile_write(f, "new\n", 4, &d), 0, "write");
	is_int(atomicfile_commit(f, &d), 0, "commit");
	ok(gid_of(p) == other && (mode_of(p) & 07777) == 0640, "in place: the group and the mode");
	is_int(atomicfile_replace_group(AT_FDCWD, p, 0640, (gid_t)-1, "x\n", 2, &d), 0,
	       "replace_group with no group");
	is_int((int)gid_of(p), (int)getegid(), "... is the creator's group");
	is_int(atomicfile_replace_group(AT_FDCWD, p, 0640, other, "y\n", 2, &d), 0,
	       "replace_group with a group");
	ok(gid_of(p) == other && !strcmp(slurp(p), "y\n"), "... has it, with the content");
	is_int(count_temps(scratch.path, NULL, 0), 0, "no temp file is left behind");
	diag_release(&d);
}

/* A hidden NAME gets no second dot: ".state.tmp.X", never "..state.tmp.X". */
static void test_hidden_temp_name(void)
{
	struct atomicfile *f = NULL;
	struct diag d = {0};
	char p[128], tmp[256] = "";
	const char *prefix = ".hidden.state.tmp.";

	mkpath(p, sizeof(p), ".hidden.state");
	is_int(atomicfile_open(&f, AT_FDCWD, p, 0600, &d), 0,
	       "open a temp file beside .hidden.state");
	is_int(count_temps(scratch.path, tmp, sizeof(tmp)), 1,
	       "one temp file exists while writing");
	ok(!strncmp(tmp, prefix, strlen(prefix)) && strlen(tmp) == strlen(prefix) + 6,
	   "a hidden name's temp starts with one dot: .NAME.tmp.XXXXXX (%s)", tmp);
	atomicfile_abort(f);
	is_int(count_temps(scratch.path, NULL, 0), 0, "abort removes it");
	diag_release(&d);
}

static void test_symlink(void)
{
	struct diag d = {0};
	char p[128], victim[128];

	mkpath(victim, sizeof(victim), "victim");
	mkpath(p, sizeof(p), "link.prom");
	spit(victim, "keep\n");
	if (symlink(victim, p) < 0)
		printf("# symlink: %s\n", strerror(errno));
	is_int(atomicfile_replace(AT_FDCWD, p, 0644, "mine\n", 5, &d), 0,
	       "replace a symlink planted at the destination");
	ok(S_ISREG(mode_of(p)), "the destination is now a regular file, not a symlink");
	is_str(slurp(p), "mine\n", "with the new content");
	is_str(slurp(victim), "keep\n", "the symlink's target is untouched");

	mkpath(p, sizeof(p), "dangling.prom");
	if (symlink("/nonexistent/ebpfexp-victim", p) < 0)
		printf("# symlink: %s\n", strerror(errno));
	is_int(atomicfile_replace(AT_FDCWD, p, 0644, "mine\n", 5, &d), 0,
	       "replace a dangling symlink");
	ok(S_ISREG(mode_of(p)) && access("/nonexistent/ebpfexp-victim", F_OK) < 0,
	   "without creating its target");
	diag_release(&d);
}

/* Commit without fsyncs: @path gets @text by exchange (over a regular file) or rename. */
static int replace_no_sync(const char *path, const char *text, struct diag *d)
{
	struct atomicfile *f = NULL;
	int err = atomicfile_open(&f, AT_FDCWD, path, 0644, d);

	if (!err)
		err = atomicfile_write(f, text, strlen(text), d);
	if (err) {
		atomicfile_abort(f);
		return err;
	}
	atomicfile_no_sync(f);
	return atomicfile_commit(f, d);
}

static void test_no_sync(void)
{
	struct diag d = {0};
	char p[128], victim[128], held[16] = "";
	struct stat before, after;
	int fd;

	mkpath(p, sizeof(p), "nosync.prom");
	is_int(replace_no_sync(p, "one\n", &d), 0, "no sync: a new file (nothing to exchange)");
	is_str(slurp(p), "one\n", "no sync: with its content");
	fd = open(p, O_RDONLY);
	stat(p, &before);
	is_int(replace_no_sync(p, "two\n", &d), 0, "no sync: over a regular file");
	stat(p, &after);
	is_str(slurp(p), "two\n", "no sync: the name has the new content");
	ok(before.st_ino != after.st_ino, "no sync: a new inode, as with rename");
	if (fd >= 0 && read(fd, held, sizeof(held) - 1) < 0)
		held[0] = '\0';
	is_str(held, "one\n", "no sync: a reader that had the old file open still reads it whole");
	if (fd >= 0)
		close(fd);
	is_int(count_temps(scratch.path, NULL, 0), 0, "no sync: the old content does not stay");

	mkpath(victim, sizeof(victim), "nosync-victim");
	mkpath(p, sizeof(p), "nosync-link.prom");
	spit(victim, "keep\n");
	if (symlink(victim, p) < 0)
		printf("# symlink: %s\n", strerror(errno));
	is_int(replace_no_sync(p, "mine\n", &d), 0, "no sync: over a symlink");
	ok(S_ISREG(mode_of(p)) && !strcmp(slurp(p), "mine\n"),
	   "no sync: the symlink is replaced by the file");
	is_str(slurp(victim), "keep\n", "no sync: the symlink's target is untouched");

	mkpath(p, sizeof(p), "nosync-dir.prom");
	if (mkdir(p, 0755) < 0)
		printf("# mkdir: %s\n", strerror(errno));
	ok(replace_no_sync(p, "x\n", &d) < 0 && S_ISDIR(mode_of(p)),
	   "no sync: a directory at the name is not exchanged away: the commit fails");
	is_int(count_temps(scratch.path, NULL, 0), 0, "no sync: and leaves no temp file");
	rmdir(p);
	diag_release(&d);
}

static void test_abort(void)
{
	struct atomicfile *f = NULL;
	struct diag d = {0};
	char p[128];

	mkpath(p, sizeof(p), "c.prom");
	spit(p, "old\n");
	is_int(atomicfile_open(&f, AT_FDCWD, p, 0644, &d), 0, "open");
	is_int(atomicfile_write(f, "half", 4, &d), 0, "write part of a file");
	atomicfile_abort(f);
	is_int(count_temps(scratch.path, NULL, 0), 0, "abort removes the temp file");
	is_str(slurp(p), "old\n", "abort leaves the target as it was");
	atomicfile_abort(NULL);
	ok(1, "abort(NULL) does nothing");
	diag_release(&d);
}

static void test_dirfd(void)
{
	struct diag d = {0};
	char p[128];
	int dfd = open(scratch.path, O_RDONLY | O_DIRECTORY);

	mkpath(p, sizeof(p), "sub");
	mkdir(p, 0755);
	is_int(atomicfile_replace(dfd, "sub/rel.prom", 0644, "rel\n", 4, &d), 0,
	       "a path relative to a directory fd");
	mkpath(p, sizeof(p), "sub/rel.prom");
	is_str(slurp(p), "rel\n", "lands in that directory");
	is_int(atomicfile_replace(dfd, "top.prom", 0644, "top\n", 4, &d), 0,
	       "a bare name relative to a directory fd");
	mkpath(p, sizeof(p), "top.prom");
	is_str(slurp(p), "top\n", "lands in the directory itself");
	close(dfd);
	diag_release(&d);
}

static void test_failures(void)
{
	struct atomicfile *f = (struct atomicfile *)1;
	struct diag d = {0};
	char p[128], want[512];
	int dfd, err;

	mkpath(p, sizeof(p), "nodir/x.prom");
	err = atomicfile_open(&f, AT_FDCWD, p, 0644, &d);
	is_int(err, -ENOENT, "open in a missing directory fails with -ENOENT");
	ok(f == NULL, "and sets *out to NULL");
	snprintf(want, sizeof(want), "open directory %s/nodir: No such file or directory",
		 scratch.path);
	is_str(diag_last(&d), want, "the message names the directory and the reason");

	mkpath(p, sizeof(p), "isdir.prom");
	mkdir(p, 0755);
	err = atomicfile_replace(AT_FDCWD, p, 0644, "x\n", 2, &d);
	is_int(err, -EISDIR, "replacing a directory fails with -EISDIR");
	snprintf(want, sizeof(want), "rename %s/.isdir.prom.tmp.XXXXXX to %s: Is a directory",
		 scratch.path, p);
	is_str(unrandom(diag_last(&d)), want, "the message names both paths");
	is_int(count_temps(scratch.path, NULL, 0), 0, "a failed commit removes its temp file");

	err = atomicfile_replace(AT_FDCWD, "", 0644, "x", 1, &d);
	is_int(err, -EISDIR, "an empty path is refused");
	mkpath(p, sizeof(p), "sub/");
	err = atomicfile_replace(AT_FDCWD, p, 0644, "x", 1, &d);
	is_int(err, -EISDIR, "a path ending in / is refused");

	/* A directory removed while its fd is open: creating in it fails, even as root. */
	mkpath(p, sizeof(p), "gone");
	mkdir(p, 0755);
	dfd = open(p, O_RDONLY | O_DIRECTORY);
	rmdir(p);
	err = atomicfile_replace(dfd, "y.prom", 0644, "x\n", 2, &d);
	is_int(err, -ENOENT, "writing into a deleted directory fails with -ENOENT");
	is_str(unrandom(diag_last(&d)), "create .y.prom.tmp.XXXXXX: No such file or directory",
	       "the message names the temp file and the reason");
	close(dfd);
	diag_release(&d);
}

/* What the child in a private mount namespace found; shared with the parent. */
struct ns_result {
	int skip;
	char why[128];
	int enospc_err, enospc_temps, enospc_old_kept, commit_err, commit_old_kept;
	char enospc_msg[512], commit_msg[512];
	int erofs_err;
	char erofs_msg[512];
};

static void ns_child(struct ns_result *r, const char *mnt)
{
	struct atomicfile *f = NULL;
	struct diag d = {0};
	static char big[1 << 20];
	char p[256];
	const char *s;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", mnt, "tmpfs", 0, "size=64k,mode=0755") < 0) {
		r->skip = 1;
		snprintf(r->why, sizeof(r->why), "private tmpfs: %s", strerror(errno));
		return;
	}
	snprintf(p, sizeof(p), "%s/big.prom", mnt);
	spit(p, "old\n");
	memset(big, 'x', sizeof(big));
	r->enospc_err = atomicfile_replace(AT_FDCWD, p, 0644, big, sizeof(big), &d);
	snprintf(r->enospc_msg, sizeof(r->enospc_msg), "%s", diag_last(&d));
	r->enospc_temps = count_temps(mnt, NULL, 0);
	s = slurp(p);
	r->enospc_old_kept = s && !strcmp(s, "old\n");

	/* A caller that ignores the write error must not get a truncated file committed. */
	if (!atomicfile_open(&f, AT_FDCWD, p, 0644, &d)) {
		(void)atomicfile_write(f, big, sizeof(big), &d); /* fails: ENOSPC */
		r->commit_err = atomicfile_commit(f, &d);
		snprintf(r->commit_msg, sizeof(r->commit_msg), "%s", diag_last(&d));
	}
	s = slurp(p);
	r->commit_old_kept = s && !strcmp(s, "old\n") && count_temps(mnt, NULL, 0) == 0;

	if (mount(NULL, mnt, NULL, MS_REMOUNT | MS_RDONLY, NULL) == 0) {
		r->erofs_err = atomicfile_replace(AT_FDCWD, p, 0644, "x\n", 2, &d);
		snprintf(r->erofs_msg, sizeof(r->erofs_msg), "%s", diag_last(&d));
	}
	diag_release(&d);
}

static void test_full_fs(void)
{
	struct ns_result *r;
	char mnt[128], want[512];
	pid_t pid;
	int status = 0;

	mkpath(mnt, sizeof(mnt), "mnt");
	mkdir(mnt, 0755);
	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED) {
		ok(1, "ENOSPC and EROFS # SKIP mmap: %s", strerror(errno));
		return;
	}
	memset(r, 0, sizeof(*r));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		ns_child(r, mnt);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)) {
		r->skip = 1;
		snprintf(r->why, sizeof(r->why), "the test child failed");
	}
	if (r->skip) {
		ok(1, "ENOSPC and EROFS # SKIP %s", r->why);
		munmap(r, sizeof(*r));
		return;
	}
	is_int(r->enospc_err, -ENOSPC, "a full file system fails the replace with -ENOSPC");
	snprintf(want, sizeof(want), "write %s/.big.prom.tmp.XXXXXX: No space left on device", mnt);
	is_str(unrandom(r->enospc_msg), want, "the message names the temp file and the reason");
	is_int(r->enospc_temps, 0, "the temp file is removed");
	ok(r->enospc_old_kept, "the old content stays in place");
	is_int(r->commit_err, -ENOSPC, "commit after a failed write fails too");
	snprintf(want, sizeof(want),
		 "%s/big.prom: not replaced: writing %s/.big.prom.tmp.XXXXXX "
		 "failed",
		 mnt, mnt);
	is_str(unrandom(r->commit_msg), want, "saying that the write failed");
	ok(r->commit_old_kept, "and commits nothing, removing the temp file");
	is_int(r->erofs_err, -EROFS, "a read-only file system fails with -EROFS");
	snprintf(want, sizeof(want), "create %s/.big.prom.tmp.XXXXXX: Read-only file system", mnt);
	is_str(unrandom(r->erofs_msg), want, "naming the temp file it could not create");
	munmap(r, sizeof(*r));
}

static void touch_old(int dfd, const char *name, time_t age)
{
	struct timespec ts[2] = {{.tv_sec = time(NULL) - age}, {.tv_sec = time(NULL) - age}};

	if (utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		printf("# utimensat %s: %s\n", name, strerror(errno));
}

static void test_clean_stale(void)
{
	static const char *const files[] = {
		".old.prom.tmp.Ab12Cd", /* ours, old: removed */
		".new.prom.tmp.Ef34Gh", /* ours, fresh: a writer may be busy with it */
		"old.prom",		/* not a temp */
		".old.prom",		/* hidden, not a temp */
		".other.tmp.toolong1",	/* not our suffix */
	};
	char p[128], q[160];
	int dfd, n;

	mkpath(p, sizeof(p), "stale");
	mkdir(p, 0755);
	dfd = open(p, O_RDONLY | O_DIRECTORY);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(q, sizeof(q), "%s/%s", p, files[i]);
		spit(q, "x");
		if (i != 1)
			touch_old(dfd, files[i], 3600);
	}
	mkdirat(dfd, ".dir.prom.tmp.Ij56Kl", 0755);
	touch_old(dfd, ".dir.prom.tmp.Ij56Kl", 3600);
	if (symlinkat("old.prom", dfd, ".lnk.prom.tmp.Mn78Op") < 0)
		printf("# symlinkat: %s\n", strerror(errno));
	touch_old(dfd, ".lnk.prom.tmp.Mn78Op", 3600);

	n = atomicfile_clean_stale(dfd, 600);
	is_int(n, 1, "clean_stale removes exactly one file");
	ok(faccessat(dfd, ".old.prom.tmp.Ab12Cd", F_OK, 0) < 0, "the old temp file is gone");
	ok(faccessat(dfd, ".new.prom.tmp.Ef34Gh", F_OK, 0) == 0, "a fresh temp file is kept");
	ok(faccessat(dfd, "old.prom", F_OK, 0) == 0 && faccessat(dfd, ".old.prom", F_OK, 0) == 0,
	   "old files that are not temps are kept");
	ok(faccessat(dfd, ".other.tmp.toolong1", F_OK, 0) == 0,
	   "a temp file named by someone else is kept");
	ok(faccessat(dfd, ".dir.prom.tmp.Ij56Kl", F_OK, 0) == 0 &&
		   faccessat(dfd, ".lnk.prom.tmp.Mn78Op", F_OK, AT_SYMLINK_NOFOLLOW) == 0,
	   "directories and symlinks with temp names are kept");
	is_int(atomicfile_clean_stale(dfd, 0), 1, "with age 0 the fresh temp goes too");
	is_int(atomicfile_clean_stale(dfd, 0), 0, "then there is nothing left to remove");
	close(dfd);
	is_int(atomicfile_clean_stale(-1, 0), -EBADF, "a bad directory fd gives -EBADF");
}

int main(void)
{
	if (testdir_open(&scratch, "atomicfile")) {
		printf("Bail out! no scratch directory\n");
		return 1;
	}
	test_replace();
	test_modes();
	test_temp_name();
	test_hidden_temp_name();
	test_group();
	test_symlink();
	test_no_sync();
	test_abort();
	test_dirfd();
	test_failures();
	test_full_fs();
	test_clean_stale();
	testdir_close(&scratch);
	return done_testing();
}
