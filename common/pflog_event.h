/*
 * pflog_event - what the parser makes of a Postfix log line: the event
 * and its fields (pf_str slices of the line), shared by the parser's two
 * halves (pflog, pflog_msg) and everything that reads events.
 */
#ifndef PW_PFLOG_EVENT_H
#define PW_PFLOG_EVENT_H

#include "pftime.h"

#include <stddef.h>
#include <string.h>

struct pf_str {
	const char *p;
	size_t len;
};

/* What a line turned out to be; the caller counts these. */
enum pflog_result {
	PFLOG_MALFORMED, /* no syslog header where one must be */
	PFLOG_FOREIGN,   /* a program that is not Postfix */
	PFLOG_IGNORED,   /* Postfix, but nothing probewatch needs */
	PFLOG_EVENT,     /* an event; see pflog_kind */
};

enum pflog_kind {
	PFE_NONE,
	PFE_QUEUE_ACTIVE, /* qmgr: QID: from=<s>, size=N, nrcpt=N (queue active) */
	PFE_REMOVED,      /* qmgr: QID: removed */
	PFE_PICKUP,       /* pickup: QID: uid=N from=<s> */
	PFE_DELIVERY,     /* QID: to=<r>, relay=..., dsn=..., status=WORD (reason) */
	PFE_ATTEMPT,      /* smtp/lmtp: QID: lost connection with H[A] while ... */
	PFE_DISCARD_EHLO, /* smtp/lmtp: discarding EHLO keywords: PIPELINING */
	PFE_REJECT,       /* smtpd: reject: RCPT|MAIL from ...: unverified address: ... */
	PFE_DSN_NOTICE,   /* bounce: QID: sender delivery status notification: QID */
	PFE_KIND_COUNT
};

enum pflog_status {
	PST_OTHER,
	PST_SENT,
	PST_DEFERRED,
	PST_BOUNCED,
	PST_EXPIRED,
	PST_DELIVERABLE,
	PST_UNDELIVERABLE,
	PST_UNDELIVERABLE_NOT_CACHED,
};

enum pflog_relay_kind {
	PFR_ABSENT, /* no relay given */
	PFR_NET,    /* host[addr] or host[addr]:port */
	PFR_NONE,   /* relay=none */
	PFR_LOCAL,  /* relay=local */
	PFR_OTHER,  /* a transport or socket name, e.g. private/dovecot-lmtp */
};

struct pflog_relay {
	enum pflog_relay_kind kind;
	struct pf_str name; /* the whole value as logged */
	struct pf_str host;
	struct pf_str addr;
	int port; /* 0: not given */
};

struct pflog_event {
	enum pflog_kind kind;
	struct pftime time;
	struct pf_str host;     /* the syslog host name */
	struct pf_str program;  /* e.g. postfix/relay/smtp */
	struct pf_str service;  /* e.g. smtp */
	struct pf_str pid;      /* the digits; pflog_pid() for the number */
	struct pf_str queue_id; /* empty when the line has none */

	/*
	 * From here on, only the fields of ev->kind are meaningful; they are
	 * cleared when a recogniser takes the line.
	 */

	/*
	 * PFE_DELIVERY, PFE_QUEUE_ACTIVE, PFE_PICKUP.  For deliveries whose
	 * status is not a probe's (sent, deferred, ...) relay and dsn are
	 * left empty: probewatch has no use for them and they cost time.
	 */
	struct pf_str to, orig_to, from;
	struct pflog_relay relay; /* also PFE_ATTEMPT (no port) */
	int conn_use;             /* 0: not logged */
	struct pf_str dsn;
	enum pflog_status status;
	struct pf_str status_word;
	struct pf_str reason; /* PFE_DELIVERY, PFE_ATTEMPT, PFE_REJECT */
	long size, nrcpt, uid;
	struct pf_str other_queue_id; /* PFE_DSN_NOTICE */
	int pipelining_discarded;     /* PFE_DISCARD_EHLO */

	/* PFE_REJECT (to/from above hold the envelope) */
	int reject_warning;        /* reject_warning: the mail went on */
	int undeliverable_wording; /* "undeliverable address:" (5xx form) */
	int sender_reject;         /* "Sender address rejected:": rcpt holds the sender */
	int reject_at_mail;        /* "reject: MAIL from": no to= */
	struct pf_str client_host, client_addr;
	int code;
	struct pf_str enhanced;
	struct pf_str rcpt; /* <address> in the reply text: the one that was verified */
	struct pf_str proto, helo;
};

/* Compare with a string literal (its length is known at compile time). */
/* The first field of the message part of an event (see pflog_event). */
#define PFLOG_BODY_START to

#define PF_STR_EQ(s, lit) ((s).len == sizeof(lit) - 1 && memcmp((s).p, lit, sizeof(lit) - 1) == 0)
#define PF_STR_STARTS(s, lit)                                                                      \
	((s).len >= sizeof(lit) - 1 && memcmp((s).p, lit, sizeof(lit) - 1) == 0)

/* Only probes (and sendmail -bv) end deliverable or undeliverable. */
static inline int pflog_status_is_probe(enum pflog_status st)
{
	return st == PST_DELIVERABLE || st == PST_UNDELIVERABLE ||
	       st == PST_UNDELIVERABLE_NOT_CACHED;
}

#endif
