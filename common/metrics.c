/*
 * metrics - the Prometheus text format (see metrics.h).
 */
#include "metrics.h"
#include "diag.h"
#include "relay.h"
#include "utf8.h"
#include "xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PROBEWATCH_VERSION
#define PROBEWATCH_VERSION "0.5.0"
#endif

struct out {
	char *buf;
	size_t len, cap;
};

PW_PRINTF(2, 3) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		o->cap = o->cap * 2 + (n > 0 ? (size_t)n : 0);
		o->buf = xrealloc(o->buf, o->cap);
	}
}

/* A label value as the format wants it: \\, \" and \n escaped; no control bytes. */
static void put_label(struct out *o, const char *v)
{
	char clean[400], esc[820];
	size_t n = text_clean(v, strlen(v), clean, sizeof(clean) - 1, TEXT_NO_CONTROLS, NULL),
	       k = 0;

	for (size_t i = 0; i < n; i++) {
		if (clean[i] == '\\' || clean[i] == '"')
			esc[k++] = '\\';
		esc[k++] = clean[i];
	}
	esc[k] = 0;
	put(o, "%s", esc);
}

static void family(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int by_failures(const void *a, const void *b)
{
	const struct metrics_relay *x = a, *y = b;

	if (x->failures != y->failures)
		return x->failures < y->failures ? 1 : -1;
	return strcmp(x->name, y->name);
}

struct collect {
	struct metrics_snapshot *m;
	struct metrics_relay *all;
	size_t n, cap;
};

static void collect(const struct relay *r, void *ctx)
{
	struct collect *c = ctx;
	struct metrics_relay *mr;

	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->all = xrealloc(c->all, c->cap * sizeof(*c->all));
	}
	mr = &c->all[c->n++];
	if (r->port)
		snprintf(mr->name, sizeof(mr->name), "%.255s[%.64s]:%d", r->host, r->addr, r->port);
	else
		snprintf(mr->name, sizeof(mr->name), "%.255s[%.64s]", r->host, r->addr);
	mr->probes = r->probes;
	mr->failures = r->failures + r->suspect_successes;
	mr->flagged = r->flagged;
	c->m->relays_flagged += r->flagged != 0;
}

void metrics_collect_relays(struct metrics_snapshot *m, const struct engine *e)
{
	struct collect c = { m, NULL, 0, 0 };

	m->relays_flagged = 0;
	m->nrelays = 0;
	m->other_probes = m->other_failures = 0;
	m->have_other = 0;
	relay_walk(corr_relays(engine_corr(e)), collect, &c);
	if (c.n)
		qsort(c.all, c.n, sizeof(*c.all), by_failures);
	for (size_t i = 0; i < c.n; i++) {
		if (i < METRICS_RELAYS_MAX) {
			m->relay[m->nrelays++] = c.all[i];
		} else {
			m->have_other = 1;
			m->other_probes += c.all[i].probes;
			m->other_failures += c.all[i].failures;
		}
	}
	free(c.all);
}

