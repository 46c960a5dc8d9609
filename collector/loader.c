/*
 * loader: configs up and running, and their lifecycle (list, parse and check, load, attach,
 * manifest, failure marks; replace, remove). Attaching by section is attach's, bpffs layout
 * pins', the manifest format manifest's, regexps regex's; the jobs that run beside the
 * configs are modules of their own, which this file starts and feeds from its epoll:
 * perf_event_array counts (perfcount), cgroup_id_maps and the cgroup record (cgidmap,
 * cgupkeep), the kallsyms snapshot and index (ksymkeep). Signals, flags and the main loop
 * are load_main's.
 *
 * Replacing a changed config: the new version is loaded (maps pinned, so the pins it shares
 * with the old one are reused and counting goes on), then the old links are destroyed and
 * the new programs attached, so an event is never counted twice. If the new version fails
 * at any step, the old one is attached again and its pins restored.
 */
#include "loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "attach.h"
#include "btfcheck.h"
#include "cgidmap.h"
#include "cgrecord.h"
#include "cgupkeep.h"
#include "config.h"
#include "ksymkeep.h"
#include "ksymsnap.h"
#include "log.h"
#include "manifest.h"
#include "perfcount.h"
#include "promname.h"
#include "regex.h"
#include "statedir.h"
#include "strbuf.h"

#define POST_ATTACH_SUFFIX ":post_attach_mark"

enum source_kind { SRC_PERF, SRC_FLUSH, SRC_CGROUPS };

/* What an epoll event stands for. */
struct source {
	enum source_kind kind;
	void *owner;
};

/* A perf_event_array metric's counter, and what its epoll events stand for. */
struct perf_slot {
	struct perfcount *pc;
	struct source ring_src;	 /* every ring of it */
	struct source timer_src; /* its flush timer */
};

/* One config up and running. */
struct loaded {
	struct config *cfg;
	char yaml_sha256[65];
	char *obj_path;
	char sha256[65];
	struct bpf_object *obj;
	size_t n_progs;
	struct attach_prog *progs;
	char *pin_dir;
	char *manifest_path;
	size_t n_perf;
	struct perf_slot *perf; /* never reallocated: the epoll points into it */
	struct cgidmap *cg;
};

struct loader {
	struct loader_opts o;
	size_t n;
	struct loaded **cfgs;
	int epfd;
	struct cgupkeep *cgk; /* cgroup_id_maps and the cgroup record */
	struct source cgk_src;
	struct ksymkeep ksym; /* the symbol snapshot and index */
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int push_name(char ***names, size_t *n, char *name)
{
	char **nn = realloc(*names, (*n + 1) * sizeof(*nn));

	if (!nn || !name) {
		free(name);
		if (nn)
			*names = nn;
		return -ENOMEM;
	}
	*names = nn;
	nn[(*n)++] = name;
	return 0;
}

/* The config names: --config.names split on ',' [compat], or every *.yaml in the dir. */
static int list_names(const struct loader_opts *o, char ***out, size_t *n_out, struct diag *d)
{
	char **names = NULL;
	size_t n = 0;
	int err = 0;

	if (o->config_names) {
		const char *p = o->config_names;

		for (;;) {
			const char *comma = strchr(p, ',');

			err = push_name(&names, &n,
					comma ? strndup(p, (size_t)(comma - p)) : strdup(p));
			if (err || !comma)
				break;
			p = comma + 1;
		}
	} else {
		DIR *dp = opendir(o->config_dir);
		struct dirent *de;

		if (!dp)
			return diag_err(d, errno, NULL, "config dir %s: %s", o->config_dir,
					strerror(errno));
		while (!err && (de = readdir(dp))) {
			size_t len = strlen(de->d_name);

			if (len <= 5 || strcmp(de->d_name + len - 5, ".yaml") ||
			    de->d_name[0] == '.')
				continue;
			err = push_name(&names, &n, strndup(de->d_name, len - 5));
		}
		closedir(dp);
		if (n)
			qsort(names, n, sizeof(*names), cmp_str);
	}
	if (err) {
		free_names(names, n);
		return err;
	}
	*out = names;
	*n_out = n;
	return 0;
}

/*
 * What the parser leaves to the loader's checks: every regexp (a regexp decoder's, the
 * cgroup_id_map's) compiles with RE2's syntax. Decoder names, a label without decoders
 * and a regexp decoder without regexps are the parser's (config.c). Every problem is
 * reported, in the words of the reader's decode_check_label().
 */
static int check_regexps(const struct config *c, struct diag *d)
{
	const struct config_cgroup_id_map *cg = &c->cgroup_id_map;
	size_t from = d->n_msgs;
	int err = 0, e;

	for (size_t m = 0; m < c->n_metrics; m++) {
		for (size_t k = 0; k < c->metrics[m].n_labels; k++) {
			const struct config_label *label = &c->metrics[m].labels[k];
			size_t first = d->n_msgs;

			for (size_t i = 0; i < label->n_decoders; i++) {
				const struct config_decoder *dec = &label->decoders[i];

				if (!dec->has_regexps)
					continue;
				from = d->n_msgs;
				e = regex_check(dec->regexps, dec->n_regexps, &dec->at, d);
				if (e)
					diag_prefix_from(d, from, "decoder \"%s\"", dec->name);
				if (e && !err)
					err = e;
			}
			if (d->n_msgs > first)
				diag_prefix_from(d, first, "label \"%s\"", label->name);
		}
	}
	if (cg->name) {
		from = d->n_msgs;
		e = regex_check(cg->regexps, cg->n_regexps, &cg->at, d);
		if (e)
			diag_prefix_from(d, from, "cgroup_id_map");
		if (e && !err)
			err = e;
	}
	return err;
}

/* Parse config @name, check its regexps, and hash its YAML. */
static int parse_one(struct loader *l, const char *name, struct config **out, char sha[65],
		     struct diag *d)
{
	struct config *c = NULL;
	char *path, why[160];
	int err;

