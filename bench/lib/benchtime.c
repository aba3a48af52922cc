/*
 * benchtime OUT COMMAND [ARGS...]
 *
 * Runs COMMAND and writes "WALL_NS MAX_RSS_KIB EXIT_STATUS" to the file OUT.
 * Wall time runs on CLOCK_MONOTONIC from just before fork() to the return of
 * wait4(), so it includes process start-up but none of the harness's own
 * overhead. MAX_RSS_KIB is ru_maxrss from wait4(2): the peak resident set of
 * COMMAND's process (the value GNU time prints as %M). Exits with COMMAND's
 * status, or 128 + signal number.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long long start, wall;
	struct rusage usage;
	int status, exit_status;
	FILE *out;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: benchtime OUT COMMAND [ARGS...]\n");
		return 2;
	}

	start = now_ns();
	pid = fork();
	if (pid < 0) {
		perror("benchtime: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror("benchtime: exec");
		_exit(127);
	}
	if (wait4(pid, &status, 0, &usage) < 0) {
		perror("benchtime: wait4");
		return 2;
	}
	wall = now_ns() - start;

	if (WIFEXITED(status))
		exit_status = WEXITSTATUS(status);
	else
		exit_status = 128 + WTERMSIG(status);

	out = fopen(argv[1], "w");
	if (!out) {
		perror("benchtime: fopen");
		return 2;
	}
	fprintf(out, "%llu %ld %d\n", wall, usage.ru_maxrss, exit_status);
	fclose(out);
	return exit_status;
}
