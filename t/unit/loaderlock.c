/*
 * Unit tests for collector/loaderlock.c: the lock file's mode, replacing a foreign one,
 * one holder at a time, the probe by flock and by /proc/locks text.
 */
#include "loaderlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "diag.h"
#include "tap.h"

static char dir[] = "/tmp/ebpfexp-loaderlock.XXXXXX";
static char path[sizeof(dir) + 16];

static void test_listed(void)
{
	const char *locks = "1: POSIX  ADVISORY  WRITE 10 fe:00:123 0 EOF\n"
			    "2: FLOCK  ADVISORY  READ 11 00:1a:77 0 EOF\n"
			    "3: FLOCK  ADVISORY  WRITE 12 00:1a:7 0 EOF\n"
			    "3: -> FLOCK  ADVISORY  WRITE 13 00:1a:8 0 EOF\n"
			    "4: FLOCK  ADVISORY  WRITE 14 103:02:4242 0 EOF\n";

	ok(loaderlock_listed(locks, makedev(0, 0x1a), 7),
	   "an exclusive flock on 00:1a:7 is listed");
	ok(!loaderlock_listed(locks, makedev(0, 0x1a), 77), "a shared flock does not count");
	ok(!loaderlock_listed(locks, makedev(0xfe, 0), 123), "a POSIX lock does not count");
	ok(!loaderlock_listed(locks, makedev(0, 0x1a), 8), "a waiter (->) does not count");
	ok(loaderlock_listed(locks, makedev(0x103, 2), 4242), "majors above 0xff print in full");
	ok(!loaderlock_listed(locks, makedev(0, 0x1a), 1), "inode 1 is not a prefix match of 123");
	ok(!loaderlock_listed("", makedev(0, 0x1a), 7), "empty text: nothing listed");
}

static void test_take(void)
{
	struct diag d = {0};
	struct stat st;
	int fd = -1, fd2 = -1, other = -1;

	ok(!loaderlock_is_held(dir), "no lock file: not held");
	umask(0077 | 0200); /* a umask that would leave 0400: the file is 0600 all the same */
	is_int(loaderlock_take(dir, &fd, &d), 0, "take creates the lock file and locks it");
	umask(022);
	ok(!stat(path, &st) && (st.st_mode & 07777) == 0600, "the lock file is mode 0600");
	ok(loaderlock_is_held(dir), "the probe sees it held");
	is_int(loaderlock_take(dir, &fd2, &d), -EWOULDBLOCK, "a second take fails: held");
	like(diag_last(&d), "is locked: another ebpfexp-load runs", "and says so");
	diag_clear(&d);
	close(fd);
	ok(!loaderlock_is_held(dir), "closed: not held");

	/* a 0644 file that someone holds, as older versions made it */
	ok(!unlink(path) && (other = open(path, O_RDWR | O_CREAT, 0644)) >= 0 &&
		   !fchmod(other, 0644) && !flock(other, LOCK_SH),
	   "someone holds a 0644 lock file");
	is_int(loaderlock_take(dir, &fd, &d), 0, "take replaces it and locks the new one");
	like(d.n_msgs ? d.msgs[0].text : "", "mode 0644", "with a warning that names the mode");
	diag_clear(&d);
	ok(!stat(path, &st) && (st.st_mode & 07777) == 0600, "the new one is mode 0600");
	ok(loaderlock_is_held(dir), "the probe sees the new one held");
	close(fd);
	close(other);

	/* a symlink planted in its place */
	ok(!unlink(path) && !symlink("/etc/passwd", path), "a symlink stands in its place");
	is_int(loaderlock_take(dir, &fd, &d), 0, "take replaces the symlink");
	ok(!lstat(path, &st) && S_ISREG(st.st_mode), "by a regular file");
	diag_clear(&d);
	close(fd);
	unlink(path);
	rmdir(dir);
	diag_release(&d);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/loader.lock", dir);
	test_listed();
	test_take();
	return done_testing();
}
