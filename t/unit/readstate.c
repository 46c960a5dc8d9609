/*
 * readstate: entries come back exactly per state dir and config, escapes included; a
 * state file of the first format loads with its decoder error totals, which the first
 * state dir asking for their config takes; malformed lines are skipped with a warning.
 */
#include "readstate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "testdir.h"

#define NAME ".ebpfexp-read.state"

static struct testdir dir;

static void test_first_format(void)
{
	struct readstate s = {0};
	struct readstate_entry *e;
	struct diag d = {0};
	char buf[512];

	testdir_puts(&dir, NAME, "syscalls\t900\t1700000000.500\ntimers\t3\t0.000\n");
	is_int(readstate_load(&s, dir.fd, NAME, &d), 0, "a first-format state loads");
	is_int(d.n_msgs, 0, "without a warning");
	ok(s.found && s.first_format, "it says it was there, in the first format");
	e = readstate_get(&s, "/run/ebpfexp", "syscalls");
	ok(e && e->decoder_errors == 900 && e->last_success == 1700000000.5,
	   "a state dir asking for its config gets its decoder error total");
	is_str(e ? e->state_dir : NULL, "/run/ebpfexp", "and takes the entry");
	e = readstate_get(&s, "/run/other", "syscalls");
	ok(e && e->decoder_errors == 0, "another state dir's config of that name starts at zero");
	is_int(s.n, 3, "as an entry of its own");
	is_int(readstate_save(&s, dir.fd, NAME, &d), 0, "saved");
	is_str(testdir_get(&dir, NAME, buf, sizeof(buf)),
	       "syscalls\t900\t1700000000.500\t\t/run/ebpfexp\n"
	       "timers\t3\t0.000\n"
	       "syscalls\t0\t0.000\t\t/run/other\n",
	       "an entry no state dir took keeps the first format, the others the new one");
	readstate_release(&s);
	diag_release(&d);
}

static void test_round_trip(void)
{
	const char *odd = "/run/a\tb\nc\\d";
	struct readstate s = {0}, t = {0};
	struct readstate_entry *e;
	struct diag d = {0};

	e = readstate_get(&s, odd, "x");
	ok(e && !readstate_set_file(e, "ebpfexp_x.prom"), "an entry with a file");
	if (e)
		e->decoder_errors = UINT64_MAX;
	e = readstate_get(&s, odd, NULL);
	ok(e && !readstate_set_file(e, "ebpfexp.prom"), "a state dir's own entry");
	e = readstate_get(&s, "/run/ebpfexp", "y");
	ok(e && e->file == NULL, "an entry that wrote nothing");
	is_int(readstate_save(&s, dir.fd, NAME, &d), 0, "saved");
	is_int(readstate_load(&t, dir.fd, NAME, &d), 0, "loaded");
	is_int(d.n_msgs, 0, "without a warning");
	ok(!t.first_format, "not the first format");
	is_int(t.n, 3, "every entry is back");
	e = readstate_get(&t, odd, "x");
	ok(e && e->decoder_errors == UINT64_MAX, "a state dir with tab, newline and backslash");
	is_str(e ? e->file : NULL, "ebpfexp_x.prom", "its file");
	e = readstate_get(&t, odd, NULL);
	is_str(e ? e->file : NULL, "ebpfexp.prom", "its own entry's file");
	e = readstate_get(&t, "/run/ebpfexp", "y");
	ok(e && !e->file, "no file stays no file");
	is_int(t.n, 3, "and no entry was made up");
	readstate_drop(&t, 0);
	is_int(t.n, 2, "drop forgets one");
	ok(t.e[0].config == NULL && !strcmp(t.e[0].file, "ebpfexp.prom"), "the rest move down");
	readstate_release(&s);
	readstate_release(&t);
	diag_release(&d);
}

static void test_garbled(void)
{
	struct readstate s = {0};
	struct diag d = {0};

	testdir_puts(&dir, NAME,
		     "garbage\n"
		     "a\t1\t0\tfile\n"		 /* four fields */
		     "b\t-1\t0\t\t/run/x\n"	 /* negative */
		     "c\t1\t0\t\t\n"		 /* no state dir */
		     "d\t1\t0\tbad\\q\t/run/x\n" /* bad escape */
		     "e\t1\t0\t\t/run/x\t\n"	 /* six fields */
		     "\t1\t0\n"			 /* first format without a config */
		     "ok\t7\t0\t\t/run/x");	 /* no final newline: still read */
	is_int(readstate_load(&s, dir.fd, NAME, &d), 0, "a garbled state loads");
	is_int(s.n, 1, "only its good line");
	ok(s.n == 1 && s.e[0].decoder_errors == 7 && !strcmp(s.e[0].state_dir, "/run/x"),
	   "which is the last, without its newline");
	ok(d.n_msgs == 1 && strstr(diag_last(&d), "ignored malformed lines"), "with one warning");
	readstate_release(&s);
	diag_release(&d);
}

int main(void)
{
	if (testdir_open(&dir, "readstate"))
		return 1;
	test_first_format();
	test_round_trip();
	test_garbled();
	testdir_close(&dir);
	return done_testing();
}
