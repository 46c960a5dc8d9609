/*
 * static_map: the input text -> the configured value (§6.15). Without a `static_map` key
 * -> "empty mapping"; not found -> "unknown:<input>", or the input itself with
 * `allow_unknown: true`. Keys are the literal YAML scalar texts and compare byte for byte.
 */
#include "decoders.h"

#include <string.h>

int static_map_decode(struct decode_ctx *ctx, const struct config_decoder *dec, const uint8_t *in,
		      size_t len, struct strbuf *out, struct diag *d)
{
	size_t i;
	int err;

	(void)ctx;
	(void)d;
	if (!dec->has_static_map)
		return strbuf_addstr(out, "empty mapping");
	/* From the end: the later of two equal YAML keys wins, as in a Go map. */
	for (i = dec->n_static; i-- > 0;) {
		const char *key = dec->static_map[i].key;

		if (key && strlen(key) == len && memcmp(key, in, len) == 0)
			return strbuf_addstr(
				out, dec->static_map[i].value ? dec->static_map[i].value : "");
	}
	if (dec->allow_unknown)
		return strbuf_add(out, in, len);
	err = strbuf_add(out, "unknown:", 8);
	if (!err)
		err = strbuf_add(out, in, len);
	return err;
}