	*out = NULL;
	if (!name[0])
		return diag_err(d, EINVAL, NULL, "--config.names: empty config name");
	if (promname_check_config(name, why, sizeof(why)))
		return diag_err(d, EINVAL, NULL, "config \"%s\": %s (rename %s/%s.yaml)", name, why,
				l->o.config_dir, name);
	if (asprintf(&path, "%s/%s.yaml", l->o.config_dir, name) < 0)
		return -ENOMEM;
	err = manifest_sha256_file(path, sha, d);
	if (!err)
		err = config_parse_file(&c, path, name, d);
	free(path);
	if (!err && check_regexps(c, d))
		err = -EINVAL;
	if (err) {
		config_free(c);
		return err;
	}
	*out = c;
	return 0;
}

static int find_object(struct loader *l, struct loaded *ld, struct diag *d)
{
	const char *dirs[] = {l->o.config_dir, l->o.bpf_dir};

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

/* Functions a C compiler may leave as a call that only libc has, never BPF. */
static const char *const libc_builtins[] = {"memcmp", "memcpy", "memmove", "memset",
					    "strlen", "strcmp", "strncmp", "bcmp"};

/*
 * bpf_object__open_file() failed with @err: say which of libbpf's steps failed, from what
 * libbpf said. The file was read just before (for its sha256), so @err is libbpf's, not
 * the open's: "open FILE" is said only when the file cannot be opened now.
 */
static int open_failed(struct diag *d, const char *cfg, const char *path, int err,
		       struct strbuf *captured)
{
	static const struct {
		const char *word, *step, *hint;
	} steps[] = {
		{"elf", "reading its ELF", " (is it a BPF object, built with clang -target bpf?)"},
		{"btf", "reading its BTF", " (build it with clang -g)"},
		{"reloc", "relocating its programs", ""},
		{"map", "reading its map definitions", ""},
		{"prog", "reading its programs", ""},
	};
	const char *s = strbuf_str(captured), *ext = strstr(s, "extern '"), *step = "opening it";
	const char *hint = "";
	char quote[512], lower[512], name[64];
	size_t n;
	int saved;

	if (access(path, R_OK)) {
		saved = errno;
		return diag_err(d, saved, NULL, "config \"%s\": open %s: %s", cfg, path,
				strerror(saved));
	}
	quote_libbpf(captured, quote, sizeof(quote));
	if (ext && sscanf(ext, "extern '%63[^']'", name) == 1) {
		bool libc = false;

		for (size_t i = 0; i < sizeof(libc_builtins) / sizeof(libc_builtins[0]); i++)
			libc = libc || !strcmp(name, libc_builtins[i]);
		if (libc)
			return diag_err(
				d, err, NULL,
				"config \"%s\": object %s: extern \"%s\" "
				"is not resolved: libbpf: %s (BPF has no libc: the compiler "
				"left a call to %s; rebuild the object with a clang that "
				"inlines it, or avoid the call)",
				cfg, path, name, quote, name);
		return diag_err(d, err, NULL,
				"config \"%s\": object %s: extern \"%s\" is not "
				"resolved: libbpf: %s (no kernel symbol, kfunc or Kconfig value "
				"of that name: declare it __weak if it is optional)",
				cfg, path, name, quote);
	}
	for (n = 0; quote[n] && n < sizeof(lower) - 1; n++)
		lower[n] = (char)tolower((unsigned char)quote[n]);
	lower[n] = '\0';
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]) && quote[0]; i++) {
		if (strstr(lower, steps[i].word)) {
			step = steps[i].step;
			hint = steps[i].hint;
			break;
		}
	}
	return diag_err(d, err, NULL, "config \"%s\": object %s: libbpf failed %s: %s%s%s%s", cfg,
			path, step, strerror(-err), quote[0] ? "; libbpf: " : "", quote, hint);
}

