/*
 * ksymidx: build, write, map, check and search the binary symbol index. Reading
 * /proc/kallsyms and deciding when to fall back are the callers' (ksymsnap for the loader,
 * decoders/kallsyms.c for the reader).
 */
#include "ksymidx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "diag.h"
#include "idsearch.h"
#include "statedir.h"
#include "strbuf.h"

#define KSYMIDX_MAGIC "EBPFKSYM"
#define KSYMIDX_BOOT_ID "/proc/sys/kernel/random/boot_id"
#define KSYMIDX_MODULES "/proc/modules"
#define KSYMIDX_ALL_ZERO 1u
#define KSYMIDX_WRITE_CHUNK (64u << 10)

struct ksymidx_header {
	char magic[8];
	uint32_t version;
	uint32_t header_len;
	uint64_t n;
	uint64_t addrs_off;
	uint64_t names_off;
	uint64_t pool_off;
	uint64_t pool_len;
	uint64_t flags;
	struct ksymidx_stamp stamp;
};

struct ksymidx {
	const uint8_t *base;
	size_t len;
	bool mapped;
	const uint64_t *addrs;
	const uint32_t *names;
	const char *pool;
	size_t n, pool_len;
	uint64_t flags;
	struct ksymidx_stamp stamp;
};

static uint64_t fnv1a(uint64_t h, const void *p, size_t len)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ s[i]) * 0x100000001b3ull;
	return h;
}

static int read_small(const char *path, struct strbuf *sb, struct diag *d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return diag_err(d, errno, NULL, "open %s: %s", path, strerror(errno));
	strbuf_reset(sb);
	err = strbuf_read_fd(sb, fd, 16384, 64u << 20);
	close(fd);
	if (err)
		return diag_err(d, -err, NULL, "read %s: %s", path, strerror(-err));
	return 0;
}

int ksymidx_modules_hash(const char *path, bool full, uint64_t *out, struct diag *d)
{
	struct strbuf sb = {0};
	uint64_t h = 0xcbf29ce484222325ull;
	const char *p, *end;
	int err;

	if (!path)
		path = KSYMIDX_MODULES;
	/*
	 * A kernel built without modules has no /proc/modules: its symbols never change. One
	 * that hides it from us (EACCES) is taken alike, loader and reader the same way, so
	 * that the index is still used; module changes then go unnoticed until a reload.
	 */
	if (access(path, R_OK) && (errno == ENOENT || errno == EACCES)) {
		*out = h;
		return 0;
	}
	err = read_small(path, &sb, d);
	if (err)
		return err;
	p = sb.buf ? sb.buf : "";
	end = p + sb.len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *f = p;

		if (!eol)
			eol = end;
		/*
		 * "name size refcount deps state address". Name and size always; @full adds state
		 * and address, not the use count and users, which change whenever a module is
		 * opened or used and say nothing about where its symbols are.
		 */
		for (int i = 0; i < 6 && f < eol; i++) {
			const char *sp = memchr(f, ' ', (size_t)(eol - f));
			const char *fe = sp ? sp : eol;

			if (i < 2 || (full && i >= 4)) {
				if (i)
					h = fnv1a(h, " ", 1);
				h = fnv1a(h, f, (size_t)(fe - f));
			}
			f = fe + 1;
		}
		h = fnv1a(h, "\n", 1);
		p = eol + 1;
	}
	strbuf_release(&sb);
	*out = h;
	return 0;
}

int ksymidx_stamp_now(struct ksymidx_stamp *s, struct diag *d)
{
	struct strbuf sb = {0};
	size_t n;
	int err;

	memset(s, 0, sizeof(*s));
	err = read_small(KSYMIDX_BOOT_ID, &sb, d);
	if (!err) {
		n = sb.len;
		while (n && (sb.buf[n - 1] == '\n' || sb.buf[n - 1] == ' '))
			n--;
		memcpy(s->boot_id, sb.buf, n < sizeof(s->boot_id) - 1 ? n : sizeof(s->boot_id) - 1);
		err = ksymidx_modules_hash(NULL, false, &s->modules, d);
	}
	strbuf_release(&sb);
	return err;
}

/* One kallsyms line, while building. */
struct ksymidx_entry {
	uint64_t addr;
	uint32_t name, name_len; /* in the text */
	uint32_t seq;		 /* line order: the last of equal addresses wins */
};

