/*
 * pins: where ebpfexp keeps things in bpffs, and how. ROOT/NAME/<map> for metric maps
 * (reused across loader restarts while compatible), ROOT/NAME/prog_<prog> for programs.
 */
#ifndef EBPFEXP_PINS_H
#define EBPFEXP_PINS_H
#include <sys/types.h>

#include "config.h"
#include "diag.h"

struct bpf_object;

/* Owner group and file mode for everything pinned; gid (gid_t)-1 keeps root's group. */
struct pins_access {
	gid_t gid;
	mode_t mode;		/* e.g. 0600, or 0640 with a group */
};

/*
 * Make sure @root lives on a bpffs: mount bpffs on /sys/fs/bpf when @root is below it and
 * nothing is mounted there, then create @root (mode 0700, or 0750 with a group).
 */
int pins_ensure_root(const char *root, const struct pins_access *acc, struct diag *d);
/* Mount tracefs on /sys/kernel/tracing unless some tracefs is already reachable. */
int pins_ensure_tracefs(struct diag *d);
/* ROOT/NAME into a new string (free()). */
int pins_config_dir(char **out, const char *root, const char *name);
/*
 * Give every metric map of @c in @obj (opened, not loaded) the pin path DIR/<map>, creating
 * DIR. A pin already there is reused by libbpf at load when it matches the object's map; when
 * it does not, it is removed with a warning naming the map and the difference.
 */
int pins_prepare_maps(struct bpf_object *obj, const struct config *c, const char *dir,
		      const struct pins_access *acc, struct diag *d);
/* After load: pin every program as DIR/prog_<name> and apply @acc to all of DIR. */
int pins_finish(struct bpf_object *obj, const char *dir, const struct pins_access *acc,
		struct diag *d);
/* Remove DIR/prog_* pins (programs live only while the loader runs). */
int pins_remove_progs(const char *dir, struct diag *d);
/* Remove every pin in DIR and DIR itself. */
int pins_remove_all(const char *dir, struct diag *d);

#endif
