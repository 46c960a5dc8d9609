/*
 * promtext_bench: how fast promtext_format_double() is on the numbers a reader prints:
 * integral counts, exp2 bucket bounds times 1e-6, and sums that need many digits.
 * Build by hand: cc -O2 -std=gnu11 -D_GNU_SOURCE -Icollector t/bench/promtext_bench.c \
 *	collector/promtext.c collector/family.c collector/strbuf.c -lm
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "promtext.h"

#define N 10000000

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run(const char *what, double (*gen)(uint64_t), size_t n)
{
	char buf[PROMTEXT_DOUBLE_MAX];
	size_t total = 0;
	double t0, t;

	t0 = now();
	for (size_t i = 0; i < n; i++)
		total += promtext_format_double(buf, gen(i));
	t = now() - t0;
	printf("%-28s %10zu numbers %8.1f ns/op (%zu bytes)\n", what, n, t * 1e9 / (double)n,
	       total);
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static double gen_small_int(uint64_t i)
{
	return (double)(mix(i) % 100000);
}

static double gen_big_int(uint64_t i)
{
	return (double)(mix(i) >> 20);
}

static double gen_exp2_bound(uint64_t i)
{
	return (double)(1ull << (i % 40)) * 1e-6;
}

static double gen_sum(uint64_t i)
{
	return (double)(mix(i) % 10000000) * 1e-6;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : N;

	run("integers < 1e5", gen_small_int, n);
	run("integers < 2^44", gen_big_int, n);
	run("exp2 bounds x 1e-6", gen_exp2_bound, n / 10);
	run("sums (k x 1e-6)", gen_sum, n / 10);
	return 0;
}
