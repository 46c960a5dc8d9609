/*
 * textfiles: which files in the textfile dir are the reader's, by its own record, and how
 * they go. The record is readstate's; the lock that keeps two readers from doing this at
 * once is the caller's (TEXTFILES_LOCK, held by ebpfexp-read for the whole run). A name
 * from the record is removed only when it is one the reader writes (TEXTFILES_SELF or
 * ebpfexp_*.prom, no '/'), whatever the state file says.
 */
#include "textfiles.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONFIG_PREFIX "ebpfexp_"
#define CONFIG_SUFFIX ".prom"

int textfiles_config_file(char *buf, size_t len, const char *config)
{
	int n = snprintf(buf, len, CONFIG_PREFIX "%s" CONFIG_SUFFIX, config);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* A name the reader writes, and nothing that leaves the directory. */
static bool is_ours(const char *file)
{
	size_t len = strlen(file), pre = strlen(CONFIG_PREFIX), suf = strlen(CONFIG_SUFFIX);

	if (strchr(file, '/'))
		return false;
	if (!strcmp(file, TEXTFILES_SELF))
		return true;
	return len > pre + suf && !strncmp(file, CONFIG_PREFIX, pre) &&
	       !strcmp(file + len - suf, CONFIG_SUFFIX);
}

int textfiles_state_key(const char *state_dir, char **out)
{
	char *copy = strdup(state_dir), *slash, *base, *parent = NULL;
	char cwd[PATH_MAX];
	int err = 0;

	*out = NULL;
	if (!copy)
		return -ENOMEM;
	*out = realpath(copy, NULL);
	if (*out)
		goto done;
	/* a missing dir: resolve its parent, keep its own name */
	for (size_t n = strlen(copy); n > 1 && copy[n - 1] == '/'; n--)
		copy[n - 1] = '\0';
	slash = strrchr(copy, '/');
	base = slash ? slash + 1 : copy;
	if (slash == copy)
		parent = realpath("/", NULL);
	else if (slash) {
		*slash = '\0';
		parent = realpath(copy, NULL);
	} else {
		parent = realpath(".", NULL);
	}
	if (parent) {
		if (asprintf(out, "%s%s%s", parent, strcmp(parent, "/") ? "/" : "", base) < 0)
			*out = NULL;
	} else if (state_dir[0] == '/') {
		*out = strdup(state_dir);
	} else if (getcwd(cwd, sizeof(cwd))) {
		if (asprintf(out, "%s/%s", cwd, state_dir) < 0)
			*out = NULL;
	} else {
		err = -ENAMETOOLONG;
	}
	free(parent);
	if (!*out && !err)
		err = -ENOMEM;
done:
	free(copy);
	return err;
}

int textfiles_wrote(struct readstate *s, const char *key, const char *config, const char *file)
{
	struct readstate_entry *e = readstate_get(s, key, config);

	return e ? readstate_set_file(e, file) : -ENOMEM;
}

static bool named(const struct readstate *s, const char *file)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->e[i].file && !strcmp(s->e[i].file, file))
			return true;
	return false;
}

/* Unlink @file unless an entry of @s still names it; note it in @removed. */
static int remove_file(const struct readstate *s, int dirfd, const char *file,
		       struct strbuf *removed, struct diag *d)
{
	if (named(s, file))
		return 0;
	if (!is_ours(file)) {
		diag_warn(d, NULL, "%s: \"%s\" is not a name ebpfexp-read writes: left in place",
			  TEXTFILES_STATE, file);
		return 0;
	}
	if (unlinkat(dirfd, file, 0)) {
		if (errno != ENOENT)
			diag_warn(d, NULL, "remove %s: %s", file, strerror(errno));
		return 0;
	}
	return strbuf_addf(removed, " %s", file);
}

/* Names taken out of entries being dropped, removed once the record no longer has them. */
struct doomed {
	size_t n;
	char **file;
};

