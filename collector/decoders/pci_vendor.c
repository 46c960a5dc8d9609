/*
 * pci_vendor: the decimal text of a PCI vendor id -> its name in pci.ids (§6.10);
 * otherwise "unknown pci vendor: 0x<key>", and "missing pci.ids db" without a database.
 * [compat] The key is "%02x" of the number, so ids with fewer significant digits than
 * pci.ids writes (vendor 0x0e11 -> "e11") never match.
 */
#include "decoders.h"

int pci_vendor_decode(struct decode_ctx *ctx, const struct config_decoder *dec, const uint8_t *in,
		      size_t len, struct strbuf *out, struct diag *d)
{
	char key[DECODERS_GOHEX_SIZE];
	const struct pci_db *db;
	const char *name;
	int64_t v;
	int err;

	(void)dec;
	err = pci_db_get(ctx, &db, d);
	if (err)
		return err;
	/* [compat] Without a database the input is not even parsed. */
	if (!db)
		return strbuf_addstr(out, PCI_MISSING_DB);
	err = decoders_atoi_diag(in, len, &v, d);
	if (err)
		return err;
	decoders_gohex(key, v, 2);
	name = pci_db_vendor(db, key);
	if (name)
		return strbuf_addstr(out, name);
	return strbuf_addf(out, "unknown pci vendor: 0x%s", key);
}
