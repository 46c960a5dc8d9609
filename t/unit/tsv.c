/*
 * tsv: a field escaped and unescaped comes back exactly; a stray backslash, a tab or a NUL
 * inside a field is refused; numbers stay within their type.
 */
#include "tsv.h"

#include <stdint.h>
#include <string.h>

#include "strbuf.h"
#include "tap.h"

static void test_round_trip(void)
{
	const char *in = "a\\b\tc\nd/\xc3\xa9";
	struct strbuf sb = {0};
	char *s;

	ok(!tsv_add_escaped(&sb, in), "escaping succeeds");
	s = (char *)strbuf_str(&sb);
	is_str(s, "a\\\\b\\tc\\nd/\xc3\xa9",
	       "backslash, tab and newline are escaped, the rest kept");
	ok(!strchr(s, '\t') && !strchr(s, '\n'), "an escaped field has no tab and no newline");
	ok(tsv_unescape(s, s + strlen(s)), "the escaped field unescapes");
	is_str(s, in, "and comes back exactly");
	ok(!tsv_add_escaped(&sb, NULL), "NULL appends nothing");
	strbuf_release(&sb);
}

static void test_refused(void)
{
	char stray[] = "ab\\", unknown[] = "a\\xb", tab[] = "a\tb", nul[] = "a\0b";

	ok(!tsv_unescape(stray, stray + strlen(stray)), "a backslash at the end is refused");
	ok(!tsv_unescape(unknown, unknown + strlen(unknown)), "an unknown escape is refused");
	ok(!tsv_unescape(tab, tab + 3), "a raw tab in a field is refused");
	ok(!tsv_unescape(nul, nul + 3), "a NUL in a field is refused");
}

static void test_numbers(void)
{
	const char *max = "18446744073709551615", *over = "18446744073709551616";
	const char *min = "-9223372036854775808", *under = "-9223372036854775809";
	uint64_t v = 0;

	ok(tsv_parse_num(max, max + strlen(max), false, &v) && v == UINT64_MAX,
	   "UINT64_MAX parses");
	ok(!tsv_parse_num(over, over + strlen(over), false, &v), "one more is refused");
	ok(tsv_parse_num(min, min + strlen(min), true, &v) && (int64_t)v == INT64_MIN,
	   "INT64_MIN parses when signed");
	ok(!tsv_parse_num(under, under + strlen(under), true, &v), "one less is refused");
	ok(!tsv_parse_num(min, min + strlen(min), false, &v), "a sign is refused when unsigned");
	ok(!tsv_parse_num(max, max, false, &v), "an empty field is refused");
	ok(!tsv_parse_num("1x", "1x" + 2, false, &v), "a non-digit is refused");
}

int main(void)
{
	test_round_trip();
	test_refused();
	test_numbers();
	return done_testing();
}
