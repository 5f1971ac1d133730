/*
 * engine - the whole detection pipeline for one stream of log lines, and
 * the one door into it: the daemon, the milter, probewatch-scan, the
 * summary, the report and the metrics ask the engine, never what lies
 * below it (the parser, the correlator and its tables).
 *
 * engine_line() parses a line (pflog), feeds its event to the correlator
 * (corr) and counts what it saw; alerts go to the emit callback given at
 * creation, which must not keep them.
 *
 * Threads.  The log side (engine_line, engine_tick, engine_flush,
 * engine_reconfigure, and what reads the counters and relays) is called by
 * one thread at a time: the daemon holds its own lock around each call.
 * The milter side (engine_join_milter, engine_milter_reject,
 * engine_tag_entry) may be called from any thread at any time and never
 * waits behind the log side: with engine_set_threaded() a milter's reject
 * is copied into an inbox that the log side takes in at its next line or
 * tick, and a verdict is read under the verdicts' own short lock.  Nothing
 * on the milter side allocates with a must-succeed allocator: without
 * memory a reject's milter half is dropped and counted (milter_dropped),
 * and the log's line still reports it.
 */
#ifndef PW_ENGINE_H
#define PW_ENGINE_H

#include "alert.h"
#include "config.h"
#include "corr_types.h"
#include "pwlimits.h"
#include "pflog_event.h"
#include "reject.h"
#include "relay.h"

enum engine_alert_kind {
	EA_PROBE_FAILED,
	EA_PROBE_SUSPECT_SUCCESS,
	EA_RECIPIENT_REJECTED,
	EA_PIPELINING_SUSPECTED,
	EA_RELAY_RECOVERED,
	EA_SENDER_REJECTED,
	EA_OTHER,
	EA_COUNT
};

struct engine_stats {
	unsigned long lines;
	unsigned long long bytes;
	unsigned long malformed; /* no syslog header */
	unsigned long foreign;   /* other programs */
	unsigned long ignored;   /* Postfix lines of no interest */
	unsigned long overlong;  /* skipped for their length */
	unsigned long events[PFE_KIND_COUNT];
	unsigned long alerts[EA_COUNT];
	unsigned long milter_dropped; /* milter halves of rejects lost: no memory, inbox full */
};

struct engine;

/* Receives each alert; must not keep it. */
typedef void (*engine_emit_fn)(void *ctx, struct alert *alert);

struct engine *engine_create(const struct config *cf, engine_emit_fn emit, void *ctx);
/*
 * Nonzero: alerts are only counted (engine_stats), never built, and emit
 * is not called; for a summary.
 */
void engine_count_only(struct engine *e, int count_only);
void engine_free(struct engine *e);
/* Apply the reloadable settings of cf. */
void engine_reconfigure(struct engine *e, const struct config *cf);
/* Year-less stamps are taken as not later than this until a line is seen. */
void engine_set_reference(struct engine *e, time_t ref);

/* ---- the log side: one thread at a time ---- */

void engine_line(struct engine *e, const char *line, size_t len);
/* Report rejects whose other half did not come; all of them with flush. */
void engine_tick(struct engine *e, time_t now);
void engine_flush(struct engine *e);
void engine_count_overlong(struct engine *e);

const struct engine_stats *engine_stats(const struct engine *e);
/* The correlator's tables and counters. */
void engine_counts(const struct engine *e, struct corr_counts *out);
/* Every relay seen, to fn; or as an array, sorted with cmp when given (the caller frees it). */
void engine_relay_walk(const struct engine *e, relay_walk_fn fn, void *ctx);
const struct relay **engine_relay_list(const struct engine *e,
				       int (*cmp)(const void *, const void *), size_t *n);
const char *engine_alert_kind_name(enum engine_alert_kind k);
/* The name of engine_stats.events[k]. */
const char *engine_event_kind_name(enum pflog_kind k);

/* ---- the milter side: any thread, never behind the log side ---- */

/*
 * Milter calls come from other threads than the log side's: queue their
 * rejects for the log side (the daemon).  Without it (probewatch-scan, a
 * test driving both sides from one thread) a reject is taken in at once.
 */
void engine_set_threaded(struct engine *e, int threaded);
/* Postfix talks to a milter: a reject's two halves wait grace seconds for each other. */
void engine_join_milter(struct engine *e, int grace);
/*
 * A rejected RCPT as the milter saw it (r->reason is the text after
 * "...address: "); r is copied.  0, or -1 when it was dropped (no memory,
 * or too many waiting): counted, and the log's line alone reports it.
 */
int engine_milter_reject(struct engine *e, const struct reject_info *r);
/*
 * When the latest probe of addr failed: "LABELaddr class/stage via
 * host[ip]; probe=QID" in out (printable ASCII only, cut to size), and its
 * length; else 0 and out empty.  For a tag header.
 */
size_t engine_tag_entry(struct engine *e, const char *label, const char *addr, char *out,
			size_t size);
/* Header-safe text: src appended at out[at], printable ASCII only (the rest '?'). */
size_t engine_tag_append(char *out, size_t at, size_t size, const char *src);

#endif