static int open_and_load(struct loader *l, struct loaded *ld, struct diag *d)
{
	LIBBPF_OPTS(bpf_object_open_opts, oopts, .btf_custom_path = l->o.btf_path);
	struct config *c = ld->cfg;
	struct strbuf captured = {0};
	bool pin = !l->o.check;
	char quote[512];
	int err;

	if (l->o.btf_path && access(l->o.btf_path, R_OK))
		return diag_err(d, errno, NULL, "config \"%s\": --btf.path %s: %s", c->name,
				l->o.btf_path, strerror(errno));
	err = find_object(l, ld, d);
	if (!err)
		err = manifest_sha256_file(ld->obj_path, ld->sha256, d);
	if (err)
		return err;
	log_capture_libbpf(&captured);
	ld->obj = bpf_object__open_file(ld->obj_path, &oopts);
	log_capture_libbpf(NULL);
	if (!ld->obj) {
		err = open_failed(d, c->name, ld->obj_path, -errno, &captured);
		strbuf_release(&captured);
		return err;
	}
	err = btfcheck_config(c, ld->obj, d);
	if (!err)
		err = attach_set_kaddrs(ld->obj, c, NULL, d);
	if (!err && attach_needs_tracefs(ld->obj))
		err = pins_ensure_tracefs(d);
	if (!err && pin) {
		err = pins_config_dir(&ld->pin_dir, l->o.bpffs_root, c->name);
		if (!err)
			err = pins_prepare_maps(ld->obj, c, ld->pin_dir, &l->o.acc, d);
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
		return diag_err(d, err, NULL, "config \"%s\": load %s%s%s%s: %s%s%s%s", c->name,
				ld->obj_path, prog ? ": program \"" : "", pname, prog ? "\"" : "",
				strerror(-err), load_hint(prog), quote[0] ? "; libbpf: " : "",
				quote);
	}
	strbuf_release(&captured);
	return 0;
}

static void detach_all(struct loaded *ld)
{
	for (size_t i = 0; i < ld->n_progs; i++)
		attach_prog_release(&ld->progs[i]);
	free(ld->progs);
	ld->progs = NULL;
	ld->n_progs = 0;
}

/* Attach every program; failures are warnings unless @strict. */
static int attach_all(struct loaded *ld, bool strict, struct diag *d)
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
		struct strbuf captured = {0};
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
			if (!strict && d->n_msgs > before) {
				/* not fatal: report it as a warning and keep the rest running */
				struct diag_msg *m = &d->msgs[d->n_msgs - 1];

				if (!m->is_warning) {
					m->is_warning = 1;
					d->n_errors--;
				}
			}
		}
	}
	if (failed && strict)
		return diag_err(d, EINVAL, NULL,
				"config \"%s\": %d program(s) not attached (--config.strict)",
				ld->cfg->name, failed);
	return 0;
}

static bool has_post_attach(const struct loaded *ld)
{
	for (size_t i = 0; i < ld->n_progs; i++) {
		const char *sec = bpf_program__section_name(ld->progs[i].prog);
		size_t len = strlen(sec), sl = strlen(POST_ATTACH_SUFFIX);

		if (ld->progs[i].n_links && len > sl && !strcmp(sec + len - sl, POST_ATTACH_SUFFIX))
			return true;
	}
	return false;
}

/* ---- perf_event_array counters and cgroup_id_map (perfcount, cgidmap, cgupkeep) ---- */

static int perf_setup(struct loader *l, struct loaded *ld, struct diag *d)
{
	size_t n = 0;
	int err = 0;

	for (size_t i = 0; i < ld->cfg->n_metrics; i++)
		n += ld->cfg->metrics[i].perf_event_array;
	if (!n || l->o.check)
		return 0;
	ld->perf = calloc(n, sizeof(*ld->perf));
	if (!ld->perf)
		return -ENOMEM;
	for (size_t i = 0; i < ld->cfg->n_metrics && !err; i++) {
		const struct config_metric *cm = &ld->cfg->metrics[i];
		struct perf_slot *ps = &ld->perf[ld->n_perf];
		struct perfcount_opts po;

		if (!cm->perf_event_array)
			continue;
		ps->ring_src = (struct source){SRC_PERF, ps};
		ps->timer_src = (struct source){SRC_FLUSH, ps};
		po = (struct perfcount_opts){
			.cfg = ld->cfg,
			.cm = cm,
			.pin_dir = ld->pin_dir,
			.acc = &l->o.acc,
			.event_map_fd =
				bpf_map__fd(bpf_object__find_map_by_name(ld->obj, cm->name)),
			.pages = l->o.perf_pages,
			.epfd = l->epfd,
			.ring_tag = &ps->ring_src,
			.timer_tag = &ps->timer_src,
		};
		err = perfcount_open(&ps->pc, &po, d);
		if (ps->pc)
			ld->n_perf++;
	}
	return err;
}

