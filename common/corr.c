/*
 * corr - the correlator (see corr.h).
 *
 * Flow of one probe:  qmgr "from=" (sender) -> [smtp "discarding EHLO
 * keywords"] -> [smtp intermediate "lost connection"] -> status line with
 * status=deliverable|undeliverable -> verdict, alerts -> later smtpd
 * "unverified address" rejects are linked to it by recipient and reason.
 *
 * This file holds the decisions and the order they are taken in; the
 * tables it asks are probes, verdicts, relay and pending, the link is
 * corr_link's, and the alerts are corr_alert's.  Nothing below calls back.
 */
#include "corr.h"
#include "corr_alert.h"
#include "corr_link.h"
#include "diag.h"
#include "pwlimits.h"
#include "pending.h"
#include "probes.h"
#include "recent.h"
#include "verdicts.h"
#include "xmem.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CORR_CLASSIFY_MEMO 512 /* reasons longer than this are classified each time */

struct corr {
	struct corr_params p;
	corr_emit_fn emit;
	void *ctx;
	struct alert_cache *alerts; /* encodings and memory reused from alert to alert */
	int count_only;             /* name the events, build no alerts */
	/* The last reason classified: a failure repeats its text line after line. */
	char memo_reason[CORR_CLASSIFY_MEMO];
	size_t memo_len; /* 0: none */
	struct classification memo_cls;
	struct probes *probes;
	struct verdicts *verdicts;
	struct recent_failures *recent; /* failed probes, for refusals whose verdict is gone */
	struct relay_table *relays;
	struct pending *pending;
	time_t last_expire;
	unsigned long probes_seen, probe_failures, rejects, milter_rejects, sender_rejects;
	unsigned long failures_by[FC_COUNT][ST_COUNT]; /* probes, by class and stage */
	unsigned long refused_by[2][FC_COUNT];         /* [sender?][class] of refusals */
	int join_grace; /* seconds a reject waits for its other half; 0: none */
};

struct corr *corr_create(const struct corr_params *p, corr_emit_fn emit, void *ctx)
{
	struct corr *c = xcalloc(1, sizeof(*c));

	c->p = *p;
	c->emit = emit;
	c->ctx = ctx;
	c->probes = probes_create(p->max_entries);
	c->verdicts = verdicts_create(p->max_entries);
	c->recent = recent_create();
	c->relays = relay_table_create(p->max_entries);
	c->pending = pending_create();
	c->alerts = alert_cache_create();
	return c;
}

void corr_set_params(struct corr *c, const struct corr_params *p)
{
	c->p = *p;
	probes_set_limit(c->probes, p->max_entries);
	verdicts_set_limit(c->verdicts, p->max_entries);
	relay_table_set_limit(c->relays, p->max_entries);
}

void corr_free(struct corr *c)
{
	if (c == NULL)
		return;
	probes_free(c->probes);
	verdicts_free(c->verdicts);
	recent_free(c->recent);
	relay_table_free(c->relays);
	pending_free(c->pending);
	alert_cache_free(c->alerts);
	free(c);
}

void corr_set_count_only(struct corr *c, int count_only)
{
	c->count_only = count_only;
}

void corr_set_join(struct corr *c, int grace)
{
	c->join_grace = grace;
}

/* classify_reason(), remembering the last answer. */
static void corr_classify(struct corr *c, const char *reason, size_t len,
			  struct classification *out)
{
	if (len && len == c->memo_len && memcmp(reason, c->memo_reason, len) == 0) {
		*out = c->memo_cls;
		return;
	}
	classify_reason(reason, len, out);
	if (len && len <= CORR_CLASSIFY_MEMO) {
		memcpy(c->memo_reason, reason, len);
		c->memo_len = len;
		c->memo_cls = *out;
	}
}

/* Hand one alert (NULL: only counted) to the callback and free it. */
static void corr_emit(struct corr *c, const char *event, struct alert *a)
{
	c->emit(c->ctx, event, a);
	alert_free(a);
}

static void corr_expire(struct corr *c, time_t now)
{
	if (now - c->last_expire < 60)
		return;
	c->last_expire = now;
	probes_expire(c->probes, now);
	verdicts_expire(c->verdicts, now - c->p.max_age);
}

