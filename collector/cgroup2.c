/* cgroup2: find the cgroup2 mount point in mountinfo. */
#include "cgroup2.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Undo the octal escapes of mountinfo ("\040" for a space) in place. */
static void unescape_octal(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

int cgroup2_find_mount(const char *mountinfo, char **out, struct diag *d)
{
	const char *path = mountinfo ? mountinfo : "/proc/self/mountinfo";
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	int err = -ENOENT;

	*out = NULL;
	if (!f)
		return diag_err(d, errno, NULL, "open %s: %s", path, strerror(errno));
	/* "id parent maj:min root mountpoint options [optional...] - fstype source super" */
	while (err == -ENOENT && getline(&line, &cap, f) > 0) {
		char *field[5], *p = line, *sep;
		int i;

		for (i = 0; i < 5; i++) {
			field[i] = strsep(&p, " ");
			if (!field[i] || !p)
				break;
		}
		sep = p ? strstr(p, " - ") : NULL;
		if (i < 5 || !sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		unescape_octal(field[4]);
		*out = strdup(field[4]);
		err = *out ? 0 : -ENOMEM;
	}
	fclose(f);
	free(line);
	return err;
}
