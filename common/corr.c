/*
 * corr - the correlator (see corr.h).
 *
 * Flow of one probe:  qmgr "from=" (sender) -> [smtp "discarding EHLO
 * keywords"] -> [smtp intermediate "lost connection"] -> status line with
 * status=deliverable|undeliverable -> verdict, alerts -> later smtpd
 * "unverified address" rejects are linked to it by recipient and reason.
 */
#include "corr.h"
#include "corr_alert.h"
#include "corr_int.h"
#include "htab.h"
#include "xmem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CORR_QUEUE_TTL    (6 * 3600) /* qmgr logs from= again on each retry */
#define CORR_PROC_TTL     3600
#define CORR_ATTEMPTS_MAX 4

struct attempt {
	char *host, *addr;
	struct classification cls;
	int pipelined;
};

/* One open queue ID: one allocation, the sender inline. */
struct qinfo {
	int from_pickup;
	int nattempts;
	struct attempt *attempt; /* CORR_ATTEMPTS_MAX, allocated on the first */
	char sender[];
};

/* An smtp process that logged "discarding EHLO keywords: PIPELINING". */
struct proc {
	int armed; /* for its next delivery */
	int conn;  /* for later deliveries over the same connection */
};

const char *probe_source_name(enum probe_source s)
{
	return s == PROBE_SOURCE_VERIFY        ? "verify"
	       : s == PROBE_SOURCE_SENDMAIL_BV ? "sendmail_bv"
					       : "unknown";
}

static void qinfo_free(void *p)
{
	struct qinfo *q = p;

	for (int i = 0; i < q->nattempts; i++) {
		free(q->attempt[i].host);
		free(q->attempt[i].addr);
	}
	free(q->attempt);
	free(q);
}

/* The verdict and its strings are one allocation. */
void corr_verdict_free(void *p)
{
	free(p);
}

struct corr *corr_create(const struct corr_params *p, corr_emit_fn emit, void *ctx)
{
	struct corr *c = xcalloc(1, sizeof(*c));

	c->p = *p;
	c->emit = emit;
	c->ctx = ctx;
	c->queue = htab_create(p->max_entries, qinfo_free);
	c->rcpt = htab_create(p->max_entries, corr_verdict_free);
	c->proc = htab_create(p->max_entries, free);
	c->relays = relay_table_create(p->max_entries);
	c->alerts = alert_cache_create();
	c->recent = recent_create();
	return c;
}

void corr_set_params(struct corr *c, const struct corr_params *p)
{
	c->p = *p;
	htab_set_limit(c->queue, p->max_entries);
	htab_set_limit(c->rcpt, p->max_entries);
	htab_set_limit(c->proc, p->max_entries);
	relay_table_set_limit(c->relays, p->max_entries);
}

void corr_free(struct corr *c)
{
	if (c == NULL)
		return;
	htab_free(c->queue);
	htab_free(c->rcpt);
	htab_free(c->proc);
	relay_table_free(c->relays);
	corr_pending_free(c);
	alert_cache_free(c->alerts);
	recent_free(c->recent);
	free(c);
}

void corr_classify(struct corr *c, const char *reason, size_t len, struct classification *out)
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

void corr_set_count_only(struct corr *c, int count_only)
{
	c->count_only = count_only;
}

void corr_emit(struct corr *c, const char *event, struct alert *a)
{
	c->emit(c->ctx, event, a);
	alert_free(a);
}

/* "host" NUL "item": a central log may hold several Postfix hosts. */
static size_t make_key(char *key, struct pf_str host, const char *item, size_t len)
{
	size_t h = host.len > 255 ? 255 : host.len;

	if (len > CORR_KEY_MAX - h - 1)
		len = CORR_KEY_MAX - h - 1;
	memcpy(key, host.p, h);
	key[h] = 0;
	memcpy(key + h + 1, item, len);
	return h + 1 + len;
}

/* Recipients compare case-insensitively, as the verify cache does for domains. */
size_t corr_rcpt_key(char *key, const char *addr, size_t len)
{
	if (len > CORR_KEY_MAX)
		len = CORR_KEY_MAX;
	for (size_t i = 0; i < len; i++)
		key[i] = (char)tolower((unsigned char)addr[i]);
	return len;
}

