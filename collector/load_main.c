/*
 * ebpfexp-load: parse configs, load and attach their BPF objects, pin metric maps and
 * programs in bpffs, write a manifest per config for ebpfexp-read, then stay up: count
 * perf_event_array events, keep cgroup_id_maps current, reload on SIGHUP, detach on
 * SIGTERM/SIGINT, and ping systemd's watchdog from the main loop. The loader module does the
 * work; this file is flags, order and signals.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "cgrecord.h"
#include "attach.h"
#include "diag.h"
#include "loader.h"
#include "loaderlock.h"
#include "log.h"
#include "pins.h"
#include "statedir.h"
#include "sdnotify.h"

#define DEFAULT_CONFIG_DIR "/etc/ebpfexp"
#define LOADER_POLL_MS 300

struct main_opts {
	char *config_dir;
	const char *config_names;
	char *bpf_dir;
	const char *bpffs_root;
	const char *state_dir;
	const char *btf_path;
	const char *bpffs_group;
	const char *caps_keep;
	bool check, strict, unpin, debug, timestamps;
	int64_t cgr_max, cgr_age; /* --cgroups.record-max, --cgroups.record-max-age */
};

/*
 * [compat] Programs may attach `uprobe//proc/self/exe:post_attach_mark` to run once after
 * every config is attached; the symbol must stay visible (-rdynamic) and not be inlined.
 */
__attribute__((noinline, used, visibility("default"))) void post_attach_mark(void);
void post_attach_mark(void)
{
	__asm__ __volatile__("" ::: "memory");
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ebpfexp-load [OPTION]...\n"
		"Load and attach eBPF programs described by ebpf_exporter-style configs, pin their\n"
		"maps in bpffs and write manifests for ebpfexp-read. Runs until SIGTERM; SIGHUP\n"
		"reloads the configs that were added, removed or changed (YAML or object).\n"
		"\n"
		"  --config.dir=DIR       where NAME.yaml (and NAME.bpf.o) are (default: %s,\n"
		"                         or ./configs in a source tree)\n"
		"  --config.names=A,B     configs to load (default: every *.yaml in the dir)\n"
		"  --bpf.dir=DIR          where NAME.bpf.o is looked for after the config dir\n"
		"                         (default: ./build/bpf in a source tree)\n"
		"  --bpffs.root=DIR       pin root (default: %s)\n"
		"  --bpffs.group=GROUP    group that may read pins and manifests (mode 0640)\n"
		"  --state.dir=DIR        manifests and the liveness lock (default: %s)\n"
		"  --btf.path=FILE        kernel BTF for CO-RE on kernels without\n"
		"                         /sys/kernel/btf/vmlinux\n"
		"  --config.check         check, load and attach everything, then detach and exit\n"
		"  --config.strict        a program that fails to attach fails its config\n"
		"  --unpin                remove the configs' pins and manifests on exit\n"
		"  --cgroups.record-max=N keep at most N cgroups in the cgroup record, so that\n"
		"                         the reader names cgroups removed before it ran\n"
		"                         (default: %d; 0: no record)\n"
		"  --cgroups.record-max-age=D\n"
		"                         forget a removed cgroup D after its removal\n"
		"                         (seconds, or with s, m, h, d; default: %ds)\n"
		"  --capabilities.keep=C  after attaching keep only these capabilities: all\n"
		"                         (default), none, or libcap names (cap_bpf,cap_perfmon);\n"
		"                         SIGHUP reloads need the ones loading needs\n"
		"  --debug                debug logging, libbpf's included\n"
		"  --log.no-timestamps    no timestamps in log lines\n"
		"  -h, --help             this help\n"
		"  --version              print the version\n",
		DEFAULT_CONFIG_DIR, PINS_DEFAULT_ROOT, STATEDIR_DEFAULT, CGRECORD_MAX_DEFAULT,
		CGRECORD_MAX_AGE_DEFAULT);
}

/* In a source tree (binary in build/ next to configs/), default to its configs and objects. */
static void source_tree_defaults(struct main_opts *o)
{
	char exe[PATH_MAX], path[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash || slash - exe < 6 || strncmp(slash - 6, "/build", 6))
		return;
	*(slash - 6) = '\0';
	snprintf(path, sizeof(path), "%s/configs", exe);
	if (access(path, R_OK))
		return;
	if (!o->config_dir)
		o->config_dir = strdup(path);
	snprintf(path, sizeof(path), "%s/build/bpf", exe);
	if (!o->bpf_dir)
		o->bpf_dir = strdup(path);
}

