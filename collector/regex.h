/*
 * regex: lists of regular expressions with RE2's semantics (Go's regexp package, which
 * ebpf_exporter uses for the regexp decoder and cgroup_id_map) on PCRE2. Used by the regexp
 * decoder, by the loader's config checks and by its cgroup_id_maps (cgidmap).
 *
 * Built twice (see the Makefile): linked against libpcre2-8 for the reader and the tests,
 * and with -DREGEX_DLOPEN for the loader, which then opens libpcre2-8.so.0 itself on the
 * first regex_set_new() or regex_check(), so that the privileged binary does not link
 * PCRE2 when no config of it has a regexp.
 */
#ifndef EBPFEXP_REGEX_H
#define EBPFEXP_REGEX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/* Returned by regex_set_match() when no pattern matches. */
#define REGEX_NOMATCH 1

struct regex_set;

/*
 * A set of @patterns[0..@n) (copied), each compiled on its first use, so that a bad pattern
 * after one that matches costs nothing. Free with regex_set_free(). 0, -ENOMEM, or (the
 * loader's build only) a negative errno with a message in @d when PCRE2 cannot be opened.
 */
int regex_set_new(struct regex_set **out, char *const *patterns, size_t n, struct diag *d);
/* Does @s hold exactly @patterns[0..@n)? */
bool regex_set_is(const struct regex_set *s, char *const *patterns, size_t n);
/*
 * Try the patterns in order, unanchored, on @in[0..@len) (invalid UTF-8 reads as U+FFFD,
 * as in RE2). At the first that matches: with one capture group, that group's text; with
 * none, the matched text; [quirk] with two or more, as if it had not matched. Returns 0
 * with the text at @in[*@from..*@to) (empty when the group took no part), REGEX_NOMATCH,
 * or a negative errno with "regexps[I] \"PATTERN\": why" in @d. No allocation once warm.
 */
int regex_set_match(struct regex_set *s, const uint8_t *in, size_t len, size_t *from, size_t *to,
		    struct diag *d);
/* NULL is fine. */
void regex_set_free(struct regex_set *s);

/*
 * Compile every one of @patterns[0..@n) now, for config checks: each that RE2 or PCRE2
 * refuses is reported in @d at @at as "regexps[I] \"PATTERN\": why". 0 or -EINVAL (or
 * another negative errno, reported too).
 */
int regex_check(char *const *patterns, size_t n, const struct pos *at, struct diag *d);

#endif
