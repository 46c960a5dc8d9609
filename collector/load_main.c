/*
 * ebpfexp-load: parse configs, load and attach their BPF objects, pin metric maps and
 * programs in bpffs, write a manifest per config for ebpfexp-read, then stay up holding the
 * links until SIGTERM/SIGINT. The modules do the work; this file is flags, order and signals.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "btfcheck.h"
#include "config.h"
#include "decode.h"
#include "diag.h"
#include "log.h"
#include "manifest.h"
#include "pins.h"
#include "strbuf.h"

#define DEFAULT_BPFFS_ROOT "/sys/fs/bpf/ebpfexp"
#define DEFAULT_STATE_DIR "/run/ebpfexp"
#define DEFAULT_CONFIG_DIR "/etc/ebpfexp"

struct loader_opts {
	char *config_dir;
	const char *config_names;
	char *bpf_dir;
	const char *bpffs_root;
	const char *state_dir;
	const char *btf_path;
	const char *bpffs_group;
	bool check, strict, unpin, debug, timestamps;
};

/* One config up and running. */
struct loaded {
	struct config *cfg;
	char *obj_path;
	char sha256[65];
	struct bpf_object *obj;
	size_t n_progs;
	struct attach_prog *progs;
	char *pin_dir;
	char *manifest_path;
};

struct loader {
	struct loader_opts o;
	struct pins_access acc;
	size_t n;
	struct loaded *cfgs;
	int lock_fd;
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
		"maps in bpffs and write manifests for ebpfexp-read. Runs until SIGTERM.\n"
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
		"  --debug                debug logging, libbpf's included\n"
		"  --log.no-timestamps    no timestamps in log lines\n"
		"  -h, --help             this help\n"
		"  --version              print the version\n",
		DEFAULT_CONFIG_DIR, DEFAULT_BPFFS_ROOT, DEFAULT_STATE_DIR);
}

