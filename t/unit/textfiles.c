/*
 * textfiles: a run removes the file of its own state dir's config that has no manifest any
 * more, and nothing else: not another state dir's, not a config outside its scope, not a
 * name another entry still holds, not a name the reader does not write; clean removes what
 * was written, then the dot files; a state dir's key is absolute even when it is missing.
 */
#include "textfiles.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"

static char tmpdir[] = "/tmp/ebpfexp-textfiles.XXXXXX";
static int dirfd_;

static void touch(const char *name)
{
	int fd = openat(dirfd_, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, "x 1\n", 4) != 4)
		printf("# could not write %s\n", name);
	if (fd >= 0)
		close(fd);
}

static bool there(const char *name)
{
	return faccessat(dirfd_, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Lets "gone" and "evil" go (no manifest); keeps the rest (a manifest, or out of scope). */
static bool keep(void *arg, const char *config)
{
	(void)arg;
	return strcmp(config, "gone") && strcmp(config, "evil");
}

static void wrote(struct readstate *s, const char *key, const char *config)
{
	char file[64];

	if (!config)
		snprintf(file, sizeof(file), "%s", TEXTFILES_SELF);
	else if (textfiles_config_file(file, sizeof(file), config))
		return;
	touch(file);
	if (textfiles_wrote(s, key, config, file))
		printf("# textfiles_wrote failed\n");
}

static void test_prune(void)
{
	struct readstate s = {0};
	struct strbuf removed = {0};
	struct diag d = {0};

	wrote(&s, "/run/a", "gone");
	wrote(&s, "/run/a", "kept");
	wrote(&s, "/run/a", NULL);
	wrote(&s, "/run/b", "other"); /* another state dir's */
	touch("apt.prom");
	touch("ebpfexp_hand.prom"); /* by hand: no entry */
	/* a config of b with no file, and one of a whose name is in the state but not ours */
	ok(readstate_get(&s, "/run/b", "gone") != NULL, "b knows a config gone of its own");
	ok(!readstate_set_file(readstate_get(&s, "/run/a", "evil"), "../escape.prom"),
	   "a planted name in a's state");
	touch("../escape.prom");
	is_int(textfiles_prune(&s, dirfd_, "/run/a", keep, NULL, &removed, &d), 0, "prune a");
	ok(!there("ebpfexp_gone.prom"), "the file of a's config without a manifest is gone");
	is_str(strbuf_str(&removed), " ebpfexp_gone.prom", "and named");
	ok(there("ebpfexp_kept.prom") && there(TEXTFILES_SELF), "a's others stay");
	ok(there("ebpfexp_other.prom") && there("apt.prom") && there("ebpfexp_hand.prom"),
	   "another state dir's, another collector's and a hand-written file stay");
	ok(faccessat(dirfd_, "../escape.prom", F_OK, 0) == 0, "a name with a / is never removed");
	ok(d.n_msgs == 1 && strstr(diag_last(&d), "not a name ebpfexp-read writes"),
	   "with a warning");
	ok(readstate_get(&s, "/run/b", "gone")->file == NULL, "b's entry of that name stays");
	unlinkat(dirfd_, "../escape.prom", 0);

	/* two state dirs that both wrote one name: the last one to go takes it */
	wrote(&s, "/run/b", "gone");
	wrote(&s, "/run/a", "gone");
	strbuf_reset(&removed);
	textfiles_prune(&s, dirfd_, "/run/a", keep, NULL, &removed, &d);
	ok(there("ebpfexp_gone.prom") && !removed.len, "a name b still holds stays");
	textfiles_prune(&s, dirfd_, "/run/b", keep, NULL, &removed, &d);
	ok(!there("ebpfexp_gone.prom"), "and goes with b's");

	/* clean of b alone: its files go, a's and the dot files stay */
	touch(TEXTFILES_STATE);
	strbuf_reset(&removed);
	is_int(textfiles_clean(&s, dirfd_, "/run/b", NULL, NULL, &removed, &d), 0, "clean b");
	ok(!there("ebpfexp_other.prom") && there("ebpfexp_kept.prom") && there(TEXTFILES_SELF),
	   "b's files go, a's and the ebpfexp.prom a wrote stay");
	ok(there(TEXTFILES_STATE), "the state stays while a has entries");
	/* clean limited to configs: the self file stays */
	is_int(textfiles_clean(&s, dirfd_, NULL, keep, NULL, &removed, &d), 0, "clean 'gone'");
	ok(there("ebpfexp_kept.prom") && there(TEXTFILES_SELF), "outside its names all stays");
	/* clean of all: every recorded file and the dot files, nothing else */
	touch(TEXTFILES_CGROUPS);
	touch(TEXTFILES_LOCK);
	strbuf_reset(&removed);
	is_int(textfiles_clean(&s, dirfd_, NULL, NULL, NULL, &removed, &d), 0, "clean all");
	ok(!there("ebpfexp_kept.prom") && !there(TEXTFILES_SELF), "every recorded file goes");
	ok(!there(TEXTFILES_STATE) && !there(TEXTFILES_CGROUPS) && !there(TEXTFILES_LOCK),
	   "and the dot files");
	ok(there("apt.prom") && there("ebpfexp_hand.prom"), "foreign files stay");
	is_int(s.n, 0, "nothing is left in the state");
	readstate_release(&s);
	strbuf_release(&removed);
	diag_release(&d);
}

static void test_clean_first_format(void)
{
	struct readstate s = {0};
	struct strbuf removed = {0};
	struct diag d = {0};
	int fd = openat(dirfd_, TEXTFILES_STATE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd >= 0 && write(fd, "read\t0\t1700000000.000\nnever\t0\t0.000\n", 36) != 36)
		printf("# short write\n");
	if (fd >= 0)
		close(fd);
	touch("ebpfexp_read.prom");
	touch("ebpfexp_never.prom");
	touch(TEXTFILES_SELF);
	is_int(readstate_load(&s, dirfd_, TEXTFILES_STATE, &d), 0, "a first-format state");
	is_int(textfiles_clean(&s, dirfd_, NULL, NULL, NULL, &removed, &d), 0, "clean all");
	ok(!there("ebpfexp_read.prom") && !there(TEXTFILES_SELF),
	   "the file of a config it read, and ebpfexp.prom, go");
	ok(there("ebpfexp_never.prom"), "a config it never read wrote no file: that one stays");
	unlinkat(dirfd_, "ebpfexp_never.prom", 0);
	readstate_release(&s);
	strbuf_release(&removed);
	diag_release(&d);
}

static void test_state_key(void)
{
	char path[300], want[300], *key = NULL, *real = realpath(tmpdir, NULL);

	is_int(textfiles_state_key(tmpdir, &key), 0, "key of an existing dir");
	is_str(key, real, "is its real path");
	free(key);
	snprintf(path, sizeof(path), "%s/./missing/", tmpdir);
	snprintf(want, sizeof(want), "%s/missing", real);
	is_int(textfiles_state_key(path, &key), 0, "key of a missing dir");
	is_str(key, want, "is its parent's real path and its name, as after it exists");
	free(key);
	free(real);
}

int main(void)
{
	char cmd[300], sub[300];

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sub, sizeof(sub), "%s/tf", tmpdir);
	mkdir(sub, 0755);
	dirfd_ = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd_ < 0)
		return 1;
	test_prune();
	test_clean_first_format();
	test_state_key();
	close(dirfd_);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "# could not remove %s\n", tmpdir);
	return done_testing();
}
