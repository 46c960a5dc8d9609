/*
 * kallsyms: /proc/kallsyms as a sorted array for the ksym and kstack decoders (§6.8,
 * §6.9). The file is read once per context, on first use, into one buffer that also holds
 * the names (each cut off in place); the entries point into it. Lookups are binary
 * searches. Module symbols keep the module, as ebpf_exporter prints them:
 * "name\t[module]".
 */
#include "decoders.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct ksym_entry {
	uint64_t addr;
	uint32_t name; /* offset of the name in kallsyms.text */
	uint32_t seq;  /* line order, so that the last of equal addresses wins */
};

struct kallsyms {
	char *text; /* mmap()ed: the file, names cut off in place */
	size_t text_len, text_cap;
	struct ksym_entry *syms;
	size_t n, cap;
	bool loaded;   /* read and parsed without error */
	bool all_zero; /* no CAP_SYSLOG: the kernel shows every address as 0 */
	bool reread;   /* read again after a miss already */
};

static int ksym_entry_cmp(const void *a, const void *b)
{
	const struct ksym_entry *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Sort @ks->syms whose first @k entries are sorted already: sort the rest and merge it in
 * from the back. The kernel lists its own symbols in order and modules and BPF programs
 * after them, so the rest is short and this costs a small part of a full sort.
 */
static int kallsyms_sort(struct kallsyms *ks, size_t k)
{
	size_t n_tail = ks->n - k, i = k, j = n_tail, o = ks->n;
	struct ksym_entry *tail, *e = ks->syms;

	qsort(e + k, n_tail, sizeof(*e), ksym_entry_cmp);
	tail = malloc(n_tail * sizeof(*tail));
	if (!tail)
		return -ENOMEM;
	memcpy(tail, e + k, n_tail * sizeof(*tail));
	while (j > 0) {
		if (i > 0 && ksym_entry_cmp(&e[i - 1], &tail[j - 1]) > 0)
			e[--o] = e[--i];
		else
			e[--o] = tail[--j];
	}
	free(tail);
	return 0;
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
	ks->syms[ks->n] = (struct ksym_entry){addr, (uint32_t)name, (uint32_t)ks->n};
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
	char *p = ks->text, *end = p + ks->text_len;
	size_t n_sorted = 0; /* entries in order from the start */
	unsigned line = 0;
	int err;

	ks->n = 0;
	ks->all_zero = true;
	/* A kallsyms line takes about 44 bytes: size the array once, in most cases. */
	if (ks->cap < ks->text_len / 36 + 1024) {
		struct ksym_entry *e = reallocarray(ks->syms, ks->text_len / 36 + 1024, sizeof(*e));

		if (!e)
			return diag_err(d, ENOMEM, NULL, "%s: %s", path, strerror(ENOMEM));
		ks->syms = e;
		ks->cap = ks->text_len / 36 + 1024;
	}
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
				return diag_err(d, EINVAL, NULL, "%s:%u: bad address \"%.*s\"",
						path, line, (int)(sp1 - p), p);
			name_end = memchr(sp2 + 1, ' ', (size_t)(eol - sp2 - 1));
			if (name_end)
				*name_end = '\0';
			err = kallsyms_push(ks, addr, (size_t)(sp2 + 1 - ks->text));
			if (err)
				return diag_err(d, err, NULL, "%s: %s", path, strerror(-err));
			if (addr)
				ks->all_zero = false;
			if (n_sorted == ks->n - 1 &&
			    (ks->n == 1 || ks->syms[ks->n - 2].addr <= addr))
				n_sorted = ks->n;
		}
		p = eol + 1;
	}
	if (n_sorted < ks->n) {
		err = kallsyms_sort(ks, n_sorted);
		if (err)
			return diag_err(d, err, NULL, "%s: %s", path, strerror(-err));
	}
	return 0;
}

