/*
 * pci_class: the decimal text of a PCI class -> its name in pci.ids (§6.10);
 * otherwise "unknown pci class: 0x<key>", and "missing pci.ids db" without a database.
 * [compat] The key is "%02x" of the number, so ids with fewer significant digits than
 * pci.ids writes (vendor 0x0e11 -> "e11") never match.
 */
#include "decoders.h"

int pci_class_decode(struct decode_ctx *ctx, const struct config_decoder *dec, const uint8_t *in,
		     size_t len, struct strbuf *out, struct diag *d)
{
	(void)dec;
	return pci_decode_id(ctx, in, len, 2, pci_db_class, "class", out, d);
}
