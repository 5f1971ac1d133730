/*
 * runtime - log thread, sink thread, signal thread (see runtime.h).
 *
 * The read position is saved by the sink thread, not the log thread: the
 * follower hands out positions (checkpoints), each is marked with the
 * number of alerts queued so far, and a position is saved once the sink
 * thread has delivered that many.  A kill -9 then never loses the alert
 * of a line before the saved position; the alerts delivered after the
 * last save are raised again after a restart (at most one batch of up to
 * 256 lines, see docs/reliability.md).
 */
#include "runtime.h"
#include "alertq.h"
#include "autocheck.h"
#include "diag.h"
#include "fold.h"
#include "follow.h"
#include "journal.h"
#include "metrics.h"
#include "sink.h"
#include "stats.h"
#include "xmem.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ALERT_QUEUE_MAX 4096
/* Room beyond it for fold's notices and summaries and the rare alerts (alertq.h). */
#define ALERT_QUEUE_RESERVE (2 * (FOLD_KEYS_MAX + FOLD_EVENTS) + 256)
#define QUEUE_WARN_S        10 /* at most one "queue full" message in this time */
#define SINK_POLL_MS        250
#define LOG_POLL_MS         1000
#define METRICS_FILE_S      15 /* how often metrics_file is rewritten */
#define POS_MARKS           64 /* positions waiting for their alerts' delivery */

struct pos_mark {
	struct logpos pos;
	unsigned long ticket; /* alerts queued before it */
};

struct runtime {
	struct config *cf;
	struct runtime_reload reload;
	pthread_mutex_t lock; /* the engine's log side, follow_copy, cf */
	struct engine *engine;
	struct follow_stats follow_copy;
	/* for the milter threads, which never take lock */
	atomic_ulong milter_errors, milter_sessions;
	pthread_mutex_t tag_lock; /* tag and tag_header, copied from cf */
	int tag;
	char tag_header[256];
	time_t metrics_written;
	/* the sinks' counters as the sink thread last saw them, under req_lock */
	struct sink_stats sink_copy[METRICS_SINKS_MAX];
	size_t nsink_copy;
	struct alertq *queue;
	struct fold *fold; /* between the engine and the queue */
	time_t fold_ticked;
	unsigned long queue_dropped_said; /* the sink thread's: drops already reported */
	time_t queue_said;
	struct autocheck *autocheck; /* pipecheck on suspicion; from runtime_start on */
	struct sinks *sinks;         /* owned by the sink thread once started */
	struct follower *follower;
	/* checkpoints, under pos_lock; the rest is the sink thread's */
	pthread_mutex_t pos_lock;
	struct pos_mark marks[POS_MARKS];
	size_t nmarks;
	unsigned long delivered; /* alerts popped and handed to the sinks */
	struct logpos pos_saved;
	int have_pos_saved;
	unsigned long pos_save_failures;
	char *state_path;
	time_t started;
	int stop_pipe[2];
	atomic_int stopping;
	pthread_t log_thread, sink_thread, signal_thread;
	int threads;
	/* requests to the sink thread, under req_lock */
	pthread_mutex_t req_lock;
	int want_stats, want_reopen;
	char *want_sinks; /* new alert_sinks value */
	int want_cee, want_facility;
	char *want_ident;
};

void runtime_block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* What the milter threads read of the settings, under tag_lock. */
static void copy_tag_settings(struct runtime *rt, const struct config *cf)
{
	pthread_mutex_lock(&rt->tag_lock);
	rt->tag = (int)config_num(cf, CF_TAG_MESSAGES);
	snprintf(rt->tag_header, sizeof(rt->tag_header), "%s", config_str(cf, CF_TAG_HEADER));
	pthread_mutex_unlock(&rt->tag_lock);
}

/* Seconds of a clock that never jumps: fold's windows. */
static time_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * Where the engine's alerts leave it.  Those of a burst fold
 * (alert_fold_threshold); the others that can never fold are rare and
 * must not be lost, so they may use the queue's reserve.
 */
