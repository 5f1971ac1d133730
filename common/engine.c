/*
 * engine - parse, correlate, count; the milter's inbox (see engine.h).
 */
#include "engine.h"
#include "pflog.h"
#include "corr.h"
#include "xmem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ENGINE_INBOX_MAX 1024 /* milter rejects waiting for the log side */

struct engine {
	struct pflog_parser *parser;
	char *timezone;
	struct corr *corr;
	engine_emit_fn emit;
	void *ctx;
	struct engine_stats stats;
	/* the milter side */
	int threaded;
	atomic_int join_grace;  /* set by the milter, applied by the log side */
	int join_applied;       /* what corr was told */
	atomic_int inbox_count; /* a look without the lock */
	atomic_ulong milter_dropped;
	pthread_mutex_t inbox_lock; /* held only to push or take the pointers */
	struct reject_copy *inbox[ENGINE_INBOX_MAX];
	size_t ninbox;
};

static const char *const engine_alert_names[EA_COUNT] = {
	"probe_failed",
	"probe_suspect_success",
	"recipient_rejected",
	"pipelining_suspected",
	"relay_recovered",
	"sender_rejected",
	"other",
};

const char *engine_alert_kind_name(enum engine_alert_kind k)
{
	return (unsigned)k < EA_COUNT ? engine_alert_names[k] : "other";
}

const char *engine_event_kind_name(enum pflog_kind k)
{
	return pflog_kind_name(k);
}

static void engine_emit(void *ctx, const char *event, struct alert *a)
{
	struct engine *e = ctx;
	int k;

	for (k = 0; k < EA_OTHER; k++)
		if (strcmp(engine_alert_names[k], event) == 0)
			break;
	e->stats.alerts[k]++;
	if (a)
		e->emit(e->ctx, a);
}

static void engine_params(const struct config *cf, struct corr_params *p)
{
	p->pipelining_threshold = (unsigned)config_num(cf, CF_PIPELINING_THRESHOLD);
	p->pipelining_window = config_num(cf, CF_PIPELINING_WINDOW);
	p->max_entries = (size_t)config_num(cf, CF_STATE_MAX_ENTRIES);
	p->max_age = config_num(cf, CF_STATE_MAX_AGE);
}

struct engine *engine_create(const struct config *cf, engine_emit_fn emit, void *ctx)
{
	struct engine *e = xcalloc(1, sizeof(*e));
	struct corr_params p;

	engine_params(cf, &p);
	e->timezone = xstrdup(config_str(cf, CF_LOG_TIMEZONE));
	e->parser = pflog_parser_create(e->timezone);
	e->corr = corr_create(&p, engine_emit, e);
	e->emit = emit;
	e->ctx = ctx;
	pthread_mutex_init(&e->inbox_lock, NULL);
	return e;
}

void engine_count_only(struct engine *e, int count_only)
{
	corr_set_count_only(e->corr, count_only);
}

void engine_free(struct engine *e)
{
	if (e) {
		for (size_t i = 0; i < e->ninbox; i++)
			reject_copy_free(e->inbox[i]);
		pthread_mutex_destroy(&e->inbox_lock);
		pflog_parser_free(e->parser);
		corr_free(e->corr);
		free(e->timezone);
		free(e);
	}
}

void engine_reconfigure(struct engine *e, const struct config *cf)
{
	struct corr_params p;
	const char *tz = config_str(cf, CF_LOG_TIMEZONE);

	engine_params(cf, &p);
	corr_set_params(e->corr, &p);
	if (strcmp(tz, e->timezone) != 0) {
		/* A new zone: a new clock, which keeps the year it had reached. */
		time_t newest = pfclock_newest(pflog_parser_clock(e->parser));

		pflog_parser_free(e->parser);
		e->parser = pflog_parser_create(tz);
		pfclock_set_reference(pflog_parser_clock(e->parser), newest);
		free(e->timezone);
		e->timezone = xstrdup(tz);
	}
}

void engine_set_reference(struct engine *e, time_t ref)
{
	pfclock_set_reference(pflog_parser_clock(e->parser), ref);
}

/* ---- the milter side ---- */

void engine_set_threaded(struct engine *e, int threaded)
{
	e->threaded = threaded;
}

void engine_join_milter(struct engine *e, int grace)
{
	atomic_store_explicit(&e->join_grace, grace, memory_order_relaxed);
	if (!e->threaded)
		corr_set_join(e->corr, e->join_applied = grace);
}

/*
 * The log side takes in what the milter handed over: the join setting,
 * then the waiting rejects, in their order.
 */
static void engine_take_milter(struct engine *e)
{
	struct reject_copy *got[ENGINE_INBOX_MAX];
	size_t n;
	int grace = atomic_load_explicit(&e->join_grace, memory_order_relaxed);

	if (grace != e->join_applied)
		corr_set_join(e->corr, e->join_applied = grace);
	e->stats.milter_dropped = atomic_load_explicit(&e->milter_dropped, memory_order_relaxed);
	if (atomic_load_explicit(&e->inbox_count, memory_order_acquire) == 0)
		return;
	pthread_mutex_lock(&e->inbox_lock);
	n = e->ninbox;
	memcpy(got, e->inbox, n * sizeof(got[0]));
	e->ninbox = 0;
	atomic_store_explicit(&e->inbox_count, 0, memory_order_relaxed);
	pthread_mutex_unlock(&e->inbox_lock);
	for (size_t i = 0; i < n; i++)
		corr_milter_reject(e->corr, got[i]);
}