static int doom(struct doomed *g, char *file)
{
	char **f;

	if (!file)
		return 0;
	f = realloc(g->file, (g->n + 1) * sizeof(*f));
	if (!f) {
		free(file);
		return -ENOMEM;
	}
	g->file = f;
	g->file[g->n++] = file;
	return 0;
}

/* Remove what @g holds and free it; @dirfd -1: only free it. */
static int remove_doomed(struct doomed *g, const struct readstate *s, int dirfd,
			 struct strbuf *removed, struct diag *d)
{
	int err = 0;

	for (size_t i = 0; i < g->n; i++) {
		/* the same name twice (two state dirs' ebpfexp.prom) is removed once */
		bool dup = false;

		for (size_t k = 0; k < i && !dup; k++)
			dup = !strcmp(g->file[k], g->file[i]);
		if (!dup && !err && dirfd >= 0)
			err = remove_file(s, dirfd, g->file[i], removed, d);
	}
	for (size_t i = 0; i < g->n; i++)
		free(g->file[i]);
	free(g->file);
	*g = (struct doomed){0};
	return err;
}

int textfiles_prune(struct readstate *s, int dirfd, const char *key, textfiles_keep_fn *keep,
		    void *arg, struct strbuf *removed, struct diag *d)
{
	struct doomed g = {0};
	int err = 0;

	for (size_t i = 0; i < s->n && !err;) {
		struct readstate_entry *e = &s->e[i];

		if (!e->config || !e->state_dir || strcmp(e->state_dir, key) ||
		    keep(arg, e->config)) {
			i++;
			continue;
		}
		err = doom(&g, e->file);
		e->file = NULL;
		readstate_drop(s, i);
	}
	if (!err)
		return remove_doomed(&g, s, dirfd, removed, d);
	remove_doomed(&g, s, -1, NULL, NULL);
	return err;
}

/* What a first-format entry wrote: its config's file, if it was ever read. */
static char *first_format_file(const struct readstate_entry *e)
{
	char file[NAME_MAX + 1];

	if (e->last_success <= 0 || textfiles_config_file(file, sizeof(file), e->config))
		return NULL;
	return strdup(file);
}

int textfiles_clean(struct readstate *s, int dirfd, const char *key, textfiles_keep_fn *keep,
		    void *arg, struct strbuf *removed, struct diag *d)
{
	struct doomed g = {0};
	int err = 0;

	for (size_t i = 0; i < s->n && !err;) {
		struct readstate_entry *e = &s->e[i];
		bool mine = key ? e->state_dir && !strcmp(e->state_dir, key) : true;
		char *file;

		if (!mine || (keep && (!e->config || keep(arg, e->config)))) {
			i++;
			continue;
		}
		file = e->file ? e->file : !e->state_dir ? first_format_file(e) : NULL;
		e->file = NULL;
		err = doom(&g, file);
		readstate_drop(s, i);
	}
	/* the first format kept no record of ebpfexp.prom, but every such run wrote it */
	if (!err && !key && !keep && s->first_format) {
		char *self = strdup(TEXTFILES_SELF);

		err = self ? doom(&g, self) : -ENOMEM;
	}
	if (err) {
		remove_doomed(&g, s, -1, NULL, NULL);
		return diag_err(d, err, NULL, "%s: %s", TEXTFILES_STATE, strerror(-err));
	}
	err = remove_doomed(&g, s, dirfd, removed, d);
	if (err)
		return diag_err(d, err, NULL, "%s: %s", TEXTFILES_STATE, strerror(-err));
	if (s->n)
		return readstate_save(s, dirfd, TEXTFILES_STATE, d);
	s->first_format = false;
	for (size_t i = 0; i < 3; i++) {
		static const char *const dot[] = {TEXTFILES_STATE, TEXTFILES_CGROUPS,
						  TEXTFILES_LOCK};

		if (unlinkat(dirfd, dot[i], 0) == 0)
			err = strbuf_addf(removed, " %s", dot[i]);
		else if (errno != ENOENT)
			diag_warn(d, NULL, "remove %s: %s", dot[i], strerror(errno));
	}
	return err ? diag_err(d, err, NULL, "%s", strerror(-err)) : 0;
}
