/*
 * pfcmd - run postconf and postmap with a time limit (see pfcmd.h).
 */
#include "pfcmd.h"
#include "diag.h"
#include "xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* In the child: execvp, then Postfix's usual folder when PATH lacks it. */
static void exec_child(char *const argv[])
{
	char path[512];

	execvp(argv[0], argv);
	if (strchr(argv[0], '/') == NULL) {
		snprintf(path, sizeof(path), "/usr/sbin/%s", argv[0]);
		execv(path, argv);
	}
	dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

enum pfcmd_status pfcmd_run(char *const argv[], double timeout, size_t max,
			    struct pfcmd_result *res)
{
	int out[2], err[2], status = 0, open_fds = 2;
	double deadline = now() + timeout;
	size_t errlen = 0;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->out = xmalloc(max + 1);
	res->out[0] = 0;
	if (pipe(out) < 0 || pipe(err) < 0) {
		diag_format(res->err, sizeof(res->err), "pipe: %m");
		return res->status = PFCMD_NOEXEC;
	}
	if ((pid = fork()) < 0) {
		diag_format(res->err, sizeof(res->err), "fork: %m");
		close(out[0]), close(out[1]), close(err[0]), close(err[1]);
		return res->status = PFCMD_NOEXEC;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]), close(err[0]);
		exec_child(argv);
	}
	close(out[1]);
	close(err[1]);
	while (open_fds > 0) {
		struct pollfd p[2] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 } };
		double left = deadline - now();
		char buf[4096];

		if (left <= 0)
			break;
		if (poll(p, 2, (int)(left * 1000) + 1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				close(p[i].fd);
				if (i == 0)
					out[0] = -1;
				else
					err[0] = -1;
				open_fds--;
				continue;
			}
			if (i == 0 && res->len < max) {
				size_t take =
					(size_t)n < max - res->len ? (size_t)n : max - res->len;

				memcpy(res->out + res->len, buf, take);
				res->len += take;
				res->out[res->len] = 0;
			} else if (i == 1 && errlen + 1 < sizeof(res->err)) {
				size_t take = (size_t)n < sizeof(res->err) - 1 - errlen
						      ? (size_t)n
						      : sizeof(res->err) - 1 - errlen;

				memcpy(res->err + errlen, buf, take);
				errlen += take;
				res->err[errlen] = 0;
			}
		}
	}
	if (out[0] >= 0)
		close(out[0]);
	if (err[0] >= 0)
		close(err[0]);
	res->err[strcspn(res->err, "\n")] = 0;
	if (open_fds > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		snprintf(res->err, sizeof(res->err), "%s did not answer within %.0f s", argv[0],
			 timeout);
		return res->status = PFCMD_TIMEOUT;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	res->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (res->exit_code == 127 && res->len == 0)
		return res->status = PFCMD_NOEXEC;
	return res->status = res->exit_code == 0 ? PFCMD_OK : PFCMD_FAILED;
}

int pfcmd_postconf(const char *confdir, const char *name, char *out, size_t size)
{
	const char *env = getenv("MAIL_CONFIG");
	char *argv[6], maincf[1100];
	struct pfcmd_result r;
	int n = 0;

	/*
	 * No main.cf, no question: postconf would only fail, and Postfix sleeps
	 * a second before it exits on a fatal error.
	 */
	snprintf(maincf, sizeof(maincf), "%s/main.cf",
		 confdir && *confdir ? confdir
		 : env && *env       ? env
				     : "/etc/postfix");
	if (access(maincf, R_OK) != 0) {
		snprintf(out, size, "postconf %s: no %s", name, maincf);
		return -1;
	}
	argv[n++] = "postconf";
	if (confdir && *confdir) {
		argv[n++] = "-c";
		argv[n++] = (char *)confdir;
	}
	argv[n++] = "-xh";
	argv[n++] = (char *)name;
	argv[n] = NULL;
	if (pfcmd_run(argv, 10, 4096, &r) != PFCMD_OK) {
		snprintf(out, size, "postconf %s: %s", name, r.err[0] ? r.err : "failed");
		free(r.out);
		return -1;
	}
	r.out[strcspn(r.out, "\n")] = 0;
	snprintf(out, size, "%s", r.out);
	free(r.out);
	return 0;
}
