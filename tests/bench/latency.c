/*
 * latency - the daemon's detection latency and its CPU cost while following.
 *
 * latency PID LOG ALERTS FILLER
 *   PID     the running probewatch daemon (file: sink writing ALERTS)
 *   LOG     the log it follows; lines are appended here
 *   FILLER  a generated mail log (genlog) to replay as ordinary traffic
 * Phase 1 appends 1,000 probe failures, one line each among filler lines,
 * at 2,000 lines per second, and times each from its write until its
 * probe_failed alert appears in ALERTS.  Phase 2 replays FILLER at 2,000
 * lines per second for 10 seconds and reads the daemon's CPU time from
 * /proc.  Phase 3 is an incident: 500 probe failures a second for 10
 * seconds (one line in four at 2,000 lines per second), each timed as in
 * phase 1, while the daemon writes every alert to all its sinks.  Prints
 * the figures; exits 0 unless something could not be run.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROBES      1000
#define RATE        2000
#define CPU_SECONDS 10
#define BURST       5000 /* phase 3: 500 a second for 10 s */
#define TIMED       (PROBES + BURST)

static double sent[TIMED], seen[TIMED];
static atomic_int found;
static atomic_int done;
static const char *alerts_path;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
	struct timespec ts;
	double s = t - now();

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* Tail ALERTS and note when each probe's alert shows up. */
static void *reader(void *arg)
{
	int fd = open(alerts_path, O_RDONLY);
	static char buf[1 << 20];
	size_t have = 0;

	(void)arg;
	if (fd < 0) {
		perror(alerts_path);
		exit(2);
	}
	lseek(fd, 0, SEEK_END);
	while (!done) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have - 1);
		char *line, *nl;

		if (n <= 0) {
			usleep(200);
			continue;
		}
		have += (size_t)n;
		buf[have] = 0;
		line = buf;
		while ((nl = strchr(line, '\n')) != NULL) {
			char *q = strstr(line, "\"postfix_queueid\":\"F");

			*nl = 0;
			if (q && strstr(line, "\"event\":\"probe_failed\"")) {
				long i = strtol(q + 19, NULL, 16) - 0xF0000000L;

				if (i >= 0 && i < TIMED && seen[i] == 0) {
					seen[i] = now();
					found++;
				}
			}
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
	}
	close(fd);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static long cpu_ticks(const char *pid)
{
	char path[64], buf[2048], *p;
	unsigned long ut, st;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	if ((fp = fopen(path, "r")) == NULL || !fgets(buf, sizeof(buf), fp)) {
		perror(path);
		exit(2);
	}
	fclose(fp);
	/* after the ")" of the command name: state, then fields 4..13, utime, stime */
	p = strrchr(buf, ')');
	if (p == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		exit(2);
	return (long)(ut + st);
}

/*
 * Write COUNT probe failures (queue IDs from FIRST on), one in EVERY lines
 * at RATE lines per second, the rest filler; wait for their alerts and
 * print the latency figures under LABEL.  -1 when nothing could be timed.
 */
static int timed_probes(int logfd, FILE *filler, int first, int count, int every, const char *label,
			int burst)
{
	static double lat[TIMED];
	char line[4096];
	double t0 = now();
	int n = 0;

	for (int i = first, k = 0; i < first + count; k++) {
		int len;

		sleep_until(t0 + (double)k / RATE);
		if (k % every == 0) {
			len = snprintf(line, sizeof(line),
				       "Nov 25 16:41:14 mta postfix/smtp[29299]: %lX: "
				       "to=<user%d@example.com>, "
				       "relay=exchange.example.com[192.168.10.20]:25, delay=0.01, "
				       "delays=0/0/0/0, dsn=4.4.2, status=undeliverable (lost "
				       "connection with exchange.example.com[192.168.10.20] while "
				       "sending RCPT TO)\n",
				       0xF0000000L + (unsigned long)i, i);
			sent[i] = now();
			i++;
		} else {
			if (!fgets(line, sizeof(line), filler))
				rewind(filler);
			len = (int)strlen(line);
		}
		if (write(logfd, line, (size_t)len) != len)
			return -1;
	}
	for (int w = 0; w < 500 && found < first + count; w++)
		usleep(10000);
	for (int i = first; i < first + count; i++)
		if (seen[i] > 0)
			lat[n++] = (seen[i] - sent[i]) * 1000;
	qsort(lat, (size_t)n, sizeof(lat[0]), cmp);
	if (n == 0) {
		fprintf(stderr, "latency: no alert arrived\n");
		return -1;
	}
	printf("%-21s median %.1f ms, p99 %.1f ms, max %.1f ms over %d of %d probe failures%s "
	       "(target: p99 under 20 ms)\n",
	       label, lat[n / 2], lat[(n * 99) / 100], lat[n - 1], n, count,
	       burst ? ", 500 a second for 10 s" : "");
	return 0;
}

int main(int argc, char **argv)
{
	FILE *filler;
	char line[4096];
	int logfd;
	pthread_t th;
	double t0;
	long c0, c1;

	if (argc != 5) {
		fprintf(stderr, "usage: latency PID LOG ALERTS FILLER\n");
		return 2;
	}
	alerts_path = argv[3];
	if ((logfd = open(argv[2], O_WRONLY | O_APPEND)) < 0 ||
	    (filler = fopen(argv[4], "r")) == NULL) {
		perror("open");
		return 2;
	}
	pthread_create(&th, NULL, reader, NULL);
	usleep(100000);

	/* Phase 1: every other line a probe failure, each written on its own. */
	if (timed_probes(logfd, filler, 0, PROBES, 2, "detection latency", 0) < 0)
		return 2;

	/* Phase 2: ordinary traffic at RATE lines per second. */
	c0 = cpu_ticks(argv[1]);
	t0 = now();
	for (long k = 0; k < (long)RATE * CPU_SECONDS; k++) {
		sleep_until(t0 + (double)k / RATE);
		if (!fgets(line, sizeof(line), filler)) {
			rewind(filler);
			continue;
		}
		if (write(logfd, line, strlen(line)) != (ssize_t)strlen(line))
			return 2;
	}
	usleep(200000);
	c1 = cpu_ticks(argv[1]);
	printf("following CPU         %.2f%% of one core at %d lines/s for %d s (target: under "
	       "5%%)\n",
	       100.0 * (double)(c1 - c0) / (double)sysconf(_SC_CLK_TCK) / (now() - t0), RATE,
	       CPU_SECONDS);

	/* Phase 3: an incident, one line in four a probe failure. */
	c0 = cpu_ticks(argv[1]);
	t0 = now();
	if (timed_probes(logfd, filler, PROBES, BURST, 4, "latency in a burst", 1) < 0)
		return 2;
	c1 = cpu_ticks(argv[1]);
	printf("burst CPU             %.1f%% of one core at %d alerts/s\n",
	       100.0 * (double)(c1 - c0) / (double)sysconf(_SC_CLK_TCK) / (now() - t0), RATE / 4);
	done = 1;
	pthread_join(th, NULL);
	fclose(filler);
	close(logfd);
	return 0;
}