/* ---- probes ---- */

/*
 * The relay a probe went to: relay=host[addr]:port, or the server its
 * reason names.  *name is what the verdict calls it when there is no relay.
 */
static struct relay *probe_relay(struct corr *c, const struct pflog_event *ev, struct pf_str *name)
{
	const char *host, *addr;
	size_t hlen, alen;
	int port;

	if (ev->relay.kind == PFR_NET) {
		host = ev->relay.host.p;
		hlen = ev->relay.host.len;
		addr = ev->relay.addr.p;
		alen = ev->relay.addr.len;
		port = ev->relay.port;
	} else if (!classify_server(ev->reason.p, ev->reason.len, &host, &hlen, &addr, &alen,
				    &port)) {
		*name = ev->relay.name;
		return NULL;
	}
	struct relay *r = relay_get(c->relays, ev->host.p, ev->host.len, host, hlen, addr, alen,
				    port, &ev->time);

	relay_note_transport(r, ev->program.p, ev->program.len);
	return r;
}

/* A pipelining symptom on r: the window says whether an alert is due. */
static void corr_symptom(struct corr *c, struct relay *r, const struct pflog_event *ev,
			 const char *rcpt)
{
	struct relay_window w;

	if (relay_note_symptom(r, ev->time.sec, rcpt, rcpt ? strlen(rcpt) : 0,
			       c->p.pipelining_threshold, c->p.pipelining_window, &w))
		corr_emit(c, "pipelining_suspected",
			  c->count_only ? NULL
					: corr_alert_pipelining(c->alerts, r, ev, &w,
								c->p.pipelining_window));
}

/* Intermediate failures logged before the final status line. */
static void corr_replay_attempts(struct corr *c, struct probe_queue *q,
				 const struct pflog_event *ev, const char *rcpt)
{
	for (int i = 0; i < q->nattempts; i++) {
		struct probe_attempt *a = &q->attempt[i];
		struct relay *r =
			relay_get(c->relays, ev->host.p, ev->host.len, a->host, strlen(a->host),
				  a->addr, strlen(a->addr), 0, &ev->time);

		relay_count_probe(r, &a->cls, &ev->time);
		if (a->pipelined && classify_is_pipelining_symptom(&a->cls))
			corr_symptom(c, r, ev, rcpt);
	}
}