char *metrics_render(const struct metrics_snapshot *m, size_t *len)
{
	struct out o = { xmalloc(8192), 0, 8192 };
	unsigned long suspect = 0;

	family(&o, "probewatch_build_info", "gauge", "probewatch's version.");
	put(&o, "probewatch_build_info{version=\"%s\"} 1\n", PROBEWATCH_VERSION);
	family(&o, "probewatch_uptime_seconds", "gauge", "Seconds since the daemon started.");
	put(&o, "probewatch_uptime_seconds %ld\n", m->uptime);
	family(&o, "probewatch_log_lines_total", "counter", "Log lines read.");
	put(&o, "probewatch_log_lines_total %lu\n", m->engine.lines);
	family(&o, "probewatch_log_lines_unparsed_total", "counter",
	       "Log lines not understood (no syslog header, or too long), skipped.");
	put(&o, "probewatch_log_lines_unparsed_total %lu\n",
	    m->engine.malformed + m->engine.overlong);

	for (int s = 0; s < ST_COUNT; s++)
		suspect += m->corr.failures_by[FC_SUSPECT_SUCCESS][s];
	family(&o, "probewatch_probes_total", "counter",
	       "Address verification probes by result (suspect_success: a 221 taken as the "
	       "RCPT reply).");
	put(&o, "probewatch_probes_total{result=\"succeeded\"} %lu\n",
	    m->corr.probes - m->corr.probe_failures);
	put(&o, "probewatch_probes_total{result=\"failed\"} %lu\n",
	    m->corr.probe_failures - suspect);
	put(&o, "probewatch_probes_total{result=\"suspect_success\"} %lu\n", suspect);

	family(&o, "probewatch_probe_failures_total", "counter",
	       "Failed probes by failure class and SMTP stage.");
	for (int c = FC_NONE + 1; c < FC_COUNT; c++)
		for (int s = 0; s < ST_COUNT; s++) {
			const char *stage = smtp_stage_name(s);

			if (m->corr.failures_by[c][s] == 0)
				continue;
			put(&o, "probewatch_probe_failures_total{class=\"%s\",stage=\"%s\"} %lu\n",
			    failure_class_name(c), stage ? stage : "none",
			    m->corr.failures_by[c][s]);
		}
	for (int who = 0; who < 2; who++) {
		const char *name = who ? "probewatch_senders_rejected_total"
				       : "probewatch_recipients_rejected_total";

		family(&o, name, "counter",
		       who ? "Senders refused as unverified or undeliverable, by failure class."
			   : "Recipients refused as unverified or undeliverable, by failure "
			     "class.");
		for (int c = 0; c < FC_COUNT; c++)
			if (m->corr.refused_by[who][c])
				put(&o, "%s{class=\"%s\"} %lu\n", name, failure_class_name(c),
				    m->corr.refused_by[who][c]);
	}
	family(&o, "probewatch_relays_flagged", "gauge",
	       "Downstream servers flagged for pipelining now.");
	put(&o, "probewatch_relays_flagged %lu\n", m->relays_flagged);
	family(&o, "probewatch_relay_probes", "gauge",
	       "Probes per downstream server (the 100 with the most failures; the rest as "
	       "relay=\"other\").");
	for (size_t i = 0; i < m->nrelays; i++) {
		put(&o, "probewatch_relay_probes{relay=\"");
		put_label(&o, m->relay[i].name);
		put(&o, "\"} %lu\n", m->relay[i].probes);
	}
	if (m->have_other)
		put(&o, "probewatch_relay_probes{relay=\"other\"} %lu\n", m->other_probes);
	family(&o, "probewatch_relay_probe_failures", "gauge",
	       "Failed probes per downstream server (as probewatch_relay_probes).");
	for (size_t i = 0; i < m->nrelays; i++) {
		put(&o, "probewatch_relay_probe_failures{relay=\"");
		put_label(&o, m->relay[i].name);
		put(&o, "\"} %lu\n", m->relay[i].failures);
	}
	if (m->have_other)
		put(&o, "probewatch_relay_probe_failures{relay=\"other\"} %lu\n",
		    m->other_failures);

	family(&o, "probewatch_alerts_total", "counter", "Alerts raised by the engine, by event.");
	for (int k = 0; k < EA_OTHER; k++)
		put(&o, "probewatch_alerts_total{event=\"%s\"} %lu\n", engine_alert_kind_name(k),
		    m->engine.alerts[k]);
	family(&o, "probewatch_alerts_folded_total", "counter",
	       "Alerts not sent one by one but counted in an alerts_folded alert "
	       "(alert_fold_threshold), by event.");
	for (int k = 0; k < FOLD_EVENTS; k++)
		put(&o, "probewatch_alerts_folded_total{event=\"%s\"} %lu\n", fold_event_name(k),
		    m->fold.folded[k]);
	family(&o, "probewatch_alerts_folded_pending", "gauge",
	       "Folded alerts whose alerts_folded is not written yet (their window is open).");
	put(&o, "probewatch_alerts_folded_pending %lu\n", m->fold.pending);
	family(&o, "probewatch_alert_queue_dropped_total", "counter",
	       "Alerts dropped because the queue to the sinks was full.");
	put(&o, "probewatch_alert_queue_dropped_total %lu\n", m->queue_dropped);
	family(&o, "probewatch_alerts_dropped_total", "counter",
	       "Alerts a sink had to drop (its queue full while it failed).");
	for (size_t i = 0; i < m->nsinks; i++) {
		put(&o, "probewatch_alerts_dropped_total{sink=\"");
		put_label(&o, m->sinks[i].name);
		put(&o, "\"} %lu\n", m->sinks[i].dropped);
	}
	family(&o, "probewatch_sink_failing", "gauge", "1 while a sink fails to take alerts.");
	for (size_t i = 0; i < m->nsinks; i++) {
		put(&o, "probewatch_sink_failing{sink=\"");
		put_label(&o, m->sinks[i].name);
		put(&o, "\"} %d\n", m->sinks[i].failing != 0);
	}
	family(&o, "probewatch_milter_sessions_total", "counter",
	       "SMTP sessions Postfix opened with the milter.");
	put(&o, "probewatch_milter_sessions_total %lu\n", m->milter_sessions);
	family(&o, "probewatch_milter_errors_total", "counter",
	       "Faults of the milter's own (each let the mail through).");
	put(&o, "probewatch_milter_errors_total %lu\n", m->milter_errors);
	family(&o, "probewatch_pipechecks_dropped_total", "counter",
	       "Checks on suspicion not run because their queue was full.");
	put(&o, "probewatch_pipechecks_dropped_total %lu\n", m->checks_dropped);
	family(&o, "probewatch_state_entries", "gauge", "Entries the engine keeps, by table.");
	put(&o, "probewatch_state_entries{table=\"queue_ids\"} %zu\n", m->corr.queue_ids);
	put(&o, "probewatch_state_entries{table=\"recipients\"} %zu\n", m->corr.recipients);
	put(&o, "probewatch_state_entries{table=\"relays\"} %zu\n", m->corr.relays);
	put(&o, "probewatch_state_entries{table=\"processes\"} %zu\n", m->corr.processes);
	family(&o, "probewatch_state_evictions_total", "counter",
	       "Entries dropped to stay within state_max_entries.");
	put(&o, "probewatch_state_evictions_total %lu\n", m->corr.dropped);
	*len = o.len;
	return o.buf;
}

int metrics_write_file(const char *path, const char *text, size_t len)
{
	char tmp[1100];
	int fd, saved;
	size_t done = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return -1;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		done += (size_t)n;
	}
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}
