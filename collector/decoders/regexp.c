/*
 * regexp: keep samples whose label matches (§6.14). Patterns are tried in order, unanchored;
 * at the first that matches, one capture group -> that group's text, no group -> the
 * matched text, two or more groups -> [quirk] as if it had not matched. Nothing matches ->
 * DECODE_SKIP (the sample is dropped, not an error). No `regexps` key -> an error.
 *
 * ebpf_exporter uses Go's RE2 syntax; this uses PCRE2 and closes the gaps that matter:
 *  - patterns are translated first, rejecting what RE2 rejects and PCRE2 would accept
 *    (lookaround, backreferences, atomic and possessive groups, (*VERBS), escapes RE2
 *    lacks such as \h \R \K \Z \G, repeat counts over 1000) and mapping \v to the
 *    vertical tab it is in RE2 (in PCRE2 it is a class);
 *  - UTF mode without UCP: . and classes take whole characters, \d \w \s \b stay ASCII,
 *    (?i) folds Unicode, as in RE2; $ matches only at the very end (DOLLAR_ENDONLY) and
 *    . excludes only \n (NEWLINE_LF);
 *  - RE2 reads each invalid UTF-8 byte as U+FFFD; PCRE2 refuses such subjects. An invalid
 *    input is matched as a copy with U+FFFD in their place, and the offsets are mapped
 *    back, so that the output keeps the original bytes.
 * Each pattern is compiled once per context, keyed by the decoder spec.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "decoders.h"

#include <errno.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* Backtracking bounds, so that a bad pattern cannot stall the reader (RE2 is linear). */
#define REGEXP_MATCH_LIMIT 1000000
#define REGEXP_DEPTH_LIMIT 100000

/*
 * Keyed by the spec's address, checked against a copy of its patterns: a spec freed and
 * another allocated at the same place must not find the old code.
 */
struct regexp_spec {
	const struct config_decoder *dec;
	size_t n;
	char **patterns;    /* [n] copies */
	pcre2_code **codes; /* [n], compiled on first use */
};

struct regexps {
	struct regexp_spec *s;
	size_t n, cap;
	size_t last; /* the spec used last: consecutive entries share one */
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
static int utf8_sanitize(struct regexps *re, const uint8_t *in, size_t len)
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

static int regexps_init(struct regexps *re)
{
	re->cc = pcre2_compile_context_create(NULL);
	re->mc = pcre2_match_context_create(NULL);
	/* Two pairs: the match and the one group whose text we may need. */
	re->md = pcre2_match_data_create(2, NULL);
	if (!re->cc || !re->mc || !re->md)
		return -ENOMEM;
	pcre2_set_newline(re->cc, PCRE2_NEWLINE_LF);
	pcre2_set_match_limit(re->mc, REGEXP_MATCH_LIMIT);
	pcre2_set_depth_limit(re->mc, REGEXP_DEPTH_LIMIT);
	return 0;
}

/* Compile @pattern RE2-style; a message in @d (at @at, as "regexps[@i]") on failure. */
static int regexp_compile(pcre2_compile_context *cc, struct strbuf *scratch, const char *pattern,
			  size_t i, const struct pos *at, pcre2_code **out, struct diag *d)
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
	*out = pcre2_compile((PCRE2_SPTR)strbuf_str(scratch), scratch->len, opts, &code, &off, cc);
	if (!*out) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		return diag_err(d, EINVAL, at, "regexps[%zu] \"%s\": %s at offset %zu", i, pattern,
				(const char *)msg, (size_t)off);
	}
	/* JIT when this build of PCRE2 has it; the interpreter otherwise. */
	(void)pcre2_jit_compile(*out, PCRE2_JIT_COMPLETE);
	return 0;
}

int regexp_check(const struct config_decoder *dec, struct diag *d)
{
	pcre2_compile_context *cc;
	struct strbuf scratch = {0};
	pcre2_code *code;
	size_t i;
	int err = 0, e;

	if (!dec->has_regexps)
		return diag_err(d, EINVAL, &dec->at, "no regexps defined");
	cc = pcre2_compile_context_create(NULL);
	if (!cc)
		return diag_err(d, ENOMEM, &dec->at, "%s", strerror(ENOMEM));
	pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
	for (i = 0; i < dec->n_regexps; i++) {
		e = regexp_compile(cc, &scratch, dec->regexps[i], i, &dec->at, &code, d);
		pcre2_code_free(code);
		if (e && !err)
			err = e;
	}
	strbuf_release(&scratch);
	pcre2_compile_context_free(cc);
	return err;
}

static void regexp_spec_clear(struct regexp_spec *s)
{
	size_t j;

	for (j = 0; j < s->n; j++) {
		pcre2_code_free(s->codes[j]);
		free(s->patterns[j]);
	}
	free(s->codes);
	free(s->patterns);
	s->codes = NULL;
	s->patterns = NULL;
	s->n = 0;
	s->dec = NULL;
}

static bool regexp_spec_is(const struct regexp_spec *s, const struct config_decoder *dec)
{
	size_t j;

	if (s->dec != dec || s->n != dec->n_regexps)
		return false;
	for (j = 0; j < s->n; j++)
		if (strcmp(s->patterns[j], dec->regexps[j]))
			return false;
	return true;
}

