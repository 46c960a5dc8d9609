/* readstate: a tab-separated file "config<TAB>decoder_errors<TAB>last_success" per line. */
#include "readstate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
	struct strbuf sb = { 0 };
	char why[160], *line, *next, *end;
	int err = strbuf_read_private(&sb, dirfd, name, READSTATE_MAX_SIZE, why, sizeof(why));
	int bad = 0;

	if (err) {
		strbuf_release(&sb);
		if (err == -ENOMEM)
			return err;
		if (err != -ENOENT)
			diag_warn(d, NULL, "state %s: %s: " STATE_RESET, name, why);
		return 0;
	}
	end = sb.buf + sb.len;
	for (line = sb.buf; line < end; line = next) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		char *tab1, *tab2, *end1, *end2;
		struct readstate_entry *e;
		unsigned long long errs;
		double last;

		/* a last line without its newline counts as any other */
		next = nl ? nl + 1 : end;
		if (nl)
			*nl = '\0';
		tab1 = strchr(line, '\t');
		tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
		if (!tab2) {
			bad = 1;
			continue;
		}
		*tab1 = '\0';
		errs = strtoull(tab1 + 1, &end1, 10);
		last = strtod(tab2 + 1, &end2);
		if (end1 != tab2 || *end2) {
			bad = 1;
			continue;
		}
		e = readstate_get(s, line);
		if (!e) {
			strbuf_release(&sb);
			return -ENOMEM;
		}
		e->decoder_errors = errs;
		e->last_success = last;
	}
	strbuf_release(&sb);
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