static int entry_cmp(const void *a, const void *b)
{
	const struct ksymidx_entry *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Sort @e[0..@n) whose first @k entries are sorted already: sort the rest and merge it in
 * from the back. The kernel lists its own symbols in order and modules and BPF programs
 * after them, so the rest is short and this costs a small part of a full sort.
 */
static int sort_entries(struct ksymidx_entry *e, size_t n, size_t k)
{
	size_t n_tail = n - k, i = k, j = n_tail, o = n;
	struct ksymidx_entry *tail;

	qsort(e + k, n_tail, sizeof(*e), entry_cmp);
	tail = malloc(n_tail * sizeof(*tail));
	if (!tail)
		return -ENOMEM;
	memcpy(tail, e + k, n_tail * sizeof(*tail));
	while (j > 0) {
		if (i > 0 && entry_cmp(&e[i - 1], &tail[j - 1]) > 0)
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

	if (!len || len > 16)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
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

/* Parse @text into *@out (sorted, not yet deduplicated). */
static int parse_text(const char *text, size_t len, const char *path, struct ksymidx_entry **out,
		      size_t *n_out, bool *all_zero, struct diag *d)
{
	const char *p = text, *end = text + len;
	/* A kallsyms line takes about 44 bytes: size the array once, in most cases. */
	size_t cap = len / 36 + 1024, n = 0, n_sorted = 0;
	struct ksymidx_entry *e;
	unsigned line = 0;

	*out = NULL;
	*all_zero = true;
	if (len > UINT32_MAX)
		return diag_err(d, E2BIG, NULL, "%s: %zu bytes is too big", path, len);
	e = malloc(cap * sizeof(*e));
	if (!e)
		return diag_err(d, ENOMEM, NULL, "%s: %s", path, strerror(ENOMEM));
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *sp1, *sp2, *name, *name_end;
		uint64_t addr;

		if (!eol)
			eol = end;
		line++;
		sp1 = memchr(p, ' ', (size_t)(eol - p));
		sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
		if (sp2) {
			if (hex_u64(p, (size_t)(sp1 - p), &addr)) {
				free(e);
				return diag_err(d, EINVAL, NULL, "%s:%u: bad address \"%.*s\"",
						path, line, (int)(sp1 - p), p);
			}
			name = sp2 + 1;
			name_end = memchr(name, ' ', (size_t)(eol - name));
			if (!name_end)
				name_end = eol;
			/* a NUL in the text would end the name early in the pool */
			name_end = memchr(name, '\0', (size_t)(name_end - name)) ?: name_end;
			if (n == cap) {
				struct ksymidx_entry *g = reallocarray(e, cap * 2, sizeof(*e));

				if (!g) {
					free(e);
					return diag_err(d, ENOMEM, NULL, "%s: %s", path,
							strerror(ENOMEM));
				}
				e = g;
				cap *= 2;
			}
			e[n] = (struct ksymidx_entry){addr, (uint32_t)(name - text),
						      (uint32_t)(name_end - name), (uint32_t)n};
			n++;
			if (addr)
				*all_zero = false;
			if (n_sorted == n - 1 && (n == 1 || e[n - 2].addr <= addr))
				n_sorted = n;
		}
		p = eol + 1;
	}
	if (n_sorted < n && sort_entries(e, n, n_sorted)) {
		free(e);
		return diag_err(d, ENOMEM, NULL, "%s: %s", path, strerror(ENOMEM));
	}
	*out = e;
	*n_out = n;
	return 0;
}

int ksymidx_build(const char *text, size_t len, const char *path, const struct ksymidx_stamp *stamp,
		  struct strbuf *out, bool *all_zero, struct diag *d)
{
	struct ksymidx_header h = {.version = KSYMIDX_VERSION, .header_len = sizeof(h)};
	struct ksymidx_entry *e;
	size_t n = 0, k = 0, pool_len = 1;
	uint64_t *addrs;
	uint32_t *names;
	char *pool;
	int err;

	strbuf_reset(out);
	err = parse_text(text, len, path, &e, &n, all_zero, d);
	if (err)
		return err;
	/* of equal addresses keep the last: the sort put it last */
	for (size_t i = 0; i < n; i++) {
		if (k && e[k - 1].addr == e[i].addr)
			k--;
		e[k++] = e[i];
	}
	n = k;
	for (size_t i = 0; i < n; i++)
		pool_len += e[i].name_len + 1;
	memcpy(h.magic, KSYMIDX_MAGIC, sizeof(h.magic));
	h.n = n;
	h.addrs_off = sizeof(h);
	h.names_off = h.addrs_off + 8 * n;
	h.pool_off = h.names_off + 4 * n;
	h.pool_len = pool_len;
	h.flags = *all_zero ? KSYMIDX_ALL_ZERO : 0;
	if (stamp)
		h.stamp = *stamp;
	if (pool_len > UINT32_MAX) {
		free(e);
		return diag_err(d, E2BIG, NULL, "%s: too many symbols", path);
	}
	err = strbuf_grow(out, h.pool_off + pool_len);
	if (err) {
		free(e);
		return diag_err(d, -err, NULL, "%s: %s", path, strerror(-err));
	}
	memcpy(out->buf, &h, sizeof(h));
	/* strbuf memory is malloc()ed: aligned for the u64 array after the header */
	addrs = (uint64_t *)(void *)(out->buf + h.addrs_off);
	names = (uint32_t *)(void *)(out->buf + h.names_off);
	pool = out->buf + h.pool_off;
	pool[0] = '\0'; /* offset 0: the empty name */
	k = 1;
	for (size_t i = 0; i < n; i++) {
		addrs[i] = e[i].addr;
		names[i] = (uint32_t)k;
		memcpy(pool + k, text + e[i].name, e[i].name_len);
		k += e[i].name_len;
		pool[k++] = '\0';
	}
	out->len = h.pool_off + pool_len;
	free(e);
	return 0;
}

int ksymidx_from_mem(struct ksymidx **out, const void *buf, size_t len, struct diag *d)
{
	struct ksymidx_header h;
	struct ksymidx *ix;

	*out = NULL;
	if (len < sizeof(h))
		return diag_err(d, EINVAL, NULL, "%zu bytes: too short for the header", len);
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, KSYMIDX_MAGIC, sizeof(h.magic)))
		return diag_err(d, EINVAL, NULL, "not a symbol index (bad magic)");
	if (h.version != KSYMIDX_VERSION)
		return diag_err(d, EINVAL, NULL, "version %u, not %u", h.version, KSYMIDX_VERSION);
	if (h.header_len != sizeof(h))
		return diag_err(d, EINVAL, NULL, "header of %u bytes, not %zu", h.header_len,
				sizeof(h));
	/* every offset and count against the size; n bounded first so nothing overflows */
	if (h.n > len / 12 || h.addrs_off % 8 || h.addrs_off < sizeof(h) || h.addrs_off > len ||
	    len - h.addrs_off < 8 * h.n)
		return diag_err(d, EINVAL, NULL, "address table outside the file");
	if (h.names_off % 4 || h.names_off < sizeof(h) || h.names_off > len ||
	    len - h.names_off < 4 * h.n)
		return diag_err(d, EINVAL, NULL, "name table outside the file");
	if (h.pool_off < sizeof(h) || h.pool_off > len || h.pool_len == 0 ||
	    h.pool_len > len - h.pool_off)
		return diag_err(d, EINVAL, NULL, "name pool outside the file");
	if (((const char *)buf)[h.pool_off + h.pool_len - 1] != '\0')
		return diag_err(d, EINVAL, NULL, "name pool does not end with a NUL");
	if ((uintptr_t)buf % 8)
		return diag_err(d, EINVAL, NULL, "buffer not aligned");
	ix = calloc(1, sizeof(*ix));
	if (!ix)
		return diag_err(d, ENOMEM, NULL, "%s", strerror(ENOMEM));
	ix->base = buf;
	ix->len = len;
	ix->addrs = (const uint64_t *)(const void *)(ix->base + h.addrs_off);
	ix->names = (const uint32_t *)(const void *)(ix->base + h.names_off);
	ix->pool = (const char *)ix->base + h.pool_off;
	ix->n = (size_t)h.n;
	ix->pool_len = (size_t)h.pool_len;
	ix->flags = h.flags;
	ix->stamp = h.stamp;
	ix->stamp.boot_id[sizeof(ix->stamp.boot_id) - 1] = '\0';
	*out = ix;
	return 0;
}

