/*
 * diag: errors and warnings for people. Inner code records what it knows with diag_err();
 * each caller adds its context with diag_prefix(); only a main prints. A position
 * ("file:line:col: ") always stays at the very front of a message.
 */
#include "diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

static void diag_push(struct diag *d, int err, int is_warning, const struct pos *at,
		      const char *fmt, va_list ap)
{
	char *body = vformat(fmt, ap);
	char *text = NULL;

	if (!body)
		return;
	if (at && at->line && at->file) {
		if (asprintf(&text, "%s:%u:%u: %s", at->file, at->line, at->col, body) < 0)
			text = NULL;
		free(body);
	} else if (at && at->file) {
		if (asprintf(&text, "%s: %s", at->file, body) < 0)
			text = NULL;
		free(body);
	} else {
		text = body;
	}
	if (!text)
		return;
	if (d->n_msgs == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct diag_msg *m = realloc(d->msgs, cap * sizeof(*m));

		if (!m) {
			free(text);
			return;
		}
		d->msgs = m;
		d->cap = cap;
	}
	d->msgs[d->n_msgs++] =
		(struct diag_msg){.text = text, .err = err, .is_warning = is_warning};
	if (!is_warning)
		d->n_errors++;
}

int diag_err(struct diag *d, int err, const struct pos *at, const char *fmt, ...)
{
	va_list ap;

	if (err < 0)
		err = -err;
	if (!err)
		err = EINVAL;
	if (d) {
		va_start(ap, fmt);
		diag_push(d, -err, 0, at, fmt, ap);
		va_end(ap);
	}
	return -err;
}

void diag_warn(struct diag *d, const struct pos *at, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return;
	va_start(ap, fmt);
	diag_push(d, 0, 1, at, fmt, ap);
	va_end(ap);
}

/* Length of a leading "file:line:col: " position, or 0. */
static size_t pos_prefix_len(const char *s)
{
	const char *p = strchr(s, ':');
	unsigned line, col;
	int n = 0;

	if (!p || p == s)
		return 0;
	if (sscanf(p, ":%u:%u: %n", &line, &col, &n) == 2 && n > 0)
		return (size_t)(p - s) + (size_t)n;
	return 0;
}

static void prefix_one(struct diag_msg *m, const char *ctx)
{
	size_t keep = pos_prefix_len(m->text);
	char *text = NULL;

	if (asprintf(&text, "%.*s%s: %s", (int)keep, m->text, ctx, m->text + keep) < 0)
		return;
	free(m->text);
	m->text = text;
}

void diag_prefix_from(struct diag *d, size_t from, const char *fmt, ...)
{
	va_list ap;
	char *ctx;

	if (!d || from >= d->n_msgs)
		return;
	va_start(ap, fmt);
	ctx = vformat(fmt, ap);
	va_end(ap);
	if (!ctx)
		return;
	for (size_t i = from; i < d->n_msgs; i++)
		prefix_one(&d->msgs[i], ctx);
	free(ctx);
}

void diag_prefix(struct diag *d, const char *fmt, ...)
{
	va_list ap;
	char *ctx;

	if (!d || !d->n_msgs)
		return;
	va_start(ap, fmt);
	ctx = vformat(fmt, ap);
	va_end(ap);
	if (!ctx)
		return;
	prefix_one(&d->msgs[d->n_msgs - 1], ctx);
	free(ctx);
}

const char *diag_last(const struct diag *d)
{
	if (!d || !d->n_msgs)
		return "";
	return d->msgs[d->n_msgs - 1].text;
}

void diag_move(struct diag *dst, struct diag *src)
{
	for (size_t i = 0; i < src->n_msgs; i++) {
		struct diag_msg *m = &src->msgs[i];

		if (m->is_warning)
			diag_warn(dst, NULL, "%s", m->text);
		else
			diag_err(dst, m->err, NULL, "%s", m->text);
	}
	diag_clear(src);
}

void diag_clear(struct diag *d)
{
	for (size_t i = 0; i < d->n_msgs; i++)
		free(d->msgs[i].text);
	d->n_msgs = 0;
	d->n_errors = 0;
}

void diag_release(struct diag *d)
{
	if (!d)
		return;
	diag_clear(d);
	free(d->msgs);
	*d = (struct diag){0};
}
