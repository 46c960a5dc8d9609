/* ksymsnap: write the kallsyms snapshot and the symbol index; the index format is ksymidx's. */
#include "ksymsnap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "decoderkind.h"
#include "ksymidx.h"
#include "statedir.h"
#include "strbuf.h"

#define PROC_KALLSYMS "/proc/kallsyms"

bool ksymsnap_needed(const struct config *c)
{
	for (size_t i = 0; i < c->n_metrics; i++)
		for (size_t l = 0; l < c->metrics[i].n_labels; l++) {
			const struct config_label *lb = &c->metrics[i].labels[l];

			for (size_t k = 0; k < lb->n_decoders; k++)
				if (decoderkind_info(lb->decoders[k].kind)->needs &
				    DECODER_NEEDS_KALLSYMS)
					return true;
		}
	return false;
}

/* Replace @dir/@name with @buf[0..@len), with @mode and @gid. */
static int replace(const char *dir, const char *name, const void *buf, size_t len, mode_t mode,
		   gid_t gid, struct diag *d)
{
	char path[4096];

	if (statedir_path(path, sizeof(path), dir, name))
		return diag_err(d, ENAMETOOLONG, NULL, "%s: path too long", dir);
	return atomicfile_replace_group(AT_FDCWD, path, mode, gid, buf, len, d);
}

int ksymsnap_write(const char *state_dir, const char *src, mode_t mode, gid_t gid,
		   uint64_t *modules, struct diag *d)
{
	struct strbuf text = {0}, idx = {0};
	struct ksymidx_stamp stamp;
	bool all_zero;
	int in, err;

	if (!src)
		src = PROC_KALLSYMS;
	/* the modules before the symbols: a change in between is seen at the next look */
	err = ksymidx_modules_hash(NULL, true, modules, d);
	if (!err)
		err = ksymidx_stamp_now(&stamp, d);
	if (err)
		return err;
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return diag_err(d, errno, NULL, "open %s: %s", src, strerror(errno));
	err = strbuf_read_fd(&text, in, 1 << 20, 0);
	close(in);
	if (err)
		err = diag_err(d, -err, NULL, "read %s: %s", src, strerror(-err));
	if (!err)
		err = replace(state_dir, STATEDIR_KALLSYMS, text.buf ? text.buf : "", text.len,
			      mode, gid, d);
	if (!err)
		err = ksymidx_build(text.buf ? text.buf : "", text.len, src, &stamp, &idx,
				    &all_zero, d);
	if (!err)
		err = ksymidx_write(state_dir, idx.buf, idx.len, mode, gid, d);
	strbuf_release(&idx);
	strbuf_release(&text);
	return err;
}

bool ksymsnap_modules_changed(uint64_t modules)
{
	struct diag quiet = {0};
	uint64_t now;
	bool changed;

	/* unreadable: assume unchanged, as the symbols cannot be read either */
	changed = !ksymidx_modules_hash(NULL, true, &now, &quiet) && now != modules;
	diag_release(&quiet);
	return changed;
}