/* Copy at most cap bytes as a C string (dst holds cap + 1); a NUL in the log becomes '?'. */
static size_t copy_str(char *dst, struct pf_str s, size_t cap)
{
	size_t n = s.len > cap ? cap : s.len;

	if (n)
		memcpy(dst, s.p, n);
	dst[n] = 0;
	if (memchr(dst, 0, n))
		for (size_t i = 0; i < n; i++)
			if (dst[i] == 0)
				dst[i] = '?';
	return n;
}

static char *dup_str(struct pf_str s, size_t cap)
{
	size_t n = s.len > cap ? cap : s.len;
	char *d = xmalloc(n + 1);

	copy_str(d, s, n);
	return d;
}

/*
 * The strings of one verdict, laid out behind it in one allocation: each
 * from the log (capped, NUL as '?', as dup_str) or a C string (as xstrdup).
 * The log's fields all point into the one line of the event.
 */
struct vstr {
	struct pf_str s;
	size_t cap; /* 0: s is a C string, copied whole */
	char **dst;
};

static struct probe_verdict *verdict_alloc(struct vstr *f, size_t n,
					   const struct probe_verdict *tmpl)
{
	size_t total = sizeof(struct probe_verdict);
	struct probe_verdict *v;
	const char *lo = NULL, *hi = NULL;
	int nul;
	char *p;

	for (size_t i = 0; i < n; i++) {
		if (f[i].cap == 0) {
			f[i].s.len = strlen(f[i].s.p);
		} else {
			if (f[i].s.len > f[i].cap)
				f[i].s.len = f[i].cap;
			if (f[i].s.len && (lo == NULL || f[i].s.p < lo))
				lo = f[i].s.p;
			if (f[i].s.len && (hi == NULL || f[i].s.p + f[i].s.len > hi))
				hi = f[i].s.p + f[i].s.len;
		}
		total += f[i].s.len + 1;
	}
	/* One look over the line's span for a NUL, not one per field. */
	nul = lo && memchr(lo, 0, (size_t)(hi - lo)) != NULL;
	v = xmalloc(total);
	*v = *tmpl;
	p = (char *)(v + 1);
	for (size_t i = 0; i < n; i++) {
		/* dst points into tmpl: the same field of v */
		char **d = (char **)((char *)v + ((char *)f[i].dst - (char *)tmpl));

		*d = p;
		if (nul) {
			p += copy_str(p, f[i].s, f[i].s.len) + 1;
		} else {
			if (f[i].s.len)
				memcpy(p, f[i].s.p, f[i].s.len);
			p[f[i].s.len] = 0;
			p += f[i].s.len + 1;
		}
	}
	return v;
}

static struct qinfo *queue_find(struct corr *c, struct pf_str host, struct pf_str qid)
{
	char key[CORR_KEY_MAX];

	return htab_find(c->queue, key, make_key(key, host, qid.p, qid.len));
}

/* Enter a queue ID with its sender, keeping what was known of it. */
static struct qinfo *queue_enter(struct corr *c, struct pf_str host, struct pf_str qid,
				 struct pf_str sender, time_t when)
{
	char key[CORR_KEY_MAX];
	int created;
	void **slot =
		htab_upsert(c->queue, key, make_key(key, host, qid.p, qid.len), when, &created);
	struct qinfo *old = created ? NULL : *slot;
	size_t slen = sender.len > 320 ? 320 : sender.len;
	struct qinfo *q = xmalloc(sizeof(*q) + slen + 1);

	q->from_pickup = 0;
	q->nattempts = 0;
	q->attempt = NULL;
	if (old) {
		/* Take over what was known; the old entry goes. */
		q->from_pickup = old->from_pickup;
		q->nattempts = old->nattempts;
		q->attempt = old->attempt;
		free(old);
	}
	copy_str(q->sender, sender, slen);
	*slot = q;
	return q;
}

static void corr_expire(struct corr *c, time_t now)
{
	if (now - c->last_expire < 60)
		return;
	c->last_expire = now;
	htab_expire(c->queue, now - CORR_QUEUE_TTL);
	htab_expire(c->rcpt, now - c->p.max_age);
	htab_expire(c->proc, now - CORR_PROC_TTL);
}

/* "host" NUL "program[pid]" of an smtp process, as the line spells it. */
static size_t proc_key(char *key, const struct pflog_event *ev)
{
	/* program, '[', the pid's digits, ']': contiguous in the line */
	size_t n = (size_t)(ev->pid.p + ev->pid.len + 1 - ev->program.p);

	return make_key(key, ev->host, ev->program.p, n > 250 ? 250 : n);
}

