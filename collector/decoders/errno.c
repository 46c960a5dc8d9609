/*
 * errno: an unsigned decimal text -> the errno name Go's x/sys/unix gives it on Linux
 * (§6.6, appendix A), which differs from glibc in places (95 ENOTSUP, 117 EFSCORRUPTED);
 * unknown numbers -> "unknown:<n>".
 */
#include "decoders.h"

#include <errno.h>

#include "errno_table.h"

int errno_decode(struct decode_ctx *ctx, const struct config_decoder *dec, const uint8_t *in,
		 size_t len, struct strbuf *out, struct diag *d)
{
	const size_t n_names = sizeof(errno_table_names) / sizeof(errno_table_names[0]);
	char q[DECODERS_QUOTE_SIZE];
	uint64_t v;
	int err;

	(void)ctx;
	(void)dec;
	if (decoders_parse_u64(in, len, &v))
		return diag_err(d, EINVAL, NULL, "input %s is not an unsigned decimal integer",
				decoders_quote(q, sizeof(q), in, len));
	if (v < n_names && errno_table_names[v])
		return strbuf_addstr(out, errno_table_names[v]);
	err = strbuf_add(out, "unknown:", 8);
	if (!err)
		err = strbuf_add_u64(out, v);
	return err;
}
