/* sysloop: the cost of one system call, as the median of several timed runs.
 *
 *   sysloop [CALLS [RUNS]]    (default 5000000 calls, 5 runs)
 *
 * Each run makes CALLS getppid() calls in a tight loop (getppid has no vDSO shortcut and
 * does almost nothing, so the loop measures the syscall path and whatever is attached to
 * it) and prints its ns per call; the last line is "median NS". */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 5000000;
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	double per[64];

	if (calls <= 0 || runs <= 0 || runs > 64) {
		fprintf(stderr, "usage: sysloop [CALLS [RUNS (1..64)]]\n");
		return 2;
	}
	for (int r = 0; r < runs; r++) {
		double t0 = now_ns();

		for (long i = 0; i < calls; i++)
			syscall(SYS_getppid);
		per[r] = (now_ns() - t0) / calls;
		printf("run %d %.1f\n", r + 1, per[r]);
	}
	qsort(per, runs, sizeof(per[0]), cmp_double);
	printf("median %.1f\n", runs % 2 ? per[runs / 2] : (per[runs / 2 - 1] + per[runs / 2]) / 2);
	return 0;
}
