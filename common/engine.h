/*
 * engine - the whole detection pipeline for one stream of log lines.
 *
 * engine_line() parses a line (pflog), feeds its event to the correlator
 * (corr) and counts what it saw; alerts go to the emit callback given at
 * creation, which must not keep them.  probewatch-scan and the daemon
 * both drive an engine; the daemon holds a lock around each call when
 * milter threads share it.
 */
#ifndef PW_ENGINE_H
#define PW_ENGINE_H

#include "config.h"
#include "corr.h"
#include "pflog.h"

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

void engine_line(struct engine *e, const char *line, size_t len);

/* The milter's side of rejected recipients (see corr_set_join). */
void engine_join_milter(struct engine *e, int grace);
void engine_milter_reject(struct engine *e, const struct reject_info *r);
/* Report rejects whose other half did not come; all of them with flush. */
void engine_tick(struct engine *e, time_t now);
void engine_flush(struct engine *e);
void engine_count_overlong(struct engine *e);

const struct engine_stats *engine_stats(const struct engine *e);
const struct corr *engine_corr(const struct engine *e);
const char *engine_alert_kind_name(enum engine_alert_kind k);

#endif
