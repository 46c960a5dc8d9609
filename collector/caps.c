/*
 * caps: drop capabilities with libcap once everything is attached. What each loader feature
 * needs is listed in ebpfexp-load(8), section PERMISSIONS.
 */
#include "caps.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

int caps_parse(struct caps_keep *k, const char *spec, struct diag *d)
{
	char *copy, *save = NULL, *tok;
	int err = 0;

	*k = (struct caps_keep){0};
	if (!strcmp(spec, "all")) {
		k->all = true;
		return 0;
	}
	if (!strcmp(spec, "none"))
		return 0;
	copy = strdup(spec);
	k->caps = calloc(strlen(spec) + 1, sizeof(*k->caps));
	if (!copy || !k->caps) {
		free(copy);
		return -ENOMEM;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		cap_value_t v;

		if (cap_from_name(tok, &v)) {
			err = diag_err(d, EINVAL, NULL,
				       "--capabilities.keep: unknown capability \"%s\" (libcap "
				       "names, e.g. cap_bpf,cap_perfmon; or all, none)",
				       tok);
			continue;
		}
		k->caps[k->n++] = v;
	}
	free(copy);
	if (err)
		caps_release(k);
	return err;
}

int caps_apply(const struct caps_keep *k, struct diag *d)
{
	cap_t c;
	int err = 0;

	if (k->all)
		return 0;
	c = cap_init(); /* everything clear */
	if (!c)
		return -ENOMEM;
	if (k->n &&
	    (cap_set_flag(c, CAP_PERMITTED, (int)k->n, (const cap_value_t *)k->caps, CAP_SET) ||
	     cap_set_flag(c, CAP_EFFECTIVE, (int)k->n, (const cap_value_t *)k->caps, CAP_SET)))
		err = diag_err(d, errno, NULL, "--capabilities.keep: %s", strerror(errno));
	if (!err && cap_set_proc(c))
		err = diag_err(d, errno, NULL,
			       "--capabilities.keep: set capabilities: %s (a capability to keep "
			       "that this process does not have?)",
			       strerror(errno));
	cap_free(c);
	return err;
}

void caps_release(struct caps_keep *k)
{
	free(k->caps);
	*k = (struct caps_keep){0};
}