static int cgmap_setup(struct loader *l, struct loaded *ld, struct diag *d)
{
	const struct config_cgroup_id_map *cc = &ld->cfg->cgroup_id_map;
	struct bpf_map *map;
	int err;

	if (!cc->name || l->o.check)
		return 0;
	map = bpf_object__find_map_by_name(ld->obj, cc->name);
	if (!map) /* btfcheck reported it */
		return -ENOENT;
	err = cgupkeep_watch(l->cgk, d);
	if (err) {
		diag_prefix(d, "config \"%s\": cgroup_id_map", ld->cfg->name);
		return err;
	}
	err = cgidmap_new(&ld->cg, ld->cfg, bpf_map__fd(map), d);
	if (err) {
		diag_prefix(d, "config \"%s\": cgroup_id_map", ld->cfg->name);
		return err;
	}
	return cgupkeep_add_map(l->cgk, ld->cg, d);
}

/* ---- manifest ---- */

static int prog_info(struct bpf_program *prog, uint32_t *id, char tag[17])
{
	struct bpf_prog_info info = {0};
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

static void map_entry(struct manifest_map *mm, const char *metric, const char *pin, int fd)
{
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);

	mm->metric = (char *)metric;
	mm->pin_path = (char *)pin;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return;
	mm->type = info.type;
	mm->key_size = info.key_size;
	mm->value_size = info.value_size;
	mm->max_entries = info.max_entries;
	mm->id = info.id;
}

static const struct perfcount *find_perf(const struct loaded *ld, const char *metric)
{
	for (size_t i = 0; i < ld->n_perf; i++)
		if (!strcmp(perfcount_metric(ld->perf[i].pc)->name, metric))
			return ld->perf[i].pc;
	return NULL;
}

