/*
 * reader: a reader made from options over a temp state dir, without a loader. No manifest:
 * ebpfexp.prom still says ebpfexp_loader_up 0 and no config is counted (exit 2 for main),
 * with a message that says why; a failure mark is ebpfexp_config_load_failed 1, once, for
 * a config with a manifest too; --config.names filters the marks and, matching nothing,
 * stops the run; a manifest that points outside the bpffs root or is no JSON fails, with
 * its config named, and the run goes on; --output renders one file; clean removes what the
 * runs wrote; two readers live side by side; a reader does one job.
 */
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "log.h"
#include "strbuf.h"
#include "tap.h"

#define EXAMPLE_MANIFEST "t/data/manifest/example.json"

static char tmpdir[] = "/tmp/ebpfexp-reader.XXXXXX";
static char state[300], tf[300], errlog[300];
static struct strbuf text; /* the last file read by slurp() */

static const char *slurp(const char *dir, const char *name)
{
	char path[700];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	strbuf_reset(&text);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (strbuf_read_fd(&text, fd, 4096, 0))
		strbuf_reset(&text);
	close(fd);
	return strbuf_str(&text);
}

static void put(const char *dir, const char *name, const char *s, size_t len)
{
	char path[700];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, s, len) != (ssize_t)len)
		printf("# could not write %s\n", path);
	if (fd >= 0)
		close(fd);
}

