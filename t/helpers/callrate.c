/*
 * callrate: a known load of system calls for the live view's tests.
 *
 *   callrate RATE [SECONDS]    RATE getppid() calls a second, for SECONDS (default: until
 *                              killed)
 *
 * The calls come in 100 bursts a second, each at an absolute deadline on the monotonic
 * clock, so the rate holds over any second however late a burst was woken: a late tick
 * makes up its calls at once. getppid has no vDSO shortcut, so each call enters the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TICKS 100

int main(int argc, char **argv)
{
	long rate = argc > 1 ? atol(argv[1]) : 0;
	long seconds = argc > 2 ? atol(argv[2]) : 0;
	struct timespec next;
	long long done = 0;

	if (argc < 2 || argc > 3 || rate <= 0 || seconds < 0) {
		fprintf(stderr, "usage: callrate RATE [SECONDS]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (long long tick = 1; !seconds || tick <= seconds * TICKS; tick++) {
		/* calls due by the end of this tick: the rate, with no rounding drift */
		long long due = rate * tick / TICKS;

		for (; done < due; done++)
			syscall(SYS_getppid);
		next.tv_nsec += 1000000000 / TICKS;
		if (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
	}
	return 0;
}
