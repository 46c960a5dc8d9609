/*
 * reader: ebpfexp-read's work over the state dir (statedir.h) and the pins its manifests
 * name. A run lists the manifests, reads each selected config's maps through its manifest
 * and writes TEXTFILE_DIR/ebpfexp_NAME.prom per config and ebpfexp.prom (textfiles.h),
 * each atomically; it removes the files of configs whose manifest is gone and saves the
 * decoder error totals and the remembered cgroups for the next run. Without a textfile
 * dir it renders everything once, as prom, json or a table, to a file or stdout.
 *
 * Messages go to the log (log.h) as each config is read, so that one config's problem is
 * seen beside the others' progress; what stops a call is left in its @d for the caller.
 */
#ifndef EBPFEXP_READER_H
#define EBPFEXP_READER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct diag;

enum reader_format { READER_PROM, READER_JSON, READER_TABLE };
/* "prom", "json" or "table" into *@out: 0, or -EINVAL for any other word. */
int reader_format_parse(const char *word, enum reader_format *out);

/* All strings are borrowed and must outlive the reader. */
struct reader_opts {
	const char *state_dir;	   /* the loader's manifests; required */
	const char *bpffs_root;	   /* only pins below it are opened; required */
	const char *textfile_dir;  /* write the textfiles there; NULL: render to @output */
	const char *output;	   /* else a file, or NULL or "-" for stdout */
	enum reader_format format; /* of @output (the textfiles are prom) */
	const char *config_names;  /* "A,B": only these configs; NULL: every manifest */
	bool state_dir_given;	   /* reader_clean(): only the files of @state_dir */
	size_t max_series;	   /* per metric; 0: no limit */
	bool ksym_unknown_addr;	   /* [compat] unknown_addr:0x<hex> for a non-symbol */
	const char *kube_pods_dir; /* for the kube_* decoders; NULL: kubepath's default */
};

/* What a run read. */
struct reader_stats {
	size_t n_configs; /* configs read (selected, with a manifest) */
	size_t n_failed;  /* of them, those that failed (their old file stays) */
};

struct reader;

/*
 * Make a reader (free with reader_free()), for one job: reader_run(), reader_clean() or
 * reader_watch(), once; a second is -EBUSY. A reader with a textfile dir holds its lock
 * from its job's start until reader_free(). 0 or a negative errno explained in @d.
 */
int reader_new(struct reader **out, const struct reader_opts *o, struct diag *d);

/*
 * One pass: read every selected config and write what it read. With no manifest at all,
 * the textfile dir's ebpfexp.prom still says why (ebpfexp_loader_up,
 * ebpfexp_config_load_failed) and @st counts no config. A state or cgroups file that
 * cannot be saved is a warning. 0 with @st filled in, or a negative errno explained in @d
 * when nothing could be done (the textfile dir, the state dir, --config.names matching
 * no manifest, or the output).
 */
int reader_run(struct reader *r, struct reader_stats *st, struct diag *d);

/*
 * Remove from the textfile dir the files this reader wrote (of every state dir, or of
 * its state dir and its config names when state_dir_given and config_names say so), and
 * nothing else. A missing textfile dir is nothing to clean. 0 or a negative errno.
 */
int reader_clean(struct reader *r, struct diag *d);

struct reader_watch_opts {
	double interval; /* seconds between reads, > 0 */
	uint64_t count;	 /* intervals to show; 0: until SIGINT or SIGTERM */
	size_t top;	 /* the busiest series per metric; 0: all */
	int fd;		 /* where the frames go */
};

/*
 * The live view (live.h): read, then again every interval, and show what changed as a
 * table or, with READER_JSON, as JSON lines. Needs no textfile dir. 0 at its end or at
 * SIGINT or SIGTERM, or a negative errno when the first read could not be done.
 */
int reader_watch(struct reader *r, const struct reader_watch_opts *o, struct diag *d);

/* NULL is fine. */
void reader_free(struct reader *r);

#endif