static int resolve_group(const struct main_opts *o, struct pins_access *acc, struct diag *d)
{
	struct group *g;

	*acc = (struct pins_access){.gid = (gid_t)-1, .mode = 0600};
	if (!o->bpffs_group)
		return 0;
	g = getgrnam(o->bpffs_group);
	if (!g)
		return diag_err(d, ENOENT, NULL, "--bpffs.group: no group \"%s\"", o->bpffs_group);
	*acc = (struct pins_access){.gid = g->gr_gid, .mode = 0640};
	return 0;
}

/* "STATUS=2 config(s): a, b", and "; some configs failed (N)" when N failed. */
static void notify_status(struct loader *l, const struct loader_stats *stats, const char *what)
{
	char *st = loader_status(l);
	int err = stats->n_failed ? sdnotifyf("%sSTATUS=%s; some configs failed (%zu)", what,
					      st ? st : "", stats->n_failed)
				  : sdnotifyf("%sSTATUS=%s", what, st ? st : "");

	if (err < 0)
		log_debug("sd_notify: %s", strerror(-err));
	free(st);
}

/*
 * systemd's watchdog. The main loop pings it each time it comes round and a ping is due, so
 * the pings stop when the loop hangs (in a reload, in the loader's work) and systemd
 * restarts the service; a thread or timer of its own would go on pinging.
 */
struct watchdog {
	uint64_t every_usec; /* half of $WATCHDOG_USEC, as sd_watchdog_enabled(3) says; 0: off */
	uint64_t next_usec;  /* CLOCK_MONOTONIC */
	int last_err;	     /* of the last ping: a failure is logged when it changes */
};

static uint64_t monotonic_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void watchdog_init(struct watchdog *w)
{
	struct diag d = {0};
	uint64_t usec;

	*w = (struct watchdog){0};
	if (sdnotify_watchdog_usec(&usec, &d)) /* not systemd's doing: go on without */
		log_msg(LOG_WARN, "watchdog: not pinging: %s", diag_last(&d));
	diag_release(&d);
	if (!usec)
		return;
	w->every_usec = usec / 2 ? usec / 2 : 1;
	w->next_usec = monotonic_usec() + w->every_usec;
	log_debug("watchdog: WATCHDOG=1 every %llu us", (unsigned long long)w->every_usec);
}

static void watchdog_ping(struct watchdog *w, uint64_t now)
{
	int err;

	if (!w->every_usec)
		return;
	err = sdnotify("WATCHDOG=1");
	if (err && err != w->last_err)
		log_msg(LOG_WARN, "watchdog: sd_notify WATCHDOG=1: %s", strerror(-err));
	w->last_err = err;
	w->next_usec = now + w->every_usec;
}

/* Ping if a ping is due; return how long poll() may wait for the next, at most @max_ms. */
static int watchdog_poll_ms(struct watchdog *w, int max_ms)
{
	uint64_t now, left_ms;

	if (!w->every_usec)
		return max_ms;
	now = monotonic_usec();
	if (now >= w->next_usec)
		watchdog_ping(w, now);
	left_ms = (w->next_usec - now + 999) / 1000; /* rounded up: wake when it is due */
	return left_ms < (uint64_t)max_ms ? (int)left_ms : max_ms;
}

static void log_stats(const char *what, const struct loader_stats *st)
{
	log_msg(st->n_failed ? LOG_WARN : LOG_INFO,
		"%s: %zu running; %zu loaded, %zu reloaded, %zu removed, %zu unchanged, %zu failed",
		what, st->n_up, st->n_loaded, st->n_replaced, st->n_removed, st->n_unchanged,
		st->n_failed);
}

static void reload(struct loader *l)
{
	struct loader_stats st;
	struct diag d = {0};

	/* Type=notify-reload wants RELOADING=1 with the time it started */
	sdnotifyf("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
		  (unsigned long long)monotonic_usec());
	log_msg(LOG_INFO, "SIGHUP: reloading");
	loader_reload(l, &st, &d);
	log_diag(&d);
	if (st.wants_post_attach)
		post_attach_mark();
	log_stats("reload", &st);
	notify_status(l, &st, "READY=1\n");
	diag_release(&d);
}

/*
 * Wait for SIGTERM or SIGINT; reload on SIGHUP; meanwhile do the loader's work and ping the
 * watchdog.
 */
