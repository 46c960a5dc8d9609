/*
 * regex: a pattern set matches as RE2 does and says where the output is; it compiles a
 * pattern only when it gets there; the check reports every bad pattern with its place.
 */
#include "regex.h"

#include <errno.h>
#include <string.h>

#include "tap.h"

/* The text regex_set_match() picks out of @in, "NOMATCH", or "error: MESSAGE". */
static const char *match(char *const *pats, size_t n, const char *in, size_t len)
{
	static char out[256];
	struct regex_set *s = NULL;
	struct diag d = {0};
	size_t from = 99, to = 99;
	int rc;

	rc = regex_set_new(&s, pats, n, &d);
	if (!rc)
		rc = regex_set_match(s, (const uint8_t *)in, len, &from, &to, &d);
	if (rc == REGEX_NOMATCH)
		snprintf(out, sizeof(out), "NOMATCH");
	else if (rc)
		snprintf(out, sizeof(out), "error: %s", diag_last(&d));
	else
		snprintf(out, sizeof(out), "%.*s", (int)(to - from), in + from);
	regex_set_free(s);
	diag_release(&d);
	return out;
}

/* M(input, pattern, ...) */
#define M(in, ...)                                                                                 \
	match((char *[]){__VA_ARGS__}, sizeof((char *[]){__VA_ARGS__}) / sizeof(char *), in,       \
	      strlen(in))

static void test_match(void)
{
	is_str(M("nginx: worker", "^nginx: (.*)$"), "worker", "one group: its text");
	is_str(M("abc", "b"), "b", "no group: the matched text");
	is_str(M("ab", "(a)(b)", "b"), "b", "[quirk] two groups: not a match, the next is tried");
	is_str(M("zzz", "a", "b"), "NOMATCH", "nothing matches");
	is_str(M("abc\n", "c$"), "NOMATCH", "$ only at the very end");
	is_str(M("x\x0by", "x\\vy"), "x\x0by", "\\v is the vertical tab");
	is_str(match((char *[]){"^(.)"}, 1,
		     "\xff"
		     "a",
		     2),
	       "\xff", "an invalid byte is one character, and comes out as it was");
	is_str(M("y", "y", "a("), "y", "a bad pattern after one that matches is not compiled");
	like(M("y", "x", "a("), "regexps[1] \"a(\": missing closing", "... but one before it is");
	like(M("x", "a(?=b)"), "regexps[0] \"a(?=b)\": group syntax not in RE2",
	     "what RE2 refuses is refused when compiled");
}

static void test_is(void)
{
	char *a[] = {"x", "y"}, *b[] = {"x", "z"};
	struct regex_set *s = NULL;
	struct diag d = {0};

	ok(!regex_set_new(&s, a, 2, &d), "a set is made");
	ok(s && regex_set_is(s, a, 2), "it holds its patterns");
	ok(s && !regex_set_is(s, b, 2) && !regex_set_is(s, a, 1), "and no others");
	regex_set_free(s);
	regex_set_free(NULL);
	diag_release(&d);
}

static void test_check(void)
{
	char *pats[] = {"ok", "a(", "\\h"};
	struct pos at = {"t.yaml", 4, 11};
	struct diag d = {0};

	is_int(regex_check(pats, 3, &at, &d), -EINVAL, "a bad list is -EINVAL");
	is_int(d.n_errors, 2, "every bad pattern is reported");
	if (d.n_msgs == 2) {
		like(d.msgs[0].text,
		     "t.yaml:4:11: regexps[1] \"a(\": missing closing parenthesis at offset 2",
		     "PCRE2's reason, with the place and the pattern");
		is_str(d.msgs[1].text, "t.yaml:4:11: regexps[2] \"\\h\": escape not in RE2 syntax",
		       "RE2's refusal, with the place and the pattern");
	} else {
		ok(0, "messages");
		ok(0, "messages");
	}
	diag_release(&d);
	is_int(regex_check(pats, 1, &at, &d), 0, "a good list passes");
	is_int((int)d.n_msgs, 0, "silently");
}

int main(void)
{
	test_match();
	test_is();
	test_check();
	return done_testing();
}
