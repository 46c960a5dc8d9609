/*
 * loader: the configs ebpfexp-load keeps running. Loading one config is: parse, find the
 * object, open it, check it against the config (btfcheck), set kaddrs, give its metric maps
 * their pins (reused while compatible), load, attach, pin the programs, write the manifest.
 * While it runs the loader also counts perf_event_array events into maps of its own and
 * keeps cgroup_id_maps current. A reload compares every config with what runs and loads,
 * replaces or removes only what changed; a config that fails keeps its previous version.
 */
#ifndef EBPFEXP_LOADER_H
#define EBPFEXP_LOADER_H
#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "pins.h"

struct loader_opts {
	const char *config_dir;
	const char *config_names; /* comma list [compat]; NULL: every *.yaml of the dir */
	const char *bpf_dir;	  /* objects looked for here after config_dir; may be NULL */
	const char *bpffs_root;
	const char *state_dir;
	const char *btf_path;		/* NULL: the kernel's */
	struct pins_access acc;		/* pins and manifests */
	bool check;			/* load and attach, but pin nothing, write nothing */
	bool strict;			/* a program that fails to attach fails its config */
	bool unpin;			/* loader_free() removes pins and manifests */
	unsigned perf_pages;		/* perf buffer pages per CPU; 0: the default */
	size_t cgroups_record_max;	/* cgroups in the cgroup record (cgrecord.h); 0: none */
	int64_t cgroups_record_max_age; /* seconds a removed cgroup stays in it */
};

/* What a load or reload did. */
struct loader_stats {
	size_t n_up;	   /* configs running afterwards */
	size_t n_loaded;   /* loaded for the first time */
	size_t n_replaced; /* changed and reloaded */
	size_t n_removed;
	size_t n_unchanged;
	size_t n_failed;	/* not loaded, or kept at their previous version */
	bool wants_post_attach; /* a new program attaches to post_attach_mark: call it */
};

struct loader;

/* @o's strings are borrowed and must outlive the loader. Free with loader_free(). */
int loader_new(struct loader **out, const struct loader_opts *o, struct diag *d);
/*
 * Load every config. A config that fails is reported in @d and counted; the others go on.
 * Of two configs that define one metric, the later in name order fails (at a reload too,
 * where a running config so refused is stopped). Returns a negative errno only when
 * nothing could be tried (no configs, bad dir).
 */
int loader_start(struct loader *l, struct loader_stats *st, struct diag *d);
/* Compare the configs on disk with what runs; load, replace and remove what changed. */
int loader_reload(struct loader *l, struct loader_stats *st, struct diag *d);
/* Readable (poll) when loader_process() has events to handle. */
int loader_fd(const struct loader *l);
/* Handle what is pending: flush timers, cgroups that came or went; then drain every perf ring. */
int loader_process(struct loader *l, struct diag *d);
/* Drain every perf ring now (the main loop does it when nothing woke it for a while). */
void loader_drain(struct loader *l);
/* "3 configs: a, b, c" for status lines, into a new string. */
char *loader_status(const struct loader *l);
/* Detach everything; remove program pins (and with unpin, map pins and manifests). */
void loader_free(struct loader *l, struct diag *d);

#endif