static void runtime_alert(void *ctx, struct alert *a)
{
	struct runtime *rt = ctx;
	size_t len;
	char *json = alert_render(a, &len);
	const char *event = alert_event(a);

	/* Called with the engine lock held: no I/O here, only the queues. */
	if (rt->autocheck && strcmp(event, "pipelining_suspected") == 0)
		autocheck_suspected(rt->autocheck, json, len);
	if (!fold_event_folds(event)) {
		alertq_push_reserved(rt->queue, json, len, alert_severity(a));
		return;
	}
	if (fold_alert(rt->fold, a, mono_now()) == FOLD_FOLDED) {
		free(json);
		return;
	}
	alertq_push(rt->queue, json, len, alert_severity(a));
}

/* fold's alerts_folding and alerts_folded: each stands for others. */
static void fold_emit(void *ctx, char *json, size_t len, enum alert_severity sev)
{
	struct runtime *rt = ctx;

	alertq_push_reserved(rt->queue, json, len, sev);
}

/* A check's alert, from autocheck's thread. */
static void autocheck_alert(void *ctx, char *json, size_t len, enum alert_severity sev)
{
	struct runtime *rt = ctx;

	alertq_push(rt->queue, json, len, sev);
}

static void configure_autocheck(struct runtime *rt, const struct config *cf)
{
	autocheck_configure(rt->autocheck, (int)config_num(cf, CF_PIPECHECK_ON_SUSPICION),
			    config_num(cf, CF_PIPECHECK_INTERVAL));
}

/*
 * A position from the log thread: it may be saved once every alert queued
 * until now is delivered.  Positions that need no more alerts than the
 * last one replace it; when the marks are full the newest is replaced.
 */
static void on_checkpoint(void *ctx, const struct logpos *pos)
{
	struct runtime *rt = ctx;
	struct alertq_stats qs;

	alertq_stats(rt->queue, &qs);
	pthread_mutex_lock(&rt->pos_lock);
	if (rt->nmarks &&
	    (rt->marks[rt->nmarks - 1].ticket == qs.pushed || rt->nmarks == POS_MARKS))
		rt->nmarks--;
	rt->marks[rt->nmarks].pos = *pos;
	rt->marks[rt->nmarks].ticket = qs.pushed;
	rt->nmarks++;
	pthread_mutex_unlock(&rt->pos_lock);
}

/* From the sink thread: save the newest position whose alerts are all delivered. */
static void save_position(struct runtime *rt)
{
	struct logpos pos;
	size_t k = 0;
	const char *path;

	pthread_mutex_lock(&rt->pos_lock);
	while (k < rt->nmarks && rt->marks[k].ticket <= rt->delivered)
		k++;
	if (k)
		pos = rt->marks[k - 1].pos;
	memmove(rt->marks, rt->marks + k, (rt->nmarks - k) * sizeof(rt->marks[0]));
	rt->nmarks -= k;
	pthread_mutex_unlock(&rt->pos_lock);
	if (k == 0 || (rt->have_pos_saved && memcmp(&pos, &rt->pos_saved, sizeof(pos)) == 0))
		return;
	path = rt->state_path;
	if (path == NULL || path[0] == 0)
		return;
	if (logpos_save(path, &pos) < 0) {
		if (rt->pos_save_failures++ == 0)
			msg_warn("cannot save the read position in %s: %m", path);
		return;
	}
	rt->pos_saved = pos;
	rt->have_pos_saved = 1;
}

struct runtime *runtime_create(const struct config *cf, const struct runtime_reload *reload)
{
	struct runtime *rt = xcalloc(1, sizeof(*rt));

