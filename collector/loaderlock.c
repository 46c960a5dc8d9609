/*
 * loaderlock: the loader's lock file and the reader's probe of it. Taking it replaces a lock
 * file that is not one this user made mode 0600, since whoever could open it may hold a
 * lock on it; the name is checked again after the flock, so that two loaders racing to
 * replace it still end with one lock holder. The probe never waits.
 */
#include "loaderlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "statedir.h"
#include "strbuf.h"

#define LOADERLOCK_TRIES 8	       /* rounds of replace-and-retry before giving up */
#define LOADERLOCK_WAIT_MS 1000	       /* for a reader's probe, which holds it for microseconds */
#define LOADERLOCK_PROC_MAX (1u << 20) /* /proc/locks: one line a lock, ~60 bytes each */

static bool is_ours(const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_uid == geteuid() && (st->st_mode & 07777) == 0600;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/*
 * Make the lock file where there is none: written under a temp name with mode 0600 whatever
 * the umask, then linked to its name, which fails (harmlessly) if another loader was first.
 */
static int create_lock(int dirfd, const char *dir, struct diag *d)
{
	char tmp[64];
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), STATEDIR_LOCK ".%ld", (long)getpid());
	(void)unlinkat(dirfd, tmp, 0); /* left by a process of this pid that died */
	fd = openat(dirfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return diag_err(d, errno, NULL, "create %s/%s: %s", dir, tmp, strerror(errno));
	if (fchmod(fd, 0600))
		err = diag_err(d, errno, NULL, "chmod %s/%s: %s", dir, tmp, strerror(errno));
	if (!err && linkat(dirfd, tmp, dirfd, STATEDIR_LOCK, 0) && errno != EEXIST)
		err = diag_err(d, errno, NULL, "create %s/" STATEDIR_LOCK ": %s", dir,
			       strerror(errno));
	(void)unlinkat(dirfd, tmp, 0);
	close(fd);
	return err;
}

/* Remove the lock file @st that is not ours, if the name still is that file. */
static int remove_foreign(int dirfd, const char *dir, const struct stat *st, struct diag *d)
{
	struct stat now;

	diag_warn(d, NULL,
		  "%s/" STATEDIR_LOCK ": mode %04o, owner uid %u: not a lock file this "
		  "loader made (mode 0600, uid %u); replacing it, since whoever could open it "
		  "could hold it",
		  dir, (unsigned)(st->st_mode & 07777), (unsigned)st->st_uid, (unsigned)geteuid());
	if (fstatat(dirfd, STATEDIR_LOCK, &now, AT_SYMLINK_NOFOLLOW) || !same_file(&now, st))
		return 0; /* replaced meanwhile: look again */
	if (unlinkat(dirfd, STATEDIR_LOCK, 0) && errno != ENOENT)
		return diag_err(d, errno, NULL, "remove %s/" STATEDIR_LOCK ": %s", dir,
				strerror(errno));
	return 0;
}

/* flock(LOCK_EX) for up to LOADERLOCK_WAIT_MS: a reader's probe may hold it for a moment. */
static int lock_briefly(int fd)
{
	const struct timespec step = {.tv_nsec = 10 * 1000000L};

	for (int ms = 0;; ms += 10) {
		if (!flock(fd, LOCK_EX | LOCK_NB))
			return 0;
		if (errno != EWOULDBLOCK || ms >= LOADERLOCK_WAIT_MS)
			return -errno;
		nanosleep(&step, NULL);
	}
}

