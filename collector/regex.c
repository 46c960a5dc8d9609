/*
 * regex: RE2's syntax and semantics on PCRE2, as ebpf_exporter's Go regexps read them. The
 * gaps that matter are closed here:
 *  - patterns are translated first, rejecting what RE2 rejects and PCRE2 would accept
 *    (lookaround, backreferences, atomic and possessive groups, (*VERBS), escapes RE2
 *    lacks such as \h \R \K \Z \G, repeat counts over 1000) and mapping \v to the
 *    vertical tab it is in RE2 (in PCRE2 it is a class);
 *  - UTF mode without UCP: . and classes take whole characters, \d \w \s \b stay ASCII,
 *    (?i) folds Unicode, as in RE2; $ matches only at the very end (DOLLAR_ENDONLY) and
 *    . excludes only \n (NEWLINE_LF);
 *  - RE2 reads each invalid UTF-8 byte as U+FFFD; PCRE2 refuses such subjects. An invalid
 *    input is matched as a copy with U+FFFD in their place, and the offsets are mapped
 *    back, so that the output keeps the original bytes;
 *  - RE2 is linear; PCRE2 backtracks, so matches are bounded (REGEX_MATCH_LIMIT).
 * What to do with a match (a label value, a map entry) is the caller's.
 *
 * PCRE2 is called through one table of its functions. Built plainly, the table holds the
 * linked functions. Built with -DREGEX_DLOPEN (the loader's build/collector/regex-dl.o),
 * it is filled from dlopen("libpcre2-8.so.0") on first need: a loader whose configs have
 * no regexp never opens PCRE2, and the binary does not link it. The library, once opened,
 * stays for the life of the process (like libbpf's print hook, a process-wide fact).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex.h"

#include <errno.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#ifdef REGEX_DLOPEN
#include <dlfcn.h>
#endif

#include "strbuf.h"
#include "utf8.h"

/* Backtracking bounds, so that a bad pattern cannot stall the reader (RE2 is linear). */
#define REGEX_MATCH_LIMIT 1000000
#define REGEX_DEPTH_LIMIT 100000
/* The library's soname, and the Debian package that has it (for the loader's message). */
#define REGEX_PCRE2_SONAME "libpcre2-8.so.0"
#define REGEX_PCRE2_PACKAGE "libpcre2-8-0"

/* The PCRE2 functions used, without their pcre2_ prefix and _8 suffix. */
#define REGEX_PCRE2_FUNCS(X)                                                                       \
	X(compile)                                                                                 \
	X(code_free)                                                                               \
	X(compile_context_create)                                                                  \
	X(compile_context_free)                                                                    \
	X(set_newline)                                                                             \
	X(jit_compile)                                                                             \
	X(get_error_message)                                                                       \
	X(pattern_info)                                                                            \
	X(match_context_create)                                                                    \
	X(match_context_free)                                                                      \
	X(set_match_limit)                                                                         \
	X(set_depth_limit)                                                                         \
	X(match_data_create)                                                                       \
	X(match_data_free)                                                                         \
	X(match)                                                                                   \
	X(get_ovector_pointer)

struct regex_pcre2 {
#define REGEX_FIELD(n) __typeof__(pcre2_##n##_8) *n;
	REGEX_PCRE2_FUNCS(REGEX_FIELD)
#undef REGEX_FIELD
};

#ifdef REGEX_DLOPEN
static struct regex_pcre2 regex_lib;
static bool regex_lib_open;

