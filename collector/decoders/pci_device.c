/*
 * pci_device: the decimal text of (vendor << 16) + device -> its name in pci.ids (§6.10);
 * otherwise "unknown pci device: 0x<key>", and "missing pci.ids db" without a database.
 * [compat] The key is "%04x" of the number, so a device of a vendor below 0x1000 (0x0e11,
 * device 0x0001 -> "e110001") never matches.
 */
#include "decoders.h"

int pci_device_decode(struct decode_ctx *ctx, const struct config_decoder *dec, const uint8_t *in,
		      size_t len, struct strbuf *out, struct diag *d)
{
	(void)dec;
	return pci_decode_id(ctx, in, len, 4, pci_db_device, "device", out, d);
}
