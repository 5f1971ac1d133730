/*
 * faultlog - write failing probe lines at a steady rate, for the fault tests.
 *
 * faultlog PATH FIRST COUNT RATE
 * Appends COUNT Postfix status lines of failed verify probes to PATH,
 * RATE lines a second (in slices every 10 ms), as a syslog daemon would:
 * one write(2) per line on a descriptor opened with O_APPEND, and on
 * SIGHUP the path opened again (what logrotate's postrotate asks of
 * rsyslog).  Probe N (FIRST <= N < FIRST + COUNT) has its own queue ID,
 * recipient rcptN@example.com and downstream host mxN.example.net, so
 * every line raises one probe_failed alert that can be counted by its
 * recipient, and no two lines share a relay (nothing to fold, no
 * pipelining suspicion).  Prints "faultlog: wrote COUNT" at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t reopen;

static void on_hup(int sig)
{
	(void)sig;
	reopen = 1;
}

static int open_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0) {
		fprintf(stderr, "faultlog: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct timespec start, now, until;
	long first, count, rate, done = 0;
	int fd;

	if (argc != 5) {
		fprintf(stderr, "usage: faultlog PATH FIRST COUNT RATE\n");
		return 2;
	}
	first = atol(argv[2]);
	count = atol(argv[3]);
	rate = atol(argv[4]);
	if (rate <= 0)
		rate = 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	fd = open_log(argv[1]);
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (done < count) {
		long due, slice_ms;

		if (reopen) {
			reopen = 0;
			close(fd);
			fd = open_log(argv[1]);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		slice_ms = (now.tv_sec - start.tv_sec) * 1000 +
			   (now.tv_nsec - start.tv_nsec) / 1000000;
		due = (slice_ms + 10) * rate / 1000;
		if (due > count)
			due = count;
		for (; done < due; done++) {
			char line[512];
			long n = first + done;
			int len = snprintf(
				line, sizeof(line),
				"Nov 25 16:41:14 mta postfix/smtp[29299]: F%010lX: "
				"to=<rcpt%ld@example.com>, "
				"relay=mx%ld.example.net[10.%ld.%ld.%ld]:25, "
				"delay=0.01, delays=0/0/0/0, dsn=4.4.2, status=undeliverable "
				"(lost connection with mx%ld.example.net[10.%ld.%ld.%ld] while "
				"sending RCPT TO)\n",
				n, n, n, n >> 16 & 255, n >> 8 & 255, n & 255, n, n >> 16 & 255,
				n >> 8 & 255, n & 255);

			if (write(fd, line, (size_t)len) != len) {
				fprintf(stderr, "faultlog: write: %s\n", strerror(errno));
				return 1;
			}
		}
		until.tv_sec = 0;
		until.tv_nsec = 10 * 1000000L;
		nanosleep(&until, NULL);
	}
	close(fd);
	printf("faultlog: wrote %ld\n", done);
	return 0;
}