/* Open PCRE2 once; a failure is told each time (a later call tries again). */
static int regex_open_pcre2(const struct regex_pcre2 **out, const struct pos *at, struct diag *d)
{
	struct regex_pcre2 fns;
	const char *missing = NULL;
	void *h;

	*out = NULL;
	if (regex_lib_open) {
		*out = &regex_lib;
		return 0;
	}
	h = dlopen(REGEX_PCRE2_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return diag_err(d, ENOENT, at,
				"regular expressions need PCRE2: %s (install the package %s)",
				dlerror(), REGEX_PCRE2_PACKAGE);
#define REGEX_RESOLVE(n)                                                                           \
	fns.n = (__typeof__(pcre2_##n##_8) *)dlsym(h, "pcre2_" #n "_8");                           \
	if (!fns.n && !missing)                                                                    \
		missing = "pcre2_" #n "_8";
	REGEX_PCRE2_FUNCS(REGEX_RESOLVE)
#undef REGEX_RESOLVE
	if (missing) {
		dlclose(h);
		return diag_err(d, ENOSYS, at,
				"regular expressions need PCRE2: %s has no %s (install the "
				"package %s of this release)",
				REGEX_PCRE2_SONAME, missing, REGEX_PCRE2_PACKAGE);
	}
	regex_lib = fns;
	regex_lib_open = true;
	*out = &regex_lib;
	return 0;
}
#else
static const struct regex_pcre2 regex_lib = {
#define REGEX_LINKED(n) .n = pcre2_##n##_8,
	REGEX_PCRE2_FUNCS(REGEX_LINKED)
#undef REGEX_LINKED
};

static int regex_open_pcre2(const struct regex_pcre2 **out, const struct pos *at, struct diag *d)
{
	(void)at;
	(void)d;
	*out = &regex_lib;
	return 0;
}
#endif

struct regex_set {
	const struct regex_pcre2 *p;
	size_t n;
	char **patterns;    /* [n] copies */
	pcre2_code **codes; /* [n], compiled on first use */
	pcre2_compile_context *cc;
	pcre2_match_context *mc;
	pcre2_match_data *md;
	struct strbuf pattern; /* translation scratch */
	struct strbuf subject; /* input with U+FFFD for invalid bytes */
	size_t *map;	       /* subject offset -> input offset */
	size_t map_cap;
};

static bool utf8_valid(const uint8_t *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		n = utf8_seq_len(s + i, len - i);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

/* RE2's view of invalid UTF-8: each bad byte is U+FFFD. Fills re->subject and re->map. */
static int utf8_sanitize(struct regex_set *re, const uint8_t *in, size_t len)
{
	size_t i = 0, n, o;
	int err;

	strbuf_reset(&re->subject);
	if (len > (SIZE_MAX - 1) / 3)
		return -ENOMEM;
	err = strbuf_grow(&re->subject, 3 * len);
	if (err)
		return err;
	if (re->map_cap < 3 * len + 1) {
		size_t *m = reallocarray(re->map, 3 * len + 1, sizeof(*m));

		if (!m)
			return -ENOMEM;
		re->map = m;
		re->map_cap = 3 * len + 1;
	}
	o = 0;
	while (i < len) {
		n = utf8_seq_len(in + i, len - i);
		if (n) {
			memcpy(re->subject.buf + o, in + i, n);
			while (n--)
				re->map[o++] = i++;
		} else {
			/* All three bytes of U+FFFD stand for the one bad byte. */
			memcpy(re->subject.buf + o, UTF8_REPLACEMENT, 3);
			re->map[o++] = i;
			re->map[o++] = i;
			re->map[o++] = i++;
		}
	}
	re->map[o] = len;
	re->subject.len = o;
	re->subject.buf[o] = '\0';
	return 0;
}

/*
 * Check @p against RE2's syntax where PCRE2 would accept more, and translate what reads
 * differently, into @out. -EINVAL with @why set when RE2 would refuse the pattern.
 */
static int re2_translate(const char *p, struct strbuf *out, const char **why)
{
	bool in_class = false;
	int err = 0;

	strbuf_reset(out);
	for (; *p && !err; p++) {
		char c = *p;

		if (c == '\\') {
			char e = p[1];

			if (!e) {
				*why = "trailing backslash";
				return -EINVAL;
			}
			if (e == 'Q' && !in_class) {
				const char *q = strstr(p + 2, "\\E");
				size_t n = q ? (size_t)(q + 2 - p) : strlen(p);

				err = strbuf_add(out, p, n);
				p += n - 1;
				continue;
			}
			if (e == 'v') {
				err = strbuf_add(out, "\\x{0b}", 6);
				p++;
				continue;
			}
			if (e >= '1' && e <= '7' && !(p[2] >= '0' && p[2] <= '7')) {
				*why = "backreferences are not RE2 syntax";
				return -EINVAL;
			}
			if (((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || e == '8' ||
			     e == '9') &&
			    !strchr("aftnrxpPdDsSwWbBAzQE01234567", e)) {
				*why = "escape not in RE2 syntax";
				return -EINVAL;
			}
			err = strbuf_add(out, p, 2);
			p++;
			continue;
		}
		if (in_class) {
			if (c == '[' && p[1] == ':') {
				const char *q = strstr(p + 2, ":]");

				if (q) {
					err = strbuf_add(out, p, (size_t)(q + 2 - p));
					p = q + 1;
					continue;
				}
			}
			if (c == ']')
				in_class = false;
			err = strbuf_addch(out, c);
			continue;
		}
		if (c == '[') {
			in_class = true;
			err = strbuf_addch(out, c);
			/* A ']' right after '[' or '[^' is a literal. */
			if (!err && p[1] == '^') {
				err = strbuf_addch(out, *++p);
			}
			if (!err && p[1] == ']')
				err = strbuf_addch(out, *++p);
			continue;
		}
		if (c == '(' && p[1] == '*') {
			*why = "(* is not RE2 syntax";
			return -EINVAL;
		}
		if (c == '(' && p[1] == '?') {
			const char *q = p + 2;

			if (!strncmp(q, "P<", 2) || (q[0] == '<' && q[1] != '=' && q[1] != '!')) {
				err = strbuf_addch(out, c);
				continue;
			}
			while (*q && strchr("imsU-", *q))
				q++;
			/* (?:re), (?flags:re), (?flags) with flags from imsU and '-'. */
			if (*q != ':' && (*q != ')' || q == p + 2)) {
				*why = "group syntax not in RE2 (lookaround, atomic, conditional, "
				       "...)";
				return -EINVAL;
			}
			err = strbuf_addch(out, c);
			continue;
		}
		if ((c == '*' || c == '+' || c == '?' || c == '}') && p[1] == '+') {
			*why = "possessive quantifiers are not RE2 syntax";
			return -EINVAL;
		}
		if (c == '{') {
			unsigned long a = 0, b = 0;
			char *end;

			if (p[1] >= '0' && p[1] <= '9') {
				a = strtoul(p + 1, &end, 10);
				if (*end == ',' && end[1] >= '0' && end[1] <= '9')
					b = strtoul(end + 1, &end, 10);
				if (*end == '}' && (a > 1000 || b > 1000)) {
					*why = "repeat count over 1000";
					return -EINVAL;
				}
			}
		}
		err = strbuf_addch(out, c);
	}
	return err;
}

/* Compile @pattern RE2-style; a message in @d (at @at, as "regexps[@i]") on failure. */
static int regex_compile(const struct regex_pcre2 *p, pcre2_compile_context *cc,
			 struct strbuf *scratch, const char *pattern, size_t i,
			 const struct pos *at, pcre2_code **out, struct diag *d)
{
	const uint32_t opts =
		PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_NEVER_BACKSLASH_C | PCRE2_NEVER_UCP;
	const char *why = NULL;
	PCRE2_UCHAR msg[160];
	PCRE2_SIZE off;
	int err, code;

	*out = NULL;
	err = re2_translate(pattern, scratch, &why);
	if (err == -EINVAL)
		return diag_err(d, EINVAL, at, "regexps[%zu] \"%s\": %s", i, pattern, why);
	if (err)
		return err;
	*out = p->compile((PCRE2_SPTR)strbuf_str(scratch), scratch->len, opts, &code, &off, cc);
	if (!*out) {
		p->get_error_message(code, msg, sizeof(msg));
		return diag_err(d, EINVAL, at, "regexps[%zu] \"%s\": %s at offset %zu", i, pattern,
				(const char *)msg, (size_t)off);
	}
	/* JIT when this build of PCRE2 has it; the interpreter otherwise. */
	(void)p->jit_compile(*out, PCRE2_JIT_COMPLETE);
	return 0;
}

int regex_check(char *const *patterns, size_t n, const struct pos *at, struct diag *d)
{
	const struct regex_pcre2 *p;
	pcre2_compile_context *cc;
	struct strbuf scratch = {0};
	pcre2_code *code;
	int err, e;

	err = regex_open_pcre2(&p, at, d);
	if (err)
		return err;
	cc = p->compile_context_create(NULL);
	if (!cc)
		return diag_err(d, ENOMEM, at, "%s", strerror(ENOMEM));
	p->set_newline(cc, PCRE2_NEWLINE_LF);
	for (size_t i = 0; i < n; i++) {
		e = regex_compile(p, cc, &scratch, patterns[i], i, at, &code, d);
		p->code_free(code);
		if (e && !err)
			err = e;
	}
	strbuf_release(&scratch);
	p->compile_context_free(cc);
	return err;
}

int regex_set_new(struct regex_set **out, char *const *patterns, size_t n, struct diag *d)
{
	const struct regex_pcre2 *p;
	struct regex_set *s;
	int err;

	*out = NULL;
	err = regex_open_pcre2(&p, NULL, d);
	if (err)
		return err;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->p = p;
	s->codes = calloc(n ? n : 1, sizeof(*s->codes));
	s->patterns = calloc(n ? n : 1, sizeof(*s->patterns));
	s->cc = p->compile_context_create(NULL);
	s->mc = p->match_context_create(NULL);
	/* Two pairs: the match and the one group whose text we may need. */
	s->md = p->match_data_create(2, NULL);
	err = s->codes && s->patterns && s->cc && s->mc && s->md ? 0 : -ENOMEM;
	for (; !err && s->n < n; s->n++) {
		s->patterns[s->n] = strdup(patterns[s->n]);
		if (!s->patterns[s->n])
			err = -ENOMEM;
	}
	if (err) {
		regex_set_free(s);
		return err;
	}
	p->set_newline(s->cc, PCRE2_NEWLINE_LF);
	p->set_match_limit(s->mc, REGEX_MATCH_LIMIT);
	p->set_depth_limit(s->mc, REGEX_DEPTH_LIMIT);
	*out = s;
	return 0;
}

bool regex_set_is(const struct regex_set *s, char *const *patterns, size_t n)
{
	if (s->n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s->patterns[i], patterns[i]))
			return false;
	return true;
}

int regex_set_match(struct regex_set *s, const uint8_t *in, size_t len, size_t *from, size_t *to,
		    struct diag *d)
{
	const struct regex_pcre2 *p = s->p;
	const uint8_t *subject = in;
	size_t subject_len = len;
	PCRE2_SIZE *ov;
	int err, rc;

	*from = *to = 0;
	if (!utf8_valid(in, len)) {
		err = utf8_sanitize(s, in, len);
		if (err)
			return err;
		subject = (const uint8_t *)s->subject.buf;
		subject_len = s->subject.len;
	}
	for (size_t i = 0; i < s->n; i++) {
		uint32_t n_groups = 0;
		size_t f, t;

		if (!s->codes[i]) {
			err = regex_compile(p, s->cc, &s->pattern, s->patterns[i], i, NULL,
					    &s->codes[i], d);
			if (err)
				return err;
		}
		rc = p->match(s->codes[i], subject, subject_len, 0, PCRE2_NO_UTF_CHECK, s->md,
			      s->mc);
		if (rc == PCRE2_ERROR_NOMATCH)
			continue;
		if (rc < 0) {
			PCRE2_UCHAR msg[160];

			p->get_error_message(rc, msg, sizeof(msg));
			return diag_err(d, rc == PCRE2_ERROR_NOMEMORY ? ENOMEM : E2BIG, NULL,
					"regexps[%zu] \"%s\": %s", i, s->patterns[i],
					(const char *)msg);
		}
		p->pattern_info(s->codes[i], PCRE2_INFO_CAPTURECOUNT, &n_groups);
		if (n_groups > 1)
			continue; /* [quirk] as ebpf_exporter: not a match */
		ov = p->get_ovector_pointer(s->md);
		f = ov[2 * n_groups];
		t = ov[2 * n_groups + 1];
		/* A group that took no part in the match gives "". */
		if (f == PCRE2_UNSET || rc <= (int)n_groups)
			return 0;
		if (subject != in) {
			f = s->map[f];
			t = s->map[t];
		}
		*from = f;
		*to = t;
		return 0;
	}
	return REGEX_NOMATCH;
}

void regex_set_free(struct regex_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		s->p->code_free(s->codes[i]);
		free(s->patterns[i]);
	}
	free(s->codes);
	free(s->patterns);
	s->p->match_data_free(s->md);
	s->p->match_context_free(s->mc);
	s->p->compile_context_free(s->cc);
	strbuf_release(&s->pattern);
	strbuf_release(&s->subject);
	free(s->map);
	free(s);
}
