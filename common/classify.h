/*
 * classify - what a Postfix delivery reason says went wrong, and where.
 *
 * classify_reason() maps the reason text of a probe's status line (or of
 * the "unverified address:" part of a reject) to a failure class and an
 * SMTP stage, covering the templates Postfix 3.x writes.  A "delivery
 * temporarily suspended:" prefix is understood: the class and stage are
 * those of the text after it, with suspended set.
 * classify_success() tells a true probe success from the 221 that a
 * broken server gives to a pipelined QUIT.
 */
#ifndef PW_CLASSIFY_H
#define PW_CLASSIFY_H

#include <stddef.h>

enum failure_class {
	FC_NONE, /* not a failure */
	FC_LOST_CONNECTION,
	FC_TIMEOUT,
	FC_CONNECT_FAILED,
	FC_DNS,
	FC_TLS,
	FC_REJECTED_TEMPORARY,
	FC_REJECTED_PERMANENT,
	FC_IN_PROGRESS,
	FC_SUSPECT_SUCCESS,
	FC_OTHER,
	FC_COUNT
};

enum smtp_stage {
	ST_NONE,
	ST_CONNECT,
	ST_GREETING,
	ST_EHLO,
	ST_STARTTLS,
	ST_XFORWARD,
	ST_MAIL,
	ST_RCPT,
	ST_DATA,
	ST_BODY,
	ST_END_OF_DATA,
	ST_COUNT
};

struct classification {
	enum failure_class cls;
	enum smtp_stage stage;
	int suspended;   /* "delivery temporarily suspended:" */
	int server_code; /* the remote reply code when the text has one */
};

void classify_reason(const char *reason, size_t len, struct classification *out);
/* For a deliverable probe: FC_SUSPECT_SUCCESS on a 221 reply, else FC_NONE. */
void classify_success(const char *reason, size_t len, struct classification *out);

/*
 * The server a reason names ("lost connection with H[A]", "host H[A]
 * said", "connect to H[A]:P"), after any "delivery temporarily
 * suspended:" prefix.  Returns 1 and points host/addr into the text.
 */
int classify_server(const char *reason, size_t len, const char **host, size_t *hlen,
		    const char **addr, size_t *alen, int *port);

const char *failure_class_name(enum failure_class c); /* "lost_connection" */
const char *smtp_stage_name(enum smtp_stage s);       /* "rcpt", NULL for ST_NONE */
/* A lost connection or timeout while the probe's MAIL or RCPT was in flight. */
int classify_is_pipelining_symptom(const struct classification *c);

#endif
