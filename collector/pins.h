/*
 * pins: where ebpfexp keeps things in bpffs, and how. ROOT/NAME/<map> for metric maps
 * (reused across loader restarts while compatible), ROOT/NAME/prog_<prog> for programs.
 */
#ifndef EBPFEXP_PINS_H
#define EBPFEXP_PINS_H
#include <bpf/bpf.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "diag.h"

struct bpf_object;

/* Owner group and file mode for everything pinned; gid (gid_t)-1 keeps root's group. */
struct pins_access {
	gid_t gid;
	mode_t mode; /* e.g. 0600, or 0640 with a group */
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
/* A map the loader makes itself (perf_event_array counts, lost-event counts). */
struct pins_map_def {
	const char *what; /* for messages: 'config "x": metric "y"' */
	const char *name; /* kernel map name (15 characters are kept) */
	enum bpf_map_type type;
	__u32 key_size, value_size, max_entries, flags;
};

/*
 * The map pinned at @path when its shape matches @def (counts go on across restarts and
 * reloads); else, with a warning naming @def->what and the difference, a new map pinned
 * there with @acc. *@fd: a new fd to close.
 */
int pins_own_map(int *fd, const char *path, const struct pins_map_def *def,
		 const struct pins_access *acc, struct diag *d);
/* Make @path pin the map @fd (again): a reload that failed half-way puts back the old maps. */
int pins_repin(int fd, const char *path, struct diag *d);
/* pins_repin() every map of @obj that has a pin path. */
int pins_restore_maps(struct bpf_object *obj, struct diag *d);
/* Remove the pins in DIR that are neither prog_* nor named in @keep[0..@n_keep). */
int pins_remove_stale(const char *dir, const char *const *keep, size_t n_keep, struct diag *d);

/*
 * perf_event_array counters: the loader counts events in its own hash map pinned at
 * DIR/<metric> (the manifest names it as the metric's map), and the events it could not
 * count in an array pinned beside it at DIR/<metric>-lost (metric names cannot contain a
 * '-', so the name is free; bpffs refuses names with a '.'): u64 [0] lost by the kernel (perf buffer full), [1] dropped by
 * the loader (event shorter than the labels, or the count map full). Both only grow.
 */
/* The pin root by default (--bpffs.root): configs pin below ROOT/NAME/. */
#define PINS_DEFAULT_ROOT "/sys/fs/bpf/ebpfexp"
#define PINS_PERF_LOST_SUFFIX "-lost"
#define PINS_PERF_LOST_N 2
/* Sum of the lost-event counts beside the count map pinned at @count_pin (read-only). */
int pins_read_perf_lost(const char *count_pin, uint64_t *lost);

/* Remove DIR/prog_* pins (programs live only while the loader runs). */
int pins_remove_progs(const char *dir, struct diag *d);
/* Remove every pin in DIR and DIR itself. */
int pins_remove_all(const char *dir, struct diag *d);

#endif
