/*
 * fold - fold repeated alerts in a burst, and say what was folded.
 *
 * An incident raises the same alert for every probe and every refused
 * recipient: thousands in seconds, more than journald lets one service
 * log (10,000 per 30 s by default) or rsyslog's imuxsock rate limit.
 * Between the engine and the sinks, fold counts each alert under its key
 * (the host, the event, the relay, the failure class and stage, and the
 * reason with <addresses> blanked) in a window of window seconds that
 * starts with the key's first alert.  The first threshold alerts of a
 * window go out one by one; past that the key folds: one alerts_folding
 * alert says so at once, the rest are counted, and when the window ends
 * one alerts_folded alert carries how many ("folded", a number), the
 * first and last recipient, sender, queue ID and log time of those
 * folded.  A key that saw more than threshold alerts in a window keeps
 * folding in the next one (no new notice); one that saw fewer is
 * forgotten, so its next alerts go out one by one again, as Postfix's
 * anvil forgets a client that calms down.  Like syslog's "last message
 * repeated N times", nothing is lost: for every event,
 * alerts raised = alerts passed + alerts folded, and every folded alert
 * is in exactly one alerts_folded (fold_flush at the end).
 *
 * Only the per-message events fold (probe_failed, probe_suspect_success,
 * recipient_rejected, sender_rejected); any other alert (the first
 * pipelining_suspected of a relay, relay_recovered, the checks' verdicts,
 * stats) always passes.  At most FOLD_KEYS_MAX keys are followed at once;
 * an alert with a new key when the table is full is counted under its
 * event alone (key_overflow: true), so the output stays bounded whatever
 * the input: per window, at most (FOLD_KEYS_MAX + events) x (threshold +
 * 2) alerts.  threshold 0 never folds.
 *
 * Thread-safe (its own lock, never held across I/O).  Times are seconds
 * of the caller's clock (the daemon: CLOCK_MONOTONIC).  The emit callback
 * gets each notice and summary as a rendered alert it then owns; it is
 * called from fold_alert (the notice) and fold_tick/fold_flush (the
 * summaries), with fold's lock released.
 */
#ifndef PW_FOLD_H
#define PW_FOLD_H

#include "alert.h"

#include <stddef.h>
#include <time.h>

#define FOLD_KEYS_MAX 128

/* The events that fold, in this order in the counters. */
enum fold_event {
	FOLD_PROBE_FAILED,
	FOLD_PROBE_SUSPECT_SUCCESS,
	FOLD_RECIPIENT_REJECTED,
	FOLD_SENDER_REJECTED,
	FOLD_EVENTS
};

enum fold_verdict {
	FOLD_PASS,   /* send it */
	FOLD_FOLDED, /* counted; the caller frees it and sends nothing */
};

struct fold_stats {
	unsigned long seen[FOLD_EVENTS];   /* alerts of these events given to fold_alert */
	unsigned long folded[FOLD_EVENTS]; /* of those, not sent one by one */
	unsigned long pending;             /* folded, not yet in an alerts_folded */
	unsigned long summaries;           /* alerts_folded alerts made */
	unsigned long notices;             /* alerts_folding alerts made */
	unsigned long overflows;           /* alerts counted under key_overflow */
	size_t keys;                       /* keys followed now */
};

typedef void (*fold_emit_fn)(void *ctx, char *json, size_t len, enum alert_severity sev);

struct fold;

struct fold *fold_create(unsigned threshold, long window, fold_emit_fn emit, void *ctx);
/* Summaries still pending are not emitted: fold_flush first. */
void fold_free(struct fold *f);
/* New settings (SIGUSR1); threshold 0 sends what is pending at the next tick. */
void fold_configure(struct fold *f, unsigned threshold, long window);

/*
 * One alert, after alert_json (the members the budget dropped are not
 * read); the caller keeps it, and sends it only on FOLD_PASS.
 */
enum fold_verdict fold_alert(struct fold *f, const struct alert *a, time_t now);
/* Whether alerts of this event can ever fold (the others always pass). */
int fold_event_folds(const char *event);
/* End the windows that are over: their summaries. */
void fold_tick(struct fold *f, time_t now);
/* End every window (stop): all summaries pending. */
void fold_flush(struct fold *f);

void fold_stats(struct fold *f, struct fold_stats *out);
const char *fold_event_name(enum fold_event e);

#endif
