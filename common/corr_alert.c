/*
 * corr_alert - alert documents of the correlator (see corr_alert.h).
 *
 * Drop ranks (see alert.h): the identifying fields are never dropped;
 * long free text and context go first when an alert is over budget.
 */
#include "corr_alert.h"
#include "remedy.h"

#include <string.h>

enum {
	KEEP = 0,
	R_REASON = 1,
	R_REMEDY = 2,
	R_CONTEXT = 3,
	R_EXTRA = 4,
};

static void relay_fields(struct alert *a, const char *host, const char *addr, int port)
{
	alert_text(a, "postfix_relay_hostname", host, strlen(host), KEEP);
	if (addr)
		alert_text(a, "postfix_relay_ip", addr, strlen(addr), KEEP);
	if (port > 0)
		alert_int(a, "postfix_relay_port", port, KEEP);
}

/*
 * The full text once per window, a short one on each failed probe.  The
 * short one is the same for every probe to one server: the last is kept
 * (per thread: each engine builds its alerts under its own lock).
 */
static void remediation(struct alert *a, const char *addr, int full)
{
	static _Thread_local struct {
		char addr[80];
		char text[1024];
		int valid;
	} last;
	char text[1024];
	const char *ad = addr ? addr : "";
	size_t alen = strlen(ad);

	if (full) {
		remedy_pipelining(text, sizeof(text), ad, alen);
		alert_const(a, "remediation", text, R_REMEDY);
		return;
	}
	if (!last.valid || alen >= sizeof(last.addr) || memcmp(last.addr, ad, alen + 1) != 0) {
		remedy_pipelining_short(last.text, sizeof(last.text), ad, alen);
		last.valid = alen < sizeof(last.addr);
		if (last.valid)
			memcpy(last.addr, ad, alen + 1);
	}
	alert_const(a, "remediation", last.text, R_REMEDY);
}

enum alert_severity corr_probe_severity(const struct classification *c)
{
	switch (c->cls) {
	case FC_SUSPECT_SUCCESS:
		return SEV_CRITICAL;
	case FC_IN_PROGRESS:
		return SEV_INFO;
	case FC_REJECTED_PERMANENT:
		/* "user unknown" is news, not trouble; a refused probe sender is. */
		return c->stage == ST_RCPT || c->stage == ST_NONE ? SEV_INFO : SEV_WARNING;
	case FC_REJECTED_TEMPORARY:
		/*
		 * Greylisting and the like: Postfix refuses real mail until it
		 * passes, and the fix (exempt the verifier) is downstream.
		 */
		return SEV_WARNING;
	default:
		return SEV_WARNING;
	}
}

static void class_fields(struct alert *a, const struct classification *c)
{
	const char *stage = smtp_stage_name(c->stage);

	alert_literal(a, "failure_class", failure_class_name(c->cls), KEEP);
	if (stage)
		alert_literal(a, "smtp_stage", stage, KEEP);
	else
		alert_set_null(a, "smtp_stage", KEEP);
	if (c->suspended)
		alert_bool(a, "suspended", 1, KEEP);
}

const char *corr_probe_event(const struct probe_verdict *v)
{
	return v->cls.cls == FC_SUSPECT_SUCCESS ? "probe_suspect_success" : "probe_failed";
}

struct alert *corr_alert_probe(struct alert_cache *ac, const struct probe_verdict *v,
			       const char *suspected_cause)
{
	struct alert *a = alert_new_cached(ac, corr_probe_event(v), corr_probe_severity(&v->cls),
					   &v->when, v->syslog_host, strlen(v->syslog_host));

	alert_text(a, "postfix_queueid", v->queue_id, strlen(v->queue_id), KEEP);
	alert_text(a, "postfix_to", v->to, strlen(v->to), KEEP);
	if (v->orig_to)
		alert_text(a, "postfix_orig_to", v->orig_to, strlen(v->orig_to), R_EXTRA);
	if (v->from)
		alert_text(a, "postfix_from", v->from, strlen(v->from), R_CONTEXT);
	if (v->source != PROBE_SOURCE_UNKNOWN)
		alert_literal(a, "probe_source", probe_source_name(v->source), R_EXTRA);
	if (v->relay_host)
		relay_fields(a, v->relay_host, v->relay_addr, v->relay_port);
	if (v->conn_use)
		alert_int(a, "postfix_conn_use", v->conn_use, R_EXTRA);
	alert_text(a, "postfix_dsn", v->dsn, strlen(v->dsn), KEEP);
	alert_text(a, "postfix_status", v->status, strlen(v->status), KEEP);
	alert_text(a, "reason", v->reason, strlen(v->reason), R_REASON);
	class_fields(a, &v->cls);
	if (v->relay_port && !v->cls.suspended && v->cls.cls != FC_CONNECT_FAILED &&
	    v->cls.cls != FC_DNS)
		alert_bool(a, "pipelining_discarded", !v->pipelined, R_EXTRA);
	if (suspected_cause) {
		alert_literal(a, "suspected_cause", suspected_cause, KEEP);
		remediation(a, v->relay_addr, 0);
	}
	return a;
}