static int serve(struct loader *l, struct watchdog *wd)
{
	struct pollfd pfd[2];
	sigset_t set;
	int sfd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return -errno;
	pfd[0] = (struct pollfd){.fd = sfd, .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = loader_fd(l), .events = POLLIN};
	for (;;) {
		struct signalfd_siginfo si;
		struct diag d = {0};
		ssize_t n;

		/*
		 * [compat] perf rings are also drained every 300 ms, as ebpf_exporter polls
		 * them: a perf wakeup travels by irq_work, which may wait for the next tick
		 * on an idle CPU, so an event may not wake us at once.
		 */
		n = poll(pfd, 2, watchdog_poll_ms(wd, LOADER_POLL_MS));
		if (n < 0 && errno != EINTR)
			break;
		if (n == 0)
			loader_drain(l);
		if (n > 0 && pfd[1].revents) {
			loader_process(l, &d);
			log_diag(&d);
			diag_release(&d);
		}
		if (n <= 0 || !pfd[0].revents)
			continue;
		n = read(sfd, &si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(si))
			break;
		if (si.ssi_signo == SIGHUP) {
			/* a reload may take long: let it have the whole watchdog interval */
			watchdog_ping(wd, monotonic_usec());
			reload(l);
			continue;
		}
		log_msg(LOG_INFO, "%s: detaching", strsignal((int)si.ssi_signo));
		break;
	}
	close(sfd);
	return 0;
}

enum {
	OPT_CONFIG_DIR = 256,
	OPT_CONFIG_NAMES,
	OPT_BPF_DIR,
	OPT_BPFFS_ROOT,
	OPT_BPFFS_GROUP,
	OPT_STATE_DIR,
	OPT_BTF_PATH,
	OPT_CHECK,
	OPT_STRICT,
	OPT_UNPIN,
	OPT_DEBUG,
	OPT_NO_TIMESTAMPS,
	OPT_VERSION,
	OPT_CAPS_KEEP,
	OPT_CGR_MAX,
	OPT_CGR_AGE,
};

static int parse_args(struct main_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config.dir", required_argument, NULL, OPT_CONFIG_DIR},
		{"config.names", required_argument, NULL, OPT_CONFIG_NAMES},
		{"bpf.dir", required_argument, NULL, OPT_BPF_DIR},
		{"bpffs.root", required_argument, NULL, OPT_BPFFS_ROOT},
		{"bpffs.group", required_argument, NULL, OPT_BPFFS_GROUP},
		{"state.dir", required_argument, NULL, OPT_STATE_DIR},
		{"btf.path", required_argument, NULL, OPT_BTF_PATH},
		{"config.check", no_argument, NULL, OPT_CHECK},
		{"config.strict", no_argument, NULL, OPT_STRICT},
		{"unpin", no_argument, NULL, OPT_UNPIN},
		{"capabilities.keep", required_argument, NULL, OPT_CAPS_KEEP},
		{"cgroups.record-max", required_argument, NULL, OPT_CGR_MAX},
		{"cgroups.record-max-age", required_argument, NULL, OPT_CGR_AGE},
		{"debug", no_argument, NULL, OPT_DEBUG},
		{"log.no-timestamps", no_argument, NULL, OPT_NO_TIMESTAMPS},
		{"version", no_argument, NULL, OPT_VERSION},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;

	o->timestamps = true;
	o->cgr_max = CGRECORD_MAX_DEFAULT;
	o->cgr_age = CGRECORD_MAX_AGE_DEFAULT;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_CONFIG_DIR:
			free(o->config_dir);
			o->config_dir = strdup(optarg);
			break;
		case OPT_CONFIG_NAMES: o->config_names = optarg; break;
		case OPT_BPF_DIR:
			free(o->bpf_dir);
			o->bpf_dir = strdup(optarg);
			break;
		case OPT_BPFFS_ROOT: o->bpffs_root = optarg; break;
		case OPT_BPFFS_GROUP: o->bpffs_group = optarg; break;
		case OPT_STATE_DIR: o->state_dir = optarg; break;
		case OPT_BTF_PATH: o->btf_path = optarg; break;
		case OPT_CHECK: o->check = true; break;
		case OPT_STRICT: o->strict = true; break;
		case OPT_UNPIN: o->unpin = true; break;
		case OPT_CAPS_KEEP: o->caps_keep = optarg; break;
		case OPT_CGR_MAX:
		case OPT_CGR_AGE:
			if (cgrecord_parse_opt(c == OPT_CGR_MAX, optarg,
					       c == OPT_CGR_MAX ? (int64_t *)&o->cgr_max
								: &o->cgr_age)) {
				fprintf(stderr,
					"ebpfexp-load: --cgroups.record-max%s: \"%s\" is not "
					"%s\n",
					c == OPT_CGR_MAX ? "" : "-age", optarg,
					c == OPT_CGR_MAX ? "a count (0 or more)"
							 : "a duration (e.g. 600, 10m, 1h)");
				return -EINVAL;
			}
			break;
		case OPT_DEBUG: o->debug = true; break;
		case OPT_NO_TIMESTAMPS: o->timestamps = false; break;
		case OPT_VERSION:
			printf("ebpfexp-load %s (%s)\n", EBPFEXP_VERSION, EBPFEXP_REVISION);
			exit(0);
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ebpfexp-load: unexpected argument \"%s\"\n", argv[optind]);
		return -EINVAL;
	}
	if (!o->bpffs_root)
		o->bpffs_root = PINS_DEFAULT_ROOT;
	if (!o->state_dir)
		o->state_dir = STATEDIR_DEFAULT;
	source_tree_defaults(o);
	if (!o->config_dir)
		o->config_dir = strdup(DEFAULT_CONFIG_DIR);
	return 0;
}