	rt->cf = config_copy(cf); /* a private copy: reload replaces it */
	rt->reload = *reload;
	rt->sinks = sinks_create(config_str(cf, CF_ALERT_SINKS), config_str(cf, CF_SYSLOG_IDENT),
				 (int)config_num(cf, CF_SYSLOG_FACILITY),
				 (int)config_num(cf, CF_ALERT_CEE_COOKIE));
	if (rt->sinks == NULL) {
		config_free(rt->cf);
		free(rt);
		return NULL;
	}
	pthread_mutex_init(&rt->lock, NULL);
	pthread_mutex_init(&rt->req_lock, NULL);
	pthread_mutex_init(&rt->pos_lock, NULL);
	rt->queue = alertq_create(ALERT_QUEUE_MAX, ALERT_QUEUE_RESERVE);
	rt->fold = fold_create((unsigned)config_num(cf, CF_ALERT_FOLD_THRESHOLD),
			       config_num(cf, CF_ALERT_FOLD_WINDOW), fold_emit, rt);
	rt->engine = engine_create(rt->cf, runtime_alert, rt);
	engine_set_threaded(rt->engine, 1);
	pthread_mutex_init(&rt->tag_lock, NULL);
	copy_tag_settings(rt, rt->cf);
	if (strncmp(config_str(cf, CF_LOG_SOURCE), "journal", 7) != 0) {
		rt->follower = follower_create(config_str(cf, CF_LOG_SOURCE),
					       config_str(cf, CF_STATE_FILE));
		follower_set_checkpoint(rt->follower, on_checkpoint, rt);
		rt->state_path = xstrdup(config_str(cf, CF_STATE_FILE));
	}
	rt->stop_pipe[0] = rt->stop_pipe[1] = -1;
	if (pipe(rt->stop_pipe) < 0)
		msg_fatal("pipe: %m");
	rt->started = time(NULL);
	return rt;
}

struct engine *runtime_engine(struct runtime *rt)
{
	return rt->engine;
}

void runtime_tag_settings(struct runtime *rt, int *tag, char *header, size_t size)
{
	pthread_mutex_lock(&rt->tag_lock);
	*tag = rt->tag;
	snprintf(header, size, "%s", rt->tag_header);
	pthread_mutex_unlock(&rt->tag_lock);
}

void runtime_count_milter_session(struct runtime *rt)
{
	atomic_fetch_add(&rt->milter_sessions, 1);
}

/*
 * The metrics text.  The engine's part is copied under its lock; the
 * sinks' counters are the copy the sink thread keeps (at most 250 ms old).
 */
char *runtime_metrics(struct runtime *rt, size_t *len)
{
	struct metrics_snapshot *m = xcalloc(1, sizeof(*m));
	char *text;

	pthread_mutex_lock(&rt->lock);
	m->engine = *engine_stats(rt->engine);
	engine_counts(rt->engine, &m->corr);
	metrics_collect_relays(m, rt->engine);
	m->milter_sessions = atomic_load(&rt->milter_sessions);
	m->milter_errors = atomic_load(&rt->milter_errors);
	m->checks_dropped = rt->autocheck ? autocheck_dropped(rt->autocheck) : 0;
	pthread_mutex_unlock(&rt->lock);
	fold_stats(rt->fold, &m->fold);
	{
		struct alertq_stats q;

		alertq_stats(rt->queue, &q);
		m->queue_dropped = q.dropped;
	}
	pthread_mutex_lock(&rt->req_lock);
	memcpy(m->sinks, rt->sink_copy, sizeof(m->sinks));
	m->nsinks = rt->nsink_copy;
	pthread_mutex_unlock(&rt->req_lock);
	m->uptime = (long)(time(NULL) - rt->started);
	text = metrics_render(m, len);
	free(m);
	return text;
}

/* metrics_file, every METRICS_FILE_S seconds (from the sink thread). */
static void write_metrics_file(struct runtime *rt)
{
	char path[1100];
	time_t now = time(NULL);
	size_t len;
	char *text;

	if (now - rt->metrics_written < METRICS_FILE_S)
		return;
	rt->metrics_written = now;
	pthread_mutex_lock(&rt->lock);
	snprintf(path, sizeof(path), "%s", config_str(rt->cf, CF_METRICS_FILE));
	pthread_mutex_unlock(&rt->lock);
	if (path[0] == 0)
		return;
	text = runtime_metrics(rt, &len);
	if (metrics_write_file(path, text, len) < 0)
		msg_warn("cannot write metrics_file %s: %m", path);
	free(text);
}

void runtime_count_milter_error(struct runtime *rt)
{
	atomic_fetch_add(&rt->milter_errors, 1);
}

/* ---- the log thread ---- */

static void on_line(void *ctx, const char *line, size_t len)
{
	struct runtime *rt = ctx;

	/*
	 * A sink slower than the log: wait here, with no lock held, rather
	 * than let the queue drop alerts (milter threads never wait).
	 */
	while (!alertq_wait_room(rt->queue, ALERT_QUEUE_MAX / 2, ALERT_QUEUE_MAX / 4, 250) &&
	       !rt->stopping)
		;
	pthread_mutex_lock(&rt->lock);
	engine_line(rt->engine, line, len);
	pthread_mutex_unlock(&rt->lock);
}

