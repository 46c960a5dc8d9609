/*
 * readcgroups: a tab-separated file "id<TAB>last_lookup<TAB>path" per line. cgroup names may
 * hold any byte but '/' and NUL, so paths escape backslash, tab and newline; a line that
 * does not parse exactly is skipped, never guessed at. What to remember is decode's call.
 */
#include "readcgroups.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "tsv.h"

/* One line [@s, @end) (without its newline) into @e; false when it is malformed. */
static bool parse_line(char *s, char *end, struct decode_cgroup *e)
{
	char *tab1 = memchr(s, '\t', (size_t)(end - s));
	char *tab2 = tab1 ? memchr(tab1 + 1, '\t', (size_t)(end - tab1 - 1)) : NULL;
	uint64_t id, last;

	if (!tab2 || !tsv_parse_num(s, tab1, false, &id) ||
	    !tsv_parse_num(tab1 + 1, tab2, true, &last))
		return false;
	/* The decoder's paths start at the cgroup2 mount point: absolute. */
	if (tab2 + 1 == end || tab2[1] != '/' || !tsv_unescape(tab2 + 1, end))
		return false;
	*e = (struct decode_cgroup){.id = id, .last_lookup = (int64_t)last, .path = tab2 + 1};
	return true;
}

int readcgroups_load(struct readcgroups *c, int dirfd, const char *name, struct diag *d)
{
	size_t n_lines = 0, n_bad = 0;
	char why[160], *s, *end;
	int err = strbuf_read_private(&c->buf, dirfd, name, READCGROUPS_MAX_SIZE, why, sizeof(why));

	if (err == -ENOENT)
		return 0;
	if (err == -ENOMEM)
		return err;
	c->found = true;
	if (err) {
		strbuf_reset(&c->buf);
		diag_warn(d, NULL, "%s: %s: no cgroup is remembered", name, why);
		return 0;
	}
	s = c->buf.buf;
	end = s + c->buf.len;
	for (char *p = s; p < end && (p = memchr(p, '\n', (size_t)(end - p))); p++)
		n_lines++;
	c->e = calloc(n_lines ? n_lines : 1, sizeof(*c->e));
	if (!c->e)
		return -ENOMEM;
	while (s < end) {
		char *nl = memchr(s, '\n', (size_t)(end - s));

		/* A last line without its newline was cut short. */
		if (!nl) {
			n_bad++;
			break;
		}
		if (parse_line(s, nl, &c->e[c->n]))
			c->n++;
		else
			n_bad++;
		s = nl + 1;
	}
	if (n_bad)
		diag_warn(d, NULL, "%s: ignored %zu malformed line(s)", name, n_bad);
	return 0;
}

int readcgroups_save(const struct decode_cgroup *e, size_t n, int dirfd, const char *name,
		     struct diag *d)
{
	struct strbuf sb = {0};
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		err = strbuf_addf(&sb, "%llu\t%lld\t", (unsigned long long)e[i].id,
				  (long long)e[i].last_lookup);
		if (!err)
			err = tsv_add_escaped(&sb, e[i].path);
		if (!err)
			err = strbuf_addch(&sb, '\n');
	}
	if (err)
		err = diag_err(d, -err, NULL, "%s: %s", name, strerror(-err));
	else
		err = atomicfile_replace(dirfd, name, 0600, sb.buf ? sb.buf : "", sb.len, d);
	strbuf_release(&sb);
	return err;
}

void readcgroups_release(struct readcgroups *c)
{
	free(c->e);
	strbuf_release(&c->buf);
	*c = (struct readcgroups){0};
}
