/* tap.h: a tiny TAP producer for unit tests (plan, ok, is_int, is_str, is_mem, done_testing). */
#ifndef EBPFEXP_TAP_H
#define EBPFEXP_TAP_H
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed, tap_planned;

static inline void plan(int n)
{
	tap_planned = 1;
	printf("1..%d\n", n);
}

static inline int tap_result(int pass, const char *fmt, va_list ap)
{
	tap_n++;
	printf("%s %d - ", pass ? "ok" : "not ok", tap_n);
	vprintf(fmt, ap);
	printf("\n");
	if (!pass)
		tap_failed++;
	return pass;
}

static inline __attribute__((format(printf, 2, 3))) int ok(int pass, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = tap_result(pass, fmt, ap);
	va_end(ap);
	return r;
}

#define is_int(got, want, ...)                                                                     \
	do {                                                                                       \
		long long g_ = (long long)(got), w_ = (long long)(want);                           \
		if (!ok(g_ == w_, __VA_ARGS__))                                                    \
			printf("#   got: %lld\n#  want: %lld\n", g_, w_);                          \
	} while (0)

#define is_str(got, want, ...)                                                                     \
	do {                                                                                       \
		const char *g_ = (got), *w_ = (want);                                              \
		if (!ok(g_ && w_ && strcmp(g_, w_) == 0, __VA_ARGS__))                             \
			printf("#   got: \"%s\"\n#  want: \"%s\"\n", g_ ? g_ : "(null)",           \
			       w_ ? w_ : "(null)");                                                \
	} while (0)

#define is_mem(got, want, len, ...)                                                                \
	do {                                                                                       \
		if (!ok(memcmp((got), (want), (len)) == 0, __VA_ARGS__))                           \
			printf("#   memory differs\n");                                            \
	} while (0)

#define like(got, sub, ...)                                                                        \
	do {                                                                                       \
		const char *g_ = (got), *s_ = (sub);                                               \
		if (!ok(g_ && strstr(g_, s_) != NULL, __VA_ARGS__))                                \
			printf("#   got: \"%s\"\n#  want substring: \"%s\"\n", g_ ? g_ : "(null)", \
			       s_);                                                                \
	} while (0)

/* Prints the plan at the end unless plan() printed one first. */
static inline int done_testing(void)
{
	if (!tap_planned)
		printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
