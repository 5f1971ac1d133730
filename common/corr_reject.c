/*
 * corr_reject - rejected recipients and refused senders: linked to the
 * probe that caused them, and, in the daemon, joined with what the milter
 * saw of the same RCPT.  A refused sender is linked through the sender's
 * address (the probe went to the sender's domain) and counted on the
 * probe's relay apart from refused recipients.
 *
 * smtpd logs "reject: RCPT ... unverified address: REASON" and, with
 * SMFIP_RCPT_REJ, hands the same RCPT to the milter; the two arrive in
 * either order, milliseconds apart.  With a join grace set, each half
 * waits for the other (matched by recipient, client address and reason)
 * and one alert carries both; a half whose partner does not come within
 * the grace is reported alone.
 */
#include "corr_alert.h"
#include "corr_int.h"
#include "xmem.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int same_host(const char *name, struct pf_str host)
{
	size_t n = host.len > 255 ? 255 : host.len;

	return strlen(name) == n && memcmp(name, host.p, n) == 0;
}

/* The address that was verified: the recipient, or the refused sender. */
static struct pf_str verified_address(const struct reject_info *r)
{
	return r->sender ? r->from : r->rcpt;
}

/*
 * The probe a refusal came from: this address's verdict, with the same
 * MTA and reason; else a recent failure with that reason, of this
 * address (to= or orig_to=: the verdict was replaced, dropped, or is
 * kept under the rewritten address) or, *reason_only set, of another
 * address (this one's probe is no longer remembered at all: a guess the
 * alert must admit).
 */
static struct probe_verdict *link_reject(struct corr *c, const struct reject_info *r,
					 struct probe_verdict **scratch, int *reason_only)
{
	char key[CORR_KEY_MAX];
	struct pf_str addr = verified_address(r);
	struct probe_verdict *v = htab_find(c->rcpt, key, corr_rcpt_key(key, addr.p, addr.len));
	struct recent_probe *p;
	enum recent_match m;

	if (v && v->cls.cls != FC_NONE && (r->from_milter || same_host(v->syslog_host, r->host)) &&
	    recent_reason_matches(v->reason, r->reason))
		return v;
	p = recent_find(c->recent, r->from_milter ? NULL : &r->host, addr, r->reason, &m);
	if (p == NULL)
		return NULL;
	*reason_only = m == RECENT_REASON_ONLY;
	v = htab_find(c->rcpt, key, corr_rcpt_key(key, p->to, strlen(p->to)));
	if (v && strcmp(v->queue_id, p->queue_id) == 0)
		return v;
	/* The verdict was replaced or expired: what the ring kept of the probe. */
	*scratch = recent_verdict(p);
	return *scratch;
}

/* Count a refusal on the relay of the probe it was linked to. */
static void count_on_relay(struct corr *c, const struct reject_info *r, struct probe_verdict *v)
{
	struct pf_str addr = verified_address(r);
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
	linked = cls.cls == FC_IN_PROGRESS ? NULL : link_reject(c, r, &scratch, &reason_only);
	if (linked)
		count_on_relay(c, r, linked);
	/* Only counting (--summary): nothing will read an alert, none is built. */
	corr_emit(c, r->sender ? "sender_rejected" : "recipient_rejected",
		  c->count_only ? NULL
				: corr_alert_reject(c->alerts, r, &cls, linked, reason_only));
	if (scratch)
		corr_verdict_free(scratch);
}

static int same_address(struct pf_str a, struct pf_str b)
{
	if (a.len != b.len)
		return 0;
	for (size_t i = 0; i < a.len; i++)
		if (tolower((unsigned char)a.p[i]) != tolower((unsigned char)b.p[i]))
			return 0;
	return 1;
}

/*
 * Same RCPT, same client, same reason (one side may be cut at 250
 * characters); for a refused sender, the same sender too.
 */
static int reject_same(const struct reject_info *a, const struct reject_info *b)
{
	size_t n = a->reason.len < b->reason.len ? a->reason.len : b->reason.len;

	if (a->sender != b->sender || !same_address(a->rcpt, b->rcpt) ||
	    (a->sender && !same_address(a->from, b->from)) ||
	    a->client_addr.len != b->client_addr.len || n == 0)
		return 0;
	return memcmp(a->client_addr.p, b->client_addr.p, a->client_addr.len) == 0 &&
	       memcmp(a->reason.p, b->reason.p, n) == 0 &&
	       (a->reason.len == b->reason.len || n >= 200);
}

/* The log's half and the milter's half: the log knows the code, the milter the session. */
static void reject_merge(struct reject_info *out, const struct reject_info *log,
			 const struct reject_info *milter)
{
	*out = *log;
	out->from_milter = 1;
	out->daemon_name = milter->daemon_name;
	if (PF_STR_EQ(log->queue_id, "NOQUEUE") && milter->queue_id.len)
		out->queue_id = milter->queue_id;
	if (log->helo.len == 0)
		out->helo = milter->helo;
	if (log->client_host.len == 0)
		out->client_host = milter->client_host;
}

