/*
 * textfiles: the reader's files in node_exporter's textfile dir, what they are called and
 * which of them the reader wrote, so that what node_exporter serves is what runs now: the
 * file of a config whose manifest is gone goes with it, and nothing the reader did not
 * write (another collector's file, an ebpfexp_*.prom written by hand or by the reader of
 * another state dir) is ever removed. The record is readstate's, a file per textfile dir
 * kept by every reader that writes there, each under the key of its state dir.
 */
#ifndef EBPFEXP_TEXTFILES_H
#define EBPFEXP_TEXTFILES_H
#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "readstate.h"
#include "strbuf.h"

#define TEXTFILES_SELF "ebpfexp.prom"		  /* built-in metrics and the reader's */
#define TEXTFILES_STATE ".ebpfexp-read.state"	  /* readstate.h */
#define TEXTFILES_CGROUPS ".ebpfexp-read.cgroups" /* readcgroups.h */
#define TEXTFILES_LOCK ".ebpfexp-read.lock"	  /* held during a run */

/* "ebpfexp_CONFIG.prom" into @buf; -ENAMETOOLONG when it does not fit. */
int textfiles_config_file(char *buf, size_t len, const char *config);
/*
 * The key of @state_dir in the state: its absolute path with symlinks resolved, also when
 * the dir itself is missing (after a reboot), then resolved up to its parent. Free with
 * free(). 0, -ENOMEM or -ENAMETOOLONG.
 */
int textfiles_state_key(const char *state_dir, char **out);
/* Record that @file was written for @config (NULL: the state dir's own file) of @key. */
int textfiles_wrote(struct readstate *s, const char *key, const char *config, const char *file);

/* Whether the file of @config must stay: it has a manifest, or is outside this run's scope. */
typedef bool textfiles_keep_fn(void *arg, const char *config);

/*
 * Remove from @dirfd the files written for the configs of @key that @keep lets go, and
 * forget those configs (their decoder error totals start again if they come back, as
 * their counters do). A file another entry still names is left. The names of the removed
 * files go to @removed, a space before each. Failures to remove are warnings in @d; 0 or
 * -ENOMEM.
 */
int textfiles_prune(struct readstate *s, int dirfd, const char *key, textfiles_keep_fn *keep,
		    void *arg, struct strbuf *removed, struct diag *d);

/*
 * --textfile.clean: remove from @dirfd the files written for @key (NULL: every state dir),
 * of the configs @keep lets go (NULL: all, and the state dirs' own files with them). Files
 * of the first format's state count as written by the reader when their config was ever
 * read (last_success), and so does TEXTFILES_SELF. When no entry is left, the dot files
 * go too (TEXTFILES_STATE, TEXTFILES_CGROUPS, TEXTFILES_LOCK); else the state is saved.
 * Names go to @removed as for textfiles_prune(). 0 or a negative errno, explained in @d.
 */
int textfiles_clean(struct readstate *s, int dirfd, const char *key, textfiles_keep_fn *keep,
		    void *arg, struct strbuf *removed, struct diag *d);

#endif