/*
 * Whether this delivery's connection pipelined, from what the same smtp
 * process logged before it.  With consume, the delivery uses up the
 * "next delivery" mark; later deliveries over the same connection
 * (conn_use 2 and up) keep it.
 */
static int delivery_pipelined(struct corr *c, const struct pflog_event *ev, int consume)
{
	char key[CORR_KEY_MAX];
	struct proc *pr;
	int pipelined;

	if (htab_count(c->proc) == 0)
		return 1;
	if ((pr = htab_find(c->proc, key, proc_key(key, ev))) == NULL)
		return 1;
	pipelined = !(pr->armed || (pr->conn && ev->conn_use >= 2));
	if (consume) {
		if (pr->armed) {
			pr->armed = 0;
			pr->conn = 1;
		} else if (ev->conn_use < 2) {
			pr->conn = 0;
		}
	}
	return pipelined;
}

static void corr_discard_ehlo(struct corr *c, const struct pflog_event *ev)
{
	char key[CORR_KEY_MAX];
	size_t n;
	struct proc *pr;

	if (!ev->pipelining_discarded)
		return;
	n = proc_key(key, ev);
	if ((pr = htab_find(c->proc, key, n)) == NULL)
		pr = xcalloc(1, sizeof(*pr));
	pr->armed = 1;
	htab_enter(c->proc, key, n, pr, ev->time.sec);
}

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

static void corr_symptom(struct corr *c, struct relay *r, const struct pflog_event *ev,
			 const char *rcpt)
{
	size_t count;

	if (relay_note_symptom(r, ev->time.sec, rcpt, rcpt ? strlen(rcpt) : 0,
			       c->p.pipelining_threshold, c->p.pipelining_window, &count))
		corr_emit(c, "pipelining_suspected",
			  c->count_only ? NULL
					: corr_alert_pipelining(c->alerts, r, ev, count,
								c->p.pipelining_window));
}

/* Intermediate failures logged before the final status line. */
static void corr_replay_attempts(struct corr *c, struct qinfo *q, const struct pflog_event *ev,
				 const char *rcpt)
{
	for (int i = 0; i < q->nattempts; i++) {
		struct attempt *a = &q->attempt[i];
		struct relay *r =
			relay_get(c->relays, ev->host.p, ev->host.len, a->host, strlen(a->host),
				  a->addr, strlen(a->addr), 0, &ev->time);

		relay_count_probe(r, &a->cls, &ev->time);
		if (a->pipelined && classify_is_pipelining_symptom(&a->cls))
			corr_symptom(c, r, ev, rcpt);
	}
}

static int is_probe_status(enum pflog_status st)
{
	return st == PST_DELIVERABLE || st == PST_UNDELIVERABLE ||
	       st == PST_UNDELIVERABLE_NOT_CACHED;
}

static void corr_delivery(struct corr *c, const struct pflog_event *ev)
{
	int pipelined = delivery_pipelined(c, ev, 1);
	struct probe_verdict *v, t;
	struct qinfo *q;
	struct relay *r;
	char key[CORR_KEY_MAX];
	struct pf_str name = { NULL, 0 };
	struct vstr f[10];
	size_t nf = 0;

	/* Only probes (and sendmail -bv) end deliverable or undeliverable. */
	if (!is_probe_status(ev->status))
		return;
	c->probes++;
	memset(&t, 0, sizeof(t));
	t.conn_use = ev->conn_use;
	t.when = ev->time;
	t.pipelined = pipelined;
	f[nf++] = (struct vstr){ ev->queue_id, 64, &t.queue_id };
	f[nf++] = (struct vstr){ ev->to, 320, &t.to };
	if (ev->orig_to.p)
		f[nf++] = (struct vstr){ ev->orig_to, 320, &t.orig_to };
	f[nf++] = (struct vstr){ ev->host, 255, &t.syslog_host };
	f[nf++] = (struct vstr){ ev->dsn, 32, &t.dsn };
	f[nf++] = (struct vstr){ ev->status_word, 40, &t.status };
	f[nf++] = (struct vstr){ ev->reason, 1000, &t.reason };
	if ((q = queue_find(c, ev->host, ev->queue_id)) != NULL) {
		f[nf++] = (struct vstr){ { q->sender, 0 }, 0, &t.from };
		t.source = q->from_pickup ? PROBE_SOURCE_SENDMAIL_BV : PROBE_SOURCE_VERIFY;
	}
	if (ev->status == PST_DELIVERABLE)
		classify_success(ev->reason.p, ev->reason.len, &t.cls);
	else
		corr_classify(c, ev->reason.p, ev->reason.len, &t.cls);
	r = probe_relay(c, ev, &name);
	if (r) {
		f[nf++] = (struct vstr){ { r->host, 0 }, 0, &t.relay_host };
		f[nf++] = (struct vstr){ { r->addr, 0 }, 0, &t.relay_addr };
		t.relay_port = r->port;
	} else if (name.p) {
		f[nf++] = (struct vstr){ name, 255, &t.relay_host };
	}
	/*
	 * Kept when only counting too: the summary counts the refusals each
	 * relay's probes caused, and a refusal finds its probe through it.
	 */
	v = verdict_alloc(f, nf, &t);
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
	htab_enter(c->rcpt, key, corr_rcpt_key(key, v->to, strlen(v->to)), v, ev->time.sec);
}