static void on_overlong(void *ctx)
{
	struct runtime *rt = ctx;

	pthread_mutex_lock(&rt->lock);
	engine_count_overlong(rt->engine);
	pthread_mutex_unlock(&rt->lock);
}

#define JOURNAL_BATCH 1000 /* records between two saves of the cursor */

/*
 * log_source = journal: read on from the cursor saved in state_file (or
 * from the journal's end), save the cursor after every batch, as the file
 * follower saves its position, and wait for the journal to grow.
 */
static void journal_thread(struct runtime *rt)
{
	char err[600], cursor[JOURNAL_CURSOR_MAX];
	/* Copies: a reload (SIGUSR1) frees rt->cf; neither setting reloads. */
	char *src = xstrdup(config_str(rt->cf, CF_LOG_SOURCE)),
	     *state = xstrdup(config_str(rt->cf, CF_STATE_FILE));
	struct journal *j;
	int warned = 0;

	while ((j = journal_open(src, NULL, err, sizeof(err))) == NULL) {
		if (!warned++)
			msg_warn("%s; trying again every 5 s", err);
		struct pollfd p = { rt->stop_pipe[0], POLLIN, 0 };

		if (poll(&p, 1, 5000) > 0) {
			free(src);
			free(state);
			return;
		}
	}
	if (journal_seek(j, journal_cursor_load(state, cursor, sizeof(cursor)) == 0 ? cursor : NULL,
			 0, err, sizeof(err)) < 0)
		msg_warn("%s", err);
	while (!rt->stopping) {
		size_t n = journal_read(j, on_line, on_overlong, rt, JOURNAL_BATCH);

		if (n > 0 && journal_cursor_save(state, journal_cursor(j)) < 0)
			msg_warn("cannot save the journal cursor in %s: %m", state);
		pthread_mutex_lock(&rt->lock);
		engine_tick(rt->engine, time(NULL));
		pthread_mutex_unlock(&rt->lock);
		if (n == JOURNAL_BATCH)
			continue;
		if (journal_wait(j, rt->stop_pipe[0], LOG_POLL_MS))
			break;
	}
	journal_close(j);
	free(src);
	free(state);
}

static void *log_thread(void *arg)
{
	struct runtime *rt = arg;

	if (rt->follower == NULL) {
		journal_thread(rt);
		return NULL;
	}
	follower_start(rt->follower);
	while (!rt->stopping) {
		follower_read(rt->follower, on_line, on_overlong, rt);
		pthread_mutex_lock(&rt->lock);
		rt->follow_copy = *follower_stats(rt->follower);
		engine_tick(rt->engine, time(NULL));
		pthread_mutex_unlock(&rt->lock);
		if (follower_wait(rt->follower, rt->stop_pipe[0], LOG_POLL_MS))
			break;
	}
	return NULL;
}

/* ---- the sink thread ---- */

static void sink_stats_alert(struct runtime *rt)
{
	struct daemon_counters c;
	struct alert *a;
	size_t len;
	char *json;

	memset(&c, 0, sizeof(c));
	pthread_mutex_lock(&rt->lock);
	c.engine = *engine_stats(rt->engine);
	engine_counts(rt->engine, &c.corr);
	c.follow = rt->follow_copy;
	c.follow.state_save_failures += rt->pos_save_failures;
	c.milter_errors = atomic_load(&rt->milter_errors);
	pthread_mutex_unlock(&rt->lock);
	alertq_stats(rt->queue, &c.queue);
	fold_stats(rt->fold, &c.fold);
	c.nsinks = sinks_stats(rt->sinks, c.sinks, STATS_SINKS_MAX);
	c.uptime = (long)(time(NULL) - rt->started);
	a = stats_alert(&c);
	json = alert_render(a, &len);
	sinks_deliver(rt->sinks, json, len, SEV_INFO);
	free(json);
	alert_free(a);
}