/* In a source tree (binary in build/ next to configs/), default to its configs and objects. */
static void source_tree_defaults(struct loader_opts *o)
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

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The config names: --config.names split on ',' [compat], or every *.yaml in the dir. */
static int list_names(const struct loader_opts *o, char ***out, size_t *n_out, struct diag *d)
{
	char **names = NULL;
	size_t n = 0;

	if (o->config_names) {
		char *copy = strdup(o->config_names), *p = copy;

		if (!copy)
			return -ENOMEM;
		for (;;) {
			char *comma = strchr(p, ',');

			if (comma)
				*comma = '\0';
			names = realloc(names, (n + 1) * sizeof(*names));
			names[n++] = strdup(p);
			if (!comma)
				break;
			p = comma + 1;
		}
		free(copy);
	} else {
		DIR *dp = opendir(o->config_dir);
		struct dirent *de;

		if (!dp)
			return diag_err(d, errno, NULL, "config dir %s: %s", o->config_dir,
					strerror(errno));
		while ((de = readdir(dp))) {
			size_t len = strlen(de->d_name);

			if (len <= 5 || strcmp(de->d_name + len - 5, ".yaml") ||
			    de->d_name[0] == '.')
				continue;
			names = realloc(names, (n + 1) * sizeof(*names));
			names[n++] = strndup(de->d_name, len - 5);
		}
		closedir(dp);
		qsort(names, n, sizeof(*names), cmp_str);
	}
	*out = names;
	*n_out = n;
	return 0;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Parse every config and check them as a set; report every problem. */
static int parse_configs(struct loader *l, char **names, size_t n, struct diag *d)
{
	int failed = 0;

	l->cfgs = calloc(n ? n : 1, sizeof(*l->cfgs));
	if (!l->cfgs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct config *c = NULL;
		char *path;
		int err;

		if (!names[i][0]) {
			diag_err(d, EINVAL, NULL, "--config.names: empty config name");
			failed++;
			continue;
		}
		if (asprintf(&path, "%s/%s.yaml", l->o.config_dir, names[i]) < 0)
			return -ENOMEM;
		err = config_parse_file(&c, path, names[i], d);
		free(path);
		for (size_t m = 0; !err && m < c->n_metrics; m++)
			for (size_t k = 0; k < c->metrics[m].n_labels; k++)
				if (decode_check_label(&c->metrics[m].labels[k], d))
					err = -EINVAL;
		if (err) {
			config_free(c);
			failed++;
			continue;
		}
		l->cfgs[l->n++].cfg = c;
	}
	{
		struct config **set = calloc(l->n ? l->n : 1, sizeof(*set));

		if (!set)
			return -ENOMEM;
		for (size_t i = 0; i < l->n; i++)
			set[i] = l->cfgs[i].cfg;
		if (config_check_set(set, l->n, d))
			failed++;
		free(set);
	}
	return failed ? -EINVAL : 0;
}

static int find_object(struct loader *l, struct loaded *ld, struct diag *d)
{
	const char *dirs[] = { l->o.config_dir, l->o.bpf_dir };

	for (size_t i = 0; i < 2; i++) {
		char *p;

		if (!dirs[i])
			continue;
		if (asprintf(&p, "%s/%s.bpf.o", dirs[i], ld->cfg->name) < 0)
			return -ENOMEM;
		if (access(p, R_OK) == 0) {
			ld->obj_path = p;
			return 0;
		}
		free(p);
	}
	return diag_err(d, ENOENT, NULL,
			"config \"%s\": no %s.bpf.o in %s%s%s (build it, or set --bpf.dir)",
			ld->cfg->name, ld->cfg->name, l->o.config_dir, l->o.bpf_dir ? " or " : "",
			l->o.bpf_dir ? l->o.bpf_dir : "");
}

/*
 * The most telling line of what libbpf said while loading: its verdict on a program
 * ("prog 'x': BPF program load failed: ...") or else its last complaint.
 */
static void quote_libbpf(struct strbuf *captured, char *out, size_t out_len)
{
	const char *s = strbuf_str(captured), *best = NULL, *last = NULL, *p, *nl;

	out[0] = '\0';
	for (p = s; *p; p = nl ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (!best && !strncmp(p, "prog '", 6) && memmem(p, len, "failed", 6))
			best = p;
		if (memmem(p, len, "failed", 6) || memmem(p, len, "error", 5))
			last = p;
	}
	if (!best)
		best = last;
	if (!best)
		return;
	nl = strchr(best, '\n');
	snprintf(out, out_len, "%.*s", (int)(nl ? nl - best : (long)strlen(best)), best);
}

/* Which program did libbpf fail on? The first one without an fd, else NULL. */
static struct bpf_program *failed_prog(struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
		if (bpf_program__autoload(prog) && bpf_program__fd(prog) < 0)
			return prog;
	return NULL;
}

/* What to tell a person about a program that failed to load, beyond the errno. */
static const char *load_hint(const struct bpf_program *prog)
{
	const char *sec = prog ? bpf_program__section_name(prog) : "";

	if (!strncmp(sec, "fentry", 6) || !strncmp(sec, "fexit", 5) || !strncmp(sec, "fmod_ret", 8))
		return " (fentry/fexit programs need a kernel with ftrace, CONFIG_FUNCTION_TRACER; "
		       "use a tracepoint, tp_btf or raw_tp program on this kernel)";
	return "";
}

static int open_and_load(struct loader *l, struct loaded *ld, bool pin, struct diag *d)
{
	LIBBPF_OPTS(bpf_object_open_opts, oopts, .btf_custom_path = l->o.btf_path);
	struct config *c = ld->cfg;
	struct strbuf captured = { 0 };
	char quote[512];
	int err;

	err = find_object(l, ld, d);
	if (err)
		return err;
	err = manifest_sha256_file(ld->obj_path, ld->sha256, d);
	if (err)
		return err;
	log_capture_libbpf(&captured);
	ld->obj = bpf_object__open_file(ld->obj_path, &oopts);
	log_capture_libbpf(NULL);
	if (!ld->obj) {
		err = -errno;
		quote_libbpf(&captured, quote, sizeof(quote));
		strbuf_release(&captured);
		return diag_err(d, err, NULL, "config \"%s\": open %s: %s%s%s", c->name,
				ld->obj_path, strerror(-err), quote[0] ? ": libbpf: " : "", quote);
	}
	err = btfcheck_config(c, ld->obj, d);
	if (!err)
		err = attach_set_kaddrs(ld->obj, c, NULL, d);
	if (!err && attach_needs_tracefs(ld->obj))
		err = pins_ensure_tracefs(d);
	if (!err && pin) {
		err = pins_config_dir(&ld->pin_dir, l->o.bpffs_root, c->name);
		if (!err)
			err = pins_prepare_maps(ld->obj, c, ld->pin_dir, &l->acc, d);
	}
	if (err) {
		strbuf_release(&captured);
		return err;
	}
	strbuf_reset(&captured);
	log_capture_libbpf(&captured);
	err = bpf_object__load(ld->obj);
	log_capture_libbpf(NULL);
	if (err) {
		struct bpf_program *prog = failed_prog(ld->obj);
		const char *pname = prog ? bpf_program__name(prog) : "";

		quote_libbpf(&captured, quote, sizeof(quote));
		strbuf_release(&captured);
		return diag_err(d, err, NULL,
				"config \"%s\": load %s%s%s%s: %s%s%s%s", c->name, ld->obj_path,
				prog ? ": program \"" : "", pname, prog ? "\"" : "",
				strerror(-err), load_hint(prog), quote[0] ? "; libbpf: " : "", quote);
	}
	strbuf_release(&captured);
	if (pin)
		err = pins_finish(ld->obj, ld->pin_dir, &l->acc, d);
	return err;
}

static int attach_all(struct loader *l, struct loaded *ld, struct diag *d)
{
	struct bpf_program *prog;
	size_t n = 0;
	int failed = 0;

	bpf_object__for_each_program(prog, ld->obj)
		n++;
	ld->progs = calloc(n ? n : 1, sizeof(*ld->progs));
	if (!ld->progs)
		return -ENOMEM;
	bpf_object__for_each_program(prog, ld->obj) {
		struct attach_prog *ap = &ld->progs[ld->n_progs++];
		struct strbuf captured = { 0 };
		size_t before = d->n_msgs;
		int err;

		/* libbpf's own lines add nothing to our message (shown with --debug) */
		log_capture_libbpf(&captured);
		err = attach_program(ap, prog, d);
		log_capture_libbpf(NULL);
		strbuf_release(&captured);
		if (err) {
			failed++;
			diag_prefix(d, "config \"%s\"", ld->cfg->name);
			if (!l->o.strict && d->n_msgs > before) {
				/* not fatal: report it as a warning and keep the rest running */
				struct diag_msg *m = &d->msgs[d->n_msgs - 1];

				if (!m->is_warning) {
					m->is_warning = 1;
					d->n_errors--;
				}
			}
		}
	}
	return failed && l->o.strict ? -EINVAL : 0;
}

static int prog_info(struct bpf_program *prog, uint32_t *id, char tag[17])
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	int fd = bpf_program__fd(prog);

	tag[0] = '\0';
	*id = 0;
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*id = info.id;
	for (int i = 0; i < 8; i++)
		snprintf(tag + 2 * i, 3, "%02x", info.tag[i]);
	return 0;
}

