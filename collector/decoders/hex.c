/* hex: every input byte as two lowercase hex digits, no prefix, no separators (§6.3). */
#include "decoders.h"

#include <errno.h>

int hex_decode(struct decode_ctx *ctx, const struct config_decoder *dec, const uint8_t *in,
	       size_t len, struct strbuf *out, struct diag *d)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;
	int err;

	(void)ctx;
	(void)dec;
	(void)d;
	err = len > SIZE_MAX / 2 ? -ENOMEM : strbuf_grow(out, len * 2);
	if (err)
		return err;
	for (i = 0; i < len; i++) {
		out->buf[out->len++] = digits[in[i] >> 4];
		out->buf[out->len++] = digits[in[i] & 0xf];
	}
	out->buf[out->len] = '\0';
	return 0;
}
