/*
 * ebpfexp-read: one shot. Read every manifest, decode the pinned maps, and write
 * TEXTFILE_DIR/ebpfexp_NAME.prom per config plus ebpfexp.prom (built-in and own metrics),
 * each atomically; or print everything once, as prom, json or a table. The modules do the
 * work; this file is flags, the loop over configs and the exit code.
 */
#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "decode.h"
#include "diag.h"
#include "family.h"
#include "cgrecord.h"
#include "ksymidx.h"
#include "ksymsnap.h"
#include "kubepath.h"
#include "loaderlock.h"
#include "live.h"
#include "log.h"
#include "manifest.h"
#include "metric.h"
#include "pins.h"
#include "promname.h"
#include "promtext.h"
#include "readcgroups.h"
#include "readstate.h"
#include "strbuf.h"
#include "textfiles.h"
#include "view.h"

#define DEFAULT_BPFFS_ROOT "/sys/fs/bpf/ebpfexp"
#define DEFAULT_STATE_DIR "/run/ebpfexp"
#define LOAD_FAILED_HELP "Whether the last load of this config by ebpfexp-load failed (1) or not (0)."
#define DEFAULT_TEXTFILE_DIR "/var/lib/prometheus/node-exporter"
#define DEFAULT_MAX_SERIES 100000
#define STATE_FILE TEXTFILES_STATE
#define CGROUPS_FILE TEXTFILES_CGROUPS
#define LOCK_FILE TEXTFILES_LOCK
#define SELF_FILE TEXTFILES_SELF

enum format { FORMAT_PROM, FORMAT_JSON, FORMAT_TABLE };

struct reader_opts {
	const char *state_dir;
	const char *bpffs_root;
	const char *textfile_dir;
	const char *output;
	const char *config_names;
	enum format format;
	bool format_set;
	size_t max_series;
	const char *kube_pods_dir;
	bool debug;
	bool ksym_unknown_addr;	/* --compat.ksym-unknown-addr */
	bool clean;		/* --textfile.clean */
	bool state_dir_set;	/* --state.dir was given */
	double interval;	/* --interval: seconds, 0 for one read */
	uint64_t count;
	size_t top;
};

/* One config's outcome in this run. */
struct read_result {
	char *name;
	bool ok;
	struct metric_stats st;
	struct manifest *m;	/* NULL when its manifest could not be read */
	bool bad_name;		/* NAME.json names no config: it has no series, no state */
};

struct reader {
	struct reader_opts o;
	struct decode_ctx *dctx;
	struct metric_reader *mr;
	int textfile_fd;
	struct readstate state;
	int64_t now;		/* unix time of this run, for remembered cgroups */
	bool has_cgroups;	/* CGROUPS_FILE was there: write it even if empty now */
	size_t n_results;
	struct read_result *results;
	size_t n_failed;
	char **failed;		/* configs whose last load failed (NAME.failed) */
	bool loader_up;
	bool no_state_dir;	/* the state dir is missing (a boot before the loader's start) */
	char *key;		/* the state dir's key in the state (textfiles_state_key()) */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ebpfexp-read [OPTION]...\n"
		"Read the maps pinned by ebpfexp-load and write them as Prometheus text files for\n"
		"node_exporter's textfile collector, or print them once.\n"
		"\n"
		"  --textfile.dir=DIR        write DIR/ebpfexp_NAME.prom per config and\n"
		"                            DIR/ebpfexp.prom, each atomically\n"
		"  --output=FILE|-           write everything to one file (atomically) or stdout\n"
		"  --format=prom|json|table  format for --output and stdout (default: prom)\n"
		"\n"
		"With none of these three: a table on stdout when it is a terminal, else\n"
		"--textfile.dir=%s (for timers and cron).\n"
		"\n"
		"  --textfile.clean          with --textfile.dir: remove the files this reader\n"
		"                            wrote there (of every state dir, or of --state.dir\n"
		"                            and --config.names when given), and exit\n"
		"  --interval=SECONDS        read again every SECONDS and show what changed:\n"
		"                            deltas, rates and the interval's histograms, as\n"
		"                            a table (redrawn in place on a terminal) or json\n"
		"  --count=N                 stop after N intervals (default: until Ctrl-C)\n"
		"  --top=N                   with --interval: the N busiest series per metric\n"
		"\n"
		"  --config.names=A,B        read only these configs (default: every manifest)\n"
		"  --metrics.max-series=N    at most N series per metric (default: %d; 0: no limit)\n"
		"  --state.dir=DIR           where the loader's manifests are (default: %s)\n"
		"  --bpffs.root=DIR          only pins below DIR are opened (default: %s)\n"
		"  --compat.ksym-unknown-addr\n"
		"                            write an address that is no kernel symbol's as\n"
		"                            ebpf_exporter does, unknown_addr:0x<hex> (default:\n"
		"                            unknown_addr, counted as a decoder error)\n"
		"  --kube.pods-dir=DIR       kubelet's log tree, where the kube_* decoders find\n"
		"                            namespace, pod and container names (default: %s)\n"
		"  --debug                   debug logging\n"
		"  -h, --help                this help\n"
		"  --version                 print the version\n"
		"\n"
		"Manifests are input: a config whose manifest has a bad or repeated metric or label\n"
		"name, or a pin that is not a map, fails with a message; the others are written.\n"
		"\n"
		"Exit status: 0 all configs read; 1 some failed (the others were written);\n"
		"2 usage error or nothing read: every config failed, or there is no manifest\n"
		"(ebpfexp.prom then still tells: ebpfexp_loader_up, ebpfexp_config_load_failed).\n"
		"A state or cgroups file that cannot be saved is a warning.\n"
		"With --interval: 0 after N intervals or at Ctrl-C, 2 when the first read could\n"
		"not be done.\n",
		DEFAULT_TEXTFILE_DIR, DEFAULT_MAX_SERIES, DEFAULT_STATE_DIR, DEFAULT_BPFFS_ROOT,
		KUBEPATH_PODS_DIR_DEFAULT);
}

