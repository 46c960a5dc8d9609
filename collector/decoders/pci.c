/*
 * pci: the pci.ids database for the pci_* decoders (§6.10), read on first use and parsed
 * as jaypipes/pcidb parses it (fixed columns: "vvvv  Vendor", "\tdddd  Device",
 * "C cc  Class", "\tss  Subclass"), with its quirks: a repeated vendor or device id keeps
 * the last, and the subclasses of the last class in the file are lost. Names point into
 * the one buffer that holds the file.
 */
#include "decoders.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct pci_entry {
	char key[9]; /* vendor "vvvv", device "vvvvdddd", class "cc", subclass "ccss" */
	const char *name;
	size_t seq;
};

enum pci_table { PCI_VENDORS, PCI_DEVICES, PCI_CLASSES, PCI_SUBCLASSES, PCI_N_TABLES };

struct pci_db {
	struct strbuf text;
	struct {
		struct pci_entry *e;
		size_t n, cap;
	} t[PCI_N_TABLES];
};

/* pcidb's places (without its cache and .gz variants) in its order. */
static const char *const pci_ids_paths[] = {"/usr/share/hwdata/pci.ids", "/usr/share/misc/pci.ids"};

static int pci_entry_cmp(const void *a, const void *b)
{
	const struct pci_entry *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int pci_add(struct pci_db *db, enum pci_table t, const char *key, size_t key_len,
		   const char *name)
{
	struct pci_entry *e;

	if (db->t[t].n == db->t[t].cap) {
		size_t cap = db->t[t].cap ? db->t[t].cap * 2 : 1024;

		e = reallocarray(db->t[t].e, cap, sizeof(*e));
		if (!e)
			return -ENOMEM;
		db->t[t].e = e;
		db->t[t].cap = cap;
	}
	e = &db->t[t].e[db->t[t].n];
	memcpy(e->key, key, key_len);
	e->key[key_len] = '\0';
	e->name = name;
	e->seq = db->t[t].n++;
	return 0;
}

static int pci_parse(struct pci_db *db)
{
	char *s = db->text.buf, *end = s + db->text.len;
	const char *vendor = NULL, *class = NULL;
	size_t pending = 0; /* subclasses of the current class, not yet kept */
	char key[9];
	int err = 0;

	while (s < end && !err) {
		char *line = s, *eol = memchr(s, '\n', (size_t)(end - s));
		size_t len;

		if (!eol)
			eol = end;
		*eol = '\0';
		s = eol + 1;
		len = (size_t)(eol - line);
		if (!len || line[0] == '#')
			continue;
		if (line[0] == 'C') {
			/* pcidb attaches a class's subclasses when the next class starts. */
			pending = 0;
			if (len < 6)
				continue; /* [crash] pcidb slices past the end */
			class = line + 2;
			err = pci_add(db, PCI_CLASSES, class, 2, line + 6);
		} else if (line[0] != '\t') {
			class = NULL;
			vendor = NULL;
			if (len < 6)
				continue;
			vendor = line;
			err = pci_add(db, PCI_VENDORS, line, 4, line + 6);
		} else if (len > 1 && line[1] != '\t') {
			if (class && len >= 5) {
				memcpy(key, class, 2);
				memcpy(key + 2, line + 1, 2);
				err = pci_add(db, PCI_SUBCLASSES, key, 4, line + 5);
				pending++;
			} else if (!class && vendor && len >= 7) {
				memcpy(key, vendor, 4);
				memcpy(key + 4, line + 1, 4);
				err = pci_add(db, PCI_DEVICES, key, 8, line + 7);
			}
		}
	}
	if (err)
		return err;
	db->t[PCI_SUBCLASSES].n -= pending;
	for (int t = 0; t < PCI_N_TABLES; t++)
		qsort(db->t[t].e, db->t[t].n, sizeof(struct pci_entry), pci_entry_cmp);
	return 0;
}

int pci_db_get(struct decode_ctx *ctx, const struct pci_db **out, struct diag *d)
{
	const char *path = ctx->opts.pci_ids_path;
	struct pci_db *db;
	size_t i;
	int err;

	*out = ctx->pci;
	if (ctx->pci_loaded)
		return 0;
	for (i = 0; !path && i < sizeof(pci_ids_paths) / sizeof(pci_ids_paths[0]); i++)
		if (access(pci_ids_paths[i], F_OK) == 0)
			path = pci_ids_paths[i];
	if (!path || access(path, F_OK) != 0) {
		ctx->pci_loaded = true;
		return 0;
	}
	db = calloc(1, sizeof(*db));
	if (!db)
		return -ENOMEM;
	err = decoders_read_file(path, &db->text, d);
	if (!err) {
		err = pci_parse(db);
		if (err)
			diag_err(d, err, NULL, "%s: %s", path, strerror(-err));
	}
	if (err) {
		ctx->pci = db;
		pci_release(ctx);
		return err;
	}
	ctx->pci = db;
	ctx->pci_loaded = true;
	*out = db;
	return 0;
}

/* The entry for @key; @last picks the last of equal keys (a map), else the first (a list). */
static const char *pci_find(const struct pci_db *db, enum pci_table t, const char *key, bool last)
{
	size_t lo = 0, hi = db->t[t].n;
	const struct pci_entry *e = db->t[t].e;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(e[mid].key, key);

		if (c < 0 || (last && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (last)
		return lo && !strcmp(e[lo - 1].key, key) ? e[lo - 1].name : NULL;
	return lo < db->t[t].n && !strcmp(e[lo].key, key) ? e[lo].name : NULL;
}

const char *pci_db_vendor(const struct pci_db *db, const char *key)
{
	return pci_find(db, PCI_VENDORS, key, true);
}

const char *pci_db_device(const struct pci_db *db, const char *key)
{
	return pci_find(db, PCI_DEVICES, key, true);
}

const char *pci_db_class(const struct pci_db *db, const char *key)
{
	return pci_find(db, PCI_CLASSES, key, true);
}

const char *pci_db_subclass(const struct pci_db *db, const char *class_key, const char *sub_key,
			    bool *found_class)
{
	char key[9];

	*found_class = pci_db_class(db, class_key) != NULL;
	if (!*found_class || strlen(class_key) != 2 || strlen(sub_key) != 2)
		return NULL;
	memcpy(key, class_key, 2);
	memcpy(key + 2, sub_key, 3);
	return pci_find(db, PCI_SUBCLASSES, key, false);
}

void pci_release(struct decode_ctx *ctx)
{
	struct pci_db *db = ctx->pci;

	if (db) {
		for (int t = 0; t < PCI_N_TABLES; t++)
			free(db->t[t].e);
		strbuf_release(&db->text);
		free(db);
	}
	ctx->pci = NULL;
	ctx->pci_loaded = false;
}

int pci_decode_start(struct decode_ctx *ctx, const uint8_t *in, size_t len,
		     const struct pci_db **db, int64_t *v, struct strbuf *out, struct diag *d)
{
	int err = pci_db_get(ctx, db, d);

	if (err)
		return err;
	/* [compat] Without a database the input is not even parsed. */
	if (!*db) {
		err = strbuf_addstr(out, PCI_MISSING_DB);
		return err ? err : 1;
	}
	return decoders_atoi_diag(in, len, v, d);
}

int pci_decode_id(struct decode_ctx *ctx, const uint8_t *in, size_t len, int min_digits,
		  const char *(*lookup)(const struct pci_db *, const char *), const char *what,
		  struct strbuf *out, struct diag *d)
{
	char key[DECODERS_GOHEX_SIZE];
	const struct pci_db *db;
	const char *name;
	int64_t v;
	int err = pci_decode_start(ctx, in, len, &db, &v, out, d);

	if (err)
		return err > 0 ? 0 : err;
	decoders_gohex(key, v, min_digits);
	name = lookup(db, key);
	if (name)
		return strbuf_addstr(out, name);
	return strbuf_addf(out, "unknown pci %s: 0x%s", what, key);
}
