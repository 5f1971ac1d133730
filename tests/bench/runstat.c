/*
 * runstat - run a command and report its wall time and peak memory.
 *
 * runstat [-i INPUT] [-o OUTPUT] -- COMMAND [ARG...]
 * Standard output of the command goes to OUTPUT (default: a pipe that
 * runstat drains; never /dev/null, which GNU grep treats as -q), its
 * input comes from INPUT (or is inherited).  Prints
 * "SECONDS MAXRSS_KIB EXIT_STATUS".
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *input = NULL, *output = NULL;
	int fds[2] = { -1, -1 };
	struct timespec t0, t1;
	struct rusage ru;
	int status, i = 1;
	pid_t pid;

	while (i + 1 < argc && argv[i][0] == '-' && argv[i][1] && !argv[i][2] &&
	       strchr("io", argv[i][1])) {
		if (argv[i][1] == 'i')
			input = argv[i + 1];
		else
			output = argv[i + 1];
		i += 2;
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc) {
		fprintf(stderr, "usage: runstat [-i INPUT] [-o OUTPUT] -- COMMAND [ARG...]\n");
		return 2;
	}
	if (output == NULL && pipe(fds) < 0) {
		perror("pipe");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid == 0) {
		int out = output ? open(output, O_WRONLY | O_CREAT | O_TRUNC, 0644) : fds[1];

		if (out < 0) {
			perror(output);
			_exit(127);
		}
		dup2(out, 1);
		if (fds[0] >= 0)
			close(fds[0]);
		if (input) {
			int in = open(input, O_RDONLY);

			if (in < 0) {
				perror(input);
				_exit(127);
			}
			dup2(in, 0);
		}
		execvp(argv[i], argv + i);
		perror(argv[i]);
		_exit(127);
	}
	if (fds[0] >= 0) {
		char buf[65536];

		close(fds[1]);
		while (read(fds[0], buf, sizeof(buf)) > 0)
			;
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) {
		perror("runstat");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.6f %ld %d\n", (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128);
	return 0;
}
