/*
 * stats - build the probewatch_stats alert (see stats.h).
 */
#include "stats.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

struct alert *stats_alert(const struct daemon_counters *c)
{
	const struct engine_stats *e = &c->engine;
	struct pftime now;
	char host[256] = "localhost";
	const char *names[PFE_KIND_COUNT + EA_COUNT + STATS_SINKS_MAX];
	unsigned long values[PFE_KIND_COUNT + EA_COUNT + STATS_SINKS_MAX];
	size_t n;
	struct alert *a;

	pftime_now(&now);
	gethostname(host, sizeof(host) - 1);
	a = alert_new("probewatch_stats", SEV_INFO, &now, host, strlen(host));
	alert_int(a, "uptime_seconds", c->uptime, 0);
	alert_int(a, "lines_read", (long long)e->lines, 0);
	alert_int(a, "lines_not_understood", (long long)(e->malformed + e->overlong), 0);
	alert_int(a, "lines_overlong", (long long)e->overlong, 0);
	alert_int(a, "lines_other_programs", (long long)e->foreign, 0);
	alert_int(a, "lines_postfix_unused", (long long)e->ignored, 0);
	n = 0;
	for (int k = PFE_NONE + 1; k < PFE_KIND_COUNT; k++) {
		names[n] = pflog_kind_name(k);
		values[n++] = e->events[k];
	}
	alert_counters(a, "events", names, values, n, 0);
	n = 0;
	for (int k = 0; k < EA_OTHER; k++) {
		names[n] = engine_alert_kind_name(k);
		values[n++] = e->alerts[k];
	}
	alert_counters(a, "alerts", names, values, n, 0);
	alert_int(a, "alerts_dropped_queue_full", (long long)c->queue.dropped, 0);
	/* alerts raised = sent one by one + folded, by event (fold.h) */
	n = 0;
	for (int k = 0; k < FOLD_EVENTS; k++) {
		names[n] = fold_event_name(k);
		values[n++] = c->fold.folded[k];
	}
	alert_counters(a, "alerts_folded", names, values, n, 0);
	alert_int(a, "alerts_folded_pending", (long long)c->fold.pending, 0);
	alert_int(a, "alerts_folded_summaries", (long long)c->fold.summaries, 0);
	alert_int(a, "alerts_folding_notices", (long long)c->fold.notices, 0);
	for (int what = 0; what < 3; what++) {
		static const char *const keys[] = { "sink_failures", "sink_dropped",
						    "sink_pending" };

		for (n = 0; n < c->nsinks; n++) {
			names[n] = c->sinks[n].name;
			values[n] = what == 0   ? c->sinks[n].failed
				    : what == 1 ? c->sinks[n].dropped
						: (unsigned long)c->sinks[n].pending;
		}
		alert_counters(a, keys[what], names, values, n, 0);
	}
	names[0] = "queue_ids";
	values[0] = c->corr.queue_ids;
	names[1] = "recipients";
	values[1] = c->corr.recipients;
	names[2] = "relays";
	values[2] = c->corr.relays;
	names[3] = "processes";
	values[3] = c->corr.processes;
	alert_counters(a, "entries", names, values, 4, 0);
	alert_int(a, "entries_dropped", (long long)c->corr.dropped, 0);
	alert_int(a, "log_rotations", (long long)c->follow.rotations, 0);
	alert_int(a, "log_truncations", (long long)c->follow.truncations, 0);
	alert_int(a, "milter_errors", (long long)c->milter_errors, 0);
	return a;
}