static int regexp_spec_fill(struct regexp_spec *s, const struct config_decoder *dec)
{
	size_t j, n = dec->n_regexps;

	s->dec = dec;
	s->codes = calloc(n ? n : 1, sizeof(*s->codes));
	s->patterns = calloc(n ? n : 1, sizeof(*s->patterns));
	if (!s->codes || !s->patterns)
		return -ENOMEM;
	for (j = 0; j < n; j++, s->n++) {
		s->patterns[j] = strdup(dec->regexps[j]);
		if (!s->patterns[j])
			return -ENOMEM;
	}
	return 0;
}

static int regexp_spec_get(struct decode_ctx *ctx, const struct config_decoder *dec,
			   struct regexp_spec **out)
{
	struct regexps *re = ctx->regexps;
	struct regexp_spec *s;
	size_t i;
	int err;

	if (!re) {
		re = calloc(1, sizeof(*re));
		if (!re)
			return -ENOMEM;
		ctx->regexps = re;
		err = regexps_init(re);
		if (err)
			return err;
	}
	if (re->last < re->n && regexp_spec_is(&re->s[re->last], dec)) {
		*out = &re->s[re->last];
		return 0;
	}
	for (i = 0; i < re->n && re->s[i].dec != dec; i++)
		;
	if (i < re->n && regexp_spec_is(&re->s[i], dec)) {
		re->last = i;
		*out = &re->s[i];
		return 0;
	}
	if (i < re->n) {
		regexp_spec_clear(&re->s[i]); /* stale: another spec at that address */
	} else {
		if (re->n == re->cap) {
			size_t cap = re->cap ? re->cap * 2 : 8;

			s = reallocarray(re->s, cap, sizeof(*s));
			if (!s)
				return -ENOMEM;
			re->s = s;
			re->cap = cap;
		}
		re->s[re->n++] = (struct regexp_spec){0};
	}
	s = &re->s[i];
	err = regexp_spec_fill(s, dec);
	if (err) {
		regexp_spec_clear(s);
		return err;
	}
	re->last = i;
	*out = s;
	return 0;
}

int regexp_decode(struct decode_ctx *ctx, const struct config_decoder *dec, const uint8_t *in,
		  size_t len, struct strbuf *out, struct diag *d)
{
	struct regexp_spec *spec;
	struct regexps *re;
	const uint8_t *subject = in;
	size_t subject_len = len, i;
	PCRE2_SIZE *ov;
	int err, rc;

	if (!dec->has_regexps)
		return diag_err(d, EINVAL, NULL, "no regexps defined");
	err = regexp_spec_get(ctx, dec, &spec);
	if (err)
		return err;
	re = ctx->regexps;
	if (!utf8_valid(in, len)) {
		err = utf8_sanitize(re, in, len);
		if (err)
			return err;
		subject = (const uint8_t *)re->subject.buf;
		subject_len = re->subject.len;
	}
	for (i = 0; i < dec->n_regexps; i++) {
		uint32_t n_groups = 0;
		size_t from, to;

		if (!spec->codes[i]) {
			err = regexp_compile(re->cc, &re->pattern, dec->regexps[i], i, NULL,
					     &spec->codes[i], d);
			if (err)
				return err;
		}
		rc = pcre2_match(spec->codes[i], subject, subject_len, 0, PCRE2_NO_UTF_CHECK,
				 re->md, re->mc);
		if (rc == PCRE2_ERROR_NOMATCH)
			continue;
		if (rc < 0) {
			PCRE2_UCHAR msg[160];

			pcre2_get_error_message(rc, msg, sizeof(msg));
			return diag_err(d, rc == PCRE2_ERROR_NOMEMORY ? ENOMEM : E2BIG, NULL,
					"regexps[%zu] \"%s\": %s", i, dec->regexps[i],
					(const char *)msg);
		}
		pcre2_pattern_info(spec->codes[i], PCRE2_INFO_CAPTURECOUNT, &n_groups);
		if (n_groups > 1)
			continue; /* [quirk] as ebpf_exporter: not a match */
		ov = pcre2_get_ovector_pointer(re->md);
		from = ov[2 * n_groups];
		to = ov[2 * n_groups + 1];
		/* A group that took no part in the match gives "". */
		if (from == PCRE2_UNSET || rc <= (int)n_groups)
			return 0;
		if (subject != in) {
			from = re->map[from];
			to = re->map[to];
		}
		return strbuf_add(out, in + from, to - from);
	}
	return DECODE_SKIP;
}

void regexp_release(struct decode_ctx *ctx)
{
	struct regexps *re = ctx->regexps;
	size_t i;

	if (!re)
		return;
	for (i = 0; i < re->n; i++)
		regexp_spec_clear(&re->s[i]);
	free(re->s);
	pcre2_match_data_free(re->md);
	pcre2_match_context_free(re->mc);
	pcre2_compile_context_free(re->cc);
	strbuf_release(&re->pattern);
	strbuf_release(&re->subject);
	free(re->map);
	free(re);
	ctx->regexps = NULL;
}