/*
 * A refusal: of a recipient (postfix_to the refused address, postfix_from
 * the envelope sender), or of a sender (postfix_from the address that
 * failed verification, postfix_to the recipient of that RCPT, null when
 * Postfix refused at MAIL, before any recipient).  One field list, in the
 * order both events share.
 */
static struct alert *reject_alert(struct alert_cache *ac, const struct reject_info *r,
				  const struct classification *cls,
				  const struct probe_verdict *linked, int reason_only)
{
	struct alert *a =
		alert_new_cached(ac, r->sender ? "sender_rejected" : "recipient_rejected",
				 corr_probe_severity(cls), &r->when, r->host.p, r->host.len);

	alert_text(a, "postfix_queueid", r->queue_id.p, r->queue_id.len, KEEP);
	if (r->client_host.len)
		alert_text(a, "postfix_client_hostname", r->client_host.p, r->client_host.len,
			   R_CONTEXT);
	alert_text(a, "postfix_client_ip", r->client_addr.p, r->client_addr.len, KEEP);
	if (r->helo.p)
		alert_text(a, "postfix_helo", r->helo.p, r->helo.len, R_CONTEXT);
	/* The refused address is never dropped; the other one is context. */
	alert_text(a, "postfix_from", r->from.p, r->from.len, r->sender ? KEEP : R_CONTEXT);
	if (!r->sender)
		alert_text(a, "postfix_to", r->rcpt.p, r->rcpt.len, KEEP);
	else if (r->rcpt.len)
		alert_text(a, "postfix_to", r->rcpt.p, r->rcpt.len, R_CONTEXT);
	else
		alert_set_null(a, "postfix_to", R_CONTEXT);
	if (r->sender)
		alert_literal(a, "postfix_smtp_stage", r->at_mail ? "MAIL" : "RCPT", KEEP);
	if (r->code)
		alert_int(a, "postfix_status_code", r->code, KEEP);
	alert_text(a, "postfix_status_code_enhanced", r->enhanced.p, r->enhanced.len, KEEP);
	alert_text(a, "reason", r->reason.p, r->reason.len, R_REASON);
	class_fields(a, cls);
	if (r->reject_warning)
		alert_bool(a, "reject_warning", 1, KEEP);
	if (r->daemon_name.len)
		alert_text(a, "postfix_daemon_name", r->daemon_name.p, r->daemon_name.len, R_EXTRA);
	if (linked) {
		alert_text(a, "probe_queueid", linked->queue_id, strlen(linked->queue_id), KEEP);
		/* Another address's probe with the same reason: say that it is a guess. */
		if (reason_only)
			alert_literal(a, "link", "reason_only", KEEP);
		if (linked->relay_host)
			relay_fields(a, linked->relay_host, linked->relay_addr, linked->relay_port);
		/* A stranger's server: say so with the fix from this side. */
		if (r->sender && linked->pipelining_symptom) {
			char text[1400];
			const char *addr = linked->relay_addr ? linked->relay_addr : "";

			alert_literal(a, "suspected_cause", "pipelined_quit", KEEP);
			remedy_sender_side(text, sizeof(text), addr, strlen(addr), 0);
			alert_const(a, "remediation", text, R_REMEDY);
		}
	}
	alert_literal(a, "source", r->from_milter ? "milter" : "log", KEEP);
	return a;
}

struct alert *corr_alert_reject(struct alert_cache *ac, const struct reject_info *r,
				const struct classification *cls,
				const struct probe_verdict *linked, int reason_only)
{
	return reject_alert(ac, r, cls, linked, reason_only);
}

struct alert *corr_alert_pipelining(struct alert_cache *ac, const struct relay *r,
				    const struct pflog_event *ev, size_t count, long window)
{
	struct alert *a = alert_new_cached(ac, "pipelining_suspected", SEV_CRITICAL, &ev->time,
					   ev->host.p, ev->host.len);
	const char *rcpt[RELAY_RECIPIENTS_MAX];
	size_t lens[RELAY_RECIPIENTS_MAX];
	size_t n = relay_window_recipients(r, rcpt, RELAY_RECIPIENTS_MAX);
	struct pftime first = ev->time;

	first.sec = relay_window_first(r);
	first.has_frac = 0;
	for (size_t i = 0; i < n; i++)
		lens[i] = strlen(rcpt[i]);
	relay_fields(a, r->host, r->addr, r->port);
	alert_int(a, "count", (long long)count, KEEP);
	alert_int(a, "window_seconds", window, KEEP);
	alert_time(a, "first_seen", &first, KEEP);
	alert_time(a, "last_seen", &ev->time, KEEP);
	alert_text_array(a, "recipients", rcpt, lens, n, R_CONTEXT);
	alert_literal(a, "suspected_cause", "pipelined_quit", KEEP);
	remediation(a, r->addr, 1);
	return a;
}

struct alert *corr_alert_recovered(struct alert_cache *ac, const struct relay *r,
				   const struct pflog_event *ev, unsigned long previous,
				   const char *how)
{
	struct alert *a = alert_new_cached(ac, "relay_recovered", SEV_INFO, &ev->time, ev->host.p,
					   ev->host.len);

	relay_fields(a, r->host, r->addr, r->port);
	alert_int(a, "previous_failures", (long long)previous, KEEP);
	alert_literal(a, "recovery", how, KEEP);
	return a;
}
