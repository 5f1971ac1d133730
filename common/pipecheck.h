/*
 * pipecheck - prove or rule out the pipelining bug on one SMTP server.
 *
 * pipecheck_run() talks to the server the way Postfix's verify probe
 * does, twice: once pipelined (MAIL FROM, RCPT TO, RSET and QUIT in one
 * write, as Postfix sends a probe) and once on a new connection one
 * command at a time, each waiting for its reply.  It never sends DATA,
 * so no mail is delivered.  The result holds what the server announced,
 * how each dialogue ended, both transcripts (bounded, with times) and
 * the verdict.  pipecheck_json() builds the result as one JSON document
 * (the caller frees it with json_decref); pipecheck_print() writes it for
 * a person, server text cleaned of control bytes.  pipecheck_free() frees
 * the result.  Used by probewatch-pipecheck and the daemon.
 */
#ifndef PW_PIPECHECK_H
#define PW_PIPECHECK_H

#include <jansson.h>
#include <stdio.h>

enum pipecheck_verdict {
	PV_OK,                /* both agree, replies in order */
	PV_PIPELINING_BROKEN, /* the pipelined dialogue loses or misplaces the RCPT reply */
	PV_SERVER_REJECTS,    /* both get the same 4xx/5xx */
	PV_UNREACHABLE,       /* no connection or no greeting */
	PV_INCONCLUSIVE,      /* see the reason */
};

/* How the pipelined batch was answered. */
enum pipecheck_batch {
	PB_IN_ORDER,      /* MAIL, RCPT, RSET and QUIT each answered */
	PB_QUIT_FIRST,    /* 221 first, closed before the RCPT reply (Exchange 2010 SP1) */
	PB_QUIT_AS_RCPT,  /* MAIL answered, then the QUIT's 221 where the RCPT reply belongs */
	PB_CLOSED_SILENT, /* closed without a reply */
	PB_LOST_RCPT,     /* some replies, closed before the RCPT's */
	PB_TIMEOUT,       /* the replies stopped coming */
	PB_FAILED,        /* the dialogue did not get that far (see the reason) */
};

struct pipecheck_opts {
	const char *host;
	int port;
	const char *helo;
	const char *from;
	const char *rcpt;
	double timeout; /* seconds, for each step */
	int no_tls;
};

#define PIPECHECK_STEPS 64

struct pipecheck_step {
	double t;   /* seconds since the dialogue's connect */
	char dir;   /* '>' sent, '<' received, '!' what happened */
	char *text; /* as sent or received (bounded), or the event */
};

struct pipecheck_dialogue {
	int reached;              /* connected and greeted */
	int tls;                  /* after STARTTLS */
	int mail_code, rcpt_code; /* 0 when not answered */
	char rcpt_reply[512];
	enum pipecheck_batch batch; /* the pipelined one */
	char failure[256];          /* why it stopped early, "" if it did not */
	struct pipecheck_step step[PIPECHECK_STEPS];
	int nsteps, dropped;
};

struct pipecheck_result {
	enum pipecheck_verdict verdict;
	char reason[1024];
	char peer[64];
	char greeting[512];
	int pipelining, starttls; /* announced */
	char keywords[512];       /* the EHLO keywords, space-separated */
	char tls[512];            /* "used", "not offered", "disabled", or why it failed */
	struct pipecheck_dialogue pipelined, unpipelined;
};

struct pipecheck_result *pipecheck_run(const struct pipecheck_opts *o);
void pipecheck_free(struct pipecheck_result *r);
json_t *pipecheck_json(const struct pipecheck_result *r, const struct pipecheck_opts *o);
void pipecheck_print(FILE *fp, const struct pipecheck_result *r, const struct pipecheck_opts *o);
const char *pipecheck_verdict_name(enum pipecheck_verdict v);
const char *pipecheck_batch_name(enum pipecheck_batch b);
/* probewatch-pipecheck's exit status for a verdict: 0, 1, 2 or 3. */
int pipecheck_exit_status(enum pipecheck_verdict v);

#endif
