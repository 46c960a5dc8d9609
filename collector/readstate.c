/*
 * readstate: a tab-separated file, a line per entry:
 *
 *	config<TAB>decoder_errors<TAB>last_success<TAB>file<TAB>state_dir
 *
 * config is empty for a state dir's own entry, file is empty when nothing was written. The
 * string fields write backslash, tab and newline as \\, \t and \n (a state dir is a path,
 * which may hold any of them). Lines of the first format, "config<TAB>decoder_errors<TAB>
 * last_success" without escapes, still load, as entries of no state dir yet, so that an
 * upgraded reader keeps the totals. A reader of the first format skips lines of this one
 * with its warning about malformed lines and starts them again from zero.
 */
#include "readstate.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "strbuf.h"
#include "tsv.h"

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static struct readstate_entry *add(struct readstate *s, const char *state_dir, const char *config)
{
	struct readstate_entry *e = realloc(s->e, (s->n + 1) * sizeof(*e));

	if (!e)
		return NULL;
	s->e = e;
	e = &s->e[s->n];
	*e = (struct readstate_entry){0};
	if ((state_dir && !(e->state_dir = strdup(state_dir))) ||
	    (config && !(e->config = strdup(config)))) {
		free(e->state_dir);
		return NULL;
	}
	s->n++;
	return e;
}

/* The entry of exactly this state dir and config, created when missing. */
static struct readstate_entry *get_exact(struct readstate *s, const char *state_dir,
					 const char *config)
{
	for (size_t i = 0; i < s->n; i++)
		if (same(s->e[i].config, config) && same(s->e[i].state_dir, state_dir))
			return &s->e[i];
	return add(s, state_dir, config);
}

struct readstate_entry *readstate_get(struct readstate *s, const char *state_dir,
				      const char *config)
{
	struct readstate_entry *unclaimed = NULL;

	for (size_t i = 0; i < s->n; i++) {
		if (!same(s->e[i].config, config))
			continue;
		if (same(s->e[i].state_dir, state_dir))
			return &s->e[i];
		if (!s->e[i].state_dir && !unclaimed)
			unclaimed = &s->e[i];
	}
	if (unclaimed && state_dir) {
		char *sd = strdup(state_dir);

		if (!sd)
			return NULL;
		unclaimed->state_dir = sd;
		return unclaimed;
	}
	return add(s, state_dir, config);
}

int readstate_set_file(struct readstate_entry *e, const char *file)
{
	char *f = NULL;

	if (file && !(f = strdup(file)))
		return -ENOMEM;
	free(e->file);
	e->file = f;
	return 0;
}

static void entry_release(struct readstate_entry *e)
{
	free(e->state_dir);
	free(e->config);
	free(e->file);
}

void readstate_drop(struct readstate *s, size_t i)
{
	if (i >= s->n)
		return;
	entry_release(&s->e[i]);
	memmove(&s->e[i], &s->e[i + 1], (s->n - i - 1) * sizeof(*s->e));
	s->n--;
}

static bool unescape_field(char *s)
{
	return tsv_unescape(s, s + strlen(s));
}

/*
 * One line, NUL-terminated, split in place. 0, -EINVAL when it does not parse exactly, or
 * -ENOMEM.
 */
static int parse_line(struct readstate *s, char *line)
{
	char *f[5], *end1, *end2;
	struct readstate_entry *e;
	unsigned long long errs;
	size_t n = 0;
	double last;

	f[n++] = line;
	for (char *p = line; (p = strchr(p, '\t')); p++) {
		if (n == 5)
			return -EINVAL;
		*p = '\0';
		f[n++] = p + 1;
	}
	if (n != 3 && n != 5)
		return -EINVAL;
	errno = 0;
	errs = strtoull(f[1], &end1, 10);
	last = strtod(f[2], &end2);
	/* digits only for the count (strtoull takes " -1" and wraps), a finite time */
	if (errno || *f[1] < '0' || *f[1] > '9' || *end1 || end2 == f[2] || *end2 ||
	    !isfinite(last))
		return -EINVAL;
	if (n == 3) {
		if (!*f[0])
			return -EINVAL;
		s->first_format = true;
		e = get_exact(s, NULL, f[0]);
	} else {
		if (!unescape_field(f[0]) || !unescape_field(f[3]) || !unescape_field(f[4]) ||
		    !*f[4])
			return -EINVAL;
		e = get_exact(s, f[4], *f[0] ? f[0] : NULL);
		if (e && readstate_set_file(e, *f[3] ? f[3] : NULL))
			return -ENOMEM;
	}
	if (!e)
		return -ENOMEM;
	e->decoder_errors = errs;
	e->last_success = last;
	return 0;
}

/* What losing the state costs, for the warnings: the next save starts it anew. */
#define STATE_RESET "decoder error totals start again from zero"

int readstate_load(struct readstate *s, int dirfd, const char *name, struct diag *d)
{
	struct strbuf sb = {0};
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
	s->found = true;
	end = sb.buf + sb.len;
	for (line = sb.buf; line < end; line = next) {
		char *nl = memchr(line, '\n', (size_t)(end - line));

		/* a last line without its newline counts as any other */
		next = nl ? nl + 1 : end;
		if (nl)
			*nl = '\0';
		if (memchr(line, '\0', (size_t)((nl ? nl : end) - line))) {
			bad = 1;
			continue;
		}
		err = parse_line(s, line);
		if (err == -ENOMEM) {
			strbuf_release(&sb);
			return err;
		}
		bad |= err != 0;
	}
	strbuf_release(&sb);
	if (bad)
		diag_warn(d, NULL,
			  "state %s: ignored malformed lines (their configs' " STATE_RESET ")",
			  name);
	return 0;
}

int readstate_save(const struct readstate *s, int dirfd, const char *name, struct diag *d)
{
	struct strbuf sb = {0};
	int err = 0;

	for (size_t i = 0; i < s->n && !err; i++) {
		const struct readstate_entry *e = &s->e[i];

		/* an entry no state dir took keeps the first format, for the one that will */
		if (!e->state_dir) {
			err = strbuf_addf(&sb, "%s\t%llu\t%.3f\n", e->config,
					  (unsigned long long)e->decoder_errors, e->last_success);
			continue;
		}
		err = tsv_add_escaped(&sb, e->config);
		if (!err)
			err = strbuf_addf(&sb, "\t%llu\t%.3f\t",
					  (unsigned long long)e->decoder_errors, e->last_success);
		if (!err)
			err = tsv_add_escaped(&sb, e->file);
		if (!err)
			err = strbuf_addch(&sb, '\t');
		if (!err)
			err = tsv_add_escaped(&sb, e->state_dir);
		if (!err)
			err = strbuf_addch(&sb, '\n');
	}
	if (!err)
		err = atomicfile_replace(dirfd, name, 0600, sb.buf ? sb.buf : "", sb.len, d);
	strbuf_release(&sb);
	return err;
}

void readstate_release(struct readstate *s)
{
	for (size_t i = 0; i < s->n; i++)
		entry_release(&s->e[i]);
	free(s->e);
	*s = (struct readstate){0};
}
