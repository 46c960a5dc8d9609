/*
 * ksym: a host-order u64 kernel address -> the name of the symbol at exactly that address
 * (§6.8), "name\t[module]" for module symbols; otherwise "unknown_addr:0x<hex>".
 */
#include "decoders.h"

#include <errno.h>

int ksym_decode(struct decode_ctx *ctx, const struct config_decoder *dec, const uint8_t *in,
		size_t len, struct strbuf *out, struct diag *d)
{
	uint64_t addr;
	const char *name;
	bool exact;
	int err;

	(void)dec;
	/* [crash] Go reads 8 bytes whatever the length; extra bytes are ignored. */
	if (len < 8)
		return diag_err(d, EINVAL, NULL, "input is %zu bytes; expected at least 8", len);
	addr = decoders_u64(in);
	err = kallsyms_find(ctx, addr, &name, &exact, d);
	if (!err && !exact) {
		err = kallsyms_reread_once(ctx, d);
		if (err == 1)
			err = kallsyms_find(ctx, addr, &name, &exact, d);
	}
	if (err)
		return err;
	if (exact)
		return strbuf_addstr(out, name);
	err = strbuf_add(out, "unknown_addr:0x", 15);
	if (!err)
		err = decoders_add_hex_u64(out, addr);
	return err;
}
