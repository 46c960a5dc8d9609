/*
 * ksym: a host-order u64 kernel address -> the name of the symbol at exactly that address
 * (§6.8), "name\t[module]" for module symbols. An address that is no symbol's is written
 * "unknown_addr" and counted as a decoder error: a kernel address would leak the kernel's
 * layout into world-readable files. [compat] decode_opts.ksym_unknown_addr gives
 * ebpf_exporter's "unknown_addr:0x<hex>", counted as nothing.
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
	if (!ctx->opts.ksym_unknown_addr) {
		err = strbuf_add(out, "unknown_addr", 12);
		if (!err)
			diag_err(
				d, ENOENT, NULL,
				"an address that is no kernel symbol's is "
				"written \"unknown_addr\" (ebpfexp-read --compat.ksym-unknown-addr writes "
				"the address)");
		return err ? err : DECODE_COUNTED;
	}
	err = strbuf_add(out, "unknown_addr:0x", 15);
	if (!err)
		err = decoders_add_hex_u64(out, addr);
	return err;
}
