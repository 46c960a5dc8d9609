/* strbuf: growable buffers for text built in pieces (labels, exposition, messages). */
#include "strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Ask for huge pages under the unused part of a big buffer, which is about to be filled:
 * on a virtual machine a page fault costs microseconds, and the 50 MB of a million-series
 * exposition take 13000 of them in 4 KiB pages. Only whole huge pages inside the buffer
 * are advised; a refusal changes nothing.
 */
static void hint_huge(char *buf, size_t from, size_t cap)
{
	const uintptr_t huge = 2u << 20;
	uintptr_t start = ((uintptr_t)buf + from + huge - 1) & ~(huge - 1);
	uintptr_t end = ((uintptr_t)buf + cap) & ~(huge - 1);

	if (end > start)
		(void)madvise((void *)start, end - start, MADV_HUGEPAGE);
}

int strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - sb->len - 1)
		return -ENOMEM;
	need = sb->len + extra + 1;
	if (need <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(sb->buf, cap);
	if (!p)
		return -ENOMEM;
	sb->buf = p;
	sb->cap = cap;
	if (cap >= STRBUF_HUGE)
		hint_huge(p, sb->len, cap);
	return 0;
}

void strbuf_prefault(struct strbuf *sb)
{
	const uintptr_t page = 4096;
	uintptr_t start = ((uintptr_t)sb->buf + sb->len + page - 1) & ~(page - 1);
	uintptr_t end = ((uintptr_t)sb->buf + sb->cap) & ~(page - 1);

	if (sb->buf && end > start)
		(void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}

int strbuf_read_fd(struct strbuf *sb, int fd, size_t step, size_t max)
{
	for (;;) {
		ssize_t got;
		int err = strbuf_grow(sb, step);

		if (err)
			return err;
		sb->buf[sb->len] = '\0'; /* NUL-terminated when nothing more comes */
		got = read(fd, sb->buf + sb->len, sb->cap - sb->len - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (!got)
			return 0;
		sb->len += (size_t)got;
		sb->buf[sb->len] = '\0';
		if (max && sb->len > max)
			return -EFBIG;
	}
}

int strbuf_read_private(struct strbuf *sb, int dirfd, const char *name, size_t max, char *why,
			size_t why_len)
{
	/* O_NONBLOCK: a FIFO planted here must not hang the run. */
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	int err;

	snprintf(why, why_len, "%s", "");
	if (fd < 0) {
		err = -errno;
		if (err != -ENOENT)
			snprintf(why, why_len, "%s%s", strerror(-err),
				 err == -ELOOP ? " (a symlink, not followed)" : "");
		return err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		snprintf(why, why_len, "%s", strerror(-err));
	} else if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		snprintf(why, why_len, "not a regular file");
	} else {
		err = strbuf_read_fd(sb, fd, 65536, max);
		if (err && err != -ENOMEM)
			snprintf(why, why_len, "%s", err == -EFBIG ? "too large" : strerror(-err));
	}
	close(fd);
	return err;
}

int strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	int err = strbuf_grow(sb, len);

	if (err)
		return err;
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_addstr(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

int strbuf_addch(struct strbuf *sb, char c)
{
	return strbuf_add(sb, &c, 1);
}

int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n, err;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	err = strbuf_grow(sb, (size_t)n);
	if (err)
		return err;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
	return 0;
}

/* "00" to "99": one division by 100 gives two digits. */
static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

char *strbuf_u64_digits(char *end, uint64_t v)
{
	char *p = end;

	while (v >= 100) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * v, 2);
	} else {
		*--p = (char)('0' + v);
	}
	return p;
}

size_t strbuf_put_u64(char *buf, uint64_t v)
{
	uint64_t bound = 10;
	size_t n = 1;

	/* 10^19 is the last power of ten below 2^64 */
	while (n < STRBUF_U64_DIGITS && v >= bound) {
		n++;
		bound *= 10;
	}
	strbuf_u64_digits(buf + n, v);
	return n;
}

int strbuf_add_u64(struct strbuf *sb, uint64_t v)
{
	int err = strbuf_grow(sb, STRBUF_U64_DIGITS);

	if (err)
		return err;
	sb->len += strbuf_put_u64(sb->buf + sb->len, v);
	sb->buf[sb->len] = '\0';
	return 0;
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

const char *strbuf_str(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

char *strbuf_detach(struct strbuf *sb)
{
	char *s = sb->buf;

	if (!s)
		s = strdup("");
	*sb = (struct strbuf){0};
	return s;
}

void strbuf_release(struct strbuf *sb)
{
	if (!sb)
		return;
	free(sb->buf);
	*sb = (struct strbuf){0};
}
