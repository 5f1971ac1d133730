/*
 * benchmilter - the reference filters of the milter benchmark.
 *
 * benchmilter -m plain|minimal -p CONN
 *   plain    takes every callback libmilter offers and answers each, with
 *            libmilter's defaults (no negotiation, no TCP_NODELAY): what a
 *            filter written from the libmilter documentation costs.
 *   minimal  negotiates only what probewatch needs (rejected RCPTs; no
 *            body, headers, end of headers or unknown commands), answers
 *            connect, HELO, MAIL, RCPT, DATA and end of message, and sets
 *            TCP_NODELAY on its connections: the floor probewatch is held to.
 * Neither changes mail.  CONN is libmilter's socket syntax (inet:PORT@HOST,
 * unix:PATH).  Runs until SIGTERM.
 */
#include "nodelay.h"

#include <libmilter/mfapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static sfsistat go(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat go_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	(void)host;
	(void)sa;
	return go(ctx);
}

static sfsistat go_arg(SMFICTX *ctx, char *arg)
{
	(void)arg;
	return go(ctx);
}

static sfsistat go_unknown(SMFICTX *ctx, const char *cmd)
{
	(void)cmd;
	return go(ctx);
}

static sfsistat go_argv(SMFICTX *ctx, char **argv)
{
	(void)argv;
	return go(ctx);
}

static sfsistat go_header(SMFICTX *ctx, char *name, char *value)
{
	(void)name;
	(void)value;
	return go(ctx);
}

static sfsistat go_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	(void)chunk;
	(void)len;
	return go(ctx);
}

static sfsistat minimal_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
				  unsigned long f2, unsigned long f3, unsigned long *pf0,
				  unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)ctx;
	(void)f0;
	(void)f2;
	(void)f3;
	*pf0 = *pf2 = *pf3 = 0;
	*pf1 = f1 & (SMFIP_RCPT_REJ | SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOUNKNOWN);
	return SMFIS_CONTINUE;
}

static struct smfiDesc plain = {
	.xxfi_name = "bench-plain",
	.xxfi_version = SMFI_VERSION,
	.xxfi_connect = go_connect,
	.xxfi_helo = go_arg,
	.xxfi_envfrom = go_argv,
	.xxfi_envrcpt = go_argv,
	.xxfi_header = go_header,
	.xxfi_eoh = go,
	.xxfi_body = go_body,
	.xxfi_eom = go,
	.xxfi_abort = go,
	.xxfi_close = go,
	.xxfi_unknown = go_unknown,
	.xxfi_data = go,
};

static struct smfiDesc minimal = {
	.xxfi_name = "bench-minimal",
	.xxfi_version = SMFI_VERSION,
	.xxfi_connect = go_connect,
	.xxfi_helo = go_arg,
	.xxfi_envfrom = go_argv,
	.xxfi_envrcpt = go_argv,
	.xxfi_eom = go,
	.xxfi_close = go,
	.xxfi_data = go,
	.xxfi_negotiate = minimal_negotiate,
};

int main(int argc, char **argv)
{
	const char *mode = NULL;
	char *conn = NULL;
	int c;

	while ((c = getopt(argc, argv, "m:p:")) != -1) {
		if (c == 'm')
			mode = optarg;
		else if (c == 'p')
			conn = optarg;
		else
			return 2;
	}
	if (mode == NULL || conn == NULL ||
	    (strcmp(mode, "plain") != 0 && strcmp(mode, "minimal") != 0)) {
		fprintf(stderr, "usage: benchmilter -m plain|minimal -p CONN\n");
		return 2;
	}
	if (smfi_register(strcmp(mode, "plain") == 0 ? plain : minimal) == MI_FAILURE ||
	    smfi_setconn(conn) == MI_FAILURE || smfi_opensocket(true) == MI_FAILURE) {
		fprintf(stderr, "benchmilter: cannot listen on %s\n", conn);
		return 1;
	}
	if (strcmp(mode, "minimal") == 0 && strncmp(conn, "inet", 4) == 0 &&
	    milter_listener_nodelay() == 0)
		fprintf(stderr, "benchmilter: cannot set TCP_NODELAY\n");
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
