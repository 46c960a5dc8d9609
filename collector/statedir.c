/*
 * statedir: names and paths in the state dir, and which configs it lists. What the files
 * hold is their modules' (manifest, loaderlock, ksymsnap, ksymidx, cgrecord); a failure
 * mark is plain text, read here. Writing, locking and removing are the callers'.
 */
#include "statedir.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "promname.h"

static const char *const suffixes[] = {
	[STATEDIR_MANIFEST] = ".json",
	[STATEDIR_FAILED] = ".failed",
};

int statedir_path(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int statedir_config_path(char *buf, size_t len, const char *dir, const char *config,
			 enum statedir_kind kind, struct diag *d)
{
	int n = snprintf(buf, len, "%s/%s%s", dir, config, suffixes[kind]);

	if (n < 0 || (size_t)n >= len)
		return diag_err(d, ENAMETOOLONG, NULL, "state dir %s: config \"%s\": path too long",
				dir, config);
	return 0;
}

int statedir_check_name(const char *dir, const char *config, struct diag *d)
{
	char why[160], q[80];

	if (!promname_check_config(config, why, sizeof(why)))
		return 0;
	promname_quote(q, sizeof(q), config);
	return diag_err(d, EINVAL, NULL,
			"%s/%s%s: config %s: %s (no loader writes such a "
			"manifest: remove it)",
			dir, config, suffixes[STATEDIR_MANIFEST], q, why);
}

/* The config whose file @file is into *@name (NULL: none) and its kind; 0 or -ENOMEM. */
static int config_of(const char *file, char **name, enum statedir_kind *kind)
{
	size_t len = strlen(file);

	*name = NULL;
	if (file[0] == '.')
		return 0;
	for (size_t k = 0; k < sizeof(suffixes) / sizeof(*suffixes); k++) {
		size_t sfx = strlen(suffixes[k]);

		if (len > sfx && !strcmp(file + len - sfx, suffixes[k])) {
			*kind = (enum statedir_kind)k;
			*name = strndup(file, len - sfx);
			return *name ? 0 : -ENOMEM;
		}
	}
	return 0;
}

static int push(char ***names, size_t *n, char *name)
{
	char **nn = realloc(*names, (*n + 1) * sizeof(*nn));

	if (!nn)
		return -ENOMEM;
	*names = nn;
	nn[(*n)++] = name;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int statedir_list(struct statedir_list *l, const char *dir, struct diag *d)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	int err = 0;

	*l = (struct statedir_list){0};
	if (!dp)
		return diag_err(d, errno, NULL, "state dir %s: %s%s", dir, strerror(errno),
				errno == ENOENT ? " (is ebpfexp-load running? see --state.dir)"
						: "");
	while (!err && (errno = 0, de = readdir(dp))) {
		enum statedir_kind kind = STATEDIR_MANIFEST;
		char *name;

		err = config_of(de->d_name, &name, &kind);
		if (err || !name)
			continue;
		if (kind == STATEDIR_MANIFEST)
			err = push(&l->manifests, &l->n_manifests, name);
		else
			err = push(&l->failed, &l->n_failed, name);
		if (err)
			free(name);
	}
	if (!err && errno)
		err = diag_err(d, errno, NULL, "state dir %s: %s", dir, strerror(errno));
	else if (err)
		diag_err(d, err, NULL, "state dir %s: out of memory", dir);
	closedir(dp);
	if (err) {
		statedir_list_release(l);
		return err;
	}
	if (l->n_manifests) /* qsort(NULL, 0) is undefined */
		qsort(l->manifests, l->n_manifests, sizeof(*l->manifests), cmp_str);
	if (l->n_failed)
		qsort(l->failed, l->n_failed, sizeof(*l->failed), cmp_str);
	return 0;
}

void statedir_list_release(struct statedir_list *l)
{
	for (size_t i = 0; i < l->n_manifests; i++)
		free(l->manifests[i]);
	for (size_t i = 0; i < l->n_failed; i++)
		free(l->failed[i]);
	free(l->manifests);
	free(l->failed);
	*l = (struct statedir_list){0};
}
