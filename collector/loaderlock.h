/*
 * loaderlock: the state dir's lock file (STATEDIR_LOCK, statedir.h), the loader's liveness.
 * The loader holds an exclusive flock on it while it runs; the reader asks whether someone
 * does. The file is mode 0600: nobody but its owner can open it, so no user without write
 * access to the state dir can take a lock on it and keep the loader from starting.
 */
#ifndef EBPFEXP_LOADERLOCK_H
#define EBPFEXP_LOADERLOCK_H
#include <stdbool.h>
#include <sys/types.h> /* dev_t, ino_t */

struct diag;

/*
 * Create @state_dir (0755) if missing and take the lock without waiting. A lock file this
 * process's user did not make mode 0600 (a planted one, or one that older versions made
 * 0644 and someone may hold open) is replaced by a new one first. *@fd is the open,
 * locked file: keep it open while the loader runs. -EWOULDBLOCK: another loader holds it.
 */
int loaderlock_take(const char *state_dir, int *fd, struct diag *d);

/*
 * Whether a loader holds the lock of @state_dir. Who can open the file (its owner, root
 * without capabilities included) probes it with a shared flock; who cannot (a user in
 * the loader's --bpffs.group) looks for an exclusive flock on the file's device and inode
 * in /proc/locks, which needs only search permission on the state dir. No lock file, or
 * no way to tell: false.
 */
bool loaderlock_is_held(const char *state_dir);

/* Whether @proc_locks (the text of /proc/locks) lists an exclusive flock on @dev:@ino. */
bool loaderlock_listed(const char *proc_locks, dev_t dev, ino_t ino);

#endif
