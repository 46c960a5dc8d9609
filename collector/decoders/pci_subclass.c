/*
 * pci_subclass: the decimal text of (class << 8) + subclass -> the subclass name in
 * pci.ids (§6.10); otherwise "unknown pci class: 0x<cc>" or "unknown pci subclass: 0x<ss>
 * (class 0x<cc>)", and "missing pci.ids db" without a database.
 */
#include "decoders.h"

int pci_subclass_decode(struct decode_ctx *ctx, const struct config_decoder *dec, const uint8_t *in,
			size_t len, struct strbuf *out, struct diag *d)
{
	char class_key[DECODERS_GOHEX_SIZE], sub_key[DECODERS_GOHEX_SIZE];
	const struct pci_db *db;
	const char *name;
	bool found_class;
	int64_t v;
	int err = pci_decode_start(ctx, in, len, &db, &v, out, d);

	(void)dec;
	if (err)
		return err > 0 ? 0 : err;
	/* Go's >> on a negative int is arithmetic, as here. */
	decoders_gohex(class_key, v >> 8, 2);
	decoders_gohex(sub_key, v & 0xff, 2);
	name = pci_db_subclass(db, class_key, sub_key, &found_class);
	if (name)
		return strbuf_addstr(out, name);
	if (!found_class)
		return strbuf_addf(out, "unknown pci class: 0x%s", class_key);
	return strbuf_addf(out, "unknown pci subclass: 0x%s (class 0x%s)", sub_key, class_key);
}