static void corr_delivery(struct corr *c, const struct pflog_event *ev)
{
	int pipelined = probes_pipelined(c->probes, ev, 1);
	struct probe_verdict *v, t;
	struct probe_queue *q;
	struct relay *r;
	struct pf_str name = { NULL, 0 };
	struct verdict_str f[10];
	size_t nf = 0;

	/* Only probes (and sendmail -bv) end deliverable or undeliverable. */
	if (!pflog_status_is_probe(ev->status))
		return;
	c->probes_seen++;
	memset(&t, 0, sizeof(t));
	t.conn_use = ev->conn_use;
	t.when = ev->time;
	t.pipelined = pipelined;
	f[nf++] = (struct verdict_str){ ev->queue_id, PW_QUEUE_ID_MAX, &t.queue_id };
	f[nf++] = (struct verdict_str){ ev->to, PW_ADDR_MAX, &t.to };
	if (ev->orig_to.p)
		f[nf++] = (struct verdict_str){ ev->orig_to, PW_ADDR_MAX, &t.orig_to };
	f[nf++] = (struct verdict_str){ ev->host, PW_HOST_MAX, &t.syslog_host };
	f[nf++] = (struct verdict_str){ ev->dsn, PW_DSN_MAX, &t.dsn };
	f[nf++] = (struct verdict_str){ ev->status_word, PW_STATUS_MAX, &t.status };
	f[nf++] = (struct verdict_str){ ev->reason, PW_REASON_MAX, &t.reason };
	if ((q = probes_find(c->probes, ev->host, ev->queue_id)) != NULL) {
		f[nf++] = (struct verdict_str){ { q->sender, 0 }, 0, &t.from };
		t.source = q->from_pickup ? PROBE_SOURCE_SENDMAIL_BV : PROBE_SOURCE_VERIFY;
	}
	if (ev->status == PST_DELIVERABLE)
		classify_success(ev->reason.p, ev->reason.len, &t.cls);
	else
		corr_classify(c, ev->reason.p, ev->reason.len, &t.cls);
	r = probe_relay(c, ev, &name);
	if (r) {
		f[nf++] = (struct verdict_str){ { r->host, 0 }, 0, &t.relay_host };
		f[nf++] = (struct verdict_str){ { r->addr, 0 }, 0, &t.relay_addr };
		t.relay_port = r->port;
	} else if (name.p) {
		f[nf++] = (struct verdict_str){ name, PW_HOST_MAX, &t.relay_host };
	}
	/*
	 * Kept when only counting too: the summary counts the refusals each
	 * relay's probes caused, and a refusal finds its probe through it.
	 */
	v = verdict_build(f, nf, &t);
	if (r)
		relay_count_probe(r, &v->cls, &ev->time);
	/* The probe's own connection pipelined and died at MAIL or RCPT. */
	v->pipelining_symptom =
		r && pipelined && !v->cls.suspended && classify_is_pipelining_symptom(&v->cls);
	if (v->cls.cls != FC_NONE) {
		c->probe_failures++;
		c->failures_by[v->cls.cls][v->cls.stage]++;
		corr_emit(c, corr_probe_event(v),
			  c->count_only ? NULL
					: corr_alert_probe(c->alerts, v,
							   v->pipelining_symptom ? "pipelined_quit"
										 : NULL));
		recent_add(c->recent, v);
	}
	if (q)
		corr_replay_attempts(c, q, ev, c->count_only ? NULL : v->to);
	if (v->pipelining_symptom)
		corr_symptom(c, r, ev, c->count_only ? NULL : v->to);
	if (v->cls.cls == FC_NONE && r) {
		unsigned long previous;

		if (relay_note_success(r, ev->time.sec, pipelined, c->p.pipelining_window,
				       &previous))
			corr_emit(c, "relay_recovered",
				  c->count_only ? NULL
						: corr_alert_recovered(
							  c->alerts, r, ev, previous,
							  pipelined ? "window_clean"
								    : "pipelining_discarded"));
	}
	verdicts_enter(c->verdicts, v);
}

static void corr_attempt(struct corr *c, const struct pflog_event *ev)
{
	struct probe_attempt *a = probes_attempt(c->probes, ev);

	if (a)
		corr_classify(c, ev->reason.p, ev->reason.len, &a->cls);
}

/* ---- rejects ---- */

/* Count a refusal on the relay of the probe it was linked to. */
static void count_on_relay(struct corr *c, const struct reject_info *r, struct probe_verdict *v)
{
	struct pf_str addr = corr_verified_address(r);
	struct relay *rl;
	int new_probe = r->sender && !v->sender_probe;

	if (v->relay_host == NULL || v->relay_addr == NULL)
		return;
	rl = relay_get(c->relays, v->syslog_host, strlen(v->syslog_host), v->relay_host,
		       strlen(v->relay_host), v->relay_addr, strlen(v->relay_addr), v->relay_port,
		       &r->when);
	relay_count_reject(rl, r->sender, addr.p, addr.len, new_probe, &r->when);
	if (new_probe) {
		v->sender_probe = 1;
		recent_mark_sender(c->recent, v->syslog_host, v->queue_id);
	}
}

static void reject_emit(struct corr *c, const struct reject_info *r)
{
	struct classification cls;
	struct probe_verdict *scratch = NULL;
	struct probe_verdict *linked;
	int reason_only = 0;

	corr_classify(c, r->reason.p, r->reason.len, &cls);
	c->refused_by[r->sender != 0][cls.cls]++;
	linked = cls.cls == FC_IN_PROGRESS
			 ? NULL
			 : corr_link(c->verdicts, c->recent, r, &scratch, &reason_only);
	if (linked)
		count_on_relay(c, r, linked);
	/* Only counting (--summary): nothing will read an alert, none is built. */
	corr_emit(c, r->sender ? "sender_rejected" : "recipient_rejected",
		  c->count_only ? NULL
				: corr_alert_reject(c->alerts, r, &cls, linked, reason_only));
	free(scratch);
}

