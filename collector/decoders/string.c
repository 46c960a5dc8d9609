/*
 * string: bytes up to the first NUL (or all of them) -> text (§6.2). No UTF-8 check, as in
 * ebpf_exporter: what the text format needs is left to promtext.
 */
#include "decoders.h"

#include <string.h>

int string_decode(struct decode_ctx *ctx, const struct config_decoder *dec, const uint8_t *in,
		  size_t len, struct strbuf *out, struct diag *d)
{
	const uint8_t *nul = len ? memchr(in, '\0', len) : NULL;

	(void)ctx;
	(void)dec;
	(void)d;
	return strbuf_add(out, in, nul ? (size_t)(nul - in) : len);
}
