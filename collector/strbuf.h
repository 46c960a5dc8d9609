/* strbuf: a growable byte buffer that is always NUL-terminated. */
#ifndef EBPFEXP_STRBUF_H
#define EBPFEXP_STRBUF_H
#include <stddef.h>
#include <stdint.h>

/* `struct strbuf sb = {0}` is a valid empty buffer; buf may then be NULL (strbuf_str() is ""). */
struct strbuf {
	char *buf;
	size_t len, cap;
};

/* Buffers that grow to this size ask for huge pages (madvise(MADV_HUGEPAGE), a hint). */
#define STRBUF_HUGE (4u << 20)

/* Make room for @extra more bytes (plus the NUL). -ENOMEM on failure or overflow. */
int strbuf_grow(struct strbuf *sb, size_t extra);
/*
 * Map in the pages of the room not used yet, when all of it is about to be written: one
 * call instead of a page fault per 4 KiB. A hint; kernels before 5.14 ignore it.
 */
void strbuf_prefault(struct strbuf *sb);
int strbuf_add(struct strbuf *sb, const void *data, size_t len);
/*
 * Append what @fd holds from its offset to EOF, reading up to @step bytes at a time (proc
 * files report size 0). 0, -ENOMEM, -errno of read(), or -EFBIG once more than @max bytes
 * are in @sb (@max 0: no limit).
 */
int strbuf_read_fd(struct strbuf *sb, int fd, size_t step, size_t max);
/*
 * Append the whole of the private file @name in @dirfd: never through a symlink, only from a
 * regular file (a FIFO planted there does not block), at most @max bytes. 0, -ENOENT when
 * there is no such file, -ENOMEM, or another -errno with why it was not read in @why
 * (strerror(), "not a regular file" or "too large"; "" for the other two).
 */
int strbuf_read_private(struct strbuf *sb, int dirfd, const char *name, size_t max, char *why,
			size_t why_len);
int strbuf_addstr(struct strbuf *sb, const char *s);
int strbuf_addch(struct strbuf *sb, char c);
int strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Decimal digits of @v, without snprintf (hot path of the reader). */
int strbuf_add_u64(struct strbuf *sb, uint64_t v);
/* The most decimal digits a u64 has. */
#define STRBUF_U64_DIGITS 20
/*
 * Write the decimal digits of @v so that they end just before @end (no NUL), two at a time;
 * returns where they start, at most STRBUF_U64_DIGITS bytes before @end. The one integer
 * printer of the reader's hot paths: labels, values, strbuf_add_u64().
 */
char *strbuf_u64_digits(char *end, uint64_t v);
/* The same from @buf on (room for STRBUF_U64_DIGITS bytes, no NUL); returns their count. */
size_t strbuf_put_u64(char *buf, uint64_t v);
/* Empty the buffer, keeping its memory. */
void strbuf_reset(struct strbuf *sb);
/* The text; "" for an empty buffer that never grew. Borrowed. */
const char *strbuf_str(const struct strbuf *sb);
/* Hand the buffer to the caller (free() it); @sb is left empty. Never NULL unless ENOMEM. */
char *strbuf_detach(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);

#endif
