/*
 * inet_ip: address bytes in network order -> text, as Go's net.IP.String() prints them
 * (§6.4): 4 bytes dotted quad; 16 bytes RFC 5952 (an IPv4-mapped address as a dotted
 * quad); any other length '?' and the hex of the bytes.
 */
#include "decoders.h"

#include <string.h>

static int add_dotted(struct strbuf *out, const uint8_t *b)
{
	int i, err = 0;

	for (i = 0; i < 4 && !err; i++) {
		if (i)
			err = strbuf_addch(out, '.');
		if (!err)
			err = strbuf_add_u64(out, b[i]);
	}
	return err;
}

static int add_ipv6(struct strbuf *out, const uint8_t *b)
{
	int best = -1, best_len = 0, i, j, err = 0;
	uint16_t g[8];

	for (i = 0; i < 8; i++)
		g[i] = (uint16_t)(b[2 * i] << 8 | b[2 * i + 1]);
	/* The first longest run of at least two zero groups becomes "::". */
	for (i = 0; i < 8; i = j + 1) {
		for (j = i; j < 8 && g[j] == 0; j++)
			;
		if (j - i >= 2 && j - i > best_len) {
			best = i;
			best_len = j - i;
		}
	}
	for (i = 0; i < 8 && !err; i++) {
		if (i == best) {
			err = strbuf_add(out, "::", 2);
			i += best_len - 1;
			continue;
		}
		if (i && i != best + best_len)
			err = strbuf_addch(out, ':');
		if (!err)
			err = decoders_add_hex_u64(out, g[i]);
	}
	return err;
}

int inet_ip_decode(struct decode_ctx *ctx, const struct config_decoder *dec, const uint8_t *in,
		   size_t len, struct strbuf *out, struct diag *d)
{
	static const uint8_t v4mapped[12] = {[10] = 0xff, [11] = 0xff};
	static const char digits[] = "0123456789abcdef";
	size_t i;
	int err;

	(void)ctx;
	(void)dec;
	(void)d;
	if (len == 4)
		return add_dotted(out, in);
	if (len == 16 && memcmp(in, v4mapped, sizeof(v4mapped)) == 0)
		return add_dotted(out, in + 12);
	if (len == 16)
		return add_ipv6(out, in);
	/* [compat] Go prints "<nil>" for an empty net.IP, not "?". */
	if (!len)
		return strbuf_addstr(out, "<nil>");
	err = strbuf_addch(out, '?');
	for (i = 0; i < len && !err; i++) {
		err = strbuf_addch(out, digits[in[i] >> 4]);
		if (!err)
			err = strbuf_addch(out, digits[in[i] & 0xf]);
	}
	return err;
}
