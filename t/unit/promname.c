/* Unit tests for collector/promname.c: the one rule for metric, label and config names. */
#include "promname.h"

#include <errno.h>
#include <string.h>

#include "tap.h"

static void test_metric(void)
{
	char why[160] = "";

	is_int(promname_check_metric("timer_starts_total", why, sizeof(why)), 0,
	       "a plain metric name is valid");
	is_int(promname_check_metric("_x9", why, sizeof(why)), 0, "a leading underscore is fine");
	is_int(promname_check_metric("timer_starts_total 1\nevil_injected_total", why, sizeof(why)),
	       -EINVAL, "a newline and a space are refused");
	ok(strstr(why, "not a valid metric name") != NULL, "with the loader's reason (%s)", why);
	is_int(promname_check_metric("a:b", why, sizeof(why)), -EINVAL,
	       "a colon is refused: the name is also the map name");
	is_int(promname_check_metric("9lives", why, sizeof(why)), -EINVAL, "a leading digit too");
	is_int(promname_check_metric("", why, sizeof(why)), -EINVAL, "and the empty name");
	is_int(promname_check_metric(NULL, NULL, 0), -EINVAL, "NULL is refused, without a reason");
	is_int(promname_check_metric("build_info", why, sizeof(why)), -EINVAL,
	       "a built-in family's name is refused");
	is_str(why, "ebpf_exporter_build_info is a built-in metric", "saying which one");
}

static void test_label(void)
{
	char why[160] = "";

	is_int(promname_check_label("function", why, sizeof(why)), 0, "a plain label is valid");
	is_int(promname_check_label("fu\"nction", why, sizeof(why)), -EINVAL,
	       "a quote in a label name is refused");
	ok(strstr(why, "not a valid label name") != NULL, "with the loader's reason (%s)", why);
	is_int(promname_check_label("__name", why, sizeof(why)), -EINVAL,
	       "names starting with __ are Prometheus's");
	ok(strstr(why, "reserved") != NULL, "and the reason says so (%s)", why);
	is_int(promname_check_label("a:b", why, sizeof(why)), -EINVAL, "a colon is refused");
}

static void test_config(void)
{
	char why[200] = "", longname[PROMNAME_CONFIG_MAX + 2];

	is_int(promname_check_config("unix-accept-latency", why, sizeof(why)), 0,
	       "dashes are fine in config names (ebpf_exporter's examples have them)");
	is_int(promname_check_config("biolatency.v2", why, sizeof(why)), 0, "and dots");
	is_int(promname_check_config(".hidden", why, sizeof(why)), -EINVAL,
	       "a leading dot is refused");
	is_int(promname_check_config("a/b", why, sizeof(why)), -EINVAL, "a slash is refused");
	is_int(promname_check_config("bad name", why, sizeof(why)), -EINVAL, "a space too");
	is_int(promname_check_config("a\"b", why, sizeof(why)), -EINVAL, "and a quote");
	ok(strstr(why, "not a valid config name") != NULL, "with a reason (%s)", why);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	is_int(promname_check_config(longname, why, sizeof(why)), -EINVAL,
	       "longer than PROMNAME_CONFIG_MAX is refused");
	longname[PROMNAME_CONFIG_MAX] = '\0';
	is_int(promname_check_config(longname, why, sizeof(why)), 0, "PROMNAME_CONFIG_MAX is fine");
}

static void test_quote(void)
{
	char q[80], small[12];

	promname_quote(q, sizeof(q), "a\nb\"c\\d\x01");
	is_str(q, "\"a\\nb\\\"c\\\\d\\x01\"", "newline, quote, backslash and controls are escaped");
	promname_quote(small, sizeof(small), "abcdefghijklmnop");
	is_str(small, "\"abcdef...\"", "a long name is cut with ... and still fits");
	promname_quote(q, sizeof(q), NULL);
	is_str(q, "\"\"", "NULL quotes as \"\"");
}

int main(void)
{
	test_metric();
	test_label();
	test_config();
	test_quote();
	return done_testing();
}