int loaderlock_take(const char *state_dir, int *fd_out, struct diag *d)
{
	int dirfd, fd = -1, err = 0;

	*fd_out = -1;
	if (mkdir(state_dir, 0755) && errno != EEXIST)
		return diag_err(d, errno, NULL, "create state dir %s: %s", state_dir,
				strerror(errno));
	dirfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return diag_err(d, errno, NULL, "open state dir %s: %s", state_dir,
				strerror(errno));
	for (int i = 0; i < LOADERLOCK_TRIES && !err; i++) {
		struct stat st, now;

		fd = openat(dirfd, STATEDIR_LOCK, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0 && errno == ENOENT) {
			err = create_lock(dirfd, state_dir, d);
			continue;
		}
		if (fd < 0 && errno != ELOOP) {
			err = diag_err(d, errno, NULL, "open %s/" STATEDIR_LOCK ": %s", state_dir,
				       strerror(errno));
			break;
		}
		/* a symlink (ELOOP) is not ours either */
		if (fd < 0 ? fstatat(dirfd, STATEDIR_LOCK, &st, AT_SYMLINK_NOFOLLOW)
			   : fstat(fd, &st)) {
			err = diag_err(d, errno, NULL, "stat %s/" STATEDIR_LOCK ": %s", state_dir,
				       strerror(errno));
			break;
		}
		if (fd < 0 || !is_ours(&st)) {
			if (fd >= 0)
				close(fd);
			fd = -1;
			err = remove_foreign(dirfd, state_dir, &st, d);
			continue;
		}
		err = lock_briefly(fd);
		if (err == -EWOULDBLOCK) {
			err = diag_err(d, EWOULDBLOCK, NULL,
				       "%s/" STATEDIR_LOCK " is locked: "
				       "another ebpfexp-load runs with this state dir",
				       state_dir);
			break;
		}
		if (err) {
			err = diag_err(d, -err, NULL, "lock %s/" STATEDIR_LOCK ": %s", state_dir,
				       strerror(-err));
			break;
		}
		/* the name may have gone to a new file between our open and our flock */
		if (!fstatat(dirfd, STATEDIR_LOCK, &now, AT_SYMLINK_NOFOLLOW) &&
		    same_file(&now, &st)) {
			*fd_out = fd;
			close(dirfd);
			return 0;
		}
		close(fd);
		fd = -1;
	}
	if (fd >= 0)
		close(fd);
	close(dirfd);
	if (!err)
		err = diag_err(d, EAGAIN, NULL,
			       "%s/" STATEDIR_LOCK ": replaced again and again "
			       "while taking it (is something else writing the state dir?)",
			       state_dir);
	return err;
}

bool loaderlock_listed(const char *proc_locks, dev_t dev, ino_t ino)
{
	char want[64];
	size_t want_len;

	/* "1: FLOCK  ADVISORY  WRITE 1234 00:1a:5678 0 EOF"; "1: -> FLOCK ..." waits */
	want_len = (size_t)snprintf(want, sizeof(want), " %02x:%02x:%lu ", major(dev), minor(dev),
				    (unsigned long)ino);
	for (const char *line = proc_locks; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *colon = memchr(line, ':', len);
		char type[16], mode[16], access[16];

		if (colon && sscanf(colon + 1, " %15s %15s %15s", type, mode, access) == 3 &&
		    !strcmp(type, "FLOCK") && !strcmp(access, "WRITE") &&
		    memmem(line, len, want, want_len))
			return true;
		line = end ? end + 1 : NULL;
	}
	return false;
}

bool loaderlock_is_held(const char *state_dir)
{
	struct strbuf locks = {0};
	char path[4096];
	struct stat st;
	bool up;
	int fd;

	if (statedir_path(path, sizeof(path), state_dir, STATEDIR_LOCK))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd >= 0) {
		up = flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK;
		close(fd);
		return up;
	}
	if ((errno != EACCES && errno != EPERM) || lstat(path, &st) || !S_ISREG(st.st_mode))
		return false;
	fd = open("/proc/locks", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	up = !strbuf_read_fd(&locks, fd, 16384, LOADERLOCK_PROC_MAX) &&
	     loaderlock_listed(strbuf_str(&locks), st.st_dev, st.st_ino);
	close(fd);
	strbuf_release(&locks);
	return up;
}