static int write_manifest(struct loader *l, struct loaded *ld, struct diag *d)
{
	struct manifest m = {
		.schema = MANIFEST_SCHEMA,
		.config = ld->cfg,
		.object_path = ld->obj_path,
		.loaded_at = (int64_t)time(NULL),
		.loader_pid = (uint32_t)getpid(),
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
		const struct perfcount *pc = find_perf(ld, cm->name);
		struct bpf_map *map = bpf_object__find_map_by_name(ld->obj, cm->name);

		if (pc) /* the loader's count map stands for the event array */
			map_entry(&m.maps[m.n_maps++], cm->name, perfcount_pin(pc),
				  perfcount_map_fd(pc));
		else if (map && !cm->perf_event_array)
			map_entry(&m.maps[m.n_maps++], cm->name, bpf_map__pin_path(map),
				  bpf_map__fd(map));
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
	err = statedir_config_path(path, sizeof(path), l->o.state_dir, ld->cfg->name,
				   STATEDIR_MANIFEST, d);
	if (err)
		goto out;
	free(ld->manifest_path);
	ld->manifest_path = strdup(path);
	if (!ld->manifest_path) {
		err = -ENOMEM;
		goto out;
	}
	err = manifest_write(&m, path, l->o.acc.mode, l->o.acc.gid, d);
out:
	for (size_t i = 0; i < m.n_progs; i++)
		free(m.progs[i].pin_path);
	free(m.maps);
	free(m.progs);
	if (err)
		diag_prefix(d, "config \"%s\": manifest", ld->cfg->name);
	return err;
}

/* Everything but metric maps (and their -lost companions) and programs is stale. */
static int remove_stale_pins(struct loaded *ld, struct diag *d)
{
	const char **keep = calloc(2 * ld->cfg->n_metrics + 1, sizeof(*keep));
	char **lost = calloc(ld->cfg->n_metrics + 1, sizeof(*lost));
	size_t n = 0, n_lost = 0;
	int err = -ENOMEM;

	if (keep && lost) {
		for (size_t i = 0; i < ld->cfg->n_metrics; i++) {
			keep[n++] = ld->cfg->metrics[i].name;
			if (ld->cfg->metrics[i].perf_event_array &&
			    asprintf(&lost[n_lost], "%s%s", ld->cfg->metrics[i].name,
				     PINS_PERF_LOST_SUFFIX) >= 0)
				keep[n++] = lost[n_lost++];
		}
		err = pins_remove_stale(ld->pin_dir, keep, n, d);
	}
	for (size_t i = 0; i < n_lost; i++)
		free(lost[i]);
	free(lost);
	free(keep);
	return err;
}

/* ---- one config ---- */

static void loaded_free(struct loader *l, struct loaded *ld)
{
	if (!ld)
		return;
	for (size_t i = 0; i < ld->n_perf; i++)
		perfcount_close(ld->perf[i].pc);
	free(ld->perf);
	if (ld->cg)
		cgupkeep_remove_map(l->cgk, ld->cg);
	cgidmap_free(ld->cg);
	detach_all(ld);
	bpf_object__close(ld->obj);
	free(ld->obj_path);
	free(ld->pin_dir);
	free(ld->manifest_path);
	config_free(ld->cfg);
	free(ld);
}

/* Take pins and manifest away; @maps_too: the map pins as well (unpin, removal). */
static void loaded_unpin(struct loaded *ld, bool maps_too, struct diag *d)
{
	if (ld->pin_dir) {
		if (maps_too)
			pins_remove_all(ld->pin_dir, d);
		else
			pins_remove_progs(ld->pin_dir, d);
	}
	if (maps_too && ld->manifest_path && unlink(ld->manifest_path) && errno != ENOENT)
		diag_warn(d, NULL, "remove %s: %s", ld->manifest_path, strerror(errno));
}

/*
 * Load @cfg (taken over) and, when @old is given, put it in @old's place. On success *@out
 * runs and @old is freed; on failure @old runs as before and @cfg is freed. A failure after
 * the swap (pins, manifest) leaves the new version running: *@out set and an error.
 */
static int load_config(struct loader *l, struct config *cfg, const char *yaml_sha,
		       struct loaded *old, struct loaded **out, struct diag *d)
{
	struct loaded *ld = calloc(1, sizeof(*ld));
	bool old_detached = false, swapped = false;
	int err;

	*out = NULL;
	if (!ld) {
		config_free(cfg);
		return -ENOMEM;
	}
	ld->cfg = cfg;
	memcpy(ld->yaml_sha256, yaml_sha, sizeof(ld->yaml_sha256));
	err = open_and_load(l, ld, d);
	if (!err && old) {
		detach_all(old); /* no event counted twice by old and new */
		old_detached = true;
	}
	if (!err)
		err = attach_all(ld, l->o.strict, d);
	if (!err)
		err = perf_setup(l, ld, d);
	if (!err)
		err = cgmap_setup(l, ld, d);
	if (!err && old) {
		loaded_free(l, old); /* its perf buffers drained into the shared counts */
		old = NULL;
		swapped = true;
	}
	if (!err && ld->pin_dir) {
		err = pins_remove_progs(ld->pin_dir, d);
		if (!err)
			err = pins_finish(ld->obj, ld->pin_dir, &l->o.acc, d);
		if (!err)
			err = remove_stale_pins(ld, d);
		if (!err)
			err = write_manifest(l, ld, d);
		if (err && swapped) {
			/* the previous version is gone: keep this one running, reported */
			*out = ld;
			return err;
		}
	}
	if (err && old) {
		struct diag quiet = {0};

		/* the previous version goes on: links, pins and manifest as they were */
		if (old_detached && attach_all(old, false, &quiet))
			diag_move(d, &quiet);
		diag_release(&quiet);
		pins_restore_maps(old->obj, d);
		for (size_t i = 0; i < old->n_perf; i++)
			pins_repin(perfcount_map_fd(old->perf[i].pc),
				   perfcount_pin(old->perf[i].pc), d);
		if (old->pin_dir)
			pins_finish(old->obj, old->pin_dir, &l->o.acc, d);
		diag_warn(d, NULL, "config \"%s\": keeps running its previous version",
			  old->cfg->name);
	}
	if (err) {
		loaded_free(l, ld);
		return err;
	}
	*out = ld;
	return 0;
}

static struct loaded **find_loaded(struct loader *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->cfgs[i]->cfg->name, name))
			return &l->cfgs[i];
	return NULL;
}