enum {
	OPT_TEXTFILE_DIR = 256, OPT_OUTPUT, OPT_FORMAT, OPT_CONFIG_NAMES, OPT_MAX_SERIES,
	OPT_STATE_DIR, OPT_BPFFS_ROOT, OPT_DEBUG, OPT_VERSION, OPT_KSYM_UNKNOWN_ADDR,
	OPT_TEXTFILE_CLEAN, OPT_KUBE_PODS_DIR, OPT_INTERVAL, OPT_COUNT, OPT_TOP,
};

/* A count for --count and --top: digits only, no sign, no overflow. */
static int parse_count(const char *flag, const char *arg, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || arg[0] == '+') {
		fprintf(stderr, "ebpfexp-read: %s: \"%s\" is not a count\n", flag, arg);
		return -EINVAL;
	}
	return 0;
}

/* --interval, --count, --top: how they go with the other flags. */
static int check_live_args(struct reader_opts *o, bool has_count, bool has_top)
{
	if (!o->interval && (has_count || has_top)) {
		fprintf(stderr, "ebpfexp-read: --count and --top go with --interval\n");
		return -EINVAL;
	}
	if (!o->interval)
		return 0;
	if (o->format_set && o->format == FORMAT_PROM) {
		fprintf(stderr, "ebpfexp-read: --format=prom with --interval: rates are not "
				"Prometheus text (use --format=table or json; node_exporter wants "
				"the textfiles of one-shot reads)\n");
		return -EINVAL;
	}
	if (o->textfile_dir || o->output) {
		fprintf(stderr, "ebpfexp-read: --interval prints to stdout: it goes with neither "
				"--textfile.dir nor --output\n");
		return -EINVAL;
	}
	if (!o->format_set)
		o->format = FORMAT_TABLE;
	return 0;
}

static int parse_args(struct reader_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "textfile.dir", required_argument, NULL, OPT_TEXTFILE_DIR },
		{ "textfile.clean", no_argument, NULL, OPT_TEXTFILE_CLEAN },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "config.names", required_argument, NULL, OPT_CONFIG_NAMES },
		{ "metrics.max-series", required_argument, NULL, OPT_MAX_SERIES },
		{ "state.dir", required_argument, NULL, OPT_STATE_DIR },
		{ "bpffs.root", required_argument, NULL, OPT_BPFFS_ROOT },
		{ "compat.ksym-unknown-addr", no_argument, NULL, OPT_KSYM_UNKNOWN_ADDR },
		{ "kube.pods-dir", required_argument, NULL, OPT_KUBE_PODS_DIR },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool has_count = false, has_top = false;
	uint64_t top;
	char *end;
	int c;

	o->max_series = DEFAULT_MAX_SERIES;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_TEXTFILE_DIR: o->textfile_dir = optarg; break;
		case OPT_TEXTFILE_CLEAN: o->clean = true; break;
		case OPT_OUTPUT: o->output = optarg; break;
		case OPT_FORMAT:
			o->format_set = true;
			if (!strcmp(optarg, "prom")) {
				o->format = FORMAT_PROM;
			} else if (!strcmp(optarg, "json")) {
				o->format = FORMAT_JSON;
			} else if (!strcmp(optarg, "table")) {
				o->format = FORMAT_TABLE;
			} else {
				fprintf(stderr, "ebpfexp-read: --format: \"%s\" is not prom, json or "
						"table\n", optarg);
				return -EINVAL;
			}
			break;
		case OPT_CONFIG_NAMES: o->config_names = optarg; break;
		case OPT_MAX_SERIES:
			errno = 0;
			o->max_series = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end) {
				fprintf(stderr, "ebpfexp-read: --metrics.max-series: \"%s\" is not a "
						"count\n", optarg);
				return -EINVAL;
			}
			break;
		case OPT_STATE_DIR: o->state_dir = optarg; o->state_dir_set = true; break;
		case OPT_BPFFS_ROOT: o->bpffs_root = optarg; break;
		case OPT_KUBE_PODS_DIR: o->kube_pods_dir = optarg; break;
		case OPT_DEBUG: o->debug = true; break;
		case OPT_KSYM_UNKNOWN_ADDR: o->ksym_unknown_addr = true; break;
		case OPT_INTERVAL:
			errno = 0;
			o->interval = strtod(optarg, &end);
			/* at most a day: a deadline that far is a typo, and keeps the sums exact */
			if (errno || end == optarg || *end || !(o->interval >= 0.01) ||
			    o->interval > 86400) {
				fprintf(stderr, "ebpfexp-read: --interval: \"%s\" is not a number of "
						"seconds from 0.01 to 86400\n", optarg);
				return -EINVAL;
			}
			break;
		case OPT_COUNT:
			if (parse_count("--count", optarg, &o->count))
				return -EINVAL;
			has_count = true;
			break;
		case OPT_TOP:
			if (parse_count("--top", optarg, &top))
				return -EINVAL;
			o->top = top > SIZE_MAX ? SIZE_MAX : (size_t)top;
			has_top = true;
			break;
		case OPT_VERSION:
			printf("ebpfexp-read %s (%s)\n", EBPFEXP_VERSION, EBPFEXP_REVISION);
			exit(0);
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ebpfexp-read: unexpected argument \"%s\"\n", argv[optind]);
		return -EINVAL;
	}
	if (o->textfile_dir && o->output) {
		fprintf(stderr, "ebpfexp-read: --textfile.dir and --output exclude each other\n");
		return -EINVAL;
	}
	if (o->clean && (!o->textfile_dir || o->output || o->format_set)) {
		fprintf(stderr, "ebpfexp-read: --textfile.clean needs --textfile.dir=DIR (the dir "
				"to clean) and takes no --output or --format\n");
		return -EINVAL;
	}
	if (o->textfile_dir && o->format_set && o->format != FORMAT_PROM) {
		fprintf(stderr, "ebpfexp-read: --textfile.dir writes prom only\n");
		return -EINVAL;
	}
	if (check_live_args(o, has_count, has_top))
		return -EINVAL;
	if (!o->state_dir)
		o->state_dir = DEFAULT_STATE_DIR;
	if (!o->bpffs_root)
		o->bpffs_root = DEFAULT_BPFFS_ROOT;
	/* with no output chosen: a person at a terminal gets a table, a timer the textfiles */
	if (!o->textfile_dir && !o->output && !o->format_set && !o->interval) {
		if (isatty(STDOUT_FILENO))
			o->format = FORMAT_TABLE;
		else
			o->textfile_dir = DEFAULT_TEXTFILE_DIR;
	}
	return 0;
}