int main(int argc, char **argv)
{
	struct main_opts o = {0};
	struct loader_opts lo = {0};
	struct loader *l = NULL;
	struct loader_stats st = {0};
	struct caps_keep keep = {.all = true};
	struct watchdog wd;
	struct diag d = {0};
	struct stat sb;
	int err, rc = 0, lock_fd = -1;
	sigset_t set;

	if (parse_args(&o, argc, argv))
		return 2;
	log_setup("ebpfexp-load", o.debug ? LOG_DEBUG : LOG_INFO, o.timestamps);
	log_hook_libbpf();
	/* signals arrive through a signalfd; block them before anything can be interrupted */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);

	lo = (struct loader_opts){
		.config_dir = o.config_dir,
		.config_names = o.config_names,
		.bpf_dir = o.bpf_dir,
		.bpffs_root = o.bpffs_root,
		.state_dir = o.state_dir,
		.btf_path = o.btf_path,
		.check = o.check,
		.strict = o.strict,
		.unpin = o.unpin,
		.cgroups_record_max = (size_t)o.cgr_max,
		.cgroups_record_max_age = o.cgr_age,
	};
	err = resolve_group(&o, &lo.acc, &d);
	if (!err && o.caps_keep)
		err = caps_parse(&keep, o.caps_keep, &d);
	if (!err && o.btf_path && stat(o.btf_path, &sb))
		err = diag_err(&d, errno, NULL, "--btf.path %s: %s (could not find BTF file)",
			       o.btf_path, strerror(errno));
	if (!err)
		err = attach_register_handlers(&d);
	/* the lock first: a loader that is refused must not touch the pin root's mode */
	if (!err && !o.check) {
		err = loaderlock_take(o.state_dir, &lock_fd, &d);
		if (!err)
			err = pins_ensure_root(o.bpffs_root, &lo.acc, &d);
	}
	if (!err)
		err = loader_new(&l, &lo, &d);
	if (!err)
		err = loader_start(l, &st, &d);
	log_diag(&d);
	if (err) {
		rc = 2;
		goto out;
	}
	rc = st.n_failed ? 1 : 0;
	/* [compat] once, after every config is attached */
	post_attach_mark();
	if (o.check) {
		log_msg(LOG_INFO, "%zu config(s) checked: %s", st.n_up + st.n_failed,
			rc ? "some failed" : "all good");
		rc = rc ? 2 : 0;
		goto out;
	}
	if (!st.n_up) {
		log_msg(LOG_ERROR, "no config could be loaded");
		rc = 2;
		goto out;
	}
	if (caps_apply(&keep, &d)) {
		log_diag(&d);
		rc = 2;
		goto out;
	}
	log_stats("start", &st);
	notify_status(l, &st, "READY=1\n");
	watchdog_init(&wd);
	serve(l, &wd);
	sdnotify("STOPPING=1\nSTATUS=detaching");
out:
	loader_free(l, &d);
	log_diag(&d);
	caps_release(&keep);
	if (lock_fd >= 0)
		close(lock_fd);
	free(o.config_dir);
	free(o.bpf_dir);
	diag_release(&d);
	return rc;
}