static int add_loaded(struct loader *l, struct loaded *ld)
{
	struct loaded **n = realloc(l->cfgs, (l->n + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	l->cfgs = n;
	l->cfgs[l->n++] = ld;
	return 0;
}

/* ---- the loader ---- */

int loader_new(struct loader **out, const struct loader_opts *o, struct diag *d)
{
	struct loader *l = calloc(1, sizeof(*l));
	int err;

	*out = NULL;
	if (!l)
		return -ENOMEM;
	l->o = *o;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		err = diag_err(d, errno, NULL, "epoll: %s", strerror(errno));
		free(l);
		return err;
	}
	ksymkeep_init(&l->ksym, o->state_dir, o->acc.mode, o->acc.gid);
	l->cgk_src = (struct source){SRC_CGROUPS, l};
	err = cgupkeep_new(&l->cgk,
			   &(struct cgupkeep_opts){.state_dir = o->state_dir,
						   .mode = o->acc.mode,
						   .gid = o->acc.gid,
						   .record_max = o->cgroups_record_max,
						   .record_max_age = o->cgroups_record_max_age,
						   .epfd = l->epfd,
						   .tag = &l->cgk_src});
	if (err) {
		close(l->epfd);
		free(l);
		return err;
	}
	*out = l;
	return 0;
}

/* A parsed set of configs: what is on disk now. */
struct parsed {
	size_t n;
	char **names;
	struct config **cfgs; /* NULL where parsing failed or the config was refused */
	char (*sha)[65];
	struct diag *clash; /* why config i was refused (it clashes); empty: it was not */
};

static void parsed_release(struct parsed *p)
{
	for (size_t i = 0; i < p->n; i++) {
		config_free(p->cfgs ? p->cfgs[i] : NULL);
		if (p->clash)
			diag_release(&p->clash[i]);
	}
	free(p->clash);
	free_names(p->names, p->n);
	free(p->cfgs);
	free(p->sha);
	*p = (struct parsed){0};
}

/*
 * Parse every config on disk. A config that fails to parse is reported and left NULL;
 * for the set check, the running version stands in for it. A config that defines a metric
 * that a config before it in name order defines too is refused (and left NULL with its
 * reason in p->clash): the later one fails, the others go on, at start as at a reload.
 */
static int parse_all(struct loader *l, struct parsed *p, struct diag *d)
{
	struct config **set;
	size_t n_set = 0;
	int err;

	err = list_names(&l->o, &p->names, &p->n, d);
	if (err)
		return err;
	if (!p->n)
		return diag_err(d, ENOENT, NULL, "no configs (*.yaml) in %s", l->o.config_dir);
	p->cfgs = calloc(p->n, sizeof(*p->cfgs));
	p->sha = calloc(p->n, sizeof(*p->sha));
	p->clash = calloc(p->n, sizeof(*p->clash));
	set = calloc(p->n, sizeof(*set));
	if (!p->cfgs || !p->sha || !p->clash || !set) {
		free(set);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->n; i++) {
		struct loaded **run = find_loaded(l, p->names[i]);
		struct config *c;

		if (parse_one(l, p->names[i], &p->cfgs[i], p->sha[i], d) && run)
			diag_warn(d, NULL, "config \"%s\": keeps running its previous version",
				  p->names[i]);
		c = p->cfgs[i] ? p->cfgs[i] : run ? (*run)->cfg : NULL;
		if (!c)
			continue;
		if (config_check_clash(c, set, n_set, &p->clash[i])) {
			config_free(p->cfgs[i]);
			p->cfgs[i] = NULL;
			continue;
		}
		set[n_set++] = c;
	}
	free(set);
	return 0;
}

static int remove_config(struct loader *l, size_t i, struct diag *d)
{
	struct loaded *ld = l->cfgs[i];

	l->cfgs[i] = l->cfgs[--l->n];
	loaded_unpin(ld, true, d);
	loaded_free(l, ld);
	return 0;
}

/*
 * A reader without CAP_SYSLOG sees /proc/kallsyms zeroed: when a config decodes with ksym or
 * kstack, keep a copy in the state dir and its binary index, readable like the manifests
 * (ksymkeep: refreshed at every start and reload, and when modules change).
 */
static void snapshot_kallsyms(struct loader *l, const struct parsed *p, struct diag *d)
{
	bool needed = false;

	if (l->o.check)
		return; /* check mode writes nothing */
	for (size_t i = 0; i < l->n && !needed; i++)
		needed = ksymsnap_needed(l->cfgs[i]->cfg);
	for (size_t i = 0; p && i < p->n && !needed; i++)
		needed = p->cfgs[i] && ksymsnap_needed(p->cfgs[i]);
	ksymkeep_refresh(&l->ksym, needed, d);
}

/*
 * When a config decodes cgroups, record every cgroup seen made in the state dir (cgrecord.h,
 * kept by cgupkeep), so that the reader names one removed before it ran.
 */
static void record_cgroups(struct loader *l, struct diag *d)
{
	bool needed = false;

	if (l->o.check)
		return;
	for (size_t i = 0; i < l->n && !needed; i++)
		needed = cgrecord_needed(l->cfgs[i]->cfg);
	if (needed)
		cgupkeep_record(l->cgk, d);
}

/*
 * A failure mark (statedir.h) says that the last load of config NAME failed, and why, so that the
 * reader can export it (a config that never loaded has no manifest to show up with).
 * Removed when the config loads, and for configs that are no longer listed.
 */
static void mark_failed(struct loader *l, const char *name, const struct diag *d, size_t from)
{
	struct strbuf why = {0};
	struct diag quiet = {0};
	char path[PATH_MAX];

	if (l->o.check ||
	    statedir_config_path(path, sizeof(path), l->o.state_dir, name, STATEDIR_FAILED, NULL))
		return;
	for (size_t i = from; d && i < d->n_msgs; i++)
		if (!d->msgs[i].is_warning)
			strbuf_addf(&why, "%s\n", d->msgs[i].text);
	if (!why.len)
		strbuf_addf(&why,
			    "config \"%s\" failed to load; see the loader's log or run "
			    "ebpfexp-load --config.check\n",
			    name);
	atomicfile_replace_group(AT_FDCWD, path, l->o.acc.mode, l->o.acc.gid, why.buf, why.len,
				 &quiet);
	if (quiet.n_msgs)
		log_msg(LOG_WARN, "%s", diag_last(&quiet));
	diag_release(&quiet);
	strbuf_release(&why);
}

static void mark_loaded(struct loader *l, const char *name)
{
	char path[PATH_MAX];

	if (l->o.check ||
	    statedir_config_path(path, sizeof(path), l->o.state_dir, name, STATEDIR_FAILED, NULL))
		return;
	if (unlink(path) && errno != ENOENT)
		log_msg(LOG_WARN, "remove %s: %s", path, strerror(errno));
}

static bool is_listed(const struct parsed *p, const char *name)
{
	for (size_t k = 0; k < p->n; k++)
		if (!strcmp(p->names[k], name))
			return true;
	return false;
}

/*
 * Forget the failure marks and manifests of configs that are no longer listed: a loader
 * started with fewer configs than the last one left would otherwise leave their manifests
 * to the reader, which would serve their frozen counters as running. Their pins stay, as
 * at every stop, for a config that comes back.
 */
static void unmark_unlisted(struct loader *l, const struct parsed *p)
{
	struct statedir_list sl;
	char path[PATH_MAX];

	if (l->o.check || statedir_list(&sl, l->o.state_dir, NULL))
		return;
	for (size_t i = 0; i < sl.n_failed; i++)
		if (!is_listed(p, sl.failed[i]) &&
		    !statedir_config_path(path, sizeof(path), l->o.state_dir, sl.failed[i],
					  STATEDIR_FAILED, NULL))
			unlink(path);
	for (size_t i = 0; i < sl.n_manifests; i++)
		if (!is_listed(p, sl.manifests[i]) &&
		    !statedir_config_path(path, sizeof(path), l->o.state_dir, sl.manifests[i],
					  STATEDIR_MANIFEST, NULL))
			unlink(path);
	statedir_list_release(&sl);
}

static int apply(struct loader *l, struct parsed *p, struct loader_stats *st, struct diag *d)
{
	*st = (struct loader_stats){0};
	/*
	 * A reader may run as soon as a manifest appears: the first start writes the symbols
	 * before any manifest, so that it never finds a manifest without them; written again
	 * below, with the programs this start loads.
	 */
	if (!ksymkeep_written(&l->ksym))
		snapshot_kallsyms(l, p, d);
	unmark_unlisted(l, p);
	/* configs gone from disk go first: their metric names may move to another config */
	for (size_t i = 0; i < l->n;) {
		bool listed = false;

		for (size_t k = 0; k < p->n && !listed; k++)
			listed = !strcmp(p->names[k], l->cfgs[i]->cfg->name);
		if (listed) {
			i++;
			continue;
		}
		st->n_removed++;
		remove_config(l, i, d);
	}
	for (size_t i = 0; i < p->n; i++) {
		struct loaded **run = find_loaded(l, p->names[i]), *ld = NULL;
		int err;

		size_t before = d->n_msgs;

		if (p->clash[i].n_errors) {
			/*
			 * Refused: a running version must stop too, or two configs would
			 * export one metric; what runs is what a fresh start would run.
			 */
			st->n_failed++;
			mark_failed(l, p->names[i], &p->clash[i], 0);
			diag_move(d, &p->clash[i]);
			if (run) {
				diag_warn(d, NULL,
					  "config \"%s\": stopped: a metric of it is now "
					  "defined by a config before it in name order",
					  p->names[i]);
				remove_config(l, (size_t)(run - l->cfgs), d);
			}
			continue;
		}
		if (!p->cfgs[i]) {
			st->n_failed++;
			mark_failed(l, p->names[i], NULL, 0);
			continue;
		}
		if (run && !strcmp((*run)->yaml_sha256, p->sha[i])) {
			char sha[65];
			struct diag quiet = {0};
			char *obj = NULL;
			bool same;

			/* the same YAML: unchanged unless the object changed */
			same = !manifest_sha256_file((*run)->obj_path, sha, &quiet) &&
			       !strcmp(sha, (*run)->sha256);
			if (same && l->o.config_dir &&
			    asprintf(&obj, "%s/%s.bpf.o", l->o.config_dir, p->names[i]) >= 0) {
				/* an object appearing in the config dir takes precedence */
				same = !strcmp(obj, (*run)->obj_path) || access(obj, F_OK);
				free(obj);
			}
			diag_release(&quiet);
			if (same) {
				st->n_unchanged++;
				mark_loaded(l, p->names[i]);
				continue;
			}
			log_debug("config \"%s\": object %s changed", p->names[i],
				  (*run)->obj_path);
		} else if (run) {
			log_debug("config \"%s\": YAML changed", p->names[i]);
		}
		err = load_config(l, p->cfgs[i], p->sha[i], run ? *run : NULL, &ld, d);
		p->cfgs[i] = NULL; /* taken over */
		if (err) {
			st->n_failed++;
			mark_failed(l, p->names[i], d, before);
		} else {
			mark_loaded(l, p->names[i]);
		}
		if (!ld)
			continue;
		if (run) {
			*run = ld;
			st->n_replaced += !err;
		} else if (add_loaded(l, ld)) {
			loaded_unpin(ld, true, d);
			loaded_free(l, ld);
			return -ENOMEM;
		} else {
			st->n_loaded++;
		}
		if (has_post_attach(ld))
			st->wants_post_attach = true;
	}
	snapshot_kallsyms(l, NULL, d);
	record_cgroups(l, d);
	st->n_up = l->n;
	return 0;
}

int loader_start(struct loader *l, struct loader_stats *st, struct diag *d)
{
	struct parsed p = {0};
	int err;

	*st = (struct loader_stats){0};
	err = parse_all(l, &p, d);
	if (!err)
		err = apply(l, &p, st, d);
	parsed_release(&p);
	return err;
}

int loader_reload(struct loader *l, struct loader_stats *st, struct diag *d)
{
	struct parsed p = {0};
	int err;

	*st = (struct loader_stats){.n_up = l->n};
	err = parse_all(l, &p, d);
	if (err)
		diag_warn(d, NULL, "reload: nothing changed; every config keeps running as it was");
	else
		err = apply(l, &p, st, d);
	parsed_release(&p);
	return err;
}

int loader_fd(const struct loader *l)
{
	return l->epfd;
}

static void report_runtime(struct loader *l, struct diag *d)
{
	for (size_t i = 0; i < l->n; i++) {
		struct loaded *ld = l->cfgs[i];

		for (size_t k = 0; k < ld->n_perf; k++)
			perfcount_report(ld->perf[k].pc, d);
		if (ld->cg)
			cgidmap_report(ld->cg, d);
	}
}

/* Count what every perf ring holds; a failure is reported with the counter's other errors. */
static void perf_consume_all(struct loader *l)
{
	for (size_t i = 0; i < l->n; i++)
		for (size_t k = 0; k < l->cfgs[i]->n_perf; k++)
			perfcount_consume(l->cfgs[i]->perf[k].pc);
}

/*
 * The loader's epoll fd is readable: handle timers and cgroup events, then drain every perf
 * ring, even when epoll_wait() names none of them (see perfcount_open).
 */
int loader_process(struct loader *l, struct diag *d)
{
	struct epoll_event evs[16];
	int n, err = 0;

	n = epoll_wait(l->epfd, evs, 16, 0);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct source *src = evs[i].data.ptr;
		struct perf_slot *ps = src->owner;

		switch (src->kind) {
		case SRC_PERF: break; /* perf_consume_all() below, whichever ring it was */
		case SRC_FLUSH: perfcount_flush(ps->pc, d); break;
		case SRC_CGROUPS: err = cgupkeep_process(l->cgk, d); break;
		}
	}
	perf_consume_all(l);
	report_runtime(l, d);
	ksymkeep_watch(&l->ksym);
	cgupkeep_flush(l->cgk, d);
	return err;
}