static int write_manifest(struct loader *l, struct loaded *ld, struct diag *d)
{
	struct manifest m = {
		.schema = MANIFEST_SCHEMA, .config = ld->cfg, .object_path = ld->obj_path,
		.loaded_at = (int64_t)time(NULL), .loader_pid = (uint32_t)getpid(),
	};
	char path[PATH_MAX];
	int err = 0;

	memcpy(m.sha256, ld->sha256, sizeof(m.sha256));
	m.maps = calloc(ld->cfg->n_metrics ? ld->cfg->n_metrics : 1, sizeof(*m.maps));
	m.progs = calloc(ld->n_progs ? ld->n_progs : 1, sizeof(*m.progs));
	if (!m.maps || !m.progs) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < ld->cfg->n_metrics; i++) {
		const struct config_metric *cm = &ld->cfg->metrics[i];
		struct bpf_map *map = bpf_object__find_map_by_name(ld->obj, cm->name);
		struct manifest_map *mm = &m.maps[m.n_maps];
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);

		if (!map || cm->perf_event_array)
			continue;
		mm->metric = cm->name;
		mm->pin_path = (char *)bpf_map__pin_path(map);
		mm->type = bpf_map__type(map);
		mm->key_size = bpf_map__key_size(map);
		mm->value_size = bpf_map__value_size(map);
		mm->max_entries = bpf_map__max_entries(map);
		if (!bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &len))
			mm->id = info.id;
		m.n_maps++;
	}
	for (size_t i = 0; i < ld->n_progs; i++) {
		struct attach_prog *ap = &ld->progs[i];
		struct manifest_prog *mp = &m.progs[m.n_progs++];
		char *pp = NULL;

		mp->name = (char *)bpf_program__name(ap->prog);
		mp->section = (char *)bpf_program__section_name(ap->prog);
		if (asprintf(&pp, "%s/prog_%s", ld->pin_dir, mp->name) < 0) {
			err = -ENOMEM;
			goto out;
		}
		mp->pin_path = pp;
		prog_info(ap->prog, &mp->id, mp->tag);
		mp->attached = ap->n_links > 0;
		mp->attach_error = ap->error;
	}
	snprintf(path, sizeof(path), "%s/%s.json", l->o.state_dir, ld->cfg->name);
	ld->manifest_path = strdup(path);
	err = manifest_write(&m, path, l->acc.mode, d);
	/* the group that may read pins may read manifests: the reader needs both */
	if (!err && l->acc.gid != (gid_t)-1 && chown(path, (uid_t)-1, l->acc.gid))
		err = diag_err(d, errno, NULL, "chown %s to group %u: %s", path,
			       (unsigned)l->acc.gid, strerror(errno));
