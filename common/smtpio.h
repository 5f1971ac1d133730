/*
 * smtpio - one client SMTP connection, plain or after STARTTLS, with a
 * deadline on everything and bounded replies.
 *
 * smtpio_connect() opens a TCP connection to a numeric address or a name
 * (getaddrinfo) and port; every later call waits at most until the
 * connection's deadline, which smtpio_deadline() sets.  smtpio_reply()
 * reads one whole reply (all its lines): each line is kept up to
 * SMTPIO_LINE_MAX bytes, a reply up to SMTPIO_REPLY_MAX, and a server that
 * sends more, or never ends its line, gets SMTPIO_TOOLONG, not our memory.
 * smtpio_starttls() runs the TLS handshake (OpenSSL, no certificate check:
 * Postfix's opportunistic "may" level, which its probes use).  The text
 * of replies is the server's, unescaped: callers clean it before they
 * print it.  smtpio_close() frees everything.
 */
#ifndef PW_SMTPIO_H
#define PW_SMTPIO_H

#include <stddef.h>

#define SMTPIO_LINE_MAX  1000  /* bytes kept per reply line (RFC 5321 allows 512) */
#define SMTPIO_REPLY_MAX 8192  /* bytes kept per reply */
#define SMTPIO_LINES_MAX 100   /* lines per reply */
#define SMTPIO_READ_MAX  65536 /* bytes read for one reply before giving up */

enum smtpio_status {
	SMTPIO_OK = 0,
	SMTPIO_EOF,      /* the server closed the connection */
	SMTPIO_TIMEOUT,  /* the deadline passed */
	SMTPIO_TOOLONG,  /* a reply past the bounds above */
	SMTPIO_BADREPLY, /* a line that is not "DDD[ -]..." */
	SMTPIO_ERROR,    /* a system or TLS error; see smtpio_error() */
};

struct smtpio;

struct smtp_reply {
	int code;                    /* e.g. 250 */
	int lines;                   /* lines read (more than kept when cut) */
	size_t len;                  /* bytes in text */
	char text[SMTPIO_REPLY_MAX]; /* the lines joined with "\n", no CR LF */
};

/* NULL with the reason in err (and SMTPIO_TIMEOUT or SMTPIO_ERROR in *st). */
struct smtpio *smtpio_connect(const char *host, int port, double timeout, char *err, size_t errsize,
			      enum smtpio_status *st);
void smtpio_deadline(struct smtpio *c, double seconds_from_now);
enum smtpio_status smtpio_write(struct smtpio *c, const char *data, size_t len);
enum smtpio_status smtpio_reply(struct smtpio *c, struct smtp_reply *r);
enum smtpio_status smtpio_starttls(struct smtpio *c, const char *servername);
const char *smtpio_error(const struct smtpio *c);
const char *smtpio_peer(const struct smtpio *c); /* the address connected to */
int smtpio_tls(const struct smtpio *c);
void smtpio_close(struct smtpio *c);
const char *smtpio_status_name(enum smtpio_status st);

#endif
