/*
 * readcgroups: remembered cgroups go to a private file and come back exactly, tabs,
 * newlines and backslashes in paths included; a missing, garbled, truncated or planted file
 * (symlink, FIFO, directory) loads what it can with one warning and never fails or hangs.
 */
#include "readcgroups.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "testdir.h"

#define NAME ".ebpfexp-read.cgroups"

static struct testdir dir;

static void test_round_trip(void)
{
	const struct decode_cgroup e[] = {
		{1, 1700000000, "/sys/fs/cgroup/unified/system.slice"},
		{2, -5, "/cg/a\tb\nc\\d\\t"},
		{UINT64_MAX, INT64_MAX, "/max"},
		{4, INT64_MIN, "/min"},
	};
	struct readcgroups c = {0};
	struct diag d = {0};
	struct stat st;
	char buf[512];
	int same = 1;

	is_int(readcgroups_save(e, 4, dir.fd, NAME, &d), 0, "save");
	is_str(testdir_get(&dir, NAME, buf, sizeof(buf)),
	       "1\t1700000000\t/sys/fs/cgroup/unified/system.slice\n"
	       "2\t-5\t/cg/a\\tb\\nc\\\\d\\\\t\n"
	       "18446744073709551615\t9223372036854775807\t/max\n"
	       "4\t-9223372036854775808\t/min\n",
	       "one line per cgroup; backslash, tab and newline in a path are escaped");
	ok(fstatat(dir.fd, NAME, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & 07777) == 0600,
	   "the file is private: mode 0600");
	is_int(readcgroups_load(&c, dir.fd, NAME, &d), 0, "load");
	is_int(c.n, 4, "every entry comes back");
	for (size_t i = 0; i < c.n && i < 4; i++)
		if (c.e[i].id != e[i].id || c.e[i].last_lookup != e[i].last_lookup ||
		    strcmp(c.e[i].path, e[i].path))
			same = 0;
	ok(same, "ids, last lookups (to both int64 ends) and paths come back exactly");
	ok(c.found && d.n_msgs == 0, "found, without a warning");
	readcgroups_release(&c);

	is_int(readcgroups_save(NULL, 0, dir.fd, NAME, &d), 0, "save nothing");
	is_str(testdir_get(&dir, NAME, buf, sizeof(buf)), "", "an empty file");
	readcgroups_load(&c, dir.fd, NAME, &d);
	ok(c.n == 0 && c.found && d.n_msgs == 0, "an empty file: nothing, found, no warning");
	readcgroups_release(&c);

	unlinkat(dir.fd, NAME, 0);
	is_int(readcgroups_load(&c, dir.fd, NAME, &d), 0, "a missing file loads ...");
	ok(c.n == 0 && !c.found && d.n_msgs == 0, "... as nothing, not found, without a warning");
	readcgroups_release(&c);
	diag_release(&d);
}

static void test_garbled(void)
{
	static const char text[] = "10\t100\t/good/one\n"
				   "\n"
				   "garbage\n"
				   "1\t2\n"
				   "x\t1\t/id-not-a-number\n"
				   "-2\t1\t/negative-id\n"
				   "2\tsoon\t/time-not-a-number\n"
				   "3\t\t/no-time\n"
				   "\t1\t/no-id\n"
				   "4\t1\trelative\n"
				   "5\t1\t\n"
				   "6\t1\t/bad\\qescape\n"
				   "7\t1\t/trailing-backslash\\\n"
				   "8\t1\t/raw\ttab\n"
				   "18446744073709551616\t1\t/id-overflow\n"
				   "9\t9223372036854775808\t/time-overflow\n"
				   "11\t1\t/nul\0byte\n"
				   "\001\377\t\t\n"
				   "12\t-3\t/good/two \\\\ spaced\n"
				   "13\t1\t/cut short";
	struct readcgroups c = {0};
	struct diag d = {0};

	testdir_put(&dir, NAME, text, sizeof(text) - 1);
	is_int(readcgroups_load(&c, dir.fd, NAME, &d), 0, "a garbled file does not fail the load");
	ok(c.n == 2 && c.e[0].id == 10 && c.e[0].last_lookup == 100 &&
		   !strcmp(c.e[0].path, "/good/one") && c.e[1].id == 12 &&
		   c.e[1].last_lookup == -3 && !strcmp(c.e[1].path, "/good/two \\ spaced"),
	   "only the two well-formed lines are taken, exactly");
	is_int(d.n_msgs, 1, "one warning for all bad lines");
	is_int(d.n_errors, 0, "... a warning, not an error");
	like(diag_last(&d), NAME ": ignored 18 malformed line(s)",
	     "the warning names the file and counts 18 bad lines, the cut last one too");
	readcgroups_release(&c);
	diag_release(&d);
}

static void test_planted(void)
{
	struct readcgroups c = {0};
	struct diag d = {0};
	const struct decode_cgroup e[] = {{1, 2, "/x"}};
	char victim[300], buf[64];
	FILE *f;

	snprintf(victim, sizeof(victim), "%s/victim", dir.path);
	f = fopen(victim, "w");
	if (f) {
		fputs("1\t2\t/from-the-target\n", f);
		fclose(f);
	}
	unlinkat(dir.fd, NAME, 0);
	if (symlinkat(victim, dir.fd, NAME))
		printf("# symlink: %s\n", strerror(errno));
	readcgroups_load(&c, dir.fd, NAME, &d);
	ok(c.n == 0 && d.n_errors == 0, "a symlink is not followed");
	like(diag_last(&d), "symlink", "... and the warning says so");
	readcgroups_release(&c);
	diag_release(&d);
	is_int(readcgroups_save(e, 1, dir.fd, NAME, &d), 0, "save over a symlink");
	f = fopen(victim, "r");
	ok(f && fgets(buf, sizeof(buf), f) && !strcmp(buf, "1\t2\t/from-the-target\n"),
	   "... leaves its target alone");
	if (f)
		fclose(f);
	is_str(testdir_get(&dir, NAME, buf, sizeof(buf)), "1\t2\t/x\n",
	       "... and replaces the link with the file");
	diag_release(&d);

	unlinkat(dir.fd, NAME, 0);
	if (mkfifoat(dir.fd, NAME, 0600))
		printf("# mkfifo: %s\n", strerror(errno));
	readcgroups_load(&c, dir.fd, NAME, &d);
	ok(c.n == 0 && d.n_errors == 0, "a FIFO is not waited on");
	like(diag_last(&d), "not a regular file", "... and the warning says so");
	readcgroups_release(&c);
	diag_release(&d);

	unlinkat(dir.fd, NAME, 0);
	mkdirat(dir.fd, NAME, 0700);
	readcgroups_load(&c, dir.fd, NAME, &d);
	ok(c.n == 0 && d.n_errors == 0 && c.found, "a directory loads as nothing, found");
	readcgroups_release(&c);
	diag_release(&d);
	ok(readcgroups_save(e, 1, dir.fd, NAME, &d) < 0 && d.n_msgs == 1,
	   "saving over a directory fails with a message");
	diag_release(&d);
	unlinkat(dir.fd, NAME, AT_REMOVEDIR);
	unlink(victim);
}

int main(void)
{
	if (testdir_open(&dir, "readcgroups"))
		return 1;
	test_round_trip();
	test_garbled();
	test_planted();
	testdir_close(&dir);
	return done_testing();
}