out:
	for (size_t i = 0; i < m.n_progs; i++)
		free(m.progs[i].pin_path);
	free(m.maps);
	free(m.progs);
	return err;
}

static void loaded_release(struct loaded *ld, bool unpin)
{
	struct diag d = { 0 };

	for (size_t i = 0; i < ld->n_progs; i++)
		attach_prog_release(&ld->progs[i]);
	free(ld->progs);
	bpf_object__close(ld->obj);
	if (ld->pin_dir) {
		pins_remove_progs(ld->pin_dir, &d);
		if (unpin)
			pins_remove_all(ld->pin_dir, &d);
	}
	if (unpin && ld->manifest_path)
		unlink(ld->manifest_path);
	for (size_t i = 0; i < d.n_msgs; i++)
		log_msg(LOG_WARN, "%s", d.msgs[i].text);
	diag_release(&d);
	free(ld->obj_path);
	free(ld->pin_dir);
	free(ld->manifest_path);
	config_free(ld->cfg);
	*ld = (struct loaded){ 0 };
}

static void print_diag(struct diag *d)
{
	for (size_t i = 0; i < d->n_msgs; i++)
		log_msg(d->msgs[i].is_warning ? LOG_WARN : LOG_ERROR, "%s", d->msgs[i].text);
	diag_clear(d);
}

static int take_lock(struct loader *l, struct diag *d)
{
	char path[PATH_MAX];

	if (mkdir(l->o.state_dir, 0755) && errno != EEXIST)
		return diag_err(d, errno, NULL, "create state dir %s: %s", l->o.state_dir,
				strerror(errno));
	snprintf(path, sizeof(path), "%s/loader.lock", l->o.state_dir);
	l->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (l->lock_fd < 0)
		return diag_err(d, errno, NULL, "open %s: %s", path, strerror(errno));
	if (flock(l->lock_fd, LOCK_EX | LOCK_NB))
		return diag_err(d, errno, NULL,
				"%s is locked: another ebpfexp-load runs with this state dir",
				path);
	return 0;
}

static int resolve_group(struct loader *l, struct diag *d)
{
	struct group *g;

	l->acc = (struct pins_access){ .gid = (gid_t)-1, .mode = 0600 };
	if (!l->o.bpffs_group)
		return 0;
	g = getgrnam(l->o.bpffs_group);
	if (!g)
		return diag_err(d, ENOENT, NULL, "--bpffs.group: no group \"%s\"",
				l->o.bpffs_group);
	l->acc = (struct pins_access){ .gid = g->gr_gid, .mode = 0640 };
	return 0;
}

/* Wait for SIGTERM or SIGINT (SIGHUP is logged; reloading comes with the daemon work). */
static int serve(struct loader *l)
{
	sigset_t set;
	int sfd;

	(void)l;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return -errno;
	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n = read(sfd, &si, sizeof(si));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(si))
			break;
		if (si.ssi_signo == SIGHUP) {
			log_msg(LOG_WARN, "SIGHUP: reloading is not supported yet; restart to "
					  "apply changed configs (counters survive restarts)");
			continue;
		}
		log_msg(LOG_INFO, "%s: detaching", strsignal((int)si.ssi_signo));
		break;
	}
	close(sfd);
	return 0;
}

enum {
	OPT_CONFIG_DIR = 256, OPT_CONFIG_NAMES, OPT_BPF_DIR, OPT_BPFFS_ROOT, OPT_BPFFS_GROUP,
	OPT_STATE_DIR, OPT_BTF_PATH, OPT_CHECK, OPT_STRICT, OPT_UNPIN, OPT_DEBUG,
	OPT_NO_TIMESTAMPS, OPT_VERSION,
};