int ksymidx_open(struct ksymidx **out, const char *path, const struct ksymidx_stamp *now,
		 struct diag *d)
{
	struct stat st;
	void *map;
	int fd, err;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return diag_err(d, errno, NULL, "open %s: %s", path, strerror(errno));
	if (fstat(fd, &st)) {
		err = errno;
		close(fd);
		return diag_err(d, err, NULL, "stat %s: %s", path, strerror(err));
	}
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(struct ksymidx_header)) {
		close(fd);
		return diag_err(d, EINVAL, NULL, "%s: not a symbol index (%s)", path,
				S_ISREG(st.st_mode) ? "too short" : "not a regular file");
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	err = errno;
	close(fd);
	if (map == MAP_FAILED)
		return diag_err(d, err, NULL, "mmap %s: %s", path, strerror(err));
	/*
	 * A run looks up a few hundred symbols spread over the whole index: without this the
	 * kernel maps 16 pages around each one it faults in, and the index soon counts in
	 * full in the reader's RSS. A hint: its failure changes nothing else.
	 */
	(void)madvise(map, (size_t)st.st_size, MADV_RANDOM);
	(void)madvise(map, (size_t)st.st_size, MADV_NOHUGEPAGE);
	err = ksymidx_from_mem(out, map, (size_t)st.st_size, d);
	if (err) {
		munmap(map, (size_t)st.st_size);
		diag_prefix(d, "%s", path);
		return err;
	}
	(*out)->mapped = true;
	if (now && strcmp(now->boot_id, (*out)->stamp.boot_id)) {
		ksymidx_free(*out);
		*out = NULL;
		return diag_err(d, ESTALE, NULL, "%s: written during another boot", path);
	}
	if (now && now->modules != (*out)->stamp.modules) {
		ksymidx_free(*out);
		*out = NULL;
		return diag_err(d, ESTALE, NULL,
				"%s: modules loaded or removed since it was "
				"written (is ebpfexp-load running?)",
				path);
	}
	return 0;
}

