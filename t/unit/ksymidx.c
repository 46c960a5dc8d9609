/*
 * ksymidx: the binary symbol index. Built from kallsyms text, it finds what the text parse
 * finds; a broken or stale file is refused with a reason; and over every symbol of the
 * running kernel the ksym and kstack labels are the same with the index and without it.
 */
#include "ksymidx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode.h"
#include "diag.h"
#include "strbuf.h"
#include "statedir.h"
#include "tap.h"

static char tmpdir[] = "/tmp/ebpfexp-ksymidx.XXXXXX";

static const char text[] = "ffffffff81000000 T _text\n"
			   "ffffffff81000000 T startup_64\n"
			   "ffffffff81001000 T do_one_initcall\n"
			   "ffffffff81002000 t vfs_read\n"
			   "two-fields only\n"
			   "ffffffffc0002000 t commit_timeout\t[jbd2]\n"
			   "ffffffffc0001000 t jbd2_journal_start\t[jbd2]\n"
			   "ffffffffc0004000 t two words\n";

static struct strbuf idx;
static char idx_path[256];
static char snap_path[256]; /* one read of /proc/kallsyms */

static int write_all(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int ok_ = fd >= 0 && write(fd, buf, len) == (ssize_t)len;

	if (fd >= 0)
		close(fd);
	return ok_ ? 0 : -1;
}

static int write_str(const char *path, const char *s)
{
	return write_all(path, s, strlen(s));
}

static const char *find(const struct ksymidx *ix, uint64_t addr, bool *exact)
{
	const char *name;

	if (ksymidx_find(ix, addr, &name, exact))
		return "(broken)";
	return name ? name : "(none)";
}

static void test_build_and_find(void)
{
	struct diag d = {0};
	struct ksymidx *ix = NULL;
	bool all_zero, exact;
	int err;

	err = ksymidx_build(text, sizeof(text) - 1, "t", NULL, &idx, &all_zero, &d);
	is_int(err, 0, "build: kallsyms text indexes");
	ok(!all_zero, "build: addresses seen");
	is_int(ksymidx_from_mem(&ix, idx.buf, idx.len, &d), 0, "from_mem: the built index checks");
	is_int((int)ksymidx_count(ix), 6,
	       "of symbols at one address one is kept; bad lines skipped");
	is_str(find(ix, 0xffffffff81000000, &exact), "startup_64",
	       "find: of symbols at one address the last in the file wins");
	ok(exact, "find: exact");
	is_str(find(ix, 0xffffffff81002050, &exact), "vfs_read", "find: nearest lower symbol");
	ok(!exact, "find: not exact");
	is_str(find(ix, 0xffffffffc0001000, &exact), "jbd2_journal_start\t[jbd2]",
	       "find: out-of-order module lines are sorted, module kept");
	is_str(find(ix, 0xffffffffc0004000, &exact), "two", "find: the name is the third field");
	is_str(find(ix, 0x1000, &exact), "(none)", "find: below every symbol: none");
	ksymidx_free(ix);
	diag_release(&d);

	err = ksymidx_build("xyz T a\n", 8, "bad", NULL, &idx, &all_zero, &d);
	ok(err == -EINVAL && strstr(diag_last(&d), "bad:1: bad address \"xyz\""),
	   "build: a bad address is an error naming the line");
	diag_release(&d);
	ksymidx_build("0000000000000000 T a\n0000000000000000 T b\n", 42, "z", NULL, &idx,
		      &all_zero, &d);
	ksymidx_from_mem(&ix, idx.buf, idx.len, &d);
	ok(all_zero && ix && ksymidx_all_zero(ix) && !strcmp(find(ix, 5, &exact), "b"),
	   "build: all addresses zero is remembered, the last name kept");
	ksymidx_free(ix);
	diag_release(&d);
}

