/*
 * reader: one pass of ebpfexp-read, and the live view over the same reads. Per config:
 * statedir's manifest, the pins it names (none outside the bpffs root), metric's families,
 * then promtext's text into the config's own textfile (textfiles.h) or into the one output.
 * What the reader keeps between runs sits in the textfile dir, under its lock: the files it
 * wrote and the decoder error totals (readstate), the cgroups it resolved (readcgroups).
 * ebpfexp.prom's families are selfmetrics'.
 */
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
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
#include "live.h"
#include "loaderlock.h"
#include "log.h"
#include "manifest.h"
#include "metric.h"
#include "promtext.h"
#include "readcgroups.h"
#include "readstate.h"
#include "selfmetrics.h"
#include "statedir.h"
#include "strbuf.h"
#include "textfiles.h"
#include "view.h"

#define STATE_FILE TEXTFILES_STATE
#define CGROUPS_FILE TEXTFILES_CGROUPS
#define LOCK_FILE TEXTFILES_LOCK
#define SELF_FILE TEXTFILES_SELF

/* One config's outcome in this run. */
struct read_result {
	char *name;
	bool ok;
	struct metric_stats st;
	struct manifest *m; /* NULL when its manifest could not be read */
	bool bad_name;	    /* its manifest names no config: it has no series, no state */
};

