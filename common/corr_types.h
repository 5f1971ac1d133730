/*
 * corr_types - the records the correlator keeps and hands out.
 *
 * Types only: every file of the correlator (the tables, the decisions,
 * alert building) and the engine's interface read them; this header
 * includes nothing of the correlator.
 */
#ifndef PW_CORR_TYPES_H
#define PW_CORR_TYPES_H

#include "classify.h"
#include "pflog_event.h"

#include <stddef.h>

struct corr_params {
	unsigned pipelining_threshold;
	long pipelining_window; /* seconds */
	size_t max_entries;
	long max_age; /* seconds a verdict is kept */
};

enum probe_source {
	PROBE_SOURCE_UNKNOWN,
	PROBE_SOURCE_VERIFY,      /* verify(8) */
	PROBE_SOURCE_SENDMAIL_BV, /* sendmail -bv, through pickup */
};

/* One probe's outcome; strings are owned by the correlator (one block with it). */
struct probe_verdict {
	char *queue_id, *to, *orig_to, *from, *syslog_host;
	char *relay_host, *relay_addr; /* NULL when the probe named no server */
	int relay_port;                /* 0: unknown */
	int conn_use;
	char *dsn, *status, *reason;
	struct classification cls; /* FC_NONE for a true success */
	int pipelined;             /* no "discarding EHLO keywords: PIPELINING" */
	int pipelining_symptom;    /* counted towards pipelining_suspected */
	int sender_probe;          /* a refused sender was linked to it: it verified a sender */
	enum probe_source source;
	struct pftime when;
};

/*
 * The text fields of a reject record, in one list: the struct below, the
 * copy a waiting reject keeps (reject.c) and every loop over the fields
 * are made from it.
 */
#define REJECT_TEXT_FIELDS(X)                                                                      \
	X(host) /* the MTA: syslog host, or the milter's host name */                              \
	X(queue_id)                                                                                \
	X(client_host)                                                                             \
	X(client_addr)                                                                             \
	X(helo)                                                                                    \
	X(from)                                                                                    \
	X(rcpt)                                                                                    \
	X(enhanced)                                                                                \
	X(reason)                                                                                  \
	X(daemon_name)

/*
 * A rejected recipient as the log (smtpd's "reject: RCPT") or the milter
 * (a rejected RCPT with {rcpt_mailer} = error) saw it.  Empty strings for
 * what the source does not know; code 0 when the SMTP code is unknown
 * (the milter is not told it).  With sender set it is a refused sender
 * ("Sender address rejected:"): from is the verified address, rcpt the
 * recipient of that RCPT (empty when Postfix refused at MAIL).
 */
struct reject_info {
	struct pftime when;
#define REJECT_FIELD_MEMBER(name) struct pf_str name;
	REJECT_TEXT_FIELDS(REJECT_FIELD_MEMBER)
#undef REJECT_FIELD_MEMBER
	int code;
	int reject_warning;
	int from_log, from_milter;
	int sender;  /* sender verification refused the sender */
	int at_mail; /* refused at MAIL, not RCPT */
};

struct corr_counts {
	size_t queue_ids, recipients, relays, processes;
	unsigned long dropped;
	unsigned long probes, probe_failures, rejects, milter_rejects;
	unsigned long sender_rejects;                  /* not in rejects (the recipients') */
	unsigned long failures_by[FC_COUNT][ST_COUNT]; /* failed probes by class and stage */
	unsigned long refused_by[2][FC_COUNT]; /* refusals reported: [0] recipients, [1] senders */
};

#endif
