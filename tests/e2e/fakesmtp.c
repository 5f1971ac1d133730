/*
 * fakesmtp - a downstream SMTP server that misbehaves like Exchange 2010 SP1.
 *
 * fakesmtp -p PORT -m MODE [-u USER,...] [-g USER,...] [-d DIR] [-P PIDFILE]
 * Listens on 127.0.0.1:PORT only and announces PIPELINING.  MODE:
 *   quit-first     a batch that ends in QUIT while a RCPT reply is owed gets
 *                  only "221 2.0.0 Service closing transmission channel" and
 *                  the connection is closed (Postfix reads the 221 as the MAIL
 *                  reply and loses the connection "while sending RCPT TO")
 *   mail-answered  such a batch gets 250 for MAIL, then only the 221: Postfix
 *                  takes the 221 as the RCPT reply ("deliverable (221 ...)")
 *   silent-close   the connection closes without a word at MAIL
 *   correct        every command answered in order
 *   never-greet    accepts the connection and says nothing
 *   flood          a greeting of 10 MB in 220- lines (a hostile server)
 *   endless        a greeting line that never ends (10 MB without a newline)
 * It misbehaves only while a RCPT reply is owed, as Exchange did: Postfix
 * also sends QUIT right behind the final "." of real mail.  -u lists
 * addresses answered 550 5.1.1, -g addresses answered 450 4.2.0
 * (greylisting).  -s announces STARTTLS and then breaks the handshake
 * (220, then bytes that are not TLS, then close); -T CERT:KEY does real
 * STARTTLS (OpenSSL) with that certificate, and with -q misbehaves only
 * in plain text (in order once TLS is on).  -j puts control bytes,
 * an escape sequence and invalid UTF-8 in the greeting.  Messages received
 * with DATA are saved in DIR.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

enum mode {
	QUIT_FIRST,
	MAIL_ANSWERED,
	SILENT_CLOSE,
	CORRECT,
	NEVER_GREET,
	FLOOD,
	ENDLESS
};

static enum mode mode = CORRECT;
static const char *unknown = "", *greylist = "", *maildir;
static int msgno, starttls, junk, plain_only;
static SSL_CTX *tls_ctx; /* -T: real STARTTLS */
static SSL *tls;         /* this session's, once started */

static void say(int fd, const char *text)
{
	size_t n = strlen(text);

	if (tls ? SSL_write(tls, text, (int)n) != (int)n : write(fd, text, n) != (ssize_t)n)
		_exit(0);
}

/* Is <addr> in the comma list? */
static int listed(const char *list, const char *arg)
{
	char addr[512];
	const char *lt = strchr(arg, '<'), *gt;
	size_t n, al;

	if (lt == NULL || (gt = strchr(lt, '>')) == NULL || (size_t)(gt - lt - 1) >= sizeof(addr))
		return 0;
	al = (size_t)(gt - lt - 1);
	memcpy(addr, lt + 1, al);
	addr[al] = 0;
	for (const char *p = list; *p; p += n + (p[n] == ',')) {
		n = strcspn(p, ",");
		if (n == al && strncasecmp(p, addr, n) == 0)
			return 1;
	}
	return 0;
}

static int is_cmd(const char *line, const char *cmd)
{
	return strncasecmp(line, cmd, strlen(cmd)) == 0;
}

static void save_message(const char *data, size_t len)
{
	char path[4096];
	FILE *fp;

	if (maildir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/msg-%ld-%d-%d.eml", maildir, (long)time(NULL), getpid(),
		 msgno++);
	if ((fp = fopen(path, "w")) != NULL) {
		fwrite(data, 1, len, fp);
		fclose(fp);
	}
}

