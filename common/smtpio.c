/*
 * smtpio - a client SMTP connection with deadlines (see smtpio.h).
 *
 * The socket is non-blocking; every wait is a poll() up to the deadline.
 * Bytes are read into a fixed buffer; a reply is parsed from it line by
 * line and the buffer never grows.
 */
#include "smtpio.h"
#include "diag.h"
#include "xmem.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct smtpio {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	double deadline;
	char peer[64];
	char err[256];
	char buf[4096];
	size_t have, used;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wait for fd to be ready for events until the deadline: 1, 0 on timeout, -1. */
static int wait_fd(int fd, short events, double deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		double left = deadline - now();
		int ms = left <= 0 ? 0 : (int)(left * 1000) + 1, n;

		if (left <= 0)
			return 0;
		n = poll(&p, 1, ms);
		if (n > 0)
			return 1;
		if (n == 0)
			continue; /* the loop's clock decides */
		if (errno != EINTR)
			return -1;
	}
}

const char *smtpio_status_name(enum smtpio_status st)
{
	static const char *const names[] = { "ok",      "closed",    "timeout",
					     "toolong", "bad reply", "error" };

	return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "error";
}

static enum smtpio_status fail(struct smtpio *c, const char *what)
{
	diag_format(c->err, sizeof(c->err), "%s: %m", what);
	return SMTPIO_ERROR;
}

static enum smtpio_status tls_fail(struct smtpio *c, const char *what)
{
	unsigned long e = ERR_get_error();
	const char *why = e ? ERR_reason_error_string(e) : NULL;

	snprintf(c->err, sizeof(c->err), "%s: %s", what, why ? why : "handshake failure");
	ERR_clear_error();
	return SMTPIO_ERROR;
}

struct smtpio *smtpio_connect(const char *host, int port, double timeout, char *err, size_t errsize,
			      enum smtpio_status *st)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL, *ai;
	char service[16];
	struct smtpio *c;
	int rc;

	*st = SMTPIO_ERROR;
	snprintf(service, sizeof(service), "%d", port);
	if ((rc = getaddrinfo(host, service, &hints, &res)) != 0) {
		snprintf(err, errsize, "cannot resolve %s: %s", host, gai_strerror(rc));
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->fd = -1;
	c->deadline = now() + timeout;
	snprintf(err, errsize, "no address for %s", host);
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, SOCK_STREAM, 0), one = 1, soerr = 0;
		socklen_t len = sizeof(soerr);

		if (fd < 0)
			continue;
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (ai->ai_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr,
				  c->peer, sizeof(c->peer));
		else
			inet_ntop(AF_INET6,
				  &((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr, c->peer,
				  sizeof(c->peer));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
			diag_format(err, errsize, "connect to %s port %d: %m", c->peer, port);
			close(fd);
			continue;
		}
		rc = wait_fd(fd, POLLOUT, c->deadline);
		if (rc == 0) {
			snprintf(err, errsize, "connect to %s port %d: timed out", c->peer, port);
			*st = SMTPIO_TIMEOUT;
			close(fd);
			continue;
		}
		if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 || soerr) {
			if (soerr)
				errno = soerr;
			diag_format(err, errsize, "connect to %s port %d: %m", c->peer, port);
			*st = SMTPIO_ERROR;
			close(fd);
			continue;
		}
		c->fd = fd;
		break;
	}
	freeaddrinfo(res);
	if (c->fd < 0) {
		free(c);
		return NULL;
	}
	*st = SMTPIO_OK;
	return c;
}

void smtpio_deadline(struct smtpio *c, double seconds_from_now)
{
	c->deadline = now() + seconds_from_now;
}

/* Read what is there into buf (at least one byte), within the deadline. */
static enum smtpio_status fill(struct smtpio *c)
{
	if (c->used > 0) {
		memmove(c->buf, c->buf + c->used, c->have - c->used);
		c->have -= c->used;
		c->used = 0;
	}
	for (;;) {
		ssize_t n;
		short ev = POLLIN;

		if (c->ssl) {
			int r = SSL_read(c->ssl, c->buf + c->have, (int)(sizeof(c->buf) - c->have));

			if (r > 0) {
				c->have += (size_t)r;
				return SMTPIO_OK;
			}
			switch (SSL_get_error(c->ssl, r)) {
			case SSL_ERROR_WANT_READ:
				break;
			case SSL_ERROR_WANT_WRITE:
				ev = POLLOUT;
				break;
			case SSL_ERROR_ZERO_RETURN:
				return SMTPIO_EOF;
			case SSL_ERROR_SYSCALL:
				ERR_clear_error();
				return SMTPIO_EOF;
			default:
				return tls_fail(c, "TLS read");
			}
		} else {
			n = read(c->fd, c->buf + c->have, sizeof(c->buf) - c->have);
			if (n > 0) {
				c->have += (size_t)n;
				return SMTPIO_OK;
			}
			if (n == 0)
				return SMTPIO_EOF;
			if (errno == ECONNRESET)
				return SMTPIO_EOF;
			if (errno != EAGAIN && errno != EINTR)
				return fail(c, "read");
		}
		switch (wait_fd(c->fd, ev, c->deadline)) {
		case 0:
			return SMTPIO_TIMEOUT;
		case -1:
			return fail(c, "poll");
		}
	}
}