/* Every truncation, and a flipped byte in every header field, is refused or harmless. */
static void test_broken(void)
{
	struct ksymidx_stamp stamp;
	struct diag d = {0};
	struct ksymidx *ix = NULL;
	bool all_zero, exact, refused = true, harmless = true;
	uint64_t *copy;
	int err;

	ksymidx_build(text, sizeof(text) - 1, "t", NULL, &idx, &all_zero, &d);
	copy = malloc(idx.len + 8);
	for (size_t len = 0; len < idx.len; len++) {
		memcpy(copy, idx.buf, len);
		if (!ksymidx_from_mem(&ix, copy, len, &d)) {
			refused = false;
			ksymidx_free(ix);
		}
	}
	ok(refused, "from_mem: every truncated index is refused");
	for (size_t at = 0; at < 96; at++) {
		memcpy(copy, idx.buf, idx.len);
		((uint8_t *)copy)[at] ^= 0x80;
		if (ksymidx_from_mem(&ix, copy, idx.len, &d))
			continue;
		for (uint64_t a = 0xffffffff80000000; a < 0xffffffffc0005000; a += 0x800000)
			(void)find(ix, a, &exact);
		ksymidx_free(ix);
	}
	ok(harmless, "from_mem: a flipped header byte is refused or looked up safely");
	/* a name offset outside the pool: found, and reported */
	memcpy(copy, idx.buf, idx.len);
	{
		uint64_t names_off; /* the header's fifth field, after n */
		uint32_t bad = 0x7fffffff;

		memcpy(&names_off, (uint8_t *)copy + 32, 8);
		memcpy((uint8_t *)copy + names_off, &bad, 4);
	}
	ksymidx_from_mem(&ix, copy, idx.len, &d);
	is_str(find(ix, 0xffffffff81000000, &exact), "(broken)",
	       "find: a name outside the pool is an error, not a read past it");
	ksymidx_free(ix);
	free(copy);
	diag_clear(&d);

	/* stale: another boot, other modules */
	ksymidx_stamp_now(&stamp, &d);
	ksymidx_build(text, sizeof(text) - 1, "t", &stamp, &idx, &all_zero, &d);
	write_all(idx_path, idx.buf, idx.len);
	is_int(ksymidx_open(&ix, idx_path, &stamp, &d), 0, "open: a current index opens");
	ksymidx_free(ix);
	stamp.modules++;
	err = ksymidx_open(&ix, idx_path, &stamp, &d);
	ok(err == -ESTALE && strstr(diag_last(&d), "modules loaded or removed"),
	   "open: modules changed: stale, saying so");
	stamp.boot_id[0] ^= 1;
	err = ksymidx_open(&ix, idx_path, &stamp, &d);
	ok(err == -ESTALE && strstr(diag_last(&d), "another boot"),
	   "open: another boot: stale, saying so");
	write_all(idx_path, idx.buf, 20);
	err = ksymidx_open(&ix, idx_path, NULL, &d);
	ok(err == -EINVAL && strstr(diag_last(&d), "too short"), "open: a short file is refused");
	unlink(idx_path);
	is_int(ksymidx_open(&ix, idx_path, NULL, &d), -ENOENT, "open: none: -ENOENT");
	diag_release(&d);
}

/* What the loader watches and what the reader checks, from /proc/modules. */
static void test_modules_hash(void)
{
	char path[300];
	uint64_t full1, full2, names1, names2, none;
	struct diag d = {0};

	snprintf(path, sizeof(path), "%s/modules", tmpdir);
	write_str(path, "jbd2 196608 1 ext4, Live 0xffffffffc0100000\n");
	ksymidx_modules_hash(path, true, &full1, &d);
	ksymidx_modules_hash(path, false, &names1, &d);
	write_str(path, "jbd2 196608 1 ext4, Live 0x0000000000000000\n");
	ksymidx_modules_hash(path, true, &full2, &d);
	ksymidx_modules_hash(path, false, &names2, &d);
	ok(full1 != full2, "modules: the loader sees a module loaded again elsewhere");
	ok(names1 == names2, "modules: the reader's hash is the same with addresses hidden");
	write_str(path, "jbd2 196608 7 ext4,xfs, Live 0xffffffffc0100000\n");
	ksymidx_modules_hash(path, true, &full2, &d);
	ok(full1 == full2, "modules: a module's use count and users changing is no change");
	write_str(path, "jbd2 196608 1 ext4, Unloading 0xffffffffc0100000\n");
	ksymidx_modules_hash(path, true, &full2, &d);
	ok(full1 != full2, "modules: its state changing is a change for the loader");
	write_str(path, "jbd2 196608 1 ext4, Live 0x0000000000000000\nxfs 1 0 - Live 0x0\n");
	ksymidx_modules_hash(path, false, &names2, &d);
	ok(names1 != names2, "modules: a module loaded changes the reader's hash too");
	unlink(path);
	is_int(ksymidx_modules_hash(path, false, &none, &d), 0,
	       "modules: no /proc/modules (no module support) is no modules");
	diag_release(&d);
}

static const char *label(struct decode_ctx *c, const char *dec, const uint64_t *in, size_t len,
			 struct strbuf *out)
{
	struct config_decoder dd = {.name = (char *)dec, .kind = decoderkind_find(dec)};
	struct config_label l = {.name = "l", .size = (int)len, .decoders = &dd, .n_decoders = 1};
	struct diag d = {0};
	int rc = decode_label(c, &l, (const uint8_t *)in, len, out, &d);

