/*
 * probes - the probes under way: open queue IDs with their sender and
 * the failed attempts logged before their status line, and the smtp
 * processes that discarded PIPELINING for their next delivery.
 *
 * Keys are "host NUL item": a central log may hold several Postfix
 * hosts.  Bounded by max_entries each, expired by log time (a queue ID
 * after six hours: qmgr logs from= again on each retry; a process after
 * one).  The table owns what it holds; a probe_queue returned stays valid
 * until the next call that changes the table.
 */
#ifndef PW_PROBES_H
#define PW_PROBES_H

#include "classify.h"
#include "pflog_event.h"

#include <stddef.h>
#include <time.h>

#define PROBES_ATTEMPTS_MAX 4

/* A failed attempt (lost connection with host[addr]) before the status line. */
struct probe_attempt {
	char *host, *addr;
	struct classification cls;
	int pipelined;
};

/* One open queue ID. */
struct probe_queue {
	int from_pickup; /* sendmail -bv: pickup's uid= line */
	int nattempts;
	struct probe_attempt *attempt; /* PROBES_ATTEMPTS_MAX, allocated on the first */
	char sender[];
};

struct probes;

struct probes *probes_create(size_t max_entries);
void probes_free(struct probes *t);
void probes_set_limit(struct probes *t, size_t max_entries);
/* Forget what is older than its time to live. */
void probes_expire(struct probes *t, time_t now);
/* Open queue IDs, processes, and the entries dropped for room. */
void probes_counts(const struct probes *t, size_t *queue_ids, size_t *processes,
		   unsigned long *dropped);

/* The queue ID's entry, or NULL. */
struct probe_queue *probes_find(struct probes *t, struct pf_str host, struct pf_str qid);
/* Enter a queue ID with its sender, keeping what was known of it. */
struct probe_queue *probes_enter(struct probes *t, struct pf_str host, struct pf_str qid,
				 struct pf_str sender, time_t when);
void probes_remove(struct probes *t, struct pf_str host, struct pf_str qid);
/*
 * A failed attempt of the event's queue ID (entered when unknown): its
 * slot, for the caller to classify, or NULL when it is not kept (no
 * host[addr], or PROBES_ATTEMPTS_MAX already).
 */
struct probe_attempt *probes_attempt(struct probes *t, const struct pflog_event *ev);

/* An smtp process logged "discarding EHLO keywords: PIPELINING". */
void probes_discard_ehlo(struct probes *t, const struct pflog_event *ev);
/*
 * Whether this delivery's connection pipelined, from what the same smtp
 * process logged before it.  With consume, the delivery uses up the
 * "next delivery" mark; later deliveries over the same connection
 * (conn_use 2 and up) keep it.
 */
int probes_pipelined(struct probes *t, const struct pflog_event *ev, int consume);

#endif
