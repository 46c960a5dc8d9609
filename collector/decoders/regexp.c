/*
 * regexp: keep samples whose label matches (§6.14). Patterns are tried in order, unanchored;
 * at the first that matches, one capture group -> that group's text, no group -> the
 * matched text, two or more groups -> [quirk] as if it had not matched. Nothing matches ->
 * DECODE_SKIP (the sample is dropped, not an error). No `regexps` key -> an error.
 *
 * The patterns read as Go's RE2 reads them (regex.h says how); this file keeps one
 * compiled set per decoder spec in the context, compiled once per context.
 */
#include "decoders.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "regex.h"

/*
 * Keyed by the spec's address, checked against the set's copy of its patterns: a spec
 * freed and another allocated at the same place must not find the old code.
 */
struct regexp_spec {
	const struct config_decoder *dec;
	struct regex_set *set;
};

struct regexps {
	struct regexp_spec *s;
	size_t n, cap;
	size_t last; /* the spec used last: consecutive entries share one */
};

int regexp_check(const struct config_decoder *dec, struct diag *d)
{
	if (!dec->has_regexps)
		return diag_err(d, EINVAL, &dec->at, "no regexps defined");
	return regex_check(dec->regexps, dec->n_regexps, &dec->at, d);
}

static bool regexp_spec_is(const struct regexp_spec *s, const struct config_decoder *dec)
{
	return s->dec == dec && s->set && regex_set_is(s->set, dec->regexps, dec->n_regexps);
}

static int regexp_spec_get(struct decode_ctx *ctx, const struct config_decoder *dec,
			   struct regexp_spec **out, struct diag *d)
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
		/* stale: another spec at that address */
		regex_set_free(re->s[i].set);
		re->s[i] = (struct regexp_spec){0};
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
	err = regex_set_new(&s->set, dec->regexps, dec->n_regexps, d);
	if (err)
		return err;
	s->dec = dec;
	re->last = i;
	*out = s;
	return 0;
}

int regexp_decode(struct decode_ctx *ctx, const struct config_decoder *dec, const uint8_t *in,
		  size_t len, struct strbuf *out, struct diag *d)
{
	struct regexp_spec *spec;
	size_t from, to;
	int err;

	if (!dec->has_regexps)
		return diag_err(d, EINVAL, NULL, "no regexps defined");
	err = regexp_spec_get(ctx, dec, &spec, d);
	if (err)
		return err;
	err = regex_set_match(spec->set, in, len, &from, &to, d);
	if (err == REGEX_NOMATCH)
		return DECODE_SKIP;
	if (err)
		return err;
	return strbuf_add(out, in + from, to - from);
}

void regexp_release(struct decode_ctx *ctx)
{
	struct regexps *re = ctx->regexps;

	if (!re)
		return;
	for (size_t i = 0; i < re->n; i++)
		regex_set_free(re->s[i].set);
	free(re->s);
	free(re);
	ctx->regexps = NULL;
}