static int parse_args(struct loader_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config.dir", required_argument, NULL, OPT_CONFIG_DIR },
		{ "config.names", required_argument, NULL, OPT_CONFIG_NAMES },
		{ "bpf.dir", required_argument, NULL, OPT_BPF_DIR },
		{ "bpffs.root", required_argument, NULL, OPT_BPFFS_ROOT },
		{ "bpffs.group", required_argument, NULL, OPT_BPFFS_GROUP },
		{ "state.dir", required_argument, NULL, OPT_STATE_DIR },
		{ "btf.path", required_argument, NULL, OPT_BTF_PATH },
		{ "config.check", no_argument, NULL, OPT_CHECK },
		{ "config.strict", no_argument, NULL, OPT_STRICT },
		{ "unpin", no_argument, NULL, OPT_UNPIN },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "log.no-timestamps", no_argument, NULL, OPT_NO_TIMESTAMPS },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	o->timestamps = true;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_CONFIG_DIR: free(o->config_dir); o->config_dir = strdup(optarg); break;
		case OPT_CONFIG_NAMES: o->config_names = optarg; break;
		case OPT_BPF_DIR: free(o->bpf_dir); o->bpf_dir = strdup(optarg); break;
		case OPT_BPFFS_ROOT: o->bpffs_root = optarg; break;
		case OPT_BPFFS_GROUP: o->bpffs_group = optarg; break;
		case OPT_STATE_DIR: o->state_dir = optarg; break;
		case OPT_BTF_PATH: o->btf_path = optarg; break;
		case OPT_CHECK: o->check = true; break;
		case OPT_STRICT: o->strict = true; break;
		case OPT_UNPIN: o->unpin = true; break;
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
		o->bpffs_root = DEFAULT_BPFFS_ROOT;
	if (!o->state_dir)
		o->state_dir = DEFAULT_STATE_DIR;
	source_tree_defaults(o);
	if (!o->config_dir)
		o->config_dir = strdup(DEFAULT_CONFIG_DIR);
	return 0;
}

int main(int argc, char **argv)
{
	struct loader l = { .lock_fd = -1 };
	struct diag d = { 0 };
	char **names = NULL;
	size_t n_names = 0, n_up = 0;
	int err, rc = 0;
	sigset_t set;

	if (parse_args(&l.o, argc, argv))
		return 2;
	log_setup("ebpfexp-load", l.o.debug ? LOG_DEBUG : LOG_INFO, l.o.timestamps);
	log_hook_libbpf();
	/* signals arrive through a signalfd; block them before anything can be interrupted */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);

	err = resolve_group(&l, &d);
	if (!err)
		err = attach_register_handlers(&d);
	if (!err)
		err = list_names(&l.o, &names, &n_names, &d);
	if (!err && !n_names)
		err = diag_err(&d, ENOENT, NULL, "no configs (*.yaml) in %s", l.o.config_dir);
	if (!err && parse_configs(&l, names, n_names, &d))
		rc = 1;
	if (err || (l.o.check && rc)) {
		print_diag(&d);
		rc = 2;
		goto out;
	}
	if (!l.o.check) {
		err = pins_ensure_root(l.o.bpffs_root, &l.acc, &d);
		if (!err)
			err = take_lock(&l, &d);
		if (err) {
			print_diag(&d);
			rc = 2;
			goto out;
		}
	}
	for (size_t i = 0; i < l.n; i++) {
		struct loaded *ld = &l.cfgs[i];

		err = open_and_load(&l, ld, !l.o.check, &d);
		if (!err)
			err = attach_all(&l, ld, &d);
		if (!err && !l.o.check)
			err = write_manifest(&l, ld, &d);
		if (err) {
			rc = 1;
			print_diag(&d);
			/* a config that failed is released; the others keep running */
			loaded_release(ld, false);
			continue;
		}
		print_diag(&d);
		n_up++;
		if (!l.o.check)
			log_msg(LOG_INFO, "config \"%s\": loaded %s, %zu program(s), pins in %s",
				ld->cfg->name, ld->obj_path, ld->n_progs, ld->pin_dir);
	}
	post_attach_mark();
	if (l.o.check) {
		log_msg(LOG_INFO, "%zu config(s) checked: %s", n_names,
			rc ? "some failed" : "all good");
		rc = rc ? 2 : 0;
		goto out;
	}
	if (!n_up) {
		log_msg(LOG_ERROR, "no config could be loaded");
		rc = 2;
		goto out;
	}
	serve(&l);
	rc = rc ? 1 : 0;
out:
	for (size_t i = 0; i < l.n; i++)
		if (l.cfgs[i].cfg)
			loaded_release(&l.cfgs[i], l.o.unpin);
	if (l.o.unpin && l.n)
		rmdir(l.o.bpffs_root);
	free(l.cfgs);
	free_names(names, n_names);
	if (l.lock_fd >= 0)
		close(l.lock_fd);
	free(l.o.config_dir);
	free(l.o.bpf_dir);
	diag_release(&d);
	return rc;
}
