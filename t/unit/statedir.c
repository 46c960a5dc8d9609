/*
 * statedir: paths are the dir and the name, and a path that does not fit is an error, not
 * a cut one; a listing has every config with a manifest or a failure mark, sorted, and no
 * temp file, no other file; a name that is no config name is refused with the manifest's
 * path; a failure mark reads back as written, a missing one is -ENOENT; a missing dir is
 * -ENOENT with a hint.
 */
#include "statedir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "tap.h"

static char tmpdir[] = "/tmp/ebpfexp-statedir.XXXXXX";

static void put(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0)
		printf("# could not write %s\n", path);
	if (f)
		fclose(f);
}

static void test_paths(void)
{
	char buf[64], tiny[8];

	is_int(statedir_path(buf, sizeof(buf), "/run/x", STATEDIR_LOCK), 0, "a fixed name: 0");
	is_str(buf, "/run/x/loader.lock", "... in the dir");
	statedir_path(buf, sizeof(buf), "/run/x", STATEDIR_KALLSYMS);
	is_str(buf, "/run/x/kallsyms", "the snapshot is kallsyms");
	statedir_path(buf, sizeof(buf), "/run/x", STATEDIR_KSYMIDX);
	is_str(buf, "/run/x/kallsyms.idx", "the symbol index is kallsyms.idx");
	statedir_path(buf, sizeof(buf), "/run/x", STATEDIR_CGRECORD);
	is_str(buf, "/run/x/cgroups", "the cgroup record is cgroups");
	is_int(statedir_config_path(buf, sizeof(buf), "/run/x", "biolat", STATEDIR_MANIFEST, NULL),
	       0, "a manifest's path: 0");
	is_str(buf, "/run/x/biolat.json", "... is NAME.json");
	statedir_config_path(buf, sizeof(buf), "/run/x", "biolat", STATEDIR_FAILED, NULL);
	is_str(buf, "/run/x/biolat.failed", "a failure mark is NAME.failed");
	is_int(statedir_path(tiny, sizeof(tiny), "/run/x", STATEDIR_LOCK), -ENAMETOOLONG,
	       "a fixed name that does not fit: -ENAMETOOLONG");
	{
		struct diag d = {0};

		is_int(statedir_config_path(tiny, sizeof(tiny), "/run/x", "biolat",
					    STATEDIR_MANIFEST, &d),
		       -ENAMETOOLONG, "a config path that does not fit: -ENAMETOOLONG");
		is_str(diag_last(&d), "state dir /run/x: config \"biolat\": path too long",
		       "... and says so");
		diag_release(&d);
	}
}

static void test_check_name(void)
{
	struct diag d = {0};

	is_int(statedir_check_name("/run/x", "bio-lat.v2", &d), 0,
	       "letters, digits, -, _ and . make a config name");
	is_int(statedir_check_name("/run/x", "a\nb", &d), -EINVAL, "a newline does not");
	like(diag_last(&d), "/run/x/a\nb.json: config \"a\\nb\": ",
	     "the message names the manifest and quotes the name");
	like(diag_last(&d), "(no loader writes such a manifest: remove it)",
	     "... and says what to do");
	diag_release(&d);
}

static void test_list(void)
{
	struct statedir_list l = {0};
	struct diag d = {0};
	char missing[300];

	put("zeta.json", "{}\n");
	put("alpha.json", "{}\n");
	put("beta.failed", "config \"beta\": load: it broke\n");
	put("alpha.failed", "");
	put(".alpha.json.tmp.123", "{");
	put(".hidden.json", "{}");
	put("loader.lock", "");
	put("kallsyms", "");
	put("notes.txt", "");
	put(".json", "");
	is_int(statedir_list(&l, tmpdir, &d), 0, "a state dir lists: 0");
	is_int(l.n_manifests, 2, "two manifests (no temp file, no hidden one, no bare .json)");
	if (l.n_manifests == 2) {
		is_str(l.manifests[0], "alpha", "sorted: alpha first");
		is_str(l.manifests[1], "zeta", "... zeta second");
	}
	is_int(l.n_failed, 2, "two failure marks");
	if (l.n_failed == 2) {
		is_str(l.failed[0], "alpha", "sorted: alpha first");
		is_str(l.failed[1], "beta", "... beta second");
	}
	statedir_list_release(&l);
	is_int(l.n_manifests + l.n_failed, 0, "release leaves an empty list");

	snprintf(missing, sizeof(missing), "%s/none", tmpdir);
	is_int(statedir_list(&l, missing, &d), -ENOENT, "a missing state dir: -ENOENT");
	like(diag_last(&d), "No such file or directory (is ebpfexp-load running? see --state.dir)",
	     "... with a hint");
	is_int(l.n_manifests + l.n_failed, 0, "... and an empty list");
	diag_release(&d);
}

int main(void)
{
	char cmd[300];

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_paths();
	test_check_name();
	test_list();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "# could not remove %s\n", tmpdir);
	return done_testing();
}
