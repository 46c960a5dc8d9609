/*
 * decoders: helpers shared by the decoders: Go-compatible number parsing and formatting,
 * host-order integers from key bytes, quoting for messages, reading proc files.
 */
#include "decoders.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char hexdigits[] = "0123456789abcdef";

static int parse_digits(const uint8_t *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned dig = (unsigned)s[i] - '0';

		if (dig > 9)
			return -EINVAL;
		if (v > (UINT64_MAX - dig) / 10) {
			/* Go reports a syntax error before a range error: check the rest. */
			for (i++; i < len; i++)
				if ((unsigned)s[i] - '0' > 9)
					return -EINVAL;
			return -ERANGE;
		}
		v = v * 10 + dig;
	}
	*out = v;
	return 0;
}

int decoders_parse_u64(const uint8_t *s, size_t len, uint64_t *out)
{
	return parse_digits(s, len, out);
}

int decoders_atoi(const uint8_t *s, size_t len, int64_t *out)
{
	bool neg = false;
	uint64_t v;
	int err;

	if (len && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		s++;
		len--;
	}
	err = parse_digits(s, len, &v);
	if (err)
		return err;
	if (!neg && v > (uint64_t)INT64_MAX)
		return -ERANGE;
	if (neg && v > (uint64_t)INT64_MAX + 1)
		return -ERANGE;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

int decoders_atoi_diag(const uint8_t *s, size_t len, int64_t *out, struct diag *d)
{
	char q[DECODERS_QUOTE_SIZE];
	int err = decoders_atoi(s, len, out);

	if (err == -ERANGE)
		return diag_err(d, ERANGE, NULL,
				"input %s is out of range for a signed 64-bit integer",
				decoders_quote(q, sizeof(q), s, len));
	if (err)
		return diag_err(d, EINVAL, NULL, "input %s is not a decimal integer",
				decoders_quote(q, sizeof(q), s, len));
	return 0;
}

int decoders_add_i64(struct strbuf *sb, int64_t v)
{
	int err;

	if (v >= 0)
		return strbuf_add_u64(sb, (uint64_t)v);
	err = strbuf_addch(sb, '-');
	if (!err)
		err = strbuf_add_u64(sb, 0 - (uint64_t)v);
	return err;
}

size_t decoders_gohex(char buf[DECODERS_GOHEX_SIZE], int64_t v, int width)
{
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	char tmp[16];
	size_t n = 0, o = 0;

	if (width > DECODERS_GOHEX_SIZE - 1)
		width = DECODERS_GOHEX_SIZE - 1;
	do {
		tmp[n++] = hexdigits[u & 0xf];
		u >>= 4;
	} while (u);
	if (v < 0) {
		buf[o++] = '-';
		width--;
	}
	for (; width > (int)n; width--)
		buf[o++] = '0';
	while (n)
		buf[o++] = tmp[--n];
	buf[o] = '\0';
	return o;
}

int decoders_add_hex_u64(struct strbuf *sb, uint64_t v)
{
	char tmp[16];
	int n = 0;

	do {
		tmp[15 - n++] = hexdigits[v & 0xf];
		v >>= 4;
	} while (v);
	return strbuf_add(sb, tmp + 16 - n, (size_t)n);
}

const char *decoders_quote(char *buf, size_t size, const uint8_t *in, size_t len)
{
	size_t o = 0, i, head = len, tail = len;

	if (size < 16) {
		if (size)
			buf[0] = '\0';
		return buf;
	}
	/* Room for the quotes, an ellipsis and the NUL; each byte takes at most 4. */
	if (len * 4 + 8 > size) {
		head = (size - 12) / 4 / 2;
		tail = len - head;
	}
	buf[o++] = '"';
	for (i = 0; i < len; i++) {
		uint8_t c = in[i];

		if (i == head && i < tail) {
			memcpy(buf + o, "...", 3);
			o += 3;
			i = tail - 1;
			continue;
		}
		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hexdigits[c >> 4];
			buf[o++] = hexdigits[c & 0xf];
		}
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

uint64_t decoders_u64(const uint8_t *in)
{
	uint64_t v;

	memcpy(&v, in, sizeof(v));
	return v;
}

uint32_t decoders_u32(const uint8_t *in)
{
	uint32_t v;

	memcpy(&v, in, sizeof(v));
	return v;
}

uint16_t decoders_u16(const uint8_t *in)
{
	uint16_t v;

	memcpy(&v, in, sizeof(v));
	return v;
}

int decoders_read_file(const char *path, struct strbuf *sb, struct diag *d)
{
	int fd, err;

	strbuf_reset(sb);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		return diag_err(d, err, NULL, "open %s: %s", path, strerror(err));
	}
	err = strbuf_read_fd(sb, fd, 256 * 1024, 0);
	close(fd);
	if (err)
		err = diag_err(d, -err, NULL, "read %s: %s", path, strerror(-err));
	return err;
}
