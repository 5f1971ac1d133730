/*
 * smtpclock - time sequential SMTP sessions, one message each.
 *
 * smtpclock -p PORT [-n COUNT] [-l BODY_BYTES] [-f FROM] -t RCPT [-t RCPT]...
 * Sends COUNT messages (default 50) to 127.0.0.1:PORT one after another,
 * each in its own session (greeting, EHLO, MAIL, RCPT..., DATA, the
 * message, QUIT), as a client that waits for every reply.  Prints
 *   messages N mean_ms M median_ms D max_ms X over40 K
 * where over40 counts the sessions that took 40 ms or more (a delayed-ACK
 * stall takes 40).  Exit 1 when a reply is not what a working server
 * answers (2xx, 354 to DATA), 2 on usage errors.  It talks to loopback
 * only.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_RCPT 16

static char buf[8192];
static size_t have, used;

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "smtpclock: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(1);
}

/* One reply (the last line of a multi-line one); its code. */
static int reply(int fd, char *last, size_t size)
{
	for (;;) {
		char *nl = memchr(buf + used, '\n', have - used);

		if (nl) {
			size_t len = (size_t)(nl - (buf + used)) + 1;
			int more = len > 3 && buf[used + 3] == '-';

			snprintf(last, size, "%.*s", (int)(len > 2 ? len - 2 : 0), buf + used);
			used += len;
			if (!more)
				return atoi(last);
			continue;
		}
		if (used > 0) {
			memmove(buf, buf + used, have - used);
			have -= used;
			used = 0;
		}
		if (have == sizeof(buf))
			die("reply line too long", NULL);
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);
		if (n <= 0)
			die("connection closed or timed out", NULL);
		have += (size_t)n;
	}
}

static void say(int fd, const char *text, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, text, len);

		if (n <= 0)
			die("write failed", NULL);
		text += n;
		len -= (size_t)n;
	}
}

static void command(int fd, const char *cmd, int want)
{
	char last[512];
	int code;

	say(fd, cmd, strlen(cmd));
	code = reply(fd, last, sizeof(last));
	if (code / 100 != want / 100)
		die("unexpected reply", last);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const char *from = "clock@bench.test", *rcpt[MAX_RCPT];
	int port = 0, count = 50, body = 1024, nrcpt = 0, c;
	char line[600], *message;
	double *took, total = 0;
	size_t mlen;

	while ((c = getopt(argc, argv, "p:n:l:f:t:")) != -1) {
		switch (c) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 'l':
			body = atoi(optarg);
			break;
		case 'f':
			from = optarg;
			break;
		case 't':
			if (nrcpt < MAX_RCPT)
				rcpt[nrcpt++] = optarg;
			break;
		default:
			return 2;
		}
	}
	if (port <= 0 || port > 65535 || count <= 0 || body < 0 || body > 1 << 20 || nrcpt == 0) {
		fprintf(stderr, "usage: smtpclock -p PORT [-n COUNT] [-l BODY_BYTES] [-f FROM] "
				"-t RCPT [-t RCPT]...\n");
		return 2;
	}
	message = malloc((size_t)body + 256);
	took = calloc((size_t)count, sizeof(*took));
	if (message == NULL || took == NULL)
		die("out of memory", NULL);
	mlen = (size_t)snprintf(message, 256, "Subject: smtpclock\r\nFrom: <%.100s>\r\n\r\n", from);
	for (int i = 0; i < body; i++)
		message[mlen++] = (i % 72 == 71) ? '\n' : (i % 72 == 70 ? '\r' : 'x');
	memcpy(message + mlen, "\r\n.\r\n", 5);
	mlen += 5;

	for (int m = 0; m < count; m++) {
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_port = htons((uint16_t)port) };
		struct timeval tv = { 10, 0 };
		char last[512];
		double t0 = now_ms();
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
		    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			die("cannot connect", NULL);
		have = used = 0;
		if (reply(fd, last, sizeof(last)) / 100 != 2)
			die("greeting", last);
		command(fd, "EHLO clock.bench.test\r\n", 250);
		snprintf(line, sizeof(line), "MAIL FROM:<%.500s>\r\n", from);
		command(fd, line, 250);
		for (int r = 0; r < nrcpt; r++) {
			snprintf(line, sizeof(line), "RCPT TO:<%.500s>\r\n", rcpt[r]);
			command(fd, line, 250);
		}
		command(fd, "DATA\r\n", 354);
		say(fd, message, mlen);
		if (reply(fd, last, sizeof(last)) / 100 != 2)
			die("message refused", last);
		command(fd, "QUIT\r\n", 221);
		close(fd);
		took[m] = now_ms() - t0;
		total += took[m];
	}
	qsort(took, (size_t)count, sizeof(*took), cmp_double);
	int over = 0;
	for (int m = 0; m < count; m++)
		over += took[m] >= 40.0;
	printf("messages %d mean_ms %.2f median_ms %.2f max_ms %.2f over40 %d\n", count,
	       total / count, took[count / 2], took[count - 1], over);
	free(message);
	free(took);
	return 0;
}