static bool name_selected(const char *filter, const char *name)
{
	size_t len = strlen(name);

	if (!filter)
		return true;
	for (const char *p = filter; p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (n == len && !strncmp(p, name, n))
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Remember a config whose last load failed; takes @name. */
static int push_failed(struct reader *r, char *name)
{
	char **f = realloc(r->failed, (r->n_failed + 1) * sizeof(*f));

	if (!f)
		return -ENOMEM;
	r->failed = f;
	r->failed[r->n_failed++] = name;
	return 0;
}

static bool load_failed(const struct reader *r, const char *name)
{
	for (size_t i = 0; i < r->n_failed; i++)
		if (!strcmp(r->failed[i], name))
			return true;
	return false;
}

/* Manifest file names (NAME.json) in the state dir, sorted; and the NAME.failed marks. */
static int list_manifests(struct reader *r, char ***out, size_t *n_out, struct diag *d)
{
	DIR *dp = opendir(r->o.state_dir);
	size_t sfx = strlen(MANIFEST_FAILED_SUFFIX);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;

	*out = NULL;
	*n_out = 0;
	/* no state dir: no loader since boot, which ebpfexp.prom must say (say_nothing_read) */
	if (!dp && errno == ENOENT && r->o.textfile_dir) {
		r->no_state_dir = true;
		return 0;
	}
	if (!dp)
		return diag_err(d, errno, NULL, "state dir %s: %s%s", r->o.state_dir,
				strerror(errno),
				errno == ENOENT ? " (is ebpfexp-load running? see --state.dir)" : "");
	while ((de = readdir(dp))) {
		size_t len = strlen(de->d_name);
		char **nn;

		if (de->d_name[0] == '.')
			continue;
		if (len > sfx && !strcmp(de->d_name + len - sfx, MANIFEST_FAILED_SUFFIX)) {
			char *f = strndup(de->d_name, len - sfx);

			if (f && name_selected(r->o.config_names, f) &&
			    !push_failed(r, f))
				continue;
			free(f);
			continue;
		}
		if (len <= 5 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		nn = realloc(names, (n + 1) * sizeof(*names));
		if (!nn)
			break;
		names = nn;
		names[n] = strndup(de->d_name, len - 5);
		if (names[n])
			n++;
	}
	closedir(dp);
	if (n)	/* qsort(NULL, 0) is undefined */
		qsort(names, n, sizeof(*names), cmp_str);
	*out = names;
	*n_out = n;
	return 0;
}

/* Refuse manifests that point outside the bpffs root: the reader opens only our pins. */
static int check_pins(const struct reader *r, const struct manifest *m, struct diag *d)
{
	size_t n = strlen(r->o.bpffs_root);

	for (size_t i = 0; i < m->n_maps; i++) {
		const char *p = m->maps[i].pin_path;

		if (!p || strncmp(p, r->o.bpffs_root, n) || p[n] != '/' || strstr(p, "/../"))
			return diag_err(d, EPERM, NULL,
					"map \"%s\": pin %s is outside --bpffs.root %s",
					m->maps[i].metric, p ? p : "(none)", r->o.bpffs_root);
	}
	/* program pins are opened too, for their run time and count */
	for (size_t i = 0; i < m->n_progs; i++) {
		const char *p = m->progs[i].pin_path;

		if (p && (strncmp(p, r->o.bpffs_root, n) || p[n] != '/' || strstr(p, "/../")))
			return diag_err(d, EPERM, NULL,
					"program \"%s\": pin %s is outside --bpffs.root %s",
					m->progs[i].name, p, r->o.bpffs_root);
	}
	return 0;
}

static int render(enum format fmt, struct strbuf *out, struct family_set *fs)
{
	family_set_sort(fs);
	switch (fmt) {
	case FORMAT_JSON: return view_json(out, fs);
	case FORMAT_TABLE: return view_table(out, fs);
	default: return promtext_render(out, fs);
	}
}

/*
 * Text is handed to the file in pieces of this size: a million series never sit in memory,
 * and the piece being written stays in the cache.
 */
#define WRITE_CHUNK (1u << 18)

struct chunk_writer {
	struct atomicfile *f;
	struct diag *d;
};

static int chunk_flush(void *arg, const char *buf, size_t len)
{
	struct chunk_writer *w = arg;

	return atomicfile_write(w->f, buf, len, w->d);
}

/* Render @fs as prom text straight into DIR/@name, atomically, in chunks. */
static int write_families(struct reader *r, const char *name, struct family_set *fs,
			  struct strbuf *text, struct diag *d)
{
	struct chunk_writer w = { .d = d };
	struct promtext_sink sink = { .out = text, .flush_at = WRITE_CHUNK, .flush = chunk_flush,
				      .arg = &w };
	int err;

	family_set_sort(fs);
	strbuf_reset(text);
	err = atomicfile_open(&w.f, r->textfile_fd, name, 0644, d);
	if (!err)
		atomicfile_no_sync(w.f);	/* written again next run */
	if (!err)
		err = promtext_render_sink(&sink, fs);
	if (!err && text->len)
		err = atomicfile_write(w.f, text->buf, text->len, d);
	if (!err) {
		err = atomicfile_commit(w.f, d);
		w.f = NULL;	/* commit frees it either way */
	}
	atomicfile_abort(w.f);
	strbuf_reset(text);
	return err;
}

/* What would let this user read @path: its group, or root. */
static const char *access_hint(const char *path, char *buf, size_t len)
{
	struct stat st;
	struct group *g;

	if (stat(path, &st) == 0 && (st.st_mode & S_IRGRP) && st.st_gid != 0 &&
	    (g = getgrgid(st.st_gid)))
		snprintf(buf, len, "it is readable by group \"%s\": add this user to it, or run "
			 "as root", g->gr_name);
	else
		snprintf(buf, len, "only root may read it: run as root, or start ebpfexp-load "
			 "with --bpffs.group=GROUP and add this user to GROUP");
	return buf;
}

/*
 * The file's NAME is the config name the reader prints (config="NAME", ebpfexp_NAME.prom,
 * the state file's lines): it must pass the loader's rule too, else the manifest is refused.
 */
static int check_manifest_name(struct read_result *res, const char *path, struct diag *d)
{
	char why[160], q[80];

	if (!promname_check_config(res->name, why, sizeof(why)))
		return 0;
	res->bad_name = true;
	promname_quote(q, sizeof(q), res->name);
	return diag_err(d, EINVAL, NULL, "%s: config %s: %s (no loader writes such a manifest: "
			"remove it)", path, q, why);
}

/* Read one config into @fs. */
static int read_config(struct reader *r, struct read_result *res, struct family_set *fs,
		       struct diag *d)
{
	char path[PATH_MAX], hint[256];
	size_t before;
	int err;

	snprintf(path, sizeof(path), "%s/%s.json", r->o.state_dir, res->name);
	before = d->n_msgs;
	err = check_manifest_name(res, path, d);
	if (err)
		return err;
	if (access(path, R_OK) && (errno == EACCES || errno == EPERM)) {
		int saved = errno;

		access_hint(path, hint, sizeof(hint));
		diag_err(d, saved, NULL, "open %s: %s (%s)", path, strerror(saved), hint);
		diag_prefix(d, "config \"%s\"", res->name);
		return -saved;
	}
	err = manifest_read(&res->m, path, d);
	if (!err)
		err = check_pins(r, res->m, d);
	if (err) {
		diag_prefix_from(d, before, "config \"%s\"", res->name);
		return err;
	}
	/* metric's messages name the config and the metric themselves */
	err = metric_read_config(r->mr, res->m, fs, &res->st, d);
	if (!err && res->st.n_failed)
		err = -EIO;
	return err;
}

static void add_gauge(struct family_set *fs, const char *name, const char *help,
		      enum family_type type, const char *const *lnames, size_t n,
		      const char *const *lvals, double v)
{
	struct family *f = family_set_find(fs, name);
	struct series *s;

	if (!f && family_set_add(fs, name, help, type, lnames, n, &f))
		return;
	family_add_series(f, lvals, v, &s);
}

/* Per program: run time and count from the kernel, when bpf_stats_enabled is 1. */
static bool bpf_stats_enabled(void)
{
	char c = '0';
	int fd = open("/proc/sys/kernel/bpf_stats_enabled", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1)
		c = '0';
	close(fd);
	return c == '1';
}

static int prog_stats(const char *pin, uint64_t *run_ns, uint64_t *run_cnt)
{
	LIBBPF_OPTS(bpf_obj_get_opts, o, .file_flags = BPF_F_RDONLY);
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	int fd = bpf_obj_get_opts(pin, &o), err = 0;

	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		err = -errno;
	close(fd);
	*run_ns = info.run_time_ns;
	*run_cnt = info.run_cnt;
	return err;
}

/* Events of perf_event_array counters that the loader could not count (pins.h format). */
static void perf_lost_metrics(struct family_set *fs, const struct read_result *res)
{
	static const char *const l_cm[] = { "config", "metric" };

	for (size_t i = 0; i < res->m->n_maps; i++) {
		const struct manifest_map *mm = &res->m->maps[i];
		const struct config_metric *cm = NULL;
		const char *vals[] = { res->name, mm->metric };
		uint64_t lost = 0;

		for (size_t k = 0; k < res->m->config->n_metrics && !cm; k++)
			if (!strcmp(res->m->config->metrics[k].name, mm->metric))
				cm = &res->m->config->metrics[k];
		if (!cm || !cm->perf_event_array || pins_read_perf_lost(mm->pin_path, &lost))
			continue;
		add_gauge(fs, "ebpfexp_perf_events_lost_total",
			  "Events of perf_event_array counters the loader could not count: lost "
			  "in the kernel's buffer or dropped.", FAMILY_COUNTER, l_cm, 2, vals,
			  (double)lost);
	}
}

/* ebpf_exporter's built-in families and ebpfexp's own, for ebpfexp.prom. */
static void self_metrics(struct reader *r, struct family_set *fs, double duration)
{
	static const char *const l_name[] = { "name" }, *const l_config[] = { "config" },
			  *const l_info[] = { "config", "id", "program", "tag" },
			  *const l_id[] = { "id" },
			  *const l_build[] = { "branch", "goarch", "goos", "goversion",
					       "revision", "tags", "version" };
	const char *build[] = { "", "", "linux", "", EBPFEXP_REVISION, "", EBPFEXP_VERSION };
	bool stats = bpf_stats_enabled();

#if defined(__x86_64__)
	build[1] = "amd64";
#elif defined(__aarch64__)
	build[1] = "arm64";
#endif
	add_gauge(fs, "ebpf_exporter_build_info",
		  "A metric with a constant '1' value labeled by version, revision, branch, "
		  "goversion from which ebpf_exporter was built, and the goos and goarch for the "
		  "build.", FAMILY_GAUGE, l_build, 7, build, 1);
	add_gauge(fs, "ebpfexp_loader_up",
		  "Whether ebpfexp-load holds its lock (1) or not (0): with 0, counters are frozen.",
		  FAMILY_GAUGE, NULL, 0, NULL, r->loader_up ? 1 : 0);
	for (size_t i = 0; i < r->n_failed; i++) {
		const char *cfg[] = { r->failed[i] };
		bool has_manifest = false;

		for (size_t k = 0; k < r->n_results && !has_manifest; k++)
			has_manifest = !strcmp(r->results[k].name, r->failed[i]);
		if (!has_manifest)
			add_gauge(fs, "ebpfexp_config_load_failed", LOAD_FAILED_HELP, FAMILY_GAUGE,
				  l_config, 1, cfg, 1);
	}
	add_gauge(fs, "ebpfexp_read_duration_seconds",
		  "How long the last ebpfexp-read run took.", FAMILY_GAUGE, NULL, 0, NULL,
		  duration);
	for (size_t i = 0; i < r->n_results; i++) {
		struct read_result *res = &r->results[i];
		struct readstate_entry *e =
			res->bad_name ? NULL : readstate_get(&r->state, r->key, res->name);
		const char *cfg[] = { res->name };
		char num[32];

		if (!e)
			continue;
		e->decoder_errors += res->st.n_decode_errors + res->st.n_failed;
		if (res->ok)
			e->last_success = (double)time(NULL);
		add_gauge(fs, "ebpfexp_read_success",
			  "Whether the last read of this config succeeded (1) or not (0).",
			  FAMILY_GAUGE, l_config, 1, cfg, res->ok);
		add_gauge(fs, "ebpfexp_read_last_success_timestamp_seconds",
			  "Unix time of the last successful read of this config.", FAMILY_GAUGE,
			  l_config, 1, cfg, e->last_success);
		add_gauge(fs, "ebpfexp_series", "Series written for this config by the last read.",
			  FAMILY_GAUGE, l_config, 1, cfg, (double)res->st.n_series);
		add_gauge(fs, "ebpfexp_series_dropped",
			  "Series dropped by --metrics.max-series in the last read.", FAMILY_GAUGE,
			  l_config, 1, cfg, (double)res->st.n_dropped);
		add_gauge(fs, "ebpf_exporter_decoder_errors_total",
			  "How many times has decoders encountered errors", FAMILY_COUNTER, l_config,
			  1, cfg, (double)e->decoder_errors);
		add_gauge(fs, "ebpfexp_config_load_failed", LOAD_FAILED_HELP, FAMILY_GAUGE,
			  l_config, 1, cfg, load_failed(r, res->name));
		if (!res->m)
			continue;
		perf_lost_metrics(fs, res);
		add_gauge(fs, "ebpf_exporter_enabled_configs", "The set of enabled configs",
			  FAMILY_GAUGE, l_name, 1, cfg, 1);
		for (size_t p = 0; p < res->m->n_progs; p++) {
			const struct manifest_prog *mp = &res->m->progs[p];
			const char *info[] = { res->name, num, mp->name, mp->tag };
			const char *id[] = { num };
			uint64_t ns = 0, cnt = 0;

			snprintf(num, sizeof(num), "%u", mp->id);
			add_gauge(fs, "ebpf_exporter_ebpf_program_info", "Info about ebpf programs",
				  FAMILY_GAUGE, l_info, 4, info, 1);
			add_gauge(fs, "ebpf_exporter_ebpf_program_attached",
				  "Whether a program is attached", FAMILY_GAUGE, l_id, 1, id,
				  mp->attached && r->loader_up);
			if (!stats || !r->loader_up || !mp->pin_path ||
			    prog_stats(mp->pin_path, &ns, &cnt))
				continue;
			add_gauge(fs, "ebpf_exporter_ebpf_program_run_time_seconds",
				  "How long has the program been executing", FAMILY_COUNTER, l_id, 1,
				  id, (double)(ns / 1000000000ull) + (double)(ns % 1000000000ull) / 1e9);
			add_gauge(fs, "ebpf_exporter_ebpf_program_run_count_total",
				  "How many times has the program been executed", FAMILY_COUNTER,
				  l_id, 1, id, (double)cnt);
		}
	}
}

static void print_diag(struct diag *d)
{
	for (size_t i = 0; i < d->n_msgs; i++)
		log_msg(d->msgs[i].is_warning ? LOG_WARN : LOG_ERROR, "%s", d->msgs[i].text);
	diag_clear(d);
}

/*
 * Read the selected configs among @names (r->results has room for them all): each into
 * its textfile with --textfile.dir, else all into @all. Returns how many failed.
 */
static size_t read_configs(struct reader *r, char **names, size_t n_names,
			   struct family_set *all, struct strbuf *text, struct diag *d)
{
	size_t n_failed = 0;
	int err;

	for (size_t i = 0; i < n_names; i++) {
		struct read_result *res;
		struct family_set fs = { 0 };
		char file[NAME_MAX + 1];

		if (!name_selected(r->o.config_names, names[i]))
			continue;
		res = &r->results[r->n_results++];
		res->name = names[i];
		err = read_config(r, res, r->o.textfile_dir ? &fs : all, d);
		if (!err && r->o.textfile_dir) {
			size_t before = d->n_msgs;

			err = textfiles_config_file(file, sizeof(file), res->name);
			if (err)
				diag_err(d, -err, NULL, "file name for config \"%s\" is too long",
					 res->name);
			else
				err = write_families(r, file, &fs, text, d);
			if (!err)
				err = textfiles_wrote(&r->state, r->key, res->name, file);
			if (err)
				diag_prefix_from(d, before, "config \"%s\"", res->name);
		}
		/* a config that failed leaves its previous file in place */
		res->ok = !err;
		if (err)
			n_failed++;
		decode_take_warnings(r->dctx, d);
		if (!r->o.interval)	/* live shows them with its frame */
			print_diag(d);
		family_set_release(&fs);
	}
	return n_failed;
}

/* What one read of the last interval read, forgotten before the next. */
static void forget_read(struct reader *r)
{
	for (size_t i = 0; i < r->n_results; i++) {
		manifest_free(r->results[i].m);
		free(r->results[i].name);
	}
	free(r->results);
	r->results = NULL;
	r->n_results = 0;
	for (size_t i = 0; i < r->n_failed; i++)
		free(r->failed[i]);
	free(r->failed);
	r->failed = NULL;
	r->n_failed = 0;
}

struct watch_ctx {
	struct reader *r;
	struct live *l;
};

/*
 * One read for --interval: the manifests again (configs come and go), every selected
 * config into @fs, with the decoders and their caches of the whole run. Each map's id
 * tells live when a map was replaced.
 */
static int watch_read(void *arg, struct family_set *fs, struct diag *d)
{
	struct watch_ctx *w = arg;
	struct reader *r = w->r;
	char **names = NULL;
	size_t n_names = 0;
	int err;

	forget_read(r);
	err = list_manifests(r, &names, &n_names, d);
	if (!err && !(r->results = calloc(n_names ? n_names : 1, sizeof(*r->results))))
		err = diag_err(d, ENOMEM, NULL, "out of memory");
	if (!err)
		read_configs(r, names, n_names, fs, NULL, d);
	/* the results own the names they took */
	for (size_t i = 0; i < n_names; i++)
		if (!r->results || !name_selected(r->o.config_names, names[i]))
			free(names[i]);
	free(names);
	if (!err && r->o.config_names && !r->n_results)
		err = diag_err(d, ENOENT, NULL, "--config.names=%s: no such manifest in %s",
			       r->o.config_names, r->o.state_dir);
	for (size_t i = 0; i < r->n_results && !err; i++) {
		const struct manifest *m = r->results[i].m;

		for (size_t k = 0; m && k < m->n_maps && !err; k++) {
			char name[512];

			snprintf(name, sizeof(name), METRIC_PREFIX "%s", m->maps[k].metric);
			err = live_set_epoch(w->l, name, m->maps[k].id);
		}
	}
	return err;
}

static void watch_report(void *arg, struct diag *d)
{
	(void)arg;
	print_diag(d);
}

/* --interval: the exit code of a live view (0 at its end or at Ctrl-C). */
static int watch(struct reader *r, struct diag *d)
{
	struct live_opts lo = { .top = r->o.top };
	struct watch_ctx w = { .r = r };
	struct live_run_opts o = {
		.interval = r->o.interval, .count = r->o.count, .fd = STDOUT_FILENO,
		.format = r->o.format == FORMAT_JSON ? LIVE_JSON : LIVE_TABLE,
		.read = watch_read, .report = watch_report, .arg = &w,
	};
	int err = live_new(&w.l, &lo);

	if (!err)
		err = live_run(w.l, &o, d);
	live_free(w.l);
	forget_read(r);
	print_diag(d);
	return err ? 2 : 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * --output=FILE: a regular file (or a new one) is replaced atomically; anything else that
 * exists (/dev/null, a FIFO, a terminal) is written to as it is, never renamed over.
 */
static int write_output(const char *path, const struct strbuf *text, struct diag *d)
{
	const char *buf = text->buf ? text->buf : "";
	struct stat st;
	size_t off = 0;
	int fd, err = 0;

	if (stat(path, &st) || S_ISREG(st.st_mode))
		return atomicfile_replace(AT_FDCWD, path, 0644, buf, text->len, d);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return diag_err(d, errno, NULL, "--output %s: %s", path, strerror(errno));
	while (off < text->len && !err) {
		ssize_t n = write(fd, buf + off, text->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = diag_err(d, errno, NULL, "write %s: %s", path, strerror(errno));
		else
			off += (size_t)n;
	}
	if (close(fd) && !err)
		err = diag_err(d, errno, NULL, "close %s: %s", path, strerror(errno));
	return err;
}

/*
 * The cgroups resolved in earlier runs, so that a cgroup removed since keeps its path while
 * its key stays in a map, as under ebpf_exporter's cgroup monitor. Its problems are
 * warnings: without the file, labels are decoded afresh, as with --output.
 */
static void remember_cgroups(struct reader *r, struct diag *d)
{
	struct readcgroups c = { 0 };
	int err = readcgroups_load(&c, r->textfile_fd, CGROUPS_FILE, d);

	if (!err)
		err = decode_cgroups_remember(r->dctx, c.e, c.n, r->now);
	if (err)
		diag_warn(d, NULL, "%s: %s: no cgroup is remembered", CGROUPS_FILE,
			  strerror(-err));
	r->has_cgroups = c.found;
	readcgroups_release(&c);
}

/* What this run resolved, and what is still young enough, for the next run. */
static void save_cgroups(struct reader *r, struct diag *d)
{
	const struct decode_cgroup *keep;
	struct diag quiet = { 0 };
	size_t n;
	int err = decode_cgroups_to_keep(r->dctx, r->now, &keep, &n);

	/* no file and nothing to keep: spare the fsyncs */
	if (!err && !n && !r->has_cgroups)
		return;
	if (!err)
		err = readcgroups_save(keep, n, r->textfile_fd, CGROUPS_FILE, &quiet);
	/* a warning, not an error: the metrics are written all the same */
	if (err && quiet.n_msgs)
		diag_warn(d, NULL, "%s: removed cgroups may decode as unknown next run",
			  diag_last(&quiet));
	else if (err)
		diag_warn(d, NULL, "%s: %s: removed cgroups may decode as unknown next run",
			  CGROUPS_FILE, strerror(-err));
	diag_release(&quiet);
}

/*
 * The decoder error totals, for the next run. As with the cgroups file, a failure is a
 * warning: the .prom files are written, and the totals start again from zero next run.
 */
static void save_state(struct reader *r, struct diag *d)
{
	struct diag quiet = { 0 };
	int err = readstate_save(&r->state, r->textfile_fd, STATE_FILE, &quiet);

	if (err && quiet.n_msgs)
		diag_warn(d, NULL, "state %s not saved: %s: decoder error totals start again "
			  "from zero next run", STATE_FILE, diag_last(&quiet));
	else if (err)
		diag_warn(d, NULL, "state %s not saved: %s: decoder error totals start again "
			  "from zero next run", STATE_FILE, strerror(-err));
	diag_release(&quiet);
}

/* Open the textfile dir, serialise with other readers, clean up after killed ones. */
static int open_textfile_dir(struct reader *r, struct diag *d)
{
	int lock;

	r->textfile_fd = open(r->o.textfile_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->textfile_fd < 0)
		return diag_err(d, errno, NULL, "--textfile.dir %s: %s", r->o.textfile_dir,
				strerror(errno));
	lock = openat(r->textfile_fd, LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock < 0)
		return diag_err(d, errno, NULL, "%s/%s: %s%s", r->o.textfile_dir, LOCK_FILE,
				strerror(errno),
				errno == EACCES ? " (can this user write there?)" :
				errno == EROFS ? " (the textfile directory must be writable)" : "");
	if (flock(lock, LOCK_EX))	/* held until exit: runs never interleave */
		return diag_err(d, errno, NULL, "lock %s/%s: %s", r->o.textfile_dir, LOCK_FILE,
				strerror(errno));
	/* under the lock no other reader writes here: any temp file of ours is a leftover */
	atomicfile_clean_stale(r->textfile_fd, 0);
	remember_cgroups(r, d);
	return readstate_load(&r->state, r->textfile_fd, STATE_FILE, d);
}

/* Which configs' files stay: those with a manifest, and those this run does not cover. */
struct keep_arg {
	const struct reader *r;
	char **names;
	size_t n;
};

static bool keep_config(void *arg, const char *config)
{
	const struct keep_arg *k = arg;

	if (!name_selected(k->r->o.config_names, config))
		return true;
	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->names[i], config))
			return true;
	return false;
}

/* The files of configs whose manifest is gone (reload, --unpin, reboot) go with them. */
static int forget_gone(struct reader *r, char **names, size_t n, struct diag *d)
{
	struct keep_arg k = { r, names, n };
	struct strbuf removed = { 0 };
	int err = textfiles_prune(&r->state, r->textfile_fd, r->key, keep_config, &k, &removed,
				  d);

	if (!err && removed.len)
		log_msg(LOG_INFO, "removed%s: no manifest in %s any more", removed.buf,
			r->o.state_dir);
	strbuf_release(&removed);
	return err;
}

/* No manifest at all: say why, and where to look; ebpfexp.prom says it to Prometheus. */
static void say_nothing_read(const struct reader *r)
{
	const char *sd = r->o.state_dir;

	if (r->no_state_dir)
		log_msg(LOG_ERROR, "state dir %s: No such file or directory: ebpfexp-load has not "
			"run since boot, nothing to read, ebpfexp_loader_up is 0 (systemctl status "
			"ebpfexp-load; journalctl -u ebpfexp-load; or is --state.dir wrong?)", sd);
	else if (r->n_failed)
		log_msg(LOG_ERROR, "no manifest in %s: every config failed to load (%zu, "
			"ebpfexp_config_load_failed is 1; why: %s/NAME.failed), and ebpfexp-load %s "
			"(journalctl -u ebpfexp-load)", sd, r->n_failed, sd,
			r->loader_up ? "runs" : "is not running, ebpfexp_loader_up is 0");
	else if (!r->loader_up)
		log_msg(LOG_ERROR, "no manifest in %s and ebpfexp-load is not running: nothing to "
			"read, ebpfexp_loader_up is 0 (systemctl status ebpfexp-load; journalctl -u "
			"ebpfexp-load; or is --state.dir wrong?)", sd);
	else
		log_msg(LOG_ERROR, "no manifest in %s: ebpfexp-load runs but has loaded no config "
			"(still starting, or no config in its --config.dir: journalctl -u "
			"ebpfexp-load)", sd);
}

/* --textfile.clean: the files this reader wrote go, nothing else does. */
static int clean_textfile_dir(struct reader *r, struct diag *d)
{
	struct keep_arg k = { r, NULL, 0 };
	struct strbuf removed = { 0 };
	struct stat st;
	int err;

	if (stat(r->o.textfile_dir, &st) && errno == ENOENT) {
		log_msg(LOG_INFO, "--textfile.dir %s: no such directory, nothing to clean",
			r->o.textfile_dir);
		return 0;
	}
	err = open_textfile_dir(r, d);
	if (!err)
		err = textfiles_clean(&r->state, r->textfile_fd,
				      r->o.state_dir_set ? r->key : NULL,
				      r->o.config_names ? keep_config : NULL, &k, &removed, d);
	print_diag(d);
	if (!err && removed.len)
		log_msg(LOG_INFO, "--textfile.clean: removed from %s:%s", r->o.textfile_dir,
			removed.buf);
	strbuf_release(&removed);
	return err;
}

int main(int argc, char **argv)
{
	struct reader r = { .textfile_fd = -1, .now = (int64_t)time(NULL) };
	struct metric_opts mopts = { 0 };
	struct decode_opts dopts = { 0 };
	char ksyms[PATH_MAX], ksymidx[PATH_MAX], cgrec[PATH_MAX];
	struct family_set all = { 0 };
	struct strbuf text = { 0 };
	struct diag d = { 0 };
	char **names = NULL;
	size_t n_names = 0, n_failed = 0;
	double t0 = now_s();
	int err, rc = 0;

	if (parse_args(&r.o, argc, argv))
		return 2;
	log_setup("ebpfexp-read", r.o.debug ? LOG_DEBUG : LOG_INFO, false);
	if (r.o.textfile_dir && textfiles_state_key(r.o.state_dir, &r.key)) {
		log_msg(LOG_ERROR, "--state.dir %s: cannot make it absolute", r.o.state_dir);
		return 2;
	}
	mopts.max_series = r.o.max_series;
	/* without CAP_SYSLOG kallsyms is all zeros: ksym falls back on the loader's snapshot */
	snprintf(ksyms, sizeof(ksyms), "%s/%s", r.o.state_dir, KSYMSNAP_NAME);
	dopts.kallsyms_fallback = ksyms;
	/* ... and maps the loader's symbol index first, when it is current */
	snprintf(ksymidx, sizeof(ksymidx), "%s/%s", r.o.state_dir, KSYMIDX_NAME);
	dopts.ksym_index = ksymidx;
	dopts.ksym_unknown_addr = r.o.ksym_unknown_addr;
	/* cgroups made and removed since the last run: the loader's record names them */
	snprintf(cgrec, sizeof(cgrec), "%s/%s", r.o.state_dir, CGRECORD_NAME);
	dopts.cgroup_record = cgrec;
	dopts.kube_pods_dir = r.o.kube_pods_dir;
	err = decode_ctx_new(&r.dctx, &dopts);
	if (!err)
		err = metric_reader_new(&r.mr, r.dctx, &mopts);
	if (!err && r.o.clean) {
		rc = clean_textfile_dir(&r, &d) ? 2 : 0;
		goto out;
	}
	if (!err && r.o.textfile_dir)
		err = open_textfile_dir(&r, &d);
	if (!err)
		err = list_manifests(&r, &names, &n_names, &d);
	if (!err && r.o.textfile_dir)
		err = forget_gone(&r, names, n_names, &d);
	if (err) {
		print_diag(&d);
		rc = 2;
		goto out;
	}
	r.loader_up = loaderlock_is_held(r.o.state_dir);
	if (!n_names && !r.o.config_names)
		say_nothing_read(&r);
	else if (!r.loader_up)
		log_msg(LOG_WARN, "ebpfexp-load is not running (no lock on %s/loader.lock): "
				  "counters are frozen", r.o.state_dir);
	r.results = calloc(n_names ? n_names : 1, sizeof(*r.results));
	if (!r.results) {
		rc = 2;
		goto out;
	}
	if (r.o.interval) {
		rc = watch(&r, &d);
		goto out;
	}
	n_failed = read_configs(&r, names, n_names, &all, &text, &d);
	if (r.o.config_names && !r.n_results) {
		log_msg(LOG_ERROR, "--config.names=%s: no such manifest in %s", r.o.config_names,
			r.o.state_dir);
		rc = 2;
		goto out;
	}
	{
		struct family_set self = { 0 };
		struct family_set *fs = r.o.textfile_dir ? &self : &all;

		self_metrics(&r, fs, now_s() - t0);
		if (r.o.textfile_dir) {
			save_cgroups(&r, &d);
			err = write_families(&r, SELF_FILE, fs, &text, &d);
			if (!err)
				err = textfiles_wrote(&r.state, r.key, NULL, SELF_FILE);
			if (!err)
				save_state(&r, &d);
		} else {
			strbuf_reset(&text);
			err = render(r.o.format, &text, fs);
			if (!err && r.o.output && strcmp(r.o.output, "-"))
				err = write_output(r.o.output, &text, &d);
			else if (!err && (fwrite(strbuf_str(&text), 1, text.len, stdout) != text.len ||
					  fflush(stdout)))
				err = diag_err(&d, errno, NULL, "write stdout: %s", strerror(errno));
		}
		family_set_release(&self);
		print_diag(&d);
		if (err) {
			rc = 2;
			goto out;
		}
	}
	/* nothing to read is nothing done, even though ebpfexp.prom says so (say_nothing_read) */
	rc = !r.n_results ? 2 : !n_failed ? 0 : n_failed < r.n_results ? 1 : 2;
out:
	for (size_t i = 0; i < r.n_results; i++)
		manifest_free(r.results[i].m);
	for (size_t i = 0; i < r.n_failed; i++)
		free(r.failed[i]);
	free(r.failed);
	free(r.results);
	for (size_t i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	family_set_release(&all);
	strbuf_release(&text);
	readstate_release(&r.state);
	metric_reader_free(r.mr);
	decode_ctx_free(r.dctx);
	if (r.textfile_fd >= 0)
		close(r.textfile_fd);
	diag_release(&d);
	free(r.key);
	return rc;
}
