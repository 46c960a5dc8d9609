/*
 * ksymkeep: when to write the kallsyms snapshot and index; what they hold and how they
 * are written is ksymsnap's.
 */
#include "ksymkeep.h"

#include "ksymsnap.h"
#include "log.h"

void ksymkeep_init(struct ksymkeep *k, const char *state_dir, mode_t mode, gid_t gid)
{
	*k = (struct ksymkeep){.state_dir = state_dir, .mode = mode, .gid = gid};
}

void ksymkeep_refresh(struct ksymkeep *k, bool needed, struct diag *d)
{
	struct diag err = {0};

	k->written = false;
	if (needed && ksymsnap_write(k->state_dir, NULL, k->mode, k->gid, &k->modules, &err))
		diag_warn(d, NULL, "kallsyms snapshot for unprivileged readers: %s",
			  diag_last(&err));
	else
		k->written = needed;
	diag_release(&err);
}

bool ksymkeep_written(const struct ksymkeep *k)
{
	return k->written;
}

void ksymkeep_watch(struct ksymkeep *k)
{
	struct diag d = {0};
	struct timespec now;

	if (!k->written)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec == k->looked.tv_sec)
		return;
	k->looked = now;
	if (!ksymsnap_modules_changed(k->modules))
		return;
	log_debug("modules changed: writing the kallsyms snapshot and index again");
	ksymkeep_refresh(k, true, &d);
	for (size_t i = 0; i < d.n_msgs; i++)
		log_msg(LOG_WARN, "%s", d.msgs[i].text);
	diag_release(&d);
}
