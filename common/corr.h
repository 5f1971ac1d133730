/*
 * corr - the correlator: joins Postfix's log events into probe verdicts.
 *
 * Nothing in Postfix links a verify probe's status line to the qmgr line
 * that names its sender, to the smtp process that discarded PIPELINING,
 * or to the smtpd reject it caused; corr does.  It owns four tables, each
 * in its own module, bounded by max_entries and expired by log time:
 *   - the probes under way: open queue IDs with their sender, smtp
 *     processes that discarded PIPELINING (probes.c),
 *   - the latest probe verdict per recipient (verdicts.c),
 *   - per relay counters and the pipelining window (relay.c),
 *   - rejects waiting for their other half (pending.c),
 * and decides, event by event, what is due: a probe's verdict and alert,
 * a window's alert (relay.c), a reject's link (corr_link.c); the alerts
 * are built by corr_alert.c.  Alerts are handed to the emit callback one
 * at a time; the callback must not keep the alert, corr frees it when the
 * callback returns.  With corr_set_count_only() no alert is built: the
 * callback is told only the event name (alert NULL).
 *
 * A corr is not locked: one thread at a time calls it (the engine's
 * caller), except corr_read_verdict(), which any thread may call.
 */
#ifndef PW_CORR_H
#define PW_CORR_H

#include "alert.h"
#include "corr_types.h"
#include "reject.h"
#include "relay.h"

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
/*
 * A rejected RCPT seen by the milter (r->reason is the text after
 * "...address: "), handed over at m->arrived; corr takes m.
 */
void corr_milter_reject(struct corr *c, struct reject_copy *m);
/* Report the waiting rejects whose other half did not come by now. */
void corr_tick(struct corr *c, time_t now);

/*
 * From any thread: fn(the latest verdict of addr or NULL, ctx), compared
 * case-insensitively, under the verdicts' own lock (see verdicts.h).
 */
size_t corr_read_verdict(struct corr *c, const char *addr, size_t len,
			 size_t (*fn)(const struct probe_verdict *v, void *ctx), void *ctx);
const struct relay_table *corr_relays(const struct corr *c);
void corr_counts(const struct corr *c, struct corr_counts *out);

#endif
