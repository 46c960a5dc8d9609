/*
 * fuzz/readcgroups: readcgroups_load() on an arbitrary file never crashes or leaks, and
 * never fails but for memory; whatever it accepts survives a round trip: save(load(x))
 * loads again, with no warning, to the same entries (the reader saves the file on one run
 * and loads it on the next; an entry that changed on the way would give a cgroup another
 * path).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "fuzzdir.h"
#include "readcgroups.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct readcgroups c = {0}, c2 = {0};
	struct diag d = {0}, d2 = {0};
	int dirfd = fuzzdir("readcgroups"), err;

	fuzzdir_put("in", data, size);

	err = readcgroups_load(&c, dirfd, "in", &d);
	FUZZ_ASSERT(!err, "readcgroups_load returned %d", err);
	FUZZ_ASSERT(c.found, "an existing file is not found");
	FUZZ_ASSERT(d.n_errors == 0, "a bad file is an error, not a warning: %s", diag_last(&d));
	for (size_t i = 0; i < c.n; i++)
		FUZZ_ASSERT(c.e[i].path && c.e[i].path[0] == '/', "entry %zu: path not absolute",
			    i);

	err = readcgroups_save(c.e, c.n, dirfd, "out", &d2);
	FUZZ_ASSERT(!err, "loaded entries do not save: %s", diag_last(&d2));
	err = readcgroups_load(&c2, dirfd, "out", &d2);
	FUZZ_ASSERT(!err, "a saved file does not load: %d", err);
	FUZZ_ASSERT(d2.n_msgs == 0, "a saved file loads with: %s", diag_last(&d2));
	FUZZ_ASSERT(c2.n == c.n, "round trip: %zu entries, then %zu", c.n, c2.n);
	for (size_t i = 0; i < c.n; i++) {
		FUZZ_ASSERT(c2.e[i].id == c.e[i].id, "round trip changed entry %zu's id", i);
		FUZZ_ASSERT(c2.e[i].last_lookup == c.e[i].last_lookup,
			    "round trip changed entry %zu's last lookup", i);
		FUZZ_ASSERT(!strcmp(c2.e[i].path, c.e[i].path),
			    "round trip changed entry %zu's path: \"%s\", then \"%s\"", i,
			    c.e[i].path, c2.e[i].path);
	}

	readcgroups_release(&c2);
	readcgroups_release(&c);
	diag_release(&d2);
	diag_release(&d);
	return 0;
}