struct reader {
	struct reader_opts o;
	char ksyms[PATH_MAX], ksymidx[PATH_MAX], cgrec[PATH_MAX]; /* in the state dir */
	struct decode_ctx *dctx;
	struct metric_reader *mr;
	int textfile_fd;
	int lock_fd; /* the textfile dir's lock, held while the reader lives */
	struct readstate state;
	double t0;	  /* monotonic start of this run, for its duration */
	int64_t now;	  /* unix time of this run, for remembered cgroups */
	bool has_cgroups; /* CGROUPS_FILE was there: write it even if empty now */
	bool live;	  /* reader_watch(): messages go with the frames */
	bool used;	  /* a reader does one job (its textfile dir is locked once) */
	size_t n_names;
	char **names; /* configs with a manifest, sorted */
	size_t n_results;
	struct read_result *results;
	size_t n_failed;
	char **failed; /* configs whose last load failed (a failure mark) */
	bool loader_up;
	bool no_state_dir; /* the state dir is missing (a boot before the loader's start) */
	char *key;	   /* the state dir's key in the state (textfiles_state_key()) */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int reader_format_parse(const char *word, enum reader_format *out)
{
	static const char *const names[] = {
		[READER_PROM] = "prom", [READER_JSON] = "json", [READER_TABLE] = "table"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(word, names[i])) {
			*out = (enum reader_format)i;
			return 0;
		}
	}
	return -EINVAL;
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

static bool load_failed(const struct reader *r, const char *name)
{
	for (size_t i = 0; i < r->n_failed; i++)
		if (!strcmp(r->failed[i], name))
			return true;
	return false;
}

/* What the last listing found, forgotten before the next. */
static void forget_names(struct reader *r)
{
	for (size_t i = 0; i < r->n_names; i++)
		free(r->names[i]);
	free(r->names);
	r->names = NULL;
	r->n_names = 0;
	for (size_t i = 0; i < r->n_failed; i++)
		free(r->failed[i]);
	free(r->failed);
	r->failed = NULL;
	r->n_failed = 0;
}

/*
 * The configs with a manifest (all of them: which to read is read_configs()'s choice), and
 * the selected ones whose last load failed.
 */
static int list_manifests(struct reader *r, struct diag *d)
{
	struct statedir_list l;
	struct diag quiet = {0};
	size_t n = 0;
	int err;

	forget_names(r);
	err = statedir_list(&l, r->o.state_dir, &quiet);
	/* no state dir: no loader since boot, which ebpfexp.prom must say (say_nothing_read) */
	if (err == -ENOENT && r->o.textfile_dir) {
		r->no_state_dir = true;
		err = 0;
	} else if (err) {
		diag_move(d, &quiet);
	}
	diag_release(&quiet);
	if (err)
		return err;
	for (size_t i = 0; i < l.n_failed; i++)
		if (name_selected(r->o.config_names, l.failed[i]))
			l.failed[n++] = l.failed[i];
		else
			free(l.failed[i]);
	r->names = l.manifests;
	r->n_names = l.n_manifests;
	r->failed = l.failed;
	r->n_failed = n;
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

static int render(enum reader_format fmt, struct strbuf *out, struct family_set *fs)
{
	family_set_sort(fs);
	switch (fmt) {
	case READER_JSON: return view_json(out, fs);
	case READER_TABLE: return view_table(out, fs);
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
	struct chunk_writer w = {.d = d};
	struct promtext_sink sink = {
		.out = text, .flush_at = WRITE_CHUNK, .flush = chunk_flush, .arg = &w};
	int err;

	family_set_sort(fs);
	strbuf_reset(text);
	err = atomicfile_open(&w.f, r->textfile_fd, name, 0644, d);
	if (!err)
		atomicfile_no_sync(w.f); /* written again next run */
	if (!err)
		err = promtext_render_sink(&sink, fs);
	if (!err && text->len)
		err = atomicfile_write(w.f, text->buf, text->len, d);
	if (!err) {
		err = atomicfile_commit(w.f, d);
		w.f = NULL; /* commit frees it either way */
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
		snprintf(buf, len,
			 "it is readable by group \"%s\": add this user to it, or run "
			 "as root",
			 g->gr_name);
	else
		snprintf(buf, len,
			 "only root may read it: run as root, or start ebpfexp-load "
			 "with --bpffs.group=GROUP and add this user to GROUP");
	return buf;
}

/* Read one config into @fs. */
static int read_config(struct reader *r, struct read_result *res, struct family_set *fs,
		       struct diag *d)
{
	char path[PATH_MAX], hint[256];
	size_t before;
	int err;

	/*
	 * The file's NAME is the config name the reader prints (config="NAME",
	 * ebpfexp_NAME.prom, the state file's lines): it must pass the loader's rule too.
	 */
	before = d->n_msgs;
	err = statedir_check_name(r->o.state_dir, res->name, d);
	res->bad_name = err != 0;
	if (!err)
		err = statedir_config_path(path, sizeof(path), r->o.state_dir, res->name,
					   STATEDIR_MANIFEST, d);
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

/*
 * Read the selected configs with a manifest (r->results has room for them all): each into
 * its textfile with a textfile dir, else all into @all. Returns how many failed.
 */
static size_t read_configs(struct reader *r, struct family_set *all, struct strbuf *text,
			   struct diag *d)
{
	size_t n_failed = 0;
	int err;

	for (size_t i = 0; i < r->n_names; i++) {
		struct read_result *res;
		struct family_set fs = {0};
		char file[NAME_MAX + 1];

		if (!name_selected(r->o.config_names, r->names[i]))
			continue;
		res = &r->results[r->n_results++];
		res->name = r->names[i];
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
		if (!r->live) /* live shows them with its frame */
			log_diag(d);
		family_set_release(&fs);
	}
	return n_failed;
}

/* What one read read, forgotten before the next; the names stay with the listing. */
static void forget_read(struct reader *r)
{
	for (size_t i = 0; i < r->n_results; i++)
		manifest_free(r->results[i].m);
	free(r->results);
	r->results = NULL;
	r->n_results = 0;
}

/* A new listing, with room for the results of its configs. */
static int list_configs(struct reader *r, struct diag *d)
{
	int err;

	forget_read(r);
	err = list_manifests(r, d);
	if (!err && !(r->results = calloc(r->n_names ? r->n_names : 1, sizeof(*r->results))))
		err = diag_err(d, ENOMEM, NULL, "out of memory");
	return err;
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
	struct readcgroups c = {0};
	int err = readcgroups_load(&c, r->textfile_fd, CGROUPS_FILE, d);

	if (!err)
		err = decode_cgroups_remember(r->dctx, c.e, c.n, r->now);
	if (err)
		diag_warn(d, NULL, "%s: %s: no cgroup is remembered", CGROUPS_FILE, strerror(-err));
	r->has_cgroups = c.found;
	readcgroups_release(&c);
}

/* What this run resolved, and what is still young enough, for the next run. */
static void save_cgroups(struct reader *r, struct diag *d)
{
	const struct decode_cgroup *keep;
	struct diag quiet = {0};
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
	struct diag quiet = {0};
	int err = readstate_save(&r->state, r->textfile_fd, STATE_FILE, &quiet);

	if (err && quiet.n_msgs)
		diag_warn(d, NULL,
			  "state %s not saved: %s: decoder error totals start again "
			  "from zero next run",
			  STATE_FILE, diag_last(&quiet));
	else if (err)
		diag_warn(d, NULL,
			  "state %s not saved: %s: decoder error totals start again "
			  "from zero next run",
			  STATE_FILE, strerror(-err));
	diag_release(&quiet);
}

/* Open the textfile dir, serialise with other readers, clean up after killed ones. */
static int open_textfile_dir(struct reader *r, struct diag *d)
{
	r->textfile_fd = open(r->o.textfile_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->textfile_fd < 0)
		return diag_err(d, errno, NULL, "--textfile.dir %s: %s", r->o.textfile_dir,
				strerror(errno));
	r->lock_fd =
		openat(r->textfile_fd, LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (r->lock_fd < 0)
		return diag_err(d, errno, NULL, "%s/%s: %s%s", r->o.textfile_dir, LOCK_FILE,
				strerror(errno),
				errno == EACCES	 ? " (can this user write there?)"
				: errno == EROFS ? " (the textfile directory must be writable)"
						 : "");
	if (flock(r->lock_fd, LOCK_EX)) /* held until reader_free(): runs never interleave */
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
static int forget_gone(struct reader *r, struct diag *d)
{
	struct keep_arg k = {r, r->names, r->n_names};
	struct strbuf removed = {0};
	int err = textfiles_prune(&r->state, r->textfile_fd, r->key, keep_config, &k, &removed, d);

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
	char mark[PATH_MAX];

	/* how a failure mark is called, for people */
	if (statedir_config_path(mark, sizeof(mark), sd, "NAME", STATEDIR_FAILED, NULL))
		mark[0] = '\0';

	if (r->no_state_dir)
		log_msg(LOG_ERROR,
			"state dir %s: No such file or directory: ebpfexp-load has not "
			"run since boot, nothing to read, ebpfexp_loader_up is 0 (systemctl status "
			"ebpfexp-load; journalctl -u ebpfexp-load; or is --state.dir wrong?)",
			sd);
	else if (r->n_failed)
		log_msg(LOG_ERROR,
			"no manifest in %s: every config failed to load (%zu, "
			"ebpfexp_config_load_failed is 1; why: %s), and ebpfexp-load %s "
			"(journalctl -u ebpfexp-load)",
			sd, r->n_failed, mark,
			r->loader_up ? "runs" : "is not running, ebpfexp_loader_up is 0");
	else if (!r->loader_up)
		log_msg(LOG_ERROR,
			"no manifest in %s and ebpfexp-load is not running: nothing to "
			"read, ebpfexp_loader_up is 0 (systemctl status ebpfexp-load; journalctl -u "
			"ebpfexp-load; or is --state.dir wrong?)",
			sd);
	else
		log_msg(LOG_ERROR,
			"no manifest in %s: ebpfexp-load runs but has loaded no config "
			"(still starting, or no config in its --config.dir: journalctl -u "
			"ebpfexp-load)",
			sd);
}

/* --textfile.clean: the files this reader wrote go, nothing else does. */
static int clean_textfile_dir(struct reader *r, struct diag *d)
{
	struct keep_arg k = {r, NULL, 0};
	struct strbuf removed = {0};
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
				      r->o.state_dir_given ? r->key : NULL,
				      r->o.config_names ? keep_config : NULL, &k, &removed, d);
	if (!err)
		log_diag(d);
	if (!err && removed.len)
		log_msg(LOG_INFO, "--textfile.clean: removed from %s:%s", r->o.textfile_dir,
			removed.buf);
	strbuf_release(&removed);
	return err;
}

int reader_new(struct reader **out, const struct reader_opts *o, struct diag *d)
{
	struct reader *r = calloc(1, sizeof(*r));
	struct metric_opts mopts = {.max_series = o->max_series};
	struct decode_opts dopts = {
		.ksym_unknown_addr = o->ksym_unknown_addr,
		.kube_pods_dir = o->kube_pods_dir,
	};
	const char *sd = o->state_dir;
	int err = 0;

	*out = NULL;
	if (!r)
		return diag_err(d, ENOMEM, NULL, "out of memory");
	r->o = *o;
	r->textfile_fd = -1;
	r->lock_fd = -1;
	r->t0 = now_s();
	r->now = (int64_t)time(NULL);
	if (o->textfile_dir && textfiles_state_key(sd, &r->key))
		err = diag_err(d, EINVAL, NULL, "--state.dir %s: cannot make it absolute", sd);
	/* without CAP_SYSLOG kallsyms is all zeros: ksym falls back on the loader's snapshot */
	if (!err)
		err = statedir_path(r->ksyms, sizeof(r->ksyms), sd, STATEDIR_KALLSYMS);
	/* ... and maps the loader's symbol index first, when it is current */
	if (!err)
		err = statedir_path(r->ksymidx, sizeof(r->ksymidx), sd, STATEDIR_KSYMIDX);
	/* cgroups made and removed since the last run: the loader's record names them */
	if (!err)
		err = statedir_path(r->cgrec, sizeof(r->cgrec), sd, STATEDIR_CGRECORD);
	if (err == -ENAMETOOLONG)
		diag_err(d, ENAMETOOLONG, NULL, "--state.dir %s: path too long", sd);
	dopts.kallsyms_fallback = r->ksyms;
	dopts.ksym_index = r->ksymidx;
	dopts.cgroup_record = r->cgrec;
	if (!err)
		err = decode_ctx_new(&r->dctx, &dopts);
	if (!err)
		err = metric_reader_new(&r->mr, r->dctx, &mopts);
	if (err) {
		reader_free(r);
		return err;
	}
	*out = r;
	return 0;
}

/*
 * What a pass and the live view do first: the textfile dir under its lock, the listing,
 * the files of configs that are gone, and whether the loader runs.
 */
static int reader_start(struct reader *r, struct diag *d)
{
	char lock[PATH_MAX];
	int err = 0;

	if (r->used)
		return diag_err(d, EBUSY, NULL, "a reader does one job: make another");
	r->used = true;
	if (r->o.textfile_dir)
		err = open_textfile_dir(r, d);
	if (!err)
		err = list_configs(r, d);
	if (!err && r->o.textfile_dir)
		err = forget_gone(r, d);
	if (err)
		return err;
	r->loader_up = loaderlock_is_held(r->o.state_dir);
	if (!r->n_names && !r->o.config_names)
		say_nothing_read(r);
	else if (!r->loader_up && !statedir_path(lock, sizeof(lock), r->o.state_dir, STATEDIR_LOCK))
		log_msg(LOG_WARN,
			"ebpfexp-load is not running (no lock on %s): counters are "
			"frozen",
			lock);
	return 0;
}

/* ebpfexp.prom's families into @fs; the decoder error totals and last successes are kept. */
static int self_metrics(struct reader *r, struct family_set *fs)
{
	struct selfmetrics_config *cs = calloc(r->n_results ? r->n_results : 1, sizeof(*cs));
	const char **failed = calloc(r->n_failed ? r->n_failed : 1, sizeof(*failed));
	struct selfmetrics s = {
		.loader_up = r->loader_up,
		.duration = now_s() - r->t0,
		.configs = cs,
		.failed = failed,
	};

	if (!cs || !failed) {
		free(cs);
		free(failed);
		return -ENOMEM;
	}
	/* a config that failed to load and has no manifest has no read to show */
	for (size_t i = 0; i < r->n_failed; i++) {
		bool has_manifest = false;

		for (size_t k = 0; k < r->n_results && !has_manifest; k++)
			has_manifest = !strcmp(r->results[k].name, r->failed[i]);
		if (!has_manifest)
			failed[s.n_failed++] = r->failed[i];
	}
	for (size_t i = 0; i < r->n_results; i++) {
		struct read_result *res = &r->results[i];
		struct readstate_entry *e =
			res->bad_name ? NULL : readstate_get(&r->state, r->key, res->name);

		if (!e)
			continue;
		e->decoder_errors += res->st.n_decode_errors + res->st.n_failed;
		if (res->ok)
			e->last_success = (double)time(NULL);
		cs[s.n_configs++] = (struct selfmetrics_config){
			.name = res->name,
			.ok = res->ok,
			.st = &res->st,
			.m = res->m,
			.decoder_errors = e->decoder_errors,
			.last_success = e->last_success,
			.load_failed = load_failed(r, res->name),
		};
	}
	selfmetrics_add(fs, &s);
	free(cs);
	free(failed);
	return 0;
}

/* ebpfexp.prom into the textfile dir, and what the next run needs. */
static int write_self(struct reader *r, struct family_set *fs, struct strbuf *text, struct diag *d)
{
	int err;

	save_cgroups(r, d);
	err = write_families(r, SELF_FILE, fs, text, d);
	if (!err)
		err = textfiles_wrote(&r->state, r->key, NULL, SELF_FILE);
	if (!err)
		save_state(r, d);
	return err;
}

/* Everything read, rendered once, to --output or stdout. */
static int write_all(struct reader *r, struct family_set *fs, struct strbuf *text, struct diag *d)
{
	int err;

	strbuf_reset(text);
	err = render(r->o.format, text, fs);
	if (!err && r->o.output && strcmp(r->o.output, "-"))
		err = write_output(r->o.output, text, d);
	else if (!err &&
		 (fwrite(strbuf_str(text), 1, text->len, stdout) != text->len || fflush(stdout)))
		err = diag_err(d, errno, NULL, "write stdout: %s", strerror(errno));
	return err;
}

int reader_run(struct reader *r, struct reader_stats *st, struct diag *d)
{
	struct family_set all = {0}, self = {0};
	struct family_set *fs = r->o.textfile_dir ? &self : &all;
	struct strbuf text = {0};
	int err;

	*st = (struct reader_stats){0};
	err = reader_start(r, d);
	if (!err)
		st->n_failed = read_configs(r, &all, &text, d);
	st->n_configs = r->n_results;
	if (!err && r->o.config_names && !r->n_results) {
		diag_clear(d); /* that none matched is all there is to say */
		err = diag_err(d, ENOENT, NULL, "--config.names=%s: no such manifest in %s",
			       r->o.config_names, r->o.state_dir);
	}
	if (!err)
		err = self_metrics(r, fs);
	if (!err && r->o.textfile_dir)
		err = write_self(r, fs, &text, d);
	else if (!err)
		err = write_all(r, fs, &text, d);
	if (err == -ENOMEM && !d->n_errors)
		diag_err(d, ENOMEM, NULL, "out of memory");
	family_set_release(&self);
	family_set_release(&all);
	strbuf_release(&text);
	return err;
}

int reader_clean(struct reader *r, struct diag *d)
{
	if (r->used)
		return diag_err(d, EBUSY, NULL, "a reader does one job: make another");
	r->used = true;
	return clean_textfile_dir(r, d);
}

struct watch_ctx {
	struct reader *r;
	struct live *l;
};

/*
 * One read of the live view: the manifests again (configs come and go), every selected
 * config into @fs, with the decoders and their caches of the whole run. Each map's id
 * tells live when a map was replaced.
 */
static int watch_read(void *arg, struct family_set *fs, struct diag *d)
{
	struct watch_ctx *w = arg;
	struct reader *r = w->r;
	int err = list_configs(r, d);

	if (!err)
		read_configs(r, fs, NULL, d);
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
	log_diag(d);
}

int reader_watch(struct reader *r, const struct reader_watch_opts *o, struct diag *d)
{
	struct live_opts lo = {.top = o->top};
	struct watch_ctx w = {.r = r};
	struct live_run_opts ro = {
		.interval = o->interval,
		.count = o->count,
		.fd = o->fd,
		.format = r->o.format == READER_JSON ? LIVE_JSON : LIVE_TABLE,
		.read = watch_read,
		.report = watch_report,
		.arg = &w,
	};
	int err;

	r->live = true;
	err = reader_start(r, d);
	if (!err)
		err = live_new(&w.l, &lo);
	if (!err)
		err = live_run(w.l, &ro, d);
	live_free(w.l);
	forget_read(r);
	return err;
}

void reader_free(struct reader *r)
{
	if (!r)
		return;
	forget_read(r);
	forget_names(r);
	readstate_release(&r->state);
	metric_reader_free(r->mr);
	decode_ctx_free(r->dctx);
	if (r->lock_fd >= 0)
		close(r->lock_fd);
	if (r->textfile_fd >= 0)
		close(r->textfile_fd);
	free(r->key);
	free(r);
}
