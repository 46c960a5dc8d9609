/*
 * ebpfexp-read: one shot. Read every manifest, decode the pinned maps, and write
 * TEXTFILE_DIR/ebpfexp_NAME.prom per config plus ebpfexp.prom (built-in and own metrics),
 * each atomically; or print everything once, as prom, json or a table; or, with
 * --interval, show what changes. The reader module does the work; this file is flags,
 * the call and the exit code.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "kubepath.h"
#include "log.h"
#include "pins.h"
#include "reader.h"
#include "statedir.h"

#define DEFAULT_TEXTFILE_DIR "/var/lib/prometheus/node-exporter"
#define DEFAULT_MAX_SERIES 100000

/* The flags: the reader's options, and what only main needs. */
struct args {
	struct reader_opts o;
	bool format_set;
	bool debug;
	bool clean;		    /* --textfile.clean */
	struct reader_watch_opts w; /* interval 0: one read */
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
		DEFAULT_TEXTFILE_DIR, DEFAULT_MAX_SERIES, STATEDIR_DEFAULT, PINS_DEFAULT_ROOT,
		KUBEPATH_PODS_DIR_DEFAULT);
}

enum {
	OPT_TEXTFILE_DIR = 256,
	OPT_OUTPUT,
	OPT_FORMAT,
	OPT_CONFIG_NAMES,
	OPT_MAX_SERIES,
	OPT_STATE_DIR,
	OPT_BPFFS_ROOT,
	OPT_DEBUG,
	OPT_VERSION,
	OPT_KSYM_UNKNOWN_ADDR,
	OPT_TEXTFILE_CLEAN,
	OPT_KUBE_PODS_DIR,
	OPT_INTERVAL,
	OPT_COUNT,
	OPT_TOP,
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
static int check_live_args(struct args *a, bool has_count, bool has_top)
{
	if (!a->w.interval && (has_count || has_top)) {
		fprintf(stderr, "ebpfexp-read: --count and --top go with --interval\n");
		return -EINVAL;
	}
	if (!a->w.interval)
		return 0;
	if (a->format_set && a->o.format == READER_PROM) {
		fprintf(stderr, "ebpfexp-read: --format=prom with --interval: rates are not "
				"Prometheus text (use --format=table or json; node_exporter wants "
				"the textfiles of one-shot reads)\n");
		return -EINVAL;
	}
	if (a->o.textfile_dir || a->o.output) {
		fprintf(stderr, "ebpfexp-read: --interval prints to stdout: it goes with neither "
				"--textfile.dir nor --output\n");
		return -EINVAL;
	}
	if (!a->format_set)
		a->o.format = READER_TABLE;
	return 0;
}

static int parse_args(struct args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"textfile.dir", required_argument, NULL, OPT_TEXTFILE_DIR},
		{"textfile.clean", no_argument, NULL, OPT_TEXTFILE_CLEAN},
		{"output", required_argument, NULL, OPT_OUTPUT},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"config.names", required_argument, NULL, OPT_CONFIG_NAMES},
		{"metrics.max-series", required_argument, NULL, OPT_MAX_SERIES},
		{"state.dir", required_argument, NULL, OPT_STATE_DIR},
		{"bpffs.root", required_argument, NULL, OPT_BPFFS_ROOT},
		{"compat.ksym-unknown-addr", no_argument, NULL, OPT_KSYM_UNKNOWN_ADDR},
		{"kube.pods-dir", required_argument, NULL, OPT_KUBE_PODS_DIR},
		{"debug", no_argument, NULL, OPT_DEBUG},
		{"version", no_argument, NULL, OPT_VERSION},
		{"interval", required_argument, NULL, OPT_INTERVAL},
		{"count", required_argument, NULL, OPT_COUNT},
		{"top", required_argument, NULL, OPT_TOP},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool has_count = false, has_top = false;
	uint64_t n;
	char *end;
	int c;

	a->o.max_series = DEFAULT_MAX_SERIES;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_TEXTFILE_DIR: a->o.textfile_dir = optarg; break;
		case OPT_TEXTFILE_CLEAN: a->clean = true; break;
		case OPT_OUTPUT: a->o.output = optarg; break;
		case OPT_FORMAT:
			a->format_set = true;
			if (reader_format_parse(optarg, &a->o.format)) {
				fprintf(stderr,
					"ebpfexp-read: --format: \"%s\" is not prom, json "
					"or table\n",
					optarg);
				return -EINVAL;
			}
			break;
		case OPT_CONFIG_NAMES: a->o.config_names = optarg; break;
		case OPT_MAX_SERIES:
			if (parse_count("--metrics.max-series", optarg, &n))
				return -EINVAL;
			a->o.max_series = n > SIZE_MAX ? SIZE_MAX : (size_t)n;
			break;
		case OPT_STATE_DIR:
			a->o.state_dir = optarg;
			a->o.state_dir_given = true;
			break;
		case OPT_BPFFS_ROOT: a->o.bpffs_root = optarg; break;
		case OPT_KUBE_PODS_DIR: a->o.kube_pods_dir = optarg; break;
		case OPT_DEBUG: a->debug = true; break;
		case OPT_KSYM_UNKNOWN_ADDR: a->o.ksym_unknown_addr = true; break;
		case OPT_INTERVAL:
			errno = 0;
			a->w.interval = strtod(optarg, &end);
			/* at most a day: a deadline that far is a typo, and keeps the sums exact */
			if (errno || end == optarg || *end || !(a->w.interval >= 0.01) ||
			    a->w.interval > 86400) {
				fprintf(stderr,
					"ebpfexp-read: --interval: \"%s\" is not a number of "
					"seconds from 0.01 to 86400\n",
					optarg);
				return -EINVAL;
			}
			break;
		case OPT_COUNT:
			if (parse_count("--count", optarg, &a->w.count))
				return -EINVAL;
			has_count = true;
			break;
		case OPT_TOP:
			if (parse_count("--top", optarg, &n))
				return -EINVAL;
			a->w.top = n > SIZE_MAX ? SIZE_MAX : (size_t)n;
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
	if (a->o.textfile_dir && a->o.output) {
		fprintf(stderr, "ebpfexp-read: --textfile.dir and --output exclude each other\n");
		return -EINVAL;
	}
	if (a->clean && (!a->o.textfile_dir || a->o.output || a->format_set)) {
		fprintf(stderr, "ebpfexp-read: --textfile.clean needs --textfile.dir=DIR (the dir "
				"to clean) and takes no --output or --format\n");
		return -EINVAL;
	}
	if (a->o.textfile_dir && a->format_set && a->o.format != READER_PROM) {
		fprintf(stderr, "ebpfexp-read: --textfile.dir writes prom only\n");
		return -EINVAL;
	}
	if (check_live_args(a, has_count, has_top))
		return -EINVAL;
	if (!a->o.state_dir)
		a->o.state_dir = STATEDIR_DEFAULT;
	if (!a->o.bpffs_root)
		a->o.bpffs_root = PINS_DEFAULT_ROOT;
	/* with no output chosen: a person at a terminal gets a table, a timer the textfiles */
	if (!a->o.textfile_dir && !a->o.output && !a->format_set && !a->w.interval) {
		if (isatty(STDOUT_FILENO))
			a->o.format = READER_TABLE;
		else
			a->o.textfile_dir = DEFAULT_TEXTFILE_DIR;
	}
	return 0;
}

/* 0 all configs read; 1 some failed; 2 nothing read: all failed, or there was none. */
static int exit_code(int err, const struct reader_stats *st)
{
	/* nothing to read is nothing done, even though ebpfexp.prom says so */
	if (err || !st->n_configs)
		return 2;
	return !st->n_failed ? 0 : st->n_failed < st->n_configs ? 1 : 2;
}

int main(int argc, char **argv)
{
	struct args a = {.w.fd = STDOUT_FILENO};
	struct reader_stats st = {0};
	struct reader *r = NULL;
	struct diag d = {0};
	int err, rc;

	if (parse_args(&a, argc, argv))
		return 2;
	log_setup("ebpfexp-read", a.debug ? LOG_DEBUG : LOG_INFO, false);
	err = reader_new(&r, &a.o, &d);
	if (!err && a.clean)
		rc = reader_clean(r, &d) ? 2 : 0;
	else if (!err && a.w.interval)
		rc = reader_watch(r, &a.w, &d) ? 2 : 0;
	else
		rc = exit_code(err ? err : reader_run(r, &st, &d), &st);
	log_diag(&d);
	reader_free(r);
	diag_release(&d);
	return rc;
}