enum smtpio_status smtpio_write(struct smtpio *c, const char *data, size_t len)
{
	while (len > 0) {
		short ev = POLLOUT;
		ssize_t n;

		if (c->ssl) {
			int r = SSL_write(c->ssl, data, (int)len);

			if (r > 0) {
				data += r;
				len -= (size_t)r;
				continue;
			}
			switch (SSL_get_error(c->ssl, r)) {
			case SSL_ERROR_WANT_READ:
				ev = POLLIN;
				break;
			case SSL_ERROR_WANT_WRITE:
				break;
			default:
				return tls_fail(c, "TLS write");
			}
		} else {
			n = send(c->fd, data, len, MSG_NOSIGNAL);
			if (n > 0) {
				data += n;
				len -= (size_t)n;
				continue;
			}
			if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
				return SMTPIO_EOF;
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				return fail(c, "write");
		}
		switch (wait_fd(c->fd, ev, c->deadline)) {
		case 0:
			return SMTPIO_TIMEOUT;
		case -1:
			return fail(c, "poll");
		}
	}
	return SMTPIO_OK;
}

/* One line (without CR LF) into line, at most SMTPIO_LINE_MAX bytes kept. */
static enum smtpio_status read_line(struct smtpio *c, char *line, size_t *len, size_t *read_so_far)
{
	*len = 0;
	for (;;) {
		char *nl = memchr(c->buf + c->used, '\n', c->have - c->used);
		size_t take = nl ? (size_t)(nl - (c->buf + c->used)) : c->have - c->used;
		size_t keep = take;
		enum smtpio_status st;

		if (*len + keep > SMTPIO_LINE_MAX)
			keep = SMTPIO_LINE_MAX - *len;
		memcpy(line + *len, c->buf + c->used, keep);
		*len += keep;
		*read_so_far += take + (nl != NULL);
		c->used += take + (nl != NULL);
		if (nl) {
			if (*len > 0 && line[*len - 1] == '\r')
				(*len)--;
			return SMTPIO_OK;
		}
		if (*read_so_far > SMTPIO_READ_MAX)
			return SMTPIO_TOOLONG;
		if ((st = fill(c)) != SMTPIO_OK)
			return st;
	}
}

enum smtpio_status smtpio_reply(struct smtpio *c, struct smtp_reply *r)
{
	char line[SMTPIO_LINE_MAX + 1];
	size_t total = 0;

	r->code = 0;
	r->lines = 0;
	r->len = 0;
	r->text[0] = 0;
	for (;;) {
		size_t len;
		enum smtpio_status st = read_line(c, line, &len, &total);
		int code;

		if (st != SMTPIO_OK)
			return st == SMTPIO_EOF && r->lines > 0 ? SMTPIO_BADREPLY : st;
		if (len < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' ||
		    line[2] < '0' || line[2] > '9' || (len > 3 && line[3] != ' ' && line[3] != '-'))
			return SMTPIO_BADREPLY;
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
		if (r->lines > 0 && code != r->code)
			return SMTPIO_BADREPLY;
		r->code = code;
		if (r->len + len + 2 <= sizeof(r->text)) {
			if (r->lines > 0)
				r->text[r->len++] = '\n';
			memcpy(r->text + r->len, line, len);
			r->len += len;
			r->text[r->len] = 0;
		}
		r->lines++;
		if (len <= 3 || line[3] == ' ')
			return SMTPIO_OK;
		if (r->lines >= SMTPIO_LINES_MAX)
			return SMTPIO_TOOLONG;
	}
}

enum smtpio_status smtpio_starttls(struct smtpio *c, const char *servername)
{
	if (c->ssl)
		return SMTPIO_OK;
	if ((c->ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    (c->ssl = SSL_new(c->ctx)) == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
		return tls_fail(c, "TLS setup");
	SSL_set_verify(c->ssl, SSL_VERIFY_NONE, NULL);
	if (servername && *servername &&
	    inet_pton(AF_INET, servername, &(struct in_addr){ 0 }) != 1)
		SSL_set_tlsext_host_name(c->ssl, servername);
	/* What was read ahead of the handshake is not TLS: drop it, as RFC 3207 says. */
	c->have = c->used = 0;
	for (;;) {
		int r = SSL_connect(c->ssl);
		short ev;

		if (r == 1)
			return SMTPIO_OK;
		switch (SSL_get_error(c->ssl, r)) {
		case SSL_ERROR_WANT_READ:
			ev = POLLIN;
			break;
		case SSL_ERROR_WANT_WRITE:
			ev = POLLOUT;
			break;
		default:
			tls_fail(c, "TLS handshake");
			SSL_free(c->ssl);
			c->ssl = NULL;
			return SMTPIO_ERROR;
		}
		switch (wait_fd(c->fd, ev, c->deadline)) {
		case 0:
			SSL_free(c->ssl);
			c->ssl = NULL;
			snprintf(c->err, sizeof(c->err), "TLS handshake: timed out");
			return SMTPIO_TIMEOUT;
		case -1:
			return fail(c, "poll");
		}
	}
}

const char *smtpio_error(const struct smtpio *c)
{
	return c->err;
}

const char *smtpio_peer(const struct smtpio *c)
{
	return c->peer;
}

int smtpio_tls(const struct smtpio *c)
{
	return c->ssl != NULL;
}

void smtpio_close(struct smtpio *c)
{
	if (c == NULL)
		return;
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}
