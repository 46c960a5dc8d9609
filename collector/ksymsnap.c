/* ksymsnap: write and choose the kallsyms snapshot; parsing is the ksym decoder's. */
#include "ksymsnap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"

#define PROC_KALLSYMS "/proc/kallsyms"

bool ksymsnap_needed(const struct config *c)
{
	for (size_t i = 0; i < c->n_metrics; i++)
		for (size_t l = 0; l < c->metrics[i].n_labels; l++) {
			const struct config_label *lb = &c->metrics[i].labels[l];

			for (size_t k = 0; k < lb->n_decoders; k++)
				if (!strcmp(lb->decoders[k].name, "ksym") ||
				    !strcmp(lb->decoders[k].name, "kstack"))
					return true;
		}
	return false;
}

int ksymsnap_write(const char *state_dir, const char *src, mode_t mode, gid_t gid,
		   struct diag *d)
{
	char path[4096], buf[1 << 16];
	struct atomicfile *f = NULL;
	int in, err = 0;
	ssize_t n;

	if (!src)
		src = PROC_KALLSYMS;
	if (snprintf(path, sizeof(path), "%s/%s", state_dir, KSYMSNAP_NAME) >= (int)sizeof(path))
		return diag_err(d, ENAMETOOLONG, NULL, "%s: path too long", state_dir);
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return diag_err(d, errno, NULL, "open %s: %s", src, strerror(errno));
	err = atomicfile_open(&f, AT_FDCWD, path, mode, d);
	while (!err && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = diag_err(d, errno, NULL, "read %s: %s", src, strerror(errno));
			break;
		}
		err = atomicfile_write(f, buf, (size_t)n, d);
	}
	close(in);
	if (err) {
		atomicfile_abort(f);
		return err;
	}
	err = atomicfile_commit(f, d);
	if (!err && gid != (gid_t)-1 && chown(path, (uid_t)-1, gid))
		err = diag_err(d, errno, NULL, "chown %s: %s", path, strerror(errno));
	return err;
}
