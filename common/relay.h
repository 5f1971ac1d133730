/*
 * relay - what probewatch knows about each downstream server.
 *
 * A relay is host[addr]:port as Postfix logs it (port 0 when the line had
 * none), as seen by one MTA (the syslog host): each MTA has its own
 * configuration, so a fix on one is not a fix on another.  For each, the table keeps probe counters
 * for the summary, a sliding window of pipelining-type failures (lost connection at MAIL or RCPT,
 * or a 221 taken as the RCPT reply, on a pipelined connection), and whether the relay is flagged.
 * relay_note_symptom() and relay_note_success() say when an alert is due; the caller builds it. The
 * table is bounded; the oldest relay is dropped first and counted.
 */
#ifndef PW_RELAY_H
#define PW_RELAY_H

#include "classify.h"
#include "pftime.h"
#include "timeline.h"

#include <stddef.h>
#include <time.h>

#define RELAY_RECIPIENTS_MAX 10

struct relay_group;

struct relay {
	char *mta; /* the syslog host whose Postfix talks to it */
	char *host, *addr;
	int port;
	/* counters for the summary */
	unsigned long probes, successes, failures, suspect_successes;
	unsigned long by_class_stage[FC_COUNT][ST_COUNT];
	struct pftime first_seen, last_seen;
	char transport[32]; /* master.cf service of its probes ("relay"), "" unknown */
	/* pipelining detection */
	time_t *win_time; /* ring of symptom times in the window */
	char **win_rcpt;  /* and their recipients */
	size_t win_cap, win_head, win_len;
	int flagged; /* pipelining_suspected raised, not yet recovered */
	int recovered;
	time_t last_alert; /* of pipelining_suspected */
	time_t last_symptom;
	unsigned long failures_since_flag;
	unsigned long pipelining_alerts;
	/* refusals linked to its probes: sender and recipient verification apart */
	unsigned long sender_probes, sender_rejects, recipient_rejects;
	char *sender_domain;      /* of the first refused sender */
	int other_sender_domains; /* refused senders of other domains too */
	/* for the report: outcomes over time, the first and last failure */
	struct timeline timeline;
	struct pftime first_failure, last_failure;
	struct relay_group *group; /* the relays of its host[addr] with a port; the table's */
};

struct relay_table;

struct relay_table *relay_table_create(size_t max_entries);
void relay_table_free(struct relay_table *t);
void relay_table_set_limit(struct relay_table *t, size_t max_entries);
size_t relay_table_count(const struct relay_table *t);
unsigned long relay_table_dropped(const struct relay_table *t);
/* Relays looked at so far by relay_get (hash look-ups, or entries walked): its cost. */
unsigned long relay_table_lookups(const struct relay_table *t);

/*
 * The relay for host[addr]:port, created when absent.  With port 0 an
 * existing relay of the same host and address is taken, whatever its port
 * (the one used last).  Each call costs a bounded number of hash look-ups,
 * whatever the table holds.
 */
struct relay *relay_get(struct relay_table *t, const char *mta, size_t mlen, const char *host,
			size_t hlen, const char *addr, size_t alen, int port,
			const struct pftime *when);

/*
 * The master.cf service that carried a probe, from the program name Postfix
 * logged: "postfix/relay/smtp" (Debian's syslog_name=postfix/$service_name)
 * is the relay transport, "postfix/smtp" the smtp one.
 */
void relay_note_transport(struct relay *r, const char *program, size_t len);

/* Count one probe result in the summary counters. */
void relay_count_probe(struct relay *r, const struct classification *c, const struct pftime *when);

/*
 * A pipelining symptom at 'when' for 'rcpt' (NULL: not kept).  Returns 1 when a
 * pipelining_suspected alert is due (threshold reached, none raised for
 * this relay within the window); *count is the number in the window.
 */
int relay_note_symptom(struct relay *r, time_t when, const char *rcpt, size_t rlen,
		       unsigned threshold, long window, size_t *count);
/* The window's oldest time and its recipients (at most RELAY_RECIPIENTS_MAX). */
time_t relay_window_first(const struct relay *r);
size_t relay_window_recipients(const struct relay *r, const char **rcpt, size_t max);

/*
 * A successful probe.  Returns 1 when a flagged relay has recovered: the
 * probe ran without PIPELINING, or a whole window passed since the last
 * symptom.  *previous is then the failures counted while flagged.
 */
int relay_note_success(struct relay *r, time_t when, int pipelined, long window,
		       unsigned long *previous);

/*
 * A refusal linked to one of its probes.  For a sender, addr is the
 * refused sender and new_probe says that this probe was not known yet as
 * a sender's.
 */
void relay_count_reject(struct relay *r, int sender, const char *addr, size_t len, int new_probe,
			const struct pftime *when);

typedef void (*relay_walk_fn)(const struct relay *r, void *ctx);
void relay_walk(const struct relay_table *t, relay_walk_fn fn, void *ctx);
/* Every relay, sorted with cmp when given (qsort's); the caller frees the array. */
const struct relay **relay_table_list(const struct relay_table *t,
				      int (*cmp)(const void *, const void *), size_t *n);

#endif
