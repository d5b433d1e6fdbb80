/* rutime OUT CMD [ARG...]: run CMD, then write to OUT its wall time,
 * peak RSS (KiB), user and system time, in the order and units of
 * `/usr/bin/time -f '%e %M %U %S'` but to the microsecond: the runs
 * bench_nft times last tens of milliseconds, and time(1) prints 10 ms
 * steps.  Exits with CMD's status (127 when it cannot run). */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	FILE *out;
	pid_t pid;
	int status;

	if (argc < 3) {
		fprintf(stderr, "usage: rutime OUT CMD [ARG...]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((pid = fork()) < 0)
		return 127;
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0)
		return 127;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!(out = fopen(argv[1], "w")))
		return 127;
	fprintf(out, "%.6f %ld %.6f %.6f\n",
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		ru.ru_maxrss, seconds(ru.ru_utime), seconds(ru.ru_stime));
	fclose(out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
