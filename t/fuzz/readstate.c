/*
 * fuzz/readstate: readstate_load() on an arbitrary file never crashes or leaks, and never
 * fails but for memory; what it accepts survives a round trip: save(load(x)) loads again,
 * with no warning, to the same entries in both formats, and saving that gives the same
 * bytes (the reader saves the file on one run and loads it on the next: an entry that
 * changed on the way would move a decoder error total or a written file's name to
 * another config or state dir).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "fuzzdir.h"
#include "readstate.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static void read_back(int dirfd, const char *name, struct strbuf *sb)
{
	char why[160];

	FUZZ_ASSERT(!strbuf_read_private(sb, dirfd, name, 0, why, sizeof(why)), "read %s back: %s",
		    name, why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct readstate s = {0}, s2 = {0};
	struct strbuf b1 = {0}, b2 = {0};
	struct diag d = {0}, d2 = {0};
	int dirfd = fuzzdir("readstate"), err;

	fuzzdir_put("in", data, size);

	err = readstate_load(&s, dirfd, "in", &d);
	FUZZ_ASSERT(!err, "readstate_load returned %d", err);
	FUZZ_ASSERT(s.found, "an existing file is not found");
	FUZZ_ASSERT(d.n_errors == 0, "a bad file is an error, not a warning: %s", diag_last(&d));
	for (size_t i = 0; i < s.n; i++)
		FUZZ_ASSERT(s.e[i].state_dir || s.e[i].config,
			    "entry %zu: neither a state dir nor a config", i);

	err = readstate_save(&s, dirfd, "out", &d2);
	FUZZ_ASSERT(!err, "loaded entries do not save: %s", diag_last(&d2));
	err = readstate_load(&s2, dirfd, "out", &d2);
	FUZZ_ASSERT(!err, "a saved file does not load: %d", err);
	FUZZ_ASSERT(d2.n_msgs == 0, "a saved file loads with: %s", diag_last(&d2));
	FUZZ_ASSERT(s2.n == s.n, "round trip: %zu entries, then %zu", s.n, s2.n);
	for (size_t i = 0; i < s.n; i++) {
		FUZZ_ASSERT(same_str(s2.e[i].state_dir, s.e[i].state_dir),
			    "round trip changed entry %zu's state dir", i);
		FUZZ_ASSERT(same_str(s2.e[i].config, s.e[i].config),
			    "round trip changed entry %zu's config", i);
		/* the first format records no file */
		FUZZ_ASSERT(same_str(s2.e[i].file, s.e[i].file),
			    "round trip changed entry %zu's file", i);
		FUZZ_ASSERT(s2.e[i].decoder_errors == s.e[i].decoder_errors,
			    "round trip changed entry %zu's decoder errors", i);
	}
	err = readstate_save(&s2, dirfd, "out2", &d2);
	FUZZ_ASSERT(!err, "a reloaded state does not save: %s", diag_last(&d2));
	read_back(dirfd, "out", &b1);
	read_back(dirfd, "out2", &b2);
	FUZZ_ASSERT(b1.len == b2.len && (!b1.len || !memcmp(b1.buf, b2.buf, b1.len)),
		    "a saved state saves differently the second time");

	strbuf_release(&b1);
	strbuf_release(&b2);
	readstate_release(&s2);
	readstate_release(&s);
	diag_release(&d2);
	diag_release(&d);
	return 0;
}