void loader_drain(struct loader *l)
{
	struct diag d = {0};

	cgupkeep_flush(l->cgk, &d);
	if (d.n_msgs)
		log_msg(LOG_WARN, "%s", diag_last(&d));
	diag_release(&d);
	perf_consume_all(l); /* errors: reported by the next loader_process() */
	for (size_t i = 0; i < l->n; i++)
		for (size_t k = 0; k < l->cfgs[i]->n_perf; k++)
			perfcount_flush_lost(l->cfgs[i]->perf[k].pc);
	ksymkeep_watch(&l->ksym);
}

char *loader_status(const struct loader *l)
{
	struct strbuf sb = {0};
	char *s;

	strbuf_addf(&sb, "%zu config(s)", l->n);
	for (size_t i = 0; i < l->n; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : ": ", l->cfgs[i]->cfg->name);
	s = strdup(strbuf_str(&sb));
	strbuf_release(&sb);
	return s;
}

void loader_free(struct loader *l, struct diag *d)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		loaded_unpin(l->cfgs[i], l->o.unpin, d);
		loaded_free(l, l->cfgs[i]);
	}
	if (l->o.unpin && l->n)
		rmdir(l->o.bpffs_root);
	free(l->cfgs);
	if (cgupkeep_recording(l->cgk) && l->o.unpin) {
		char path[PATH_MAX];

		if (!statedir_path(path, sizeof(path), l->o.state_dir, STATEDIR_CGRECORD) &&
		    unlink(path) && errno != ENOENT)
			diag_warn(d, NULL, "remove %s: %s", path, strerror(errno));
	}
	cgupkeep_free(l->cgk);
	close(l->epfd);
	free(l);
}
