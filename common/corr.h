/*
 * corr - the correlator: joins Postfix's log events into probe verdicts.
 *
 * Nothing in Postfix links a verify probe's status line to the qmgr line
 * that names its sender, to the smtp process that discarded PIPELINING,
 * or to the smtpd reject it caused; corr does.  It keeps, bounded by
 * max_entries each and expired by log time:
 *   - open queue IDs with their sender (qmgr from=, pickup uid=),
 *   - the latest probe verdict per recipient (for linking rejects),
 *   - smtp processes that discarded PIPELINING for their next delivery,
 *   - per relay counters and the pipelining window (relay.c).
 * Alerts are handed to the emit callback one at a time; the callback
 * must not keep the alert, corr frees it when the callback returns.
 * With corr_set_count_only() no alert is built: the callback is told
 * only the event name (alert NULL), which is all a summary needs.
 * A corr is not locked: callers that share one across threads hold
 * their own lock around each call.
 */
#ifndef PW_CORR_H
#define PW_CORR_H

#include "alert.h"
#include "classify.h"
#include "pflog.h"
#include "relay.h"

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
 * A rejected recipient as the log (smtpd's "reject: RCPT") or the milter
 * (a rejected RCPT with {rcpt_mailer} = error) saw it.  Empty strings for
 * what the source does not know; code 0 when the SMTP code is unknown
 * (the milter is not told it).  With sender set it is a refused sender
 * ("Sender address rejected:"): from is the verified address, rcpt the
 * recipient of that RCPT (empty when Postfix refused at MAIL).
 */
struct reject_info {
	struct pftime when;
	struct pf_str host; /* the MTA: syslog host, or the milter's host name */
	struct pf_str queue_id, client_host, client_addr, helo, from, rcpt, enhanced, reason;
	struct pf_str daemon_name;
	int code;
	int reject_warning;
	int from_log, from_milter;
	int sender;  /* sender verification refused the sender */
	int at_mail; /* refused at MAIL, not RCPT */
};

/* An alert is due: event is its name; alert is NULL when alerts are only counted. */
typedef void (*corr_emit_fn)(void *ctx, const char *event, struct alert *alert);

struct corr;

struct corr *corr_create(const struct corr_params *p, corr_emit_fn emit, void *ctx);
void corr_set_params(struct corr *c, const struct corr_params *p);
void corr_free(struct corr *c);
/* Nonzero: build no alert documents, only name the events (see corr_emit_fn). */
void corr_set_count_only(struct corr *c, int count_only);

void corr_event(struct corr *c, const struct pflog_event *ev);

/*
 * Join rejects seen by both the milter and the log into one alert: each
 * waits up to grace seconds (wall clock) for the other half; 0 (the
 * default, for probewatch-scan) reports log rejects at once.
 */
void corr_set_join(struct corr *c, int grace);
/* A rejected RCPT seen by the milter; r->reason is the text after "...address: ". */
void corr_milter_reject(struct corr *c, const struct reject_info *r);
/* Report the waiting rejects whose other half did not come by now. */
void corr_tick(struct corr *c, time_t now);

/* The latest verdict for a recipient (case-insensitive), or NULL. */
const struct probe_verdict *corr_recipient_verdict(const struct corr *c, const char *addr,
						   size_t len);
const struct relay_table *corr_relays(const struct corr *c);

struct corr_counts {
	size_t queue_ids, recipients, relays, processes;
	unsigned long dropped;
	unsigned long probes, probe_failures, rejects, milter_rejects;
	unsigned long sender_rejects;                  /* not in rejects (the recipients') */
	unsigned long failures_by[FC_COUNT][ST_COUNT]; /* failed probes by class and stage */
	unsigned long refused_by[2][FC_COUNT]; /* refusals reported: [0] recipients, [1] senders */
};
void corr_counts(const struct corr *c, struct corr_counts *out);

const char *probe_source_name(enum probe_source s);

#endif
