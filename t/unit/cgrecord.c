/*
 * cgrecord: what the loader records comes back to the reader exactly (tabs, newlines,
 * quotes and 4 KB paths included); 100k short-lived cgroups keep the record within its cap,
 * the longest gone going first; a cgroup gone longer than the age is forgotten, a live one
 * is not; the file has the mode asked for; a planted or garbled file loads what it can.
 */
#include "cgrecord.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "statedir.h"
#include "tap.h"

static char dir[] = "/tmp/ebpfexp-cgrecord.XXXXXX";
static char path[256];

static void load(struct cgrecord_file *f, struct diag *d)
{
	cgrecord_file_release(f);
	if (cgrecord_load(f, path, d))
		printf("# load failed\n");
}

static void test_roundtrip(void)
{
	struct cgrecord *r = NULL;
	struct cgrecord_file f = {0};
	struct diag d = {0};
	const struct cgrecord_entry *e;
	char big[4200];
	struct stat st;

	memset(big, 'x', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	ok(!cgrecord_new(&r, 100, 600), "a record");
	cgrecord_made(r, 7, "/sys/fs/cgroup/a", 1000);
	cgrecord_made(r, 3, "/sys/fs/cgroup/b\tc\nd\\e\"f", 1001);
	cgrecord_made(r, 9, big, 1002);
	cgrecord_gone(r, 7, 1003);
	cgrecord_gone(r, 12345, 1003);
	ok(cgrecord_dirty(r), "changed: dirty");
	ok(!cgrecord_write(r, dir, 0640, (gid_t)-1, 1004, &d), "written");
	ok(!cgrecord_dirty(r), "written: clean");
	ok(!stat(path, &st) && (st.st_mode & 07777) == 0640, "with the mode asked for");
	load(&f, &d);
	is_int(f.n, 3, "three cgroups come back");
	is_int(d.n_msgs, 0, "without a warning");
	e = cgrecord_find(&f, 3);
	ok(e && !strcmp(e->path, "/sys/fs/cgroup/b\tc\nd\\e\"f"),
	   "tab, newline, backslash and quote come back unchanged");
	e = cgrecord_find(&f, 7);
	ok(e && e->gone == 1003 && e->made == 1000, "made and gone times come back");
	e = cgrecord_find(&f, 9);
	ok(e && strlen(e->path) == sizeof(big) - 1, "a 4 KB path comes back whole");
	ok(!cgrecord_find(&f, 12345), "an id never made is not there");
	/* age: 7 went at 1003; at 1003 + 600 it is forgotten; 3 and 9 live on */
	ok(!cgrecord_write(r, dir, 0640, (gid_t)-1, 1603, &d), "written later");
	load(&f, &d);
	ok(!cgrecord_find(&f, 7) && cgrecord_find(&f, 3) && cgrecord_find(&f, 9),
	   "a cgroup gone for the max age is forgotten, live ones are not");
	cgrecord_file_release(&f);
	cgrecord_free(r);
	diag_release(&d);
}

static void test_cap(void)
{
	struct cgrecord *r = NULL;
	struct cgrecord_file f = {0};
	struct diag d = {0};
	char p[64];
	size_t most = 0;
	bool order = true;

	ok(!cgrecord_new(&r, 1000, 3600), "a record of 1000");
	cgrecord_made(r, 1, "/sys/fs/cgroup/system.slice", 1);
	for (uint64_t i = 0; i < 100000; i++) {
		snprintf(p, sizeof(p), "/sys/fs/cgroup/t/c%llu", (unsigned long long)i);
		cgrecord_made(r, 100 + i, p, 10);
		cgrecord_gone(r, 100 + i, (int64_t)(20 + i));
		if (cgrecord_count(r) > most)
			most = cgrecord_count(r);
		if (i % 997 == 0)
			cgrecord_write(r, dir, 0600, (gid_t)-1, (int64_t)(20 + i), &d);
	}
	ok(most <= 2000, "between writes, at most twice the cap in memory (%zu)", most);
	ok(!cgrecord_write(r, dir, 0600, (gid_t)-1, 100100, &d), "written");
	load(&f, &d);
	is_int(f.n, 1000, "100k short-lived cgroups: the file holds the cap");
	ok(cgrecord_find(&f, 1) != NULL, "the live cgroup is kept over gone ones");
	for (size_t i = 0; i < f.n; i++)
		if (f.e[i].id != 1 && f.e[i].id < 100 + 100000 - 999)
			order = false;
	ok(order, "the most recently gone are the ones kept");
	cgrecord_file_release(&f);
	cgrecord_free(r);
	diag_release(&d);
}

static void put(const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp) {
		fputs(text, fp);
		fclose(fp);
	}
}

static void test_bad_files(void)
{
	struct cgrecord_file f = {0};
	struct diag d = {0};
	char link[300];

	unlink(path);
	load(&f, &d);
	ok(!f.found && !f.n && !d.n_msgs, "no file: empty, quietly");
	put("# ebpfexp cgroup record 1\n5\t1\t0\t/a\nx\t1\t0\t/b\n6\t1\t0\trelative\n"
	    "7\t1\t0\t/bad\\q\n9\t1\t0\t/a\n8\t1\t0\t/cut");
	load(&f, &d);
	ok(f.n == 2 && cgrecord_find(&f, 5) && cgrecord_find(&f, 9),
	   "malformed lines are skipped, the others load (unsorted too)");
	is_int(d.n_msgs, 1, "with one warning");
	diag_release(&d);
	put("5\t1\t0\t/a\n");
	load(&f, &d);
	ok(f.found && !f.n && d.n_msgs == 1, "no header: nothing, one warning");
	diag_release(&d);
	unlink(path);
	snprintf(link, sizeof(link), "%s/elsewhere", dir);
	put("");
	rename(path, link);
	if (symlink(link, path))
		printf("# symlink failed\n");
	load(&f, &d);
	ok(!f.n && d.n_msgs == 1, "a symlink is not followed");
	unlink(path);
	unlink(link);
	if (mkfifo(path, 0600))
		printf("# mkfifo failed\n");
	load(&f, &d);
	ok(!f.n && d.n_msgs == 2, "a FIFO does not hang the reader");
	unlink(path);
	cgrecord_file_release(&f);
	diag_release(&d);
}

static void test_opts(void)
{
	int64_t v = -1;

	ok(!cgrecord_parse_opt(false, "600", &v) && v == 600, "an age in seconds");
	ok(!cgrecord_parse_opt(false, "10m", &v) && v == 600, "an age in minutes");
	ok(!cgrecord_parse_opt(false, "2h", &v) && v == 7200, "an age in hours");
	ok(cgrecord_parse_opt(false, "10x", &v) == -EINVAL, "an unknown unit is refused");
	ok(cgrecord_parse_opt(true, "10m", &v) == -EINVAL, "a count takes no unit");
	ok(cgrecord_parse_opt(true, "-1", &v) == -EINVAL, "a negative count is refused");
	ok(cgrecord_parse_opt(true, "99999999999", &v) == -EINVAL, "a huge count is refused");
	ok(!cgrecord_parse_opt(true, "0", &v) && v == 0, "0: no record");
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/%s", dir, STATEDIR_CGRECORD);
	test_roundtrip();
	test_cap();
	test_bad_files();
	test_opts();
	unlink(path);
	rmdir(dir);
	return done_testing();
}