static void sink_requests(struct runtime *rt)
{
	int stats, reopen;
	char *spec, *ident;
	int cee, facility;

	pthread_mutex_lock(&rt->req_lock);
	stats = rt->want_stats;
	reopen = rt->want_reopen;
	spec = rt->want_sinks;
	ident = rt->want_ident;
	cee = rt->want_cee;
	facility = rt->want_facility;
	rt->want_stats = rt->want_reopen = 0;
	rt->want_sinks = rt->want_ident = NULL;
	pthread_mutex_unlock(&rt->req_lock);
	if (spec) {
		struct sinks *ns = sinks_create(spec, ident, facility, cee);

		if (ns) {
			/* What the old sinks still hold goes to the new ones. */
			sinks_retry(rt->sinks);
			sinks_free(rt->sinks);
			rt->sinks = ns;
		}
		free(spec);
		free(ident);
	}
	if (reopen)
		sinks_reopen(rt->sinks);
	if (stats) {
		sink_stats_alert(rt);
		rt->metrics_written = 0; /* and metrics_file now */
	}
}

/*
 * Once a second: end fold's windows that are over, and say when the queue
 * had to drop alerts (counted in the stats and metrics too).
 */
static void sink_second(struct runtime *rt)
{
	time_t now = mono_now();
	struct alertq_stats q;

	if (now == rt->fold_ticked)
		return;
	rt->fold_ticked = now;
	fold_tick(rt->fold, now);
	alertq_stats(rt->queue, &q);
	if (q.dropped > rt->queue_dropped_said &&
	    (rt->queue_said == 0 || now - rt->queue_said >= QUEUE_WARN_S)) {
		msg_error("alert queue full (%d alerts waiting for the sinks): %lu alerts dropped "
			  "(%lu since start)",
			  ALERT_QUEUE_MAX, q.dropped - rt->queue_dropped_said, q.dropped);
		rt->queue_dropped_said = q.dropped;
		rt->queue_said = now;
	}
}

static void *sink_thread(void *arg)
{
	struct runtime *rt = arg;
	struct queued_alert qa;
	int rc;

	for (;;) {
		rc = alertq_pop(rt->queue, &qa, SINK_POLL_MS);
		if (rc > 0) {
			sinks_deliver(rt->sinks, qa.json, qa.len, qa.sev);
			free(qa.json);
			rt->delivered++;
		} else if (rc < 0) {
			break;
		} else {
			sinks_retry(rt->sinks);
		}
		save_position(rt);
		sink_requests(rt);
		sink_second(rt);
		pthread_mutex_lock(&rt->req_lock);
		rt->nsink_copy = sinks_stats(rt->sinks, rt->sink_copy, METRICS_SINKS_MAX);
		pthread_mutex_unlock(&rt->req_lock);
		write_metrics_file(rt);
	}
	save_position(rt);
	sink_requests(rt);
	rt->fold_ticked = 0;
	rt->queue_said = 0; /* the last drops are said in any case */
	sink_second(rt);
	if (sinks_retry(rt->sinks))
		msg_warn("stopping with alerts that no sink took");
	return NULL;
}

/* ---- the signal thread ---- */

static void runtime_reload(struct runtime *rt)
{
	struct config *cf = config_new();
	const char *path = rt->reload.config_path;
	size_t n;
	const struct config_def *d = config_table(&n);
	int problems = config_load(cf, &path, rt->reload.overrides, rt->reload.noverrides);
	if (problems) {
		msg_error("reload: %d problem%s in the configuration; keeping the running one",
			  problems, problems > 1 ? "s" : "");
		config_free(cf);
		return;
	}
	for (size_t k = 0; k < n; k++) {
		if (strcmp(config_str(cf, (enum config_key)k),
			   config_str(rt->cf, (enum config_key)k)) == 0)
			continue;
		if (!d[k].reloadable) {
			msg_warn("reload: %s cannot change while running (restart probewatch); "
				 "keeping %s",
				 d[k].name, config_str(rt->cf, (enum config_key)k));
			config_set(cf, d[k].name, config_str(rt->cf, (enum config_key)k), NULL);
		} else {
			msg_info("reload: %s = %s", d[k].name, config_str(cf, (enum config_key)k));
		}
	}
	pthread_mutex_lock(&rt->lock);
	engine_reconfigure(rt->engine, cf);
	pthread_mutex_unlock(&rt->lock);
	fold_configure(rt->fold, (unsigned)config_num(cf, CF_ALERT_FOLD_THRESHOLD),
		       config_num(cf, CF_ALERT_FOLD_WINDOW));
	configure_autocheck(rt, cf);
	pthread_mutex_lock(&rt->req_lock);
	free(rt->want_sinks);
	free(rt->want_ident);
	rt->want_sinks = xstrdup(config_str(cf, CF_ALERT_SINKS));
	rt->want_ident = xstrdup(config_str(cf, CF_SYSLOG_IDENT));
	rt->want_facility = (int)config_num(cf, CF_SYSLOG_FACILITY);
	rt->want_cee = (int)config_num(cf, CF_ALERT_CEE_COOKIE);
	rt->want_reopen = 1;
	pthread_mutex_unlock(&rt->req_lock);
	copy_tag_settings(rt, cf);
	pthread_mutex_lock(&rt->lock);
	config_free(rt->cf);
	rt->cf = cf;
	pthread_mutex_unlock(&rt->lock);
	msg_info("configuration reloaded");
}