static void session(int fd)
{
	static char buf[1 << 20];
	size_t have = 0;
	int in_data = 0;

	if (mode == NEVER_GREET) {
		sleep(30);
		return;
	}
	if (mode == FLOOD || mode == ENDLESS) {
		static char chunk[1 << 16];

		for (size_t i = 0; i < sizeof(chunk); i++)
			chunk[i] = mode == ENDLESS ? 'x'
						   : (i % 64 == 62   ? '\r'
						      : i % 64 == 63 ? '\n'
								     : 'x');
		for (size_t i = 0; mode == FLOOD && i < sizeof(chunk); i += 64)
			memcpy(chunk + i, "220-", 4);
		for (int i = 0; i < 160; i++)
			if (write(fd, chunk, sizeof(chunk)) != (ssize_t)sizeof(chunk))
				return;
		return;
	}
	say(fd, junk ? "220 fake\x01\x1b[31m.example.com\xff\xfe ESMTP\x7f\r\n"
		     : "220 fake.example.com ESMTP\r\n");
	for (;;) {
		ssize_t n = tls ? SSL_read(tls, buf + have, (int)(sizeof(buf) - have - 1))
				: read(fd, buf + have, sizeof(buf) - have - 1);
		char *line, *eol;
		int owed = 0, quit = 0, mail = 0;

		if (n <= 0)
			return;
		have += (size_t)n;
		buf[have] = 0;
		if (in_data) {
			char *end = strstr(buf, "\r\n.\r\n");

			if (end == NULL)
				continue;
			save_message(buf, (size_t)(end - buf) + 2);
			say(fd, "250 2.0.0 Ok: queued as FAKE\r\n");
			in_data = 0;
			end += 5;
			have -= (size_t)(end - buf);
			memmove(buf, end, have);
			buf[have] = 0;
		}
		/* Look at the whole batch before answering any of it. */
		for (line = buf; (eol = strstr(line, "\r\n")) != NULL; line = eol + 2) {
			if (is_cmd(line, "MAIL"))
				mail = 1;
			if (is_cmd(line, "RCPT"))
				owed = 1;
			if (is_cmd(line, "QUIT") && owed)
				quit = 1;
		}
		if (tls && plain_only) {
			quit = 0; /* over TLS this server is correct */
			mail = 0;
		}
		if (mode == SILENT_CLOSE && mail)
			return;
		if (quit && mode == QUIT_FIRST) {
			say(fd, "221 2.0.0 Service closing transmission channel\r\n");
			return;
		}
		if (quit && mode == MAIL_ANSWERED) {
			if (mail)
				say(fd, "250 2.1.0 Sender OK\r\n");
			say(fd, "221 2.0.0 Service closing transmission channel\r\n");
			return;
		}
		for (line = buf; !in_data && (eol = strstr(line, "\r\n")) != NULL; line = eol + 2) {
			*eol = 0;
			if (is_cmd(line, "EHLO"))
				say(fd, (starttls || tls_ctx) && !tls
						? "250-fake.example.com\r\n250-PIPELINING\r\n250-"
						  "STARTTLS\r\n"
						  "250-SIZE 10240000\r\n250 8BITMIME\r\n"
						: "250-fake.example.com\r\n250-PIPELINING\r\n"
						  "250-SIZE 10240000\r\n250 8BITMIME\r\n");
			else if (is_cmd(line, "STARTTLS") && tls_ctx && !tls) {
				say(fd, "220 2.0.0 Ready to start TLS\r\n");
				tls = SSL_new(tls_ctx);
				SSL_set_fd(tls, fd);
				if (SSL_accept(tls) != 1)
					return;
				have = 0; /* RFC 3207: what came before the handshake is gone */
				buf[0] = 0;
				goto next_read;
			} else if (is_cmd(line, "STARTTLS") && starttls) {
				say(fd, "220 2.0.0 Ready to start TLS\r\n");
				say(fd, "this is not a TLS server hello\r\n");
				return;
			} else if (is_cmd(line, "HELO"))
				say(fd, "250 fake.example.com\r\n");
			else if (is_cmd(line, "MAIL"))
				say(fd, "250 2.1.0 Sender OK\r\n");
			else if (is_cmd(line, "RCPT") && listed(unknown, line))
				say(fd, "550 5.1.1 User unknown\r\n");
			else if (is_cmd(line, "RCPT") && listed(greylist, line))
				say(fd,
				    "450 4.2.0 Recipient address rejected: Greylisted, try again "
				    "later\r\n");
			else if (is_cmd(line, "RCPT"))
				say(fd, "250 2.1.5 Recipient OK\r\n");
			else if (is_cmd(line, "DATA")) {
				say(fd, "354 End data with <CR><LF>.<CR><LF>\r\n");
				in_data = 1;
			} else if (is_cmd(line, "RSET") || is_cmd(line, "NOOP"))
				say(fd, "250 2.0.0 Ok\r\n");
			else if (is_cmd(line, "QUIT")) {
				say(fd, "221 2.0.0 Bye\r\n");
				return;
			} else
				say(fd, "502 5.5.2 Command not recognized\r\n");
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		buf[have] = 0;
	next_read:;
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int ch, s, one = 1, port = 0;
	const char *pidfile = NULL;

	while ((ch = getopt(argc, argv, "p:m:u:g:d:P:sjT:q")) != -1) {
		switch (ch) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'm':
			mode = !strcmp(optarg, "quit-first")      ? QUIT_FIRST
			       : !strcmp(optarg, "mail-answered") ? MAIL_ANSWERED
			       : !strcmp(optarg, "silent-close")  ? SILENT_CLOSE
			       : !strcmp(optarg, "never-greet")   ? NEVER_GREET
			       : !strcmp(optarg, "flood")         ? FLOOD
			       : !strcmp(optarg, "endless")       ? ENDLESS
								  : CORRECT;
			break;
		case 'u':
			unknown = optarg;
			break;
		case 'g':
			greylist = optarg;
			break;
		case 'd':
			maildir = optarg;
			break;
		case 'P':
			pidfile = optarg;
			break;
		case 's':
			starttls = 1;
			break;
		case 'j':
			junk = 1;
			break;
		case 'q':
			plain_only = 1;
			break;
		case 'T': {
			char *key = strchr(optarg, ':');

			if (key == NULL)
				return 2;
			*key++ = 0;
			tls_ctx = SSL_CTX_new(TLS_server_method());
			if (tls_ctx == NULL ||
			    SSL_CTX_use_certificate_chain_file(tls_ctx, optarg) != 1 ||
			    SSL_CTX_use_PrivateKey_file(tls_ctx, key, SSL_FILETYPE_PEM) != 1) {
				fprintf(stderr, "fakesmtp: cannot load %s and %s\n", optarg, key);
				return 1;
			}
			break;
		}
		default:
			fprintf(stderr, "usage: fakesmtp -p PORT -m MODE [-u USERS] [-g USERS] [-d "
					"DIR] [-s] [-j]\n");
			return 2;
		}
	}
	signal(SIGCHLD, SIG_IGN);
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only */
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(s, 64) < 0) {
		perror("fakesmtp");
		return 1;
	}
	if (pidfile) {
		FILE *fp = fopen(pidfile, "w");

		if (fp) {
			fprintf(fp, "%ld\n", (long)getpid());
			fclose(fp);
		}
	}
	for (;;) {
		int c = accept(s, NULL, NULL);

		if (c < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (fork() == 0) {
			close(s);
			session(c);
			_exit(0);
		}
		close(c);
	}
}
