/* uint: a host-order unsigned integer of 1, 2, 4 or 8 bytes -> its decimal text (§6.1). */
#include "decoders.h"

#include <errno.h>

int uint_decode(struct decode_ctx *ctx, const struct config_decoder *dec, const uint8_t *in,
		size_t len, struct strbuf *out, struct diag *d)
{
	uint64_t v;

	(void)ctx;
	(void)dec;
	switch (len) {
	case 1: v = in[0]; break;
	case 2: v = decoders_u16(in); break;
	case 4: v = decoders_u32(in); break;
	case 8: v = decoders_u64(in); break;
	default: return diag_err(d, EINVAL, NULL, "input is %zu bytes; expected 1, 2, 4 or 8", len);
	}
	return strbuf_add_u64(out, v);
}
