/*
 * ksymidx: the kernel's symbols as a binary index that a reader maps and binary-searches,
 * with no parse and no copy. The loader builds it from /proc/kallsyms and writes it into
 * the state dir (STATE_DIR/STATEDIR_KSYMIDX, statedir.h) with the manifests' mode and group; the ksym and
 * kstack decoders map it, and build the same index in memory from kallsyms text when the
 * file is missing, stale or broken, so that both ways give the same names.
 *
 * Layout (host byte order; every offset from the start of the file):
 *   struct header | u64 addrs[n] (ascending) | u32 names[n] (offsets into pool) | pool
 * The pool holds the names, each ended by a NUL, and ends with a NUL. Of symbols sharing
 * an address only the last in kallsyms' order is kept: it is the one a lookup returns.
 *
 * The index holds absolute kernel addresses, as the snapshot does: whoever may read it
 * (the --bpffs.group) learns the kernel's layout. The reader resolves absolute addresses
 * that BPF programs store in maps, so it needs them, or a base to add that gives the same.
 */
#ifndef EBPFEXP_KSYMIDX_H
#define EBPFEXP_KSYMIDX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct diag;
struct strbuf;
struct ksymidx;

#define KSYMIDX_VERSION 1

/* What tells whether an index still describes the running kernel. */
struct ksymidx_stamp {
	char boot_id[40]; /* /proc/sys/kernel/random/boot_id, NUL-padded */
	uint64_t modules; /* ksymidx_modules_hash(false) */
};

/*
 * A hash of /proc/modules (@path; NULL: /proc/modules): each module's name and size, what
 * a reader without CAP_SYSLOG sees the same way; @full adds its state and address, as the
 * loader watches it (a module loaded again at another address changes it). Use counts and
 * users are left out: they change with every use, and the symbols do not.
 */
int ksymidx_modules_hash(const char *path, bool full, uint64_t *out, struct diag *d);
/* This boot's id and the modules' hash. */
int ksymidx_stamp_now(struct ksymidx_stamp *s, struct diag *d);

/*
 * Build the index from kallsyms text @text[0..@len) into @out (reset first). [compat] A
 * line counts when it has at least three fields separated by single spaces, "addr type
 * name", the name running to the next space or the end of the line (so it keeps
 * "\t[module]"); a bad address is an error naming @path and the line. *@all_zero: every
 * address was 0 (no CAP_SYSLOG). @stamp may be NULL (zeros).
 */
int ksymidx_build(const char *text, size_t len, const char *path, const struct ksymidx_stamp *stamp,
		  struct strbuf *out, bool *all_zero, struct diag *d);

/*
 * Check @buf[0..@len) as an index: magic, version, and every offset and count against
 * @len. Borrows @buf until ksymidx_free(). 0 or -EINVAL with the reason in @d.
 */
int ksymidx_from_mem(struct ksymidx **out, const void *buf, size_t len, struct diag *d);
/*
 * Map and check the index at @path. With @now, also check that it is current: -ESTALE,
 * with the reason in @d, when its stamp differs. -ENOENT when there is none.
 */
int ksymidx_open(struct ksymidx **out, const char *path, const struct ksymidx_stamp *now,
		 struct diag *d);
void ksymidx_free(struct ksymidx *ix);

size_t ksymidx_count(const struct ksymidx *ix);
/* Were the source's addresses all 0? */
bool ksymidx_all_zero(const struct ksymidx *ix);
/*
 * The symbol with the greatest address <= @addr in *@name (NULL below every symbol), and
 * whether it is at @addr exactly. *@name is borrowed from @ix. -EINVAL when the entry's
 * name offset is outside the pool (a broken index).
 */
int ksymidx_find(const struct ksymidx *ix, uint64_t addr, const char **name, bool *exact);
/* The @i-th symbol (0 <= @i < count): its address, and its name or NULL when broken. */
const char *ksymidx_at(const struct ksymidx *ix, size_t i, uint64_t *addr);

/* Write @idx[0..@len) to @dir/STATEDIR_KSYMIDX atomically, with @mode and @gid ((gid_t)-1: keep). */
int ksymidx_write(const char *dir, const void *idx, size_t len, mode_t mode, gid_t gid,
		  struct diag *d);

#endif
