/*
 * fuzz/cgrecord: cgrecord_load() on an arbitrary file never crashes or leaks, and never
 * fails but for memory; what it accepts is sorted by id, one entry an id, paths absolute;
 * and it survives the loader's way to the file: recorded again (cgrecord_made, _gone) and
 * written, it loads with no warning to the same entries.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgrecord.h"
#include "fuzz.h"
#include "fuzzdir.h"
#include "statedir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char in_path[sizeof(fuzzdir_path) + 8], out_path[sizeof(fuzzdir_path) + 64];

static void fuzz_paths(void)
{
	if (in_path[0])
		return;
	(void)fuzzdir("cgrecord");
	snprintf(in_path, sizeof(in_path), "%s/in", fuzzdir_path);
	snprintf(out_path, sizeof(out_path), "%s/%s", fuzzdir_path, STATEDIR_CGRECORD);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cgrecord_file f = {0}, f2 = {0};
	struct diag d = {0}, d2 = {0};
	struct cgrecord *r = NULL;
	int err;

	fuzz_paths();
	fuzzdir_put("in", data, size);

	err = cgrecord_load(&f, in_path, &d);
	FUZZ_ASSERT(!err, "cgrecord_load returned %d", err);
	FUZZ_ASSERT(f.found, "an existing file is not found");
	FUZZ_ASSERT(d.n_errors == 0, "a bad file is an error, not a warning: %s", diag_last(&d));
	for (size_t i = 0; i < f.n; i++) {
		FUZZ_ASSERT(f.e[i].path && f.e[i].path[0] == '/', "entry %zu: path not absolute",
			    i);
		FUZZ_ASSERT(!i || f.e[i - 1].id < f.e[i].id, "entry %zu: not sorted, or twice", i);
		FUZZ_ASSERT(cgrecord_find(&f, f.e[i].id) == &f.e[i], "entry %zu: not found", i);
	}

	/* as the loader would record them: nothing expires, nothing is over the cap */
	FUZZ_ASSERT(!cgrecord_new(&r, f.n ? f.n : 1, INT64_MAX), "cgrecord_new");
	for (size_t i = 0; i < f.n; i++) {
		FUZZ_ASSERT(!cgrecord_made(r, f.e[i].id, f.e[i].path, f.e[i].made), "made");
		if (f.e[i].gone)
			cgrecord_gone(r, f.e[i].id, f.e[i].gone);
	}
	err = cgrecord_write(r, fuzzdir_path, 0600, (gid_t)-1, INT64_MIN, &d2);
	FUZZ_ASSERT(!err, "recorded entries do not write: %s", diag_last(&d2));
	err = cgrecord_load(&f2, out_path, &d2);
	FUZZ_ASSERT(!err && d2.n_msgs == 0, "a written record loads with: %s", diag_last(&d2));
	FUZZ_ASSERT(f2.n == f.n, "round trip: %zu entries, then %zu", f.n, f2.n);
	for (size_t i = 0; i < f.n; i++) {
		FUZZ_ASSERT(f2.e[i].id == f.e[i].id, "round trip changed entry %zu's id", i);
		FUZZ_ASSERT(f2.e[i].made == f.e[i].made && f2.e[i].gone == f.e[i].gone,
			    "round trip changed entry %zu's times", i);
		FUZZ_ASSERT(!strcmp(f2.e[i].path, f.e[i].path),
			    "round trip changed entry %zu's path", i);
	}
	cgrecord_free(r);
	cgrecord_file_release(&f2);
	cgrecord_file_release(&f);
	diag_release(&d2);
	diag_release(&d);
	return 0;
}