	diag_release(&d);
	return rc < 0 ? "(error)" : strbuf_str(out);
}

/*
 * The running kernel's every symbol, ksym and kstack, with the index and without. The index
 * and the text parse it is compared with read one snapshot of /proc/kallsyms: BPF programs
 * loaded or unloaded meanwhile (bpf_prog_* symbols, by anyone on the machine) would
 * otherwise make them differ.
 */
static void test_every_symbol(void)
{
	struct ksymidx_stamp stamp;
	struct strbuf text_sb = {0}, a = {0}, b = {0};
	struct decode_opts with = {.ksym_index = idx_path, .kallsyms_path = snap_path};
	struct decode_opts without = {.kallsyms_path = snap_path};
	struct decode_ctx *ci, *ct;
	struct diag d = {0};
	struct ksymidx *ix = NULL;
	size_t n, n_diff = 0, n_checked = 0;
	bool all_zero;
	int fd;

	fd = open("/proc/kallsyms", O_RDONLY);
	if (fd < 0 || strbuf_read_fd(&text_sb, fd, 1 << 20, 0)) {
		ok(1, "# SKIP /proc/kallsyms unreadable");
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	write_all(snap_path, text_sb.buf, text_sb.len);
	ksymidx_stamp_now(&stamp, &d);
	is_int(ksymidx_build(text_sb.buf, text_sb.len, "/proc/kallsyms", &stamp, &idx, &all_zero,
			     &d),
	       0, "build: this kernel's kallsyms indexes");
	write_all(idx_path, idx.buf, idx.len);
	ksymidx_open(&ix, idx_path, &stamp, &d);
	decode_ctx_new(&ci, &with);
	decode_ctx_new(&ct, &without);
	n = ix ? ksymidx_count(ix) : 0;
	ok(n > 1000 || all_zero, "this kernel has symbols (%zu)", n);
	for (size_t i = 0; i < n; i++) {
		uint64_t addr, in[3] = {0};

		ksymidx_at(ix, i, &addr);
		in[0] = addr;
		in[1] = addr + 1;
		n_checked++;
		if (strcmp(label(ci, "ksym", in, 8, &a), label(ct, "ksym", in, 8, &b)))
			n_diff++;
		if (strcmp(label(ci, "kstack", in, 24, &a), label(ct, "kstack", in, 24, &b)))
			n_diff++;
	}
	/* below the lowest symbol, and an address between symbols */
	{
		uint64_t in[2] = {1, 0};

		n_diff += !!strcmp(label(ci, "ksym", in, 8, &a), label(ct, "ksym", in, 8, &b));
		n_diff +=
			!!strcmp(label(ci, "kstack", in, 16, &a), label(ct, "kstack", in, 16, &b));
	}
	is_int((int)n_diff, 0, "ksym and kstack: the same labels over %zu symbols both ways",
	       n_checked);
	decode_take_warnings(ci, &d);
	is_int((int)d.n_msgs, 0, "the current index was used, with no warning");
	decode_ctx_free(ci);

	/* stale: the reader warns why and reads the text */
	stamp.modules ^= 1;
	ksymidx_build(text_sb.buf, text_sb.len, "/proc/kallsyms", &stamp, &idx, &all_zero, &d);
	write_all(idx_path, idx.buf, idx.len);
	decode_ctx_new(&ci, &with);
	if (n) {
		uint64_t in[1], addr;

		ksymidx_at(ix, n / 2, &addr);
		in[0] = addr;
		is_str(label(ci, "ksym", in, 8, &a), label(ct, "ksym", in, 8, &b),
		       "a stale index: the labels are the text's");
	} else {
		ok(1, "# SKIP no symbols");
	}
	decode_take_warnings(ci, &d);
	like(diag_last(&d), "symbol index is not used", "a stale index is named in a warning");
	like(diag_last(&d), "modules loaded or removed", "... that says why");
	decode_ctx_free(ci);
	decode_ctx_free(ct);
	ksymidx_free(ix);
	unlink(idx_path);
	unlink(snap_path);
	strbuf_release(&text_sb);
	strbuf_release(&a);
	strbuf_release(&b);
	diag_release(&d);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 1;
	snprintf(idx_path, sizeof(idx_path), "%s/%s", tmpdir, STATEDIR_KSYMIDX);
	snprintf(snap_path, sizeof(snap_path), "%s/kallsyms", tmpdir);
	test_build_and_find();
	test_broken();
	test_modules_hash();
	test_every_symbol();
	strbuf_release(&idx);
	rmdir(tmpdir);
	return done_testing();
}