/*
 * Read @path into ks->text. The buffer is mapped with MAP_POPULATE: on a VM, faulting in
 * 5 MB page by page costs about as much as the kernel's formatting of kallsyms itself.
 * The first guess (8 MB) holds a distribution kernel's kallsyms (about 5.4 MB for 122,000
 * symbols); it grows by mremap() when it does not.
 */
static int kallsyms_read_text(struct kallsyms *ks, const char *path, struct diag *d)
{
	int fd, err = 0;
	ssize_t n;

	ks->text_len = 0;
	if (!ks->text) {
		ks->text_cap = 8u << 20;
		ks->text = mmap(NULL, ks->text_cap, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (ks->text == MAP_FAILED) {
			ks->text = NULL;
			err = errno;
			return diag_err(d, err, NULL, "%s: %s", path, strerror(err));
		}
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		return diag_err(d, err, NULL, "open %s: %s", path, strerror(err));
	}
	for (;;) {
		if (ks->text_cap - ks->text_len < 65536) {
			char *p = mremap(ks->text, ks->text_cap, 2 * ks->text_cap, MREMAP_MAYMOVE);

			if (p == MAP_FAILED) {
				err = errno;
				err = diag_err(d, err, NULL, "read %s: %s", path, strerror(err));
				break;
			}
			ks->text = p;
			ks->text_cap *= 2;
		}
		/* Keep one byte for the NUL after the last line. */
		n = read(fd, ks->text + ks->text_len, ks->text_cap - ks->text_len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			err = diag_err(d, err, NULL, "read %s: %s", path, strerror(err));
			break;
		}
		if (n == 0)
			break;
		ks->text_len += (size_t)n;
	}
	close(fd);
	ks->text[ks->text_len] = '\0';
	return err;
}

/* Read and parse @path into @ks. */
static int kallsyms_load(struct kallsyms *ks, const char *path, struct diag *d)
{
	int err;

	ks->loaded = false;
	err = kallsyms_read_text(ks, path, d);
	if (!err)
		err = kallsyms_parse(ks, path, d);
	if (err)
		ks->n = 0;
	else
		ks->loaded = true;
	return err;
}

/*
 * The system's kallsyms, or the fallback (the loader's snapshot) when it cannot be read or
 * shows no addresses, as it does to a process without CAP_SYSLOG. Decided here, on first
 * use: a run whose configs use no ksym or kstack looks at neither.
 */
static int kallsyms_read(struct decode_ctx *ctx, struct diag *d)
{
	const char *path = ctx->opts.kallsyms_path ? ctx->opts.kallsyms_path : "/proc/kallsyms";
	const char *fallback = ctx->opts.kallsyms_fallback;
	struct kallsyms *ks = ctx->kallsyms;
	struct diag first = { 0 }, second = { 0 };
	int err, err2;

	if (!ks) {
		ks = calloc(1, sizeof(*ks));
		if (!ks)
			return diag_err(d, ENOMEM, NULL, "%s: %s", path, strerror(ENOMEM));
		ctx->kallsyms = ks;
	}
	err = kallsyms_load(ks, path, &first);
	if ((!err && !ks->all_zero) || !fallback) {
		diag_move(d, &first);
		diag_release(&first);
		return err;
	}
	err2 = kallsyms_load(ks, fallback, &second);
	if (!err2) {
		err = 0;
	} else if (!err) {
		/* addresses hidden and no snapshot: the hidden ones it is (names unknown) */
		err = kallsyms_load(ks, path, d);
	} else {
		err = diag_err(d, err, NULL, "%s; the loader's snapshot: %s", diag_last(&first),
			       diag_last(&second));
	}
	diag_release(&first);
	diag_release(&second);
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
	*name = ks->text + ks->syms[lo - 1].name;
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
	if (ks->text)
		munmap(ks->text, ks->text_cap);
	free(ks->syms);
	free(ks);
	ctx->kallsyms = NULL;
}
