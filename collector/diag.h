/* diag: the explanation of a failure for a person, built from the inside out. */
#ifndef EBPFEXP_DIAG_H
#define EBPFEXP_DIAG_H
#include <stddef.h>

/* A position in a YAML file. line 0: no position. @file is borrowed. */
struct pos {
	const char *file;
	unsigned line, col;
};

struct diag_msg {
	char *text; /* "file:line:col: what: why" or "where: what: why" */
	int err;    /* negative errno */
	int is_warning;
};

/*
 * A list of messages. `struct diag d = {0}` is an empty, valid value; release it with
 * diag_release(). Messages are kept in order; diag_prefix() applies to the newest.
 */
struct diag {
	struct diag_msg *msgs;
	size_t n_msgs, cap;
	size_t n_errors;
};

/* Record an error; returns -err so that callers can `return diag_err(...)`. */
int diag_err(struct diag *d, int err, const struct pos *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Record a warning (does not count as an error). */
void diag_warn(struct diag *d, const struct pos *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Add "context: " before the newest message; its position stays in front. */
void diag_prefix(struct diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Add "context: " before every message from index @from on. */
void diag_prefix_from(struct diag *d, size_t from, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The newest message's text, or "" when there is none. Borrowed. */
const char *diag_last(const struct diag *d);
/* Move every message of @src to the end of @dst; @src is left empty. */
void diag_move(struct diag *dst, struct diag *src);
/* Forget all messages. */
void diag_clear(struct diag *d);
void diag_release(struct diag *d);

#endif