static void corr_attempt(struct corr *c, const struct pflog_event *ev)
{
	struct qinfo *q = queue_find(c, ev->host, ev->queue_id);
	struct attempt *a;

	if (q == NULL) {
		struct pf_str none = { "", 0 };

		q = queue_enter(c, ev->host, ev->queue_id, none, ev->time.sec);
	}
	if (q->nattempts >= CORR_ATTEMPTS_MAX || ev->relay.kind != PFR_NET)
		return;
	if (q->attempt == NULL)
		q->attempt = xcalloc(CORR_ATTEMPTS_MAX, sizeof(*q->attempt));
	a = &q->attempt[q->nattempts++];
	a->host = dup_str(ev->relay.host, 255);
	a->addr = dup_str(ev->relay.addr, 64);
	corr_classify(c, ev->reason.p, ev->reason.len, &a->cls);
	a->pipelined = delivery_pipelined(c, ev, 0);
}

void corr_event(struct corr *c, const struct pflog_event *ev)
{
	struct qinfo *q;

	corr_expire(c, ev->time.sec);
	switch (ev->kind) {
	case PFE_QUEUE_ACTIVE:
	case PFE_PICKUP:
		q = queue_enter(c, ev->host, ev->queue_id, ev->from, ev->time.sec);
		if (ev->kind == PFE_PICKUP)
			q->from_pickup = 1;
		break;
	case PFE_REMOVED: {
		char key[CORR_KEY_MAX];

		htab_delete(c->queue, key,
			    make_key(key, ev->host, ev->queue_id.p, ev->queue_id.len));
		break;
	}
	case PFE_DELIVERY:
		corr_delivery(c, ev);
		break;
	case PFE_ATTEMPT:
		corr_attempt(c, ev);
		break;
	case PFE_DISCARD_EHLO:
		corr_discard_ehlo(c, ev);
		break;
	case PFE_REJECT:
		corr_reject_log(c, ev);
		break;
	default:
		break;
	}
}

const struct probe_verdict *corr_recipient_verdict(const struct corr *c, const char *addr,
						   size_t len)
{
	char key[CORR_KEY_MAX];

	return htab_find(c->rcpt, key, corr_rcpt_key(key, addr, len));
}

const struct relay_table *corr_relays(const struct corr *c)
{
	return c->relays;
}

void corr_counts(const struct corr *c, struct corr_counts *out)
{
	out->queue_ids = htab_count(c->queue);
	out->recipients = htab_count(c->rcpt);
	out->processes = htab_count(c->proc);
	out->relays = relay_table_count(c->relays);
	out->dropped = htab_dropped(c->queue) + htab_dropped(c->rcpt) + htab_dropped(c->proc) +
		       relay_table_dropped(c->relays);
	out->probes = c->probes;
	out->probe_failures = c->probe_failures;
	out->rejects = c->rejects;
	out->milter_rejects = c->milter_rejects;
	out->sender_rejects = c->sender_rejects;
	memcpy(out->failures_by, c->failures_by, sizeof(out->failures_by));
	memcpy(out->refused_by, c->refused_by, sizeof(out->refused_by));
}