int engine_milter_reject(struct engine *e, const struct reject_info *r)
{
	struct reject_copy *c = reject_copy_new(r);
	int full;

	if (c == NULL) {
		atomic_fetch_add_explicit(&e->milter_dropped, 1, memory_order_relaxed);
		if (!e->threaded)
			e->stats.milter_dropped++;
		return -1;
	}
	c->arrived = time(NULL);
	if (!e->threaded) {
		corr_milter_reject(e->corr, c);
		return 0;
	}
	pthread_mutex_lock(&e->inbox_lock);
	full = e->ninbox == ENGINE_INBOX_MAX;
	if (!full) {
		e->inbox[e->ninbox++] = c;
		atomic_store_explicit(&e->inbox_count, (int)e->ninbox, memory_order_release);
	}
	pthread_mutex_unlock(&e->inbox_lock);
	if (full) {
		reject_copy_free(c);
		atomic_fetch_add_explicit(&e->milter_dropped, 1, memory_order_relaxed);
		return -1;
	}
	return 0;
}

size_t engine_tag_append(char *out, size_t at, size_t size, const char *src)
{
	for (; *src && at + 1 < size; src++, at++)
		out[at] = (*src >= 0x20 && *src < 0x7f) ? *src : '?';
	out[at] = 0;
	return at;
}

struct tag_request {
	const char *label, *addr;
	char *out;
	size_t size;
};

/* "[sender ]addr class/stage via host[ip]; probe=QID", under the verdicts' lock. */
static size_t tag_of(const struct probe_verdict *v, void *ctx)
{
	struct tag_request *q = ctx;
	const char *stage;
	char *one = q->out;
	size_t size = q->size, n;

	one[0] = 0;
	if (v == NULL || v->cls.cls == FC_NONE || v->cls.cls == FC_IN_PROGRESS)
		return 0;
	stage = smtp_stage_name(v->cls.stage);
	n = engine_tag_append(one, 0, size, q->label);
	n = engine_tag_append(one, n, size, q->addr);
	n = engine_tag_append(one, n, size, " ");
	n = engine_tag_append(one, n, size, failure_class_name(v->cls.cls));
	if (stage) {
		n = engine_tag_append(one, n, size, "/");
		n = engine_tag_append(one, n, size, stage);
	}
	if (v->relay_host) {
		n = engine_tag_append(one, n, size, " via ");
		n = engine_tag_append(one, n, size, v->relay_host);
		if (v->relay_addr) {
			n = engine_tag_append(one, n, size, "[");
			n = engine_tag_append(one, n, size, v->relay_addr);
			n = engine_tag_append(one, n, size, "]");
		}
	}
	n = engine_tag_append(one, n, size, "; probe=");
	return engine_tag_append(one, n, size, v->queue_id);
}

size_t engine_tag_entry(struct engine *e, const char *label, const char *addr, char *out,
			size_t size)
{
	struct tag_request q = { label, addr, out, size };

	return corr_read_verdict(e->corr, addr, strlen(addr), tag_of, &q);
}

/* ---- the log side ---- */

void engine_line(struct engine *e, const char *line, size_t len)
{
	struct pflog_event ev;

	/* Unthreaded, the milter's calls were taken in at once: nothing waits. */
	if (e->threaded)
		engine_take_milter(e);
	e->stats.lines++;
	e->stats.bytes += len + 1;
	switch (pflog_parse(e->parser, line, len, &ev)) {
	case PFLOG_MALFORMED:
		e->stats.malformed++;
		break;
	case PFLOG_FOREIGN:
		e->stats.foreign++;
		break;
	case PFLOG_IGNORED:
		e->stats.ignored++;
		break;
	case PFLOG_EVENT:
		e->stats.events[ev.kind]++;
		corr_event(e->corr, &ev);
		break;
	}
}

void engine_tick(struct engine *e, time_t now)
{
	if (e->threaded)
		engine_take_milter(e);
	corr_tick(e->corr, now);
}

void engine_flush(struct engine *e)
{
	engine_tick(e, (time_t)1 << 40);
}

void engine_count_overlong(struct engine *e)
{
	e->stats.lines++;
	e->stats.overlong++;
}

const struct engine_stats *engine_stats(const struct engine *e)
{
	return &e->stats;
}

void engine_counts(const struct engine *e, struct corr_counts *out)
{
	corr_counts(e->corr, out);
}

void engine_relay_walk(const struct engine *e, relay_walk_fn fn, void *ctx)
{
	relay_walk(corr_relays(e->corr), fn, ctx);
}

const struct relay **engine_relay_list(const struct engine *e,
				       int (*cmp)(const void *, const void *), size_t *n)
{
	return relay_table_list(corr_relays(e->corr), cmp, n);
}
