/*
 * metrics - probewatch's counters in the Prometheus text exposition format.
 *
 * The daemon fills a struct metrics_snapshot under its locks (the engine's
 * counters, the sinks', the milter's) and metrics_render() turns it into
 * the text a scraper reads: a # HELP and a # TYPE line for each family,
 * label values escaped as the format says.  Labels are bounded: classes,
 * stages, events and sinks come from fixed lists, no recipient is ever a
 * label, and the per-relay gauges keep the METRICS_RELAYS_MAX relays with
 * the most failures, the rest summed under relay="other".
 * metrics_write_file() writes the text for node_exporter's textfile
 * collector atomically (a temporary file renamed over the old one).  This
 * module knows nothing of HTTP (the daemon's metrics/ folder serves it).
 */
#ifndef PW_METRICS_H
#define PW_METRICS_H

#include "engine.h"
#include "fold.h"
#include "sink.h"

#include <stddef.h>
#include <time.h>

#define METRICS_RELAYS_MAX 100
#define METRICS_SINKS_MAX  8

struct metrics_relay {
	char name[340]; /* host[addr]:port, as logged */
	unsigned long probes, failures;
	int flagged;
};

struct metrics_snapshot {
	struct engine_stats engine;
	struct corr_counts corr;
	struct sink_stats sinks[METRICS_SINKS_MAX];
	size_t nsinks;
	unsigned long milter_sessions, milter_errors;
	unsigned long checks_dropped; /* pipecheck on suspicion */
	struct fold_stats fold;       /* alert_fold_threshold */
	unsigned long queue_dropped;  /* the alert queue full */
	long uptime;
	/* from metrics_collect_relays() */
	unsigned long relays_flagged;
	struct metrics_relay relay[METRICS_RELAYS_MAX];
	size_t nrelays;
	unsigned long other_probes, other_failures;
	int have_other;
};

/* The per-relay part, from the engine (call with the engine locked). */
void metrics_collect_relays(struct metrics_snapshot *m, const struct engine *e);
/* The exposition text; the caller frees it. */
char *metrics_render(const struct metrics_snapshot *m, size_t *len);
/* 0, or -1 with errno set. */
int metrics_write_file(const char *path, const char *text, size_t len);

#endif
