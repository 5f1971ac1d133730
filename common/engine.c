/*
 * engine - parse, correlate, count (see engine.h).
 */
#include "engine.h"
#include "xmem.h"

#include <stdlib.h>
#include <string.h>

struct engine {
	struct pflog_parser *parser;
	char *timezone;
	struct corr *corr;
	engine_emit_fn emit;
	void *ctx;
	struct engine_stats stats;
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
	return e;
}

void engine_count_only(struct engine *e, int count_only)
{
	corr_set_count_only(e->corr, count_only);
}

void engine_free(struct engine *e)
{
	if (e) {
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

void engine_line(struct engine *e, const char *line, size_t len)
{
	struct pflog_event ev;

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

void engine_join_milter(struct engine *e, int grace)
{
	corr_set_join(e->corr, grace);
}

void engine_milter_reject(struct engine *e, const struct reject_info *r)
{
	corr_milter_reject(e->corr, r);
}

void engine_tick(struct engine *e, time_t now)
{
	corr_tick(e->corr, now);
}

void engine_flush(struct engine *e)
{
	corr_tick(e->corr, (time_t)1 << 40);
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

const struct corr *engine_corr(const struct engine *e)
{
	return e->corr;
}
