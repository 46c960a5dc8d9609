/*
 * kallsyms: /proc/kallsyms as a sorted array for the ksym and kstack decoders (§6.8,
 * §6.9). The file is read once per context, on first use, into one buffer that also holds
 * the names (each cut off in place); the entries point into it. Lookups are binary
 * searches. Module symbols keep the module, as ebpf_exporter prints them:
 * "name\t[module]".
 */
#include "decoders.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct ksym_entry {
	uint64_t addr;
	uint32_t name;		/* offset of the name in kallsyms.text */
	uint32_t seq;		/* line order, so that the last of equal addresses wins */
};

struct kallsyms {
	struct strbuf text;
	struct ksym_entry *syms;
	size_t n, cap;
	bool loaded;		/* read and parsed without error */
	bool all_zero;		/* no CAP_SYSLOG: the kernel shows every address as 0 */
	bool reread;		/* read again after a miss already */
};

static int ksym_entry_cmp(const void *a, const void *b)
{
	const struct ksym_entry *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int hex_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!len || len > 16)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		char c = s[i];
		unsigned dig;

		if (c >= '0' && c <= '9')
			dig = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			dig = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			dig = (unsigned)(c - 'A' + 10);
		else
			return -EINVAL;
		v = v << 4 | dig;
	}
	*out = v;
	return 0;
}

static int kallsyms_push(struct kallsyms *ks, uint64_t addr, size_t name)
{
	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 65536;
		struct ksym_entry *p = reallocarray(ks->syms, cap, sizeof(*p));

		if (!p)
			return -ENOMEM;
		ks->syms = p;
		ks->cap = cap;
	}
	if (name > UINT32_MAX || ks->n >= UINT32_MAX)
		return -E2BIG;
	ks->syms[ks->n] = (struct ksym_entry){ addr, (uint32_t)name, (uint32_t)ks->n };
	ks->n++;
	return 0;
}

/*
 * [compat] A line counts when it has at least three fields separated by single spaces:
 * "addr type name", where name runs to the next space or the end of the line and so
 * keeps "\t[module]".
 */
static int kallsyms_parse(struct kallsyms *ks, const char *path, struct diag *d)
{
	char *p = ks->text.buf, *end = p + ks->text.len;
	bool sorted = true;
	unsigned line = 0;
	int err;

	ks->n = 0;
	ks->all_zero = true;
	while (p < end) {
		char *eol = memchr(p, '\n', (size_t)(end - p));
		char *sp1, *sp2, *name_end;
		uint64_t addr;

		if (!eol)
			eol = end;
		line++;
		*eol = '\0';
		sp1 = memchr(p, ' ', (size_t)(eol - p));
		sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
		if (sp2) {
			if (hex_u64(p, (size_t)(sp1 - p), &addr))
				return diag_err(d, EINVAL, NULL, "%s:%u: bad address \"%.*s\"", path,
						line, (int)(sp1 - p), p);
			name_end = memchr(sp2 + 1, ' ', (size_t)(eol - sp2 - 1));
			if (name_end)
				*name_end = '\0';
			err = kallsyms_push(ks, addr, (size_t)(sp2 + 1 - ks->text.buf));
			if (err)
				return diag_err(d, err, NULL, "%s: %s", path, strerror(-err));
			if (addr)
				ks->all_zero = false;
			if (ks->n > 1 && ks->syms[ks->n - 2].addr > addr)
				sorted = false;
		}
		p = eol + 1;
	}
	/* The kernel lists its own symbols in order; modules and BPF may follow out of it. */
	if (!sorted)
		qsort(ks->syms, ks->n, sizeof(ks->syms[0]), ksym_entry_cmp);
	return 0;
}

static int kallsyms_read(struct decode_ctx *ctx, struct diag *d)
{
	const char *path = ctx->opts.kallsyms_path ? ctx->opts.kallsyms_path : "/proc/kallsyms";
	struct kallsyms *ks = ctx->kallsyms;
	int err;

	if (!ks) {
		ks = calloc(1, sizeof(*ks));
		if (!ks)
			return diag_err(d, ENOMEM, NULL, "%s: %s", path, strerror(ENOMEM));
		ctx->kallsyms = ks;
	}
	ks->loaded = false;
	err = decoders_read_file(path, &ks->text, d);
	if (!err)
		err = kallsyms_parse(ks, path, d);
	if (err)
		ks->n = 0;
	else
		ks->loaded = true;
	return err;
}

int kallsyms_find(struct decode_ctx *ctx, uint64_t addr, const char **name, bool *exact,
		  struct diag *d)
{
	struct kallsyms *ks = ctx->kallsyms;
	size_t lo = 0, hi;
	int err;

	*name = NULL;
	*exact = false;
	if (!ks || !ks->loaded) {
		err = kallsyms_read(ctx, d);
		if (err)
			return err;
		ks = ctx->kallsyms;
	}
	/* The first entry above @addr; the one before it is the answer. */
	hi = ks->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return 0;
	*name = ks->text.buf + ks->syms[lo - 1].name;
	*exact = ks->syms[lo - 1].addr == addr;
	return 0;
}

int kallsyms_reread_once(struct decode_ctx *ctx, struct diag *d)
{
	struct kallsyms *ks = ctx->kallsyms;
	int err;

	if (!ks || ks->reread || ks->all_zero)
		return 0;
	ks->reread = true;
	err = kallsyms_read(ctx, d);
	return err ? err : 1;
}

void kallsyms_release(struct decode_ctx *ctx)
{
	struct kallsyms *ks = ctx->kallsyms;

	if (!ks)
		return;
	strbuf_release(&ks->text);
	free(ks->syms);
	free(ks);
	ctx->kallsyms = NULL;
}