static void *signal_thread(void *arg)
{
	struct runtime *rt = arg;
	sigset_t set;
	struct timespec tick = { 0, 200 * 1000000L };
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	while (!rt->stopping) {
		sig = sigtimedwait(&set, NULL, &tick);
		if (sig == SIGUSR1) {
			runtime_reload(rt);
		} else if (sig == SIGUSR2) {
			pthread_mutex_lock(&rt->req_lock);
			rt->want_stats = 1;
			pthread_mutex_unlock(&rt->req_lock);
		}
	}
	return NULL;
}

int runtime_start(struct runtime *rt)
{
	/* Its thread is created here, after the privilege drop, like the others. */
	pthread_mutex_lock(&rt->lock);
	rt->autocheck = autocheck_create(autocheck_alert, rt);
	configure_autocheck(rt, rt->cf);
	pthread_mutex_unlock(&rt->lock);
	if (pthread_create(&rt->sink_thread, NULL, sink_thread, rt) != 0)
		return -1;
	rt->threads = 1;
	if (pthread_create(&rt->log_thread, NULL, log_thread, rt) != 0)
		return -1;
	rt->threads = 2;
	if (pthread_create(&rt->signal_thread, NULL, signal_thread, rt) != 0)
		return -1;
	rt->threads = 3;
	return 0;
}

void runtime_stop(struct runtime *rt)
{
	rt->stopping = 1;
	if (write(rt->stop_pipe[1], "x", 1) < 0)
		msg_warn("cannot wake the log thread: %m");
	if (rt->threads >= 3)
		pthread_join(rt->signal_thread, NULL);
	if (rt->threads >= 2)
		pthread_join(rt->log_thread, NULL);
	/* No new suspicion can come now; a check under way ends within its limits. */
	pthread_mutex_lock(&rt->lock);
	struct autocheck *ac = rt->autocheck;
	rt->autocheck = NULL;
	pthread_mutex_unlock(&rt->lock);
	autocheck_free(ac);
	/* Rejects still waiting for their other half are reported alone. */
	pthread_mutex_lock(&rt->lock);
	engine_flush(rt->engine);
	pthread_mutex_unlock(&rt->lock);
	/* What was folded and not yet said: every summary, before the queue closes. */
	fold_flush(rt->fold);
	alertq_close(rt->queue);
	if (rt->threads >= 1)
		pthread_join(rt->sink_thread, NULL);
	rt->threads = 0;
}

void runtime_free(struct runtime *rt)
{
	if (rt == NULL)
		return;
	follower_free(rt->follower);
	engine_free(rt->engine);
	sinks_free(rt->sinks);
	alertq_free(rt->queue);
	fold_free(rt->fold);
	pthread_mutex_destroy(&rt->lock);
	pthread_mutex_destroy(&rt->req_lock);
	pthread_mutex_destroy(&rt->tag_lock);
	pthread_mutex_destroy(&rt->pos_lock);
	close(rt->stop_pipe[0]);
	close(rt->stop_pipe[1]);
	free(rt->want_sinks);
	free(rt->want_ident);
	free(rt->state_path);
	config_free(rt->cf);
	free(rt);
}
