/*
 * stats - the probewatch_stats alert (SIGUSR2): what the daemon has done.
 *
 * The caller gathers the counters (each from the thread that owns them)
 * into a struct daemon_counters; stats_alert() turns them into one alert.
 */
#ifndef PW_STATS_H
#define PW_STATS_H

#include "alert.h"
#include "alertq.h"
#include "corr.h"
#include "engine.h"
#include "fold.h"
#include "follow.h"
#include "sink.h"

#define STATS_SINKS_MAX 8

struct daemon_counters {
	struct engine_stats engine;
	struct corr_counts corr;
	struct follow_stats follow;
	struct alertq_stats queue;
	struct fold_stats fold;
	struct sink_stats sinks[STATS_SINKS_MAX];
	size_t nsinks;
	unsigned long milter_errors;
	long uptime;
};

struct alert *stats_alert(const struct daemon_counters *c);

#endif
