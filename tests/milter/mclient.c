/*
 * mclient - a small MTA side of the milter protocol, for probewatch's tests.
 *
 * mclient SOCKET < SCRIPT
 * Connects to a unix-domain milter socket and runs a script, one command
 * per line, fields separated by tabs:
 *   optneg  VERSION  ACTIONS  PROTOCOL      (numbers, 0x... allowed)
 *   macro   STAGE  NAME  VALUE [NAME VALUE]... (STAGE: C H M R T L N E)
 *   connect HOSTNAME  IPV4
 *   helo    NAME | mail ARG | rcpt ARG | data | header NAME VALUE | eoh | eob | quit
 * It prints what the filter answers: "optneg version=V actions=0x.. protocol=0x..",
 * then for each command that gets a reply "reply c", "reply a", ... and for
 * end of message the modifications: "addheader NAME: VALUE",
 * "chgheader INDEX NAME: VALUE".  Commands the filter asked not to answer
 * (SMFIP_NR_*) are not waited for, as Postfix does.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define NR_CONN 0x1000UL
#define NR_HELO 0x2000UL
#define NR_MAIL 0x4000UL
#define NR_RCPT 0x8000UL
#define NR_DATA 0x10000UL
#define NR_HDR  0x80UL
#define NR_EOH  0x40000UL

static int fd;
static unsigned long proto;

static void die(const char *what)
{
	fprintf(stderr, "mclient: %s\n", what);
	exit(2);
}

static void send_packet(char cmd, const char *data, size_t len)
{
	uint32_t n = htonl((uint32_t)len + 1);

	if (write(fd, &n, 4) != 4 || write(fd, &cmd, 1) != 1 ||
	    (len && write(fd, data, len) != (ssize_t)len))
		die("write");
}

static void read_full(void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n <= 0)
			die("read: the filter closed the connection");
		got += (size_t)n;
	}
}

/* One reply packet; returns its command, data in buf (NUL-terminated). */
static char read_packet(char *buf, size_t size, size_t *len)
{
	uint32_t n;
	char cmd;

	read_full(&n, 4);
	n = ntohl(n);
	if (n == 0 || n > size)
		die("bad reply length");
	read_full(&cmd, 1);
	*len = n - 1;
	read_full(buf, *len);
	buf[*len] = 0;
	return cmd;
}

/* Read replies until a final one; print each. */
static void replies(void)
{
	char buf[65536];
	size_t len;

	for (;;) {
		char c = read_packet(buf, sizeof(buf), &len);

		if (c == 'h') {
			printf("addheader %s: %s\n", buf, buf + strlen(buf) + 1);
		} else if (c == 'm') {
			uint32_t idx;
			char *name = buf + 4;

			memcpy(&idx, buf, 4);
			printf("chgheader %u %s: %s\n", ntohl(idx), name, name + strlen(name) + 1);
		} else {
			printf("reply %c\n", c);
			return;
		}
	}
}

/* Fields of data joined with NUL separators (and a final NUL). */
static size_t pack(char *out, size_t size, char **f, int n)
{
	size_t at = 0;

	for (int i = 0; i < n; i++) {
		size_t l = strlen(f[i]) + 1;

		if (at + l > size)
			die("command too long");
		memcpy(out + at, f[i], l);
		at += l;
	}
	return at;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char line[8192], data[8192];

	if (argc != 2)
		die("usage: mclient SOCKET < SCRIPT");
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		die("cannot connect");
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		char *f[32], *save = NULL;
		int n = 0;

		line[strcspn(line, "\n")] = 0;
		for (char *t = strtok_r(line, "\t", &save); t && n < 32;
		     t = strtok_r(NULL, "\t", &save))
			f[n++] = t;
		if (n == 0 || f[0][0] == '#')
			continue;
		if (strcmp(f[0], "optneg") == 0 && n == 4) {
			uint32_t v[3] = { htonl((uint32_t)strtoul(f[1], NULL, 0)),
					  htonl((uint32_t)strtoul(f[2], NULL, 0)),
					  htonl((uint32_t)strtoul(f[3], NULL, 0)) };
			size_t len;

			send_packet('O', (char *)v, sizeof(v));
			if (read_packet(data, sizeof(data), &len) != 'O' || len < 12)
				die("no option negotiation reply");
			memcpy(v, data, sizeof(v));
			proto = ntohl(v[2]);
			printf("optneg version=%u actions=0x%x protocol=0x%lx\n", ntohl(v[0]),
			       ntohl(v[1]), proto);
		} else if (strcmp(f[0], "macro") == 0 && n >= 2) {
			data[0] = f[1][0];
			send_packet('D', data, 1 + pack(data + 1, sizeof(data) - 1, f + 2, n - 2));
		} else if (strcmp(f[0], "connect") == 0 && n == 3) {
			size_t at = pack(data, sizeof(data), f + 1, 1);

			data[at++] = '4';
			data[at++] = 0;
			data[at++] = 25;
			at += pack(data + at, sizeof(data) - at, f + 2, 1);
			send_packet('C', data, at);
			if (!(proto & NR_CONN))
				replies();
		} else if (strcmp(f[0], "helo") == 0 && n == 2) {
			send_packet('H', data, pack(data, sizeof(data), f + 1, 1));
			if (!(proto & NR_HELO))
				replies();
		} else if (strcmp(f[0], "mail") == 0 && n == 2) {
			send_packet('M', data, pack(data, sizeof(data), f + 1, 1));
			if (!(proto & NR_MAIL))
				replies();
		} else if (strcmp(f[0], "rcpt") == 0 && n == 2) {
			send_packet('R', data, pack(data, sizeof(data), f + 1, 1));
			if (!(proto & NR_RCPT))
				replies();
		} else if (strcmp(f[0], "data") == 0) {
			send_packet('T', NULL, 0);
			if (!(proto & NR_DATA))
				replies();
		} else if (strcmp(f[0], "header") == 0 && n == 3) {
			send_packet('L', data, pack(data, sizeof(data), f + 1, 2));
			if (!(proto & NR_HDR))
				replies();
		} else if (strcmp(f[0], "eoh") == 0) {
			send_packet('N', NULL, 0);
			if (!(proto & NR_EOH))
				replies();
		} else if (strcmp(f[0], "eob") == 0) {
			send_packet('E', NULL, 0);
			replies();
		} else if (strcmp(f[0], "quit") == 0) {
			send_packet('Q', NULL, 0);
			break;
		} else {
			die("unknown script command");
		}
	}
	close(fd);
	return 0;
}