static void pending_add(struct corr *c, const struct reject_info *r, time_t deadline)
{
	const struct pf_str *fields[] = { &r->host,        &r->queue_id, &r->client_host,
					  &r->client_addr, &r->helo,     &r->from,
					  &r->rcpt,        &r->enhanced, &r->reason,
					  &r->daemon_name };
	size_t nf = sizeof(fields) / sizeof(fields[0]), total = 0;
	struct pending_reject *p;
	char *b;

	if (c->npending == CORR_JOIN_MAX) {
		/* Full: the oldest stops waiting. */
		reject_emit(c, &c->pending[0].r);
		free(c->pending[0].buf);
		memmove(&c->pending[0], &c->pending[1],
			(CORR_JOIN_MAX - 1) * sizeof(c->pending[0]));
		c->npending--;
	}
	p = &c->pending[c->npending++];
	p->r = *r;
	p->deadline = deadline;
	for (size_t i = 0; i < nf; i++)
		total += fields[i]->len > 1000 ? 1000 : fields[i]->len;
	b = p->buf = xmalloc(total + 1);
	/* The copy's fields point into buf, in the same order. */
	struct pf_str *dst[] = { &p->r.host,        &p->r.queue_id, &p->r.client_host,
				 &p->r.client_addr, &p->r.helo,     &p->r.from,
				 &p->r.rcpt,        &p->r.enhanced, &p->r.reason,
				 &p->r.daemon_name };
	for (size_t i = 0; i < nf; i++) {
		size_t n = fields[i]->len > 1000 ? 1000 : fields[i]->len;

		if (n)
			memcpy(b, fields[i]->p, n);
		dst[i]->p = b;
		dst[i]->len = n;
		b += n;
	}
}

static void pending_remove(struct corr *c, size_t i)
{
	free(c->pending[i].buf);
	memmove(&c->pending[i], &c->pending[i + 1], (c->npending - i - 1) * sizeof(c->pending[0]));
	c->npending--;
}

/* One half arrives: join it with a waiting other half, or let it wait. */
static void reject_arrive(struct corr *c, const struct reject_info *r)
{
	struct reject_info merged;

	/* Postfix never shows a milter a sender refused at MAIL: no half to wait for. */
	if (c->join_grace <= 0 || r->at_mail) {
		reject_emit(c, r);
		return;
	}
	for (size_t i = 0; i < c->npending; i++) {
		const struct reject_info *o = &c->pending[i].r;

		if (o->from_log == r->from_log || !reject_same(o, r))
			continue;
		if (r->from_log)
			reject_merge(&merged, r, o);
		else
			reject_merge(&merged, o, r);
		reject_emit(c, &merged);
		pending_remove(c, i);
		return;
	}
	pending_add(c, r, time(NULL) + c->join_grace);
}

void corr_reject_log(struct corr *c, const struct pflog_event *ev)
{
	struct reject_info r;

	memset(&r, 0, sizeof(r));
	r.when = ev->time;
	r.host = ev->host;
	r.queue_id = ev->queue_id;
	r.client_host = ev->client_host;
	r.client_addr = ev->client_addr;
	r.helo = ev->helo;
	r.from = ev->from;
	r.rcpt = ev->rcpt;
	r.enhanced = ev->enhanced;
	r.reason = ev->reason;
	r.code = ev->code;
	r.reject_warning = ev->reject_warning;
	r.from_log = 1;
	if (ev->sender_reject) {
		/* The reply names the sender; the recipient is the envelope's to=. */
		r.sender = 1;
		r.at_mail = ev->reject_at_mail;
		r.from = ev->rcpt;
		r.rcpt = ev->to;
		c->sender_rejects++;
	} else {
		c->rejects++;
	}
	reject_arrive(c, &r);
}

void corr_milter_reject(struct corr *c, const struct reject_info *r)
{
	struct reject_info m = *r;

	m.from_milter = 1;
	m.from_log = 0;
	m.at_mail = 0; /* the milter is not told of refusals at MAIL */
	c->milter_rejects++;
	reject_arrive(c, &m);
}

void corr_set_join(struct corr *c, int grace)
{
	c->join_grace = grace;
}

void corr_tick(struct corr *c, time_t now)
{
	for (size_t i = 0; i < c->npending;) {
		if (c->pending[i].deadline <= now) {
			reject_emit(c, &c->pending[i].r);
			pending_remove(c, i);
		} else {
			i++;
		}
	}
}

void corr_pending_free(struct corr *c)
{
	while (c->npending)
		pending_remove(c, c->npending - 1);
}
