/*
 * statedir: the layout of the state dir (--state.dir, /run/ebpfexp by default), the one
 * place that spells its file names. With manifest.h (what a manifest holds) and pins.h
 * (the bpffs layout) it is the whole contract between ebpfexp-load and ebpfexp-read:
 *
 *   NAME.json      config NAME's manifest (manifest.h), written once NAME is attached
 *   NAME.failed    present while the last load of config NAME failed; its text says why
 *   loader.lock    locked while the loader runs (loaderlock.h)
 *   kallsyms       the loader's copy of /proc/kallsyms, for readers without CAP_SYSLOG
 *   kallsyms.idx   the symbol index made from it (ksymidx.h)
 *   cgroups        the cgroups made and removed while the loader runs (cgrecord.h)
 *
 * A name that starts with a dot is a temp file (atomicfile.h), never a config's.
 */
#ifndef EBPFEXP_STATEDIR_H
#define EBPFEXP_STATEDIR_H
#include <stddef.h>

struct diag;

/* The fixed names, for statedir_path() and for modules that work on the dir's fd. */
/* Where the loader writes and the reader looks by default (--state.dir). */
#define STATEDIR_DEFAULT "/run/ebpfexp"
#define STATEDIR_LOCK "loader.lock"
#define STATEDIR_KALLSYMS "kallsyms"
#define STATEDIR_KSYMIDX "kallsyms.idx"
#define STATEDIR_CGRECORD "cgroups"

/* A config's two files. */
enum statedir_kind {
	STATEDIR_MANIFEST, /* NAME.json */
	STATEDIR_FAILED,   /* NAME.failed */
};

/* "@dir/@name" (one of the names above) into @buf; -ENAMETOOLONG when it does not fit. */
int statedir_path(char *buf, size_t len, const char *dir, const char *name);
/*
 * "@dir/@config.json" or "@dir/@config.failed" into @buf; -ENAMETOOLONG when it does not
 * fit, explained in @d (NULL: not explained).
 */
int statedir_config_path(char *buf, size_t len, const char *dir, const char *config,
			 enum statedir_kind kind, struct diag *d);

/*
 * Whether @config, a name found in @dir, is a config name (promname_check_config()): no
 * loader writes a file for any other, and the reader prints the name into its files.
 * 0, or -EINVAL explained in @d as a problem of its manifest.
 */
int statedir_check_name(const char *dir, const char *config, struct diag *d);

/* The configs that have a file of each kind in the dir. */
struct statedir_list {
	size_t n_manifests;
	char **manifests; /* configs with a NAME.json, sorted (strcmp) */
	size_t n_failed;
	char **failed; /* configs with a NAME.failed, sorted (strcmp) */
};

/*
 * List the configs of @dir into @l (which statedir_list_release() frees), names as found,
 * unchecked (statedir_check_name()), hidden names left out. 0, or a negative errno
 * explained in @d: -ENOENT when @dir is missing (no loader ran since boot).
 */
int statedir_list(struct statedir_list *l, const char *dir, struct diag *d);
void statedir_list_release(struct statedir_list *l);

#endif