/* Report a copy that leaves the waiting table alone, and free it. */
static void reject_emit_copy(struct corr *c, struct reject_copy *w)
{
	if (w) {
		reject_emit(c, &w->r);
		reject_copy_free(w);
	}
}

/*
 * One half arrives: join it with a waiting other half, or let it wait.
 * own is r's own copy when it has one (the milter's), else NULL.
 */
static void reject_arrive(struct corr *c, const struct reject_info *r, struct reject_copy *own,
			  time_t arrived)
{
	struct reject_info merged;
	struct reject_copy *o;

	/* Postfix never shows a milter a sender refused at MAIL: no half to wait for. */
	if (c->join_grace <= 0 || r->at_mail) {
		reject_emit(c, r);
		reject_copy_free(own);
		return;
	}
	if ((o = pending_take_partner(c->pending, r)) != NULL) {
		if (r->from_log)
			reject_merge(&merged, r, &o->r);
		else
			reject_merge(&merged, &o->r, r);
		reject_emit(c, &merged);
		reject_copy_free(o);
		reject_copy_free(own);
		return;
	}
	if (own == NULL && (own = reject_copy_new(r)) == NULL)
		msg_fatal("out of memory keeping a reject");
	reject_emit_copy(c, pending_add(c->pending, own, arrived + c->join_grace));
}

static void corr_reject_log(struct corr *c, const struct pflog_event *ev)
{
	struct reject_info r;

	reject_from_event(&r, ev);
	if (r.sender)
		c->sender_rejects++;
	else
		c->rejects++;
	reject_arrive(c, &r, NULL, time(NULL));
}

void corr_milter_reject(struct corr *c, struct reject_copy *m)
{
	m->r.from_milter = 1;
	m->r.from_log = 0;
	m->r.at_mail = 0; /* the milter is not told of refusals at MAIL */
	c->milter_rejects++;
	reject_arrive(c, &m->r, m, m->arrived);
}

void corr_tick(struct corr *c, time_t now)
{
	struct reject_copy *w;

	while ((w = pending_take_due(c->pending, now)) != NULL)
		reject_emit_copy(c, w);
}

/* ---- events ---- */

void corr_event(struct corr *c, const struct pflog_event *ev)
{
	struct probe_queue *q;

	corr_expire(c, ev->time.sec);
	switch (ev->kind) {
	case PFE_QUEUE_ACTIVE:
	case PFE_PICKUP:
		q = probes_enter(c->probes, ev->host, ev->queue_id, ev->from, ev->time.sec);
		if (ev->kind == PFE_PICKUP)
			q->from_pickup = 1;
		break;
	case PFE_REMOVED:
		probes_remove(c->probes, ev->host, ev->queue_id);
		break;
	case PFE_DELIVERY:
		corr_delivery(c, ev);
		break;
	case PFE_ATTEMPT:
		corr_attempt(c, ev);
		break;
	case PFE_DISCARD_EHLO:
		probes_discard_ehlo(c->probes, ev);
		break;
	case PFE_REJECT:
		corr_reject_log(c, ev);
		break;
	default:
		break;
	}
}

/* ---- what others ask ---- */

size_t corr_read_verdict(struct corr *c, const char *addr, size_t len,
			 size_t (*fn)(const struct probe_verdict *v, void *ctx), void *ctx)
{
	return verdicts_read(c->verdicts, addr, len, fn, ctx);
}

const struct relay_table *corr_relays(const struct corr *c)
{
	return c->relays;
}

void corr_counts(const struct corr *c, struct corr_counts *out)
{
	unsigned long dropped;

	probes_counts(c->probes, &out->queue_ids, &out->processes, &dropped);
	out->recipients = verdicts_count(c->verdicts);
	out->relays = relay_table_count(c->relays);
	out->dropped = dropped + verdicts_dropped(c->verdicts) + relay_table_dropped(c->relays);
	out->probes = c->probes_seen;
	out->probe_failures = c->probe_failures;
	out->rejects = c->rejects;
	out->milter_rejects = c->milter_rejects;
	out->sender_rejects = c->sender_rejects;
	memcpy(out->failures_by, c->failures_by, sizeof(out->failures_by));
	memcpy(out->refused_by, c->refused_by, sizeof(out->refused_by));
}