static void rm(const char *dir, const char *name)
{
	char path[700];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static struct reader_opts opts(void)
{
	return (struct reader_opts){
		.state_dir = state,
		.bpffs_root = "/sys/fs/bpf/ebpfexp",
		.textfile_dir = tf,
		.max_series = 1000,
	};
}

static int saved_stderr = -1;

/* What the reader logs from now on goes to errlog, until log_end(). */
static void log_begin(void)
{
	int fd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	if (fd >= 0) {
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
}

static void log_end(void)
{
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
}

/* One run of a new reader with @o; what it logged is in errlog. */
static int run(const struct reader_opts *o, struct reader_stats *st, struct diag *d)
{
	struct reader *r = NULL;
	int err;

	*st = (struct reader_stats){0};
	log_begin();
	err = reader_new(&r, o, d);
	if (!err)
		err = reader_run(r, st, d);
	reader_free(r);
	log_end();
	return err;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; p && (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static const char *logged(void)
{
	return slurp(tmpdir, "err");
}

static void test_no_manifest(void)
{
	struct reader_opts o = opts();
	struct reader_stats st;
	struct diag d = {0};

	is_int(run(&o, &st, &d), 0, "no manifest: the run is done");
	is_int(st.n_configs, 0, "... and reads no config (main exits 2)");
	like(slurp(tf, "ebpfexp.prom"), "\nebpfexp_loader_up 0\n",
	     "ebpfexp.prom says the loader is down");
	ok(!strstr(strbuf_str(&text), "ebpfexp_config_load_failed{"),
	   "... and no config failed to load");
	like(strbuf_str(&text), "ebpf_exporter_build_info{", "... with the build info");
	like(logged(), "ebpfexp-read: no manifest in ", "the log says there is no manifest");
	like(strbuf_str(&text),
	     "ebpfexp-load is not running: nothing to read, ebpfexp_loader_up is 0",
	     "... and that the loader is not running");
	diag_release(&d);
}

static void test_no_state_dir(void)
{
	struct reader_opts o = opts();
	struct reader_stats st;
	struct diag d = {0};
	char missing[400];

	snprintf(missing, sizeof(missing), "%s/none", tmpdir);
	o.state_dir = missing;
	is_int(run(&o, &st, &d), 0, "no state dir, with a textfile dir: the run is done");
	is_int(st.n_configs, 0, "... and reads no config");
	like(slurp(tf, "ebpfexp.prom"), "\nebpfexp_loader_up 0\n", "... ebpfexp.prom says so");
	like(logged(), "ebpfexp-load has not run since boot", "... and the log why");
	o.textfile_dir = NULL;
	o.output = tmpdir; /* never written: the run stops first */
	is_int(run(&o, &st, &d), -ENOENT, "no state dir, to an output: -ENOENT");
	like(diag_last(&d), "No such file or directory (is ebpfexp-load running? see --state.dir)",
	     "... with a hint");
	diag_release(&d);
}

static void test_failure_marks(void)
{
	static const char why[] = "config \"broken\": load: it broke\n";
	struct reader_opts o = opts();
	struct reader_stats st;
	struct diag d = {0};

	put(state, "broken.failed", why, strlen(why));
	put(state, "other.failed", why, strlen(why));
	is_int(run(&o, &st, &d), 0, "failure marks only: the run is done");
	is_int(st.n_configs, 0, "... and reads no config");
	like(slurp(tf, "ebpfexp.prom"), "\nebpfexp_config_load_failed{config=\"broken\"} 1\n",
	     "a failure mark is ebpfexp_config_load_failed 1");
	like(strbuf_str(&text), "\nebpfexp_config_load_failed{config=\"other\"} 1\n",
	     "... for each mark");
	like(logged(), "every config failed to load (2, ebpfexp_config_load_failed is 1; why: ",
	     "the log says every config failed");
	like(strbuf_str(&text), "/NAME.failed)", "... and where to read why");

	o.config_names = "other";
	is_int(run(&o, &st, &d), -ENOENT, "--config.names=other without its manifest: -ENOENT");
	like(diag_last(&d), "--config.names=other: no such manifest in ",
	     "... named in the message");
	diag_release(&d);
	rm(state, "other.failed");
}

static void test_manifests(void)
{
	static const char garbage[] = "garbage\n";
	struct reader_opts o = opts();
	struct reader_stats st;
	struct diag d = {0};
	struct strbuf m = {0};
	const char *prom;
	char out[400];
	int fd = open(EXAMPLE_MANIFEST, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || strbuf_read_fd(&m, fd, 4096, 0))
		printf("# could not read %s\n", EXAMPLE_MANIFEST);
	if (fd >= 0)
		close(fd);
	rm(state, "broken.failed");
	put(state, "timers.json", m.buf ? m.buf : "", m.len);
	put(state, "timers.failed", "x\n", 2);
	put(state, "bad.json", garbage, strlen(garbage));
	o.bpffs_root = "/nonexistent/root";
	is_int(run(&o, &st, &d), 0, "two manifests that fail: the run is done");
	is_int(st.n_configs, 2, "... it read two configs");
	is_int(st.n_failed, 2, "... and both failed (main exits 2)");
	like(logged(),
	     "config \"timers\": map \"timer_starts_total\": pin /sys/fs/bpf/ebpfexp/timers/"
	     "timer_starts_total is outside --bpffs.root /nonexistent/root",
	     "a pin outside the bpffs root is refused, config and map named");
	like(logged(), "/bad.json:1:", "a manifest that is no JSON: its file and line named");
	prom = slurp(tf, "ebpfexp.prom");
	like(prom, "\nebpfexp_read_success{config=\"timers\"} 0\n", "its read did not succeed");
	like(prom, "\nebpfexp_config_load_failed{config=\"timers\"} 1\n",
	     "a manifest and a failure mark: load failed 1");
	is_int(count(prom, "ebpfexp_config_load_failed{config=\"timers\"}"), 1, "... once");
	like(prom, "\nebpfexp_config_load_failed{config=\"bad\"} 0\n", "no mark: load failed 0");
	like(prom, "\nebpf_exporter_enabled_configs{name=\"timers\"} 1\n",
	     "a manifest that was read is an enabled config, its pins refused or not");
	ok(!strstr(prom, "enabled_configs{name=\"bad\"}"), "... one that was not read is not");
	ok(access(tf, F_OK) == 0 && !slurp(tf, "ebpfexp_timers.prom"),
	   "a config that failed writes no file");

	snprintf(out, sizeof(out), "%s/out.json", tmpdir);
	o.textfile_dir = NULL;
	o.output = out;
	o.format = READER_JSON;
	is_int(run(&o, &st, &d), 0, "--output as json: the run is done");
	like(slurp(tmpdir, "out.json"), "\"name\": \"ebpfexp_loader_up\"",
	     "... and has every family");
	like(strbuf_str(&text), "\"name\": \"ebpfexp_config_load_failed\"", "... the marks' too");
	diag_release(&d);
	strbuf_release(&m);
	rm(state, "timers.json");
	rm(state, "timers.failed");
	rm(state, "bad.json");
}

static void test_clean_and_two_readers(void)
{
	struct reader_opts o = opts(), o2 = opts();
	struct reader *r = NULL, *r2 = NULL;
	struct reader_stats st, st2;
	struct diag d = {0};
	char tf2[400];
	int err;

	snprintf(tf2, sizeof(tf2), "%s/tf2", tmpdir);
	mkdir(tf2, 0755);
	o2.textfile_dir = tf2;
	log_begin();
	err = reader_new(&r, &o, &d);
	if (!err)
		err = reader_new(&r2, &o2, &d);
	if (!err)
		err = reader_run(r, &st, &d);
	if (!err)
		err = reader_run(r2, &st2, &d);
	is_int(err, 0, "two readers in one process run");
	ok(slurp(tf, "ebpfexp.prom") && slurp(tf2, "ebpfexp.prom"), "... each writes its own dir");
	reader_free(r);
	reader_free(r2);

	err = reader_new(&r, &o, &d);
	if (!err)
		err = reader_clean(r, &d);
	reader_free(r);
	is_int(err, 0, "clean: 0");
	ok(!slurp(tf, "ebpfexp.prom") && !slurp(tf, ".ebpfexp-read.state") &&
		   !slurp(tf, ".ebpfexp-read.lock"),
	   "... the files the readers wrote are gone, dot files too");
	err = reader_new(&r, &o, &d);
	if (!err)
		err = reader_clean(r, &d);
	if (!err)
		err = reader_run(r, &st, &d);
	reader_free(r);
	log_end();
	is_int(err, -EBUSY, "a reader does one job: a second is -EBUSY");
	ok(slurp(tf2, "ebpfexp.prom") != NULL, "... the other dir's are not");
	diag_release(&d);
}

int main(void)
{
	char cmd[400];

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(state, sizeof(state), "%s/state", tmpdir);
	snprintf(tf, sizeof(tf), "%s/tf", tmpdir);
	snprintf(errlog, sizeof(errlog), "%s/err", tmpdir);
	mkdir(state, 0755);
	mkdir(tf, 0755);
	log_setup("ebpfexp-read", LOG_INFO, false);
	test_no_manifest();
	test_no_state_dir();
	test_failure_marks();
	test_manifests();
	test_clean_and_two_readers();
	strbuf_release(&text);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "# could not remove %s\n", tmpdir);
	return done_testing();
}
