/*
 * dname: a DNS name in wire format -> dotted text (§6.5). [compat] Every length byte,
 * the terminating zero too, becomes a '.', and the first '.' is dropped: "\3com\0" gives
 * "com.", trailing zero padding gives more dots, and empty input gives ".". A length that
 * runs past the end returns the input unchanged.
 */
#include "decoders.h"

int dname_decode(struct decode_ctx *ctx, const struct config_decoder *dec, const uint8_t *in,
		 size_t len, struct strbuf *out, struct diag *d)
{
	size_t off = 0, start = out->len;
	int err = 0;

	(void)ctx;
	(void)dec;
	(void)d;
	if (!len)
		return strbuf_addch(out, '.');
	while (off < len && !err) {
		size_t n = in[off++];

		if (n > len - off) {
			out->len = start;
			return strbuf_add(out, in, len);
		}
		/* The leading '.' is dropped. */
		if (off > 1)
			err = strbuf_addch(out, '.');
		if (!err)
			err = strbuf_add(out, in + off, n);
		off += n;
	}
	return err;
}
