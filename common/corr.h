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

/* One probe's outcome; strings are owned by the correlator. */
struct probe_verdict {
	char *queue_id, *to, *orig_to, *from, *syslog_host;
	char *relay_host, *relay_addr; /* NULL when the probe named no server */
	int relay_port;                /* 0: unknown */
	int conn_use;
	char *dsn, *status, *reason;
	struct classification cls; /* FC_NONE for a true success */
	int pipelined;             /* no "discarding EHLO keywords: PIPELINING" */
	int pipelining_symptom;    /* counted towards pipelining_suspected */
	enum probe_source source;
	struct pftime when;
};

typedef void (*corr_emit_fn)(void *ctx, struct alert *alert);

struct corr;

struct corr *corr_create(const struct corr_params *p, corr_emit_fn emit, void *ctx);
void corr_set_params(struct corr *c, const struct corr_params *p);
void corr_free(struct corr *c);

void corr_event(struct corr *c, const struct pflog_event *ev);

/* The latest verdict for a recipient (case-insensitive), or NULL. */
const struct probe_verdict *corr_recipient_verdict(const struct corr *c, const char *addr,
						   size_t len);
const struct relay_table *corr_relays(const struct corr *c);

struct corr_counts {
	size_t queue_ids, recipients, relays, processes;
	unsigned long dropped;
	unsigned long probes, probe_failures, rejects;
};
void corr_counts(const struct corr *c, struct corr_counts *out);

const char *probe_source_name(enum probe_source s);

#endif