void ksymidx_free(struct ksymidx *ix)
{
	if (!ix)
		return;
	if (ix->mapped)
		munmap((void *)ix->base, ix->len);
	free(ix);
}

size_t ksymidx_count(const struct ksymidx *ix)
{
	return ix->n;
}

bool ksymidx_all_zero(const struct ksymidx *ix)
{
	return ix->flags & KSYMIDX_ALL_ZERO;
}

const char *ksymidx_at(const struct ksymidx *ix, size_t i, uint64_t *addr)
{
	uint32_t off = ix->names[i];

	*addr = ix->addrs[i];
	/* the pool ends with a NUL (checked at open): any offset inside it is a string */
	return off < ix->pool_len ? ix->pool + off : NULL;
}

int ksymidx_find(const struct ksymidx *ix, uint64_t addr, const char **name, bool *exact)
{
	/* the first entry above @addr; the one before it is the answer */
	size_t lo = idsearch_upper(ix->addrs, ix->n, sizeof(*ix->addrs), 0, addr);
	uint64_t at;

	*name = NULL;
	*exact = false;
	if (!lo)
		return 0;
	*name = ksymidx_at(ix, lo - 1, &at);
	if (!*name)
		return -EINVAL;
	*exact = at == addr;
	return 0;
}

int ksymidx_write(const char *dir, const void *idx, size_t len, mode_t mode, gid_t gid,
		  struct diag *d)
{
	struct atomicfile *f = NULL;
	char path[4096];
	int err;

	if (statedir_path(path, sizeof(path), dir, STATEDIR_KSYMIDX))
		return diag_err(d, ENAMETOOLONG, NULL, "%s: path too long", dir);
	err = atomicfile_open(&f, AT_FDCWD, path, mode, d);
	if (!err)
		err = atomicfile_set_group(f, gid, d);
	/*
	 * In pieces: from one write of megabytes a file system with large folios (ext4 since
	 * 6.x) makes 2 MB folios, and a reader's first lookup would map 2 MB of it at once.
	 */
	for (size_t off = 0, n; !err && off < len; off += n) {
		n = len - off < KSYMIDX_WRITE_CHUNK ? len - off : KSYMIDX_WRITE_CHUNK;
		err = atomicfile_write(f, (const char *)idx + off, n, d);
	}
	if (err) {
		atomicfile_abort(f);
		return err;
	}
	return atomicfile_commit(f, d);
}
