/* readstate: a tab-separated file "config<TAB>decoder_errors<TAB>last_success" per line. */
#include "readstate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "strbuf.h"

struct readstate_entry *readstate_get(struct readstate *s, const char *config)
{
	struct readstate_entry *e;

	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->e[i].config, config))
			return &s->e[i];
	e = realloc(s->e, (s->n + 1) * sizeof(*e));
	if (!e)
		return NULL;
	s->e = e;
	e = &s->e[s->n];
	*e = (struct readstate_entry){ .config = strdup(config) };
	if (!e->config)
		return NULL;
	s->n++;
	return e;
}

/* What losing the state costs, for the warnings: the next save starts it anew. */
#define STATE_RESET "decoder error totals start again from zero"

int readstate_load(struct readstate *s, int dirfd, const char *name, struct diag *d)
{
	/* O_NONBLOCK: a FIFO planted here must not hang the run. */
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int bad = 0;

	if (fd < 0) {
		int err = errno;

		if (err != ENOENT)
			diag_warn(d, NULL, "state %s: %s%s: " STATE_RESET, name, strerror(err),
				  err == ELOOP ? " (a symlink, not followed)" : "");
		return 0;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > READSTATE_MAX_SIZE) {
		const char *why = fstat(fd, &st) ? strerror(errno) :
				  !S_ISREG(st.st_mode) ? "not a regular file" : "too large";

		diag_warn(d, NULL, "state %s: %s: " STATE_RESET, name, why);
		close(fd);
		return 0;
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -errno;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
		struct readstate_entry *e;
		char *end1, *end2;
		unsigned long long errs;
		double last;

		if (!tab2) {
			bad = 1;
			continue;
		}
		*tab1 = '\0';
		errs = strtoull(tab1 + 1, &end1, 10);
		last = strtod(tab2 + 1, &end2);
		if (end1 != tab2 || (*end2 && *end2 != '\n')) {
			bad = 1;
			continue;
		}
		e = readstate_get(s, line);
		if (!e) {
			free(line);
			fclose(f);
			return -ENOMEM;
		}
		e->decoder_errors = errs;
		e->last_success = last;
	}
	free(line);
	fclose(f);
	if (bad)
		diag_warn(d, NULL, "state %s: ignored malformed lines (their configs' " STATE_RESET ")",
			  name);
	return 0;
}

int readstate_save(const struct readstate *s, int dirfd, const char *name, struct diag *d)
{
	struct strbuf sb = { 0 };
	int err = 0;

	for (size_t i = 0; i < s->n && !err; i++)
		err = strbuf_addf(&sb, "%s\t%llu\t%.3f\n", s->e[i].config,
				  (unsigned long long)s->e[i].decoder_errors, s->e[i].last_success);
	if (!err)
		err = atomicfile_replace(dirfd, name, 0600, sb.buf ? sb.buf : "", sb.len, d);
	strbuf_release(&sb);
	return err;
}

void readstate_release(struct readstate *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->e[i].config);
	free(s->e);
	*s = (struct readstate){ 0 };
}
