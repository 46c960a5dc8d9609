/*
 * runcost: what one run of a command costs, for the benchmarks.
 *
 *   runcost CMD [ARG...]
 *
 * Runs CMD with its output thrown away and prints "WALL_MS CPU_MS MAXRSS_KB": wall-clock
 * time, user + system CPU time (from wait4(), to the microsecond) and peak resident set
 * size. Exits with CMD's status (1 when CMD could not be run or was killed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double ms(const struct timeval *tv)
{
	return (double)tv->tv_sec * 1e3 + (double)tv->tv_usec / 1e3;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status, null;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: runcost CMD [ARG...]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "runcost: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		fprintf(stderr, "runcost: wait4: %s\n", strerror(errno));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.3f %.3f %ld\n",
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
	       ms(&ru.ru_utime) + ms(&ru.ru_stime), ru.ru_maxrss);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		fprintf(stderr, "runcost: %s: could not be run\n", argv[1]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
