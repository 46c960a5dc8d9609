/*
 * kallsyms: the kernel's symbols for the ksym and kstack decoders (§6.8, §6.9), once per
 * context, on first use. The loader's binary index (ksymidx) is mapped when it is current;
 * otherwise /proc/kallsyms (or the loader's text snapshot) is read and indexed in memory the
 * same way, so that both give the same names. Lookups are binary searches. Module symbols
 * keep the module, as ebpf_exporter prints them: "name\t[module]".
 */
#include "decoders.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ksymidx.h"

struct kallsyms {
	char *text; /* mmap()ed: a kallsyms text being read */
	size_t text_len, text_cap;
	struct strbuf built; /* the index built from text */
	struct ksymidx *ix;  /* mapped from the loader's file, or over @built */
	bool loaded;	     /* an index is ready */
	bool from_file;	     /* ... and it is the loader's, current */
	bool file_tried;     /* the loader's index was looked at */
	bool all_zero;	     /* no CAP_SYSLOG: the kernel shows every address as 0 */
	bool reread;	     /* read again after a miss already */
};

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

/* Read @path and build its index in memory; the text is dropped once indexed. */
static int kallsyms_load(struct kallsyms *ks, const char *path, struct diag *d)
{
	int err;

	ks->loaded = false;
	ksymidx_free(ks->ix);
	ks->ix = NULL;
	err = kallsyms_read_text(ks, path, d);
	if (!err)
		err = ksymidx_build(ks->text, ks->text_len, path, NULL, &ks->built, &ks->all_zero,
				    d);
	if (ks->text) {
		munmap(ks->text, ks->text_cap);
		ks->text = NULL;
	}
	if (!err)
		err = ksymidx_from_mem(&ks->ix, ks->built.buf, ks->built.len, d);
	if (!err)
		ks->loaded = true;
	return err;
}

/*
 * The loader's index, when there is one and it is current: mapped, not parsed. Why it is
 * not used goes to the context's warnings, once: the text is read instead.
 */
static bool kallsyms_map_index(struct decode_ctx *ctx, struct kallsyms *ks)
{
	struct ksymidx_stamp now;
	struct diag why = {0};
	int err;

	ks->file_tried = true;
	if (!ctx->opts.ksym_index)
		return false;
	err = ksymidx_stamp_now(&now, &why);
	if (!err)
		err = ksymidx_open(&ks->ix, ctx->opts.ksym_index, &now, &why);
	if (!err) {
		ks->loaded = ks->from_file = true;
		ks->all_zero = ksymidx_all_zero(ks->ix);
	} else {
		diag_warn(&ctx->warnings, NULL,
			  "ksym: the loader's symbol index is not used: %s; "
			  "reading kallsyms instead",
			  diag_last(&why));
	}
	diag_release(&why);
	return !err;
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
	struct diag first = {0}, second = {0};
	int err, err2;

	if (!ks) {
		ks = calloc(1, sizeof(*ks));
		if (!ks)
			return diag_err(d, ENOMEM, NULL, "%s: %s", path, strerror(ENOMEM));
		ctx->kallsyms = ks;
	}
	if (!ks->file_tried && kallsyms_map_index(ctx, ks))
		return 0;
	ks->from_file = false;
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
	int err;

	*name = NULL;
	*exact = false;
	if (!ks || !ks->loaded) {
		err = kallsyms_read(ctx, d);
		if (err)
			return err;
		ks = ctx->kallsyms;
	}
	err = ksymidx_find(ks->ix, addr, name, exact);
	if (err)
		return diag_err(d, EINVAL, NULL,
				"%s: a name outside the name pool (a broken "
				"index; ebpfexp-load writes it again at its next start)",
				ctx->opts.ksym_index);
	return 0;
}

int kallsyms_reread_once(struct decode_ctx *ctx, struct diag *d)
{
	struct kallsyms *ks = ctx->kallsyms;
	int err;

	/*
	 * The loader's index is current: it was checked against the modules loaded now, and
	 * reading the text again would find the same symbols.
	 */
	if (!ks || ks->reread || ks->all_zero || ks->from_file)
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
	ksymidx_free(ks->ix);
	strbuf_release(&ks->built);
	free(ks);
	ctx->kallsyms = NULL;
}
