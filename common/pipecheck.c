/*
 * pipecheck - the pipelined and the unpipelined probe (see pipecheck.h).
 *
 * Each dialogue keeps its own transcript; server text is cleaned (valid
 * UTF-8, no control bytes) and bounded the moment it is recorded, so
 * nothing later can print it raw.
 */
#include "pipecheck.h"
#include "remedy.h"
#include "smtpio.h"
#include "utf8.h"
#include "xmem.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define STEP_TEXT_MAX 512

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Cleaned, bounded, NUL-terminated copy of untrusted text into out. */
static void clean_copy(char *out, size_t size, const char *in, size_t len)
{
	size_t n = text_clean(in, len, out, size - 1, TEXT_NO_CONTROLS, NULL);

	out[n] = 0;
}

struct dlg {
	struct pipecheck_dialogue *d;
	double t0;
};

static void step(struct dlg *g, char dir, const char *text, size_t len)
{
	struct pipecheck_dialogue *d = g->d;
	char buf[STEP_TEXT_MAX];

	if (d->nsteps == PIPECHECK_STEPS) {
		d->dropped++;
		return;
	}
	clean_copy(buf, sizeof(buf), text, len);
	d->step[d->nsteps].t = now() - g->t0;
	d->step[d->nsteps].dir = dir;
	d->step[d->nsteps].text = xstrdup(buf);
	d->nsteps++;
}

static void event(struct dlg *g, const char *text)
{
	step(g, '!', text, strlen(text));
}

/* Each line of a reply as its own received step. */
static void step_reply(struct dlg *g, const struct smtp_reply *r)
{
	const char *p = r->text;

	for (;;) {
		const char *nl = strchr(p, '\n');

		step(g, '<', p, nl ? (size_t)(nl - p) : strlen(p));
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

/* Send one or more CRLF-terminated commands in one write. */
static int send_cmds(struct dlg *g, struct smtpio *c, const char *cmds)
{
	enum smtpio_status st;

	for (const char *p = cmds; *p;) {
		const char *eol = strstr(p, "\r\n");
		size_t n = eol ? (size_t)(eol - p) : strlen(p);

		step(g, '>', p, n);
		p += n + (eol ? 2 : 0);
	}
	if ((st = smtpio_write(c, cmds, strlen(cmds))) != SMTPIO_OK) {
		snprintf(g->d->failure, sizeof(g->d->failure), "%s while sending",
			 st == SMTPIO_EOF ? "lost connection" : smtpio_status_name(st));
		event(g, g->d->failure);
		return -1;
	}
	return 0;
}

/* A reply; on failure the dialogue's failure says what happened, while WHAT. */
static int get_reply(struct dlg *g, struct smtpio *c, struct smtp_reply *r, const char *what,
		     enum smtpio_status *stp)
{
	enum smtpio_status st = smtpio_reply(c, r);

	if (stp)
		*stp = st;
	if (st == SMTPIO_OK) {
		step_reply(g, r);
		return 0;
	}
	switch (st) {
	case SMTPIO_EOF:
		snprintf(g->d->failure, sizeof(g->d->failure), "lost connection while %s", what);
		break;
	case SMTPIO_TIMEOUT:
		snprintf(g->d->failure, sizeof(g->d->failure), "timed out while %s", what);
		break;
	case SMTPIO_TOOLONG:
		snprintf(g->d->failure, sizeof(g->d->failure), "reply too long while %s", what);
		break;
	case SMTPIO_BADREPLY:
		snprintf(g->d->failure, sizeof(g->d->failure), "malformed reply while %s", what);
		break;
	default:
		snprintf(g->d->failure, sizeof(g->d->failure), "%s while %s", smtpio_error(c),
			 what);
	}
	event(g, g->d->failure);
	return -1;
}

/* The keywords of an EHLO reply (every line after the first). */
static void ehlo_keywords(struct pipecheck_result *res, const struct smtp_reply *r)
{
	const char *p = strchr(r->text, '\n');
	size_t at = 0;

	res->keywords[0] = 0;
	while (p) {
		const char *line = p + 1 + 4, *nl;
		size_t n;

		nl = strchr(p + 1, '\n');
		if ((size_t)((nl ? nl : p + 1 + strlen(p + 1)) - (p + 1)) <= 4) {
			p = nl;
			continue;
		}
		n = strcspn(line, " \n");
		if (n == 10 && strncasecmp(line, "PIPELINING", 10) == 0)
			res->pipelining = 1;
		if (n == 8 && strncasecmp(line, "STARTTLS", 8) == 0)
			res->starttls = 1;
		if (at + n + 2 < sizeof(res->keywords)) {
			char kw[64];

			clean_copy(kw, sizeof(kw), line, n < sizeof(kw) - 1 ? n : sizeof(kw) - 1);
			at += (size_t)snprintf(res->keywords + at, sizeof(res->keywords) - at,
					       "%s%s", at ? " " : "", kw);
		}
		p = nl;
	}
}

/*
 * Connect, greeting, EHLO, and STARTTLS when offered and allowed.  NULL
 * when the dialogue stops there; *tls_failed tells a failed handshake (the
 * caller then tries again without TLS, as Postfix's "may" level does).
 */
static struct smtpio *open_session(struct pipecheck_result *res, struct dlg *g,
				   const struct pipecheck_opts *o, int allow_tls, int *tls_failed)
{
	struct smtp_reply r;
	enum smtpio_status st;
	char err[256], cmd[600];
	struct smtpio *c;

	*tls_failed = 0;
	g->t0 = now();
	c = smtpio_connect(o->host, o->port, o->timeout, err, sizeof(err), &st);
	if (c == NULL) {
		snprintf(g->d->failure, sizeof(g->d->failure), "%s", err);
		event(g, err);
		return NULL;
	}
	snprintf(res->peer, sizeof(res->peer), "%s", smtpio_peer(c));
	snprintf(err, sizeof(err), "connected to %s port %d", smtpio_peer(c), o->port);
	event(g, err);
	smtpio_deadline(c, o->timeout);
	if (get_reply(g, c, &r, "receiving the initial server greeting", NULL) < 0)
		goto fail;
	if (r.code / 100 != 2) {
		snprintf(g->d->failure, sizeof(g->d->failure), "greeting refused: %d", r.code);
		goto fail;
	}
	g->d->reached = 1;
	clean_copy(res->greeting, sizeof(res->greeting), r.text, strcspn(r.text, "\n"));
	snprintf(cmd, sizeof(cmd), "EHLO %s\r\n", o->helo);
	smtpio_deadline(c, o->timeout);
	if (send_cmds(g, c, cmd) < 0 || get_reply(g, c, &r, "sending EHLO", NULL) < 0)
		goto fail;
	if (r.code != 250) {
		snprintf(g->d->failure, sizeof(g->d->failure), "EHLO refused: %d", r.code);
		goto fail;
	}
	res->pipelining = res->starttls = 0;
	ehlo_keywords(res, &r);
	if (!res->starttls || !allow_tls)
		return c;
	smtpio_deadline(c, o->timeout);
	if (send_cmds(g, c, "STARTTLS\r\n") < 0 ||
	    get_reply(g, c, &r, "sending STARTTLS", NULL) < 0)
		goto tls_fail;
	if (r.code != 220) {
		snprintf(g->d->failure, sizeof(g->d->failure), "STARTTLS refused: %d", r.code);
		goto tls_fail;
	}
	smtpio_deadline(c, o->timeout);
	if (smtpio_starttls(c, o->host) != SMTPIO_OK) {
		snprintf(g->d->failure, sizeof(g->d->failure), "Cannot start TLS: %s",
			 smtpio_error(c));
		event(g, g->d->failure);
		goto tls_fail;
	}
	g->d->tls = 1;
	event(g, "TLS started");
	smtpio_deadline(c, o->timeout);
	if (send_cmds(g, c, cmd) < 0 ||
	    get_reply(g, c, &r, "sending EHLO after STARTTLS", NULL) < 0)
		goto fail;
	if (r.code != 250) {
		snprintf(g->d->failure, sizeof(g->d->failure), "EHLO after STARTTLS refused: %d",
			 r.code);
		goto fail;
	}
	ehlo_keywords(res, &r);
	res->starttls = 1;
	return c;
tls_fail:
	*tls_failed = 1;
fail:
	smtpio_close(c);
	return NULL;
}

static void probe_cmds(char *buf, size_t size, const struct pipecheck_opts *o, int pipelined)
{
	snprintf(buf, size, "MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\n%s", o->from, o->rcpt,
		 pipelined ? "RSET\r\nQUIT\r\n" : "");
}

/* MAIL, RCPT, RSET, QUIT in one write, as Postfix sends a probe. */
static void run_pipelined(struct pipecheck_result *res, struct pipecheck_dialogue *d,
			  const struct pipecheck_opts *o, int allow_tls, int *tls_failed)
{
	struct dlg g = { d, 0 };
	struct smtpio *c = open_session(res, &g, o, allow_tls, tls_failed);
	int code[4] = { 0 }, n = 0;
	enum smtpio_status st = SMTPIO_OK;
	char cmds[1400];

	d->batch = PB_FAILED;
	if (c == NULL)
		return;
	probe_cmds(cmds, sizeof(cmds), o, 1);
	smtpio_deadline(c, o->timeout);
	if (send_cmds(&g, c, cmds) < 0) {
		smtpio_close(c);
		return;
	}
	static const char *const waiting[] = { "sending MAIL FROM", "sending RCPT TO",
					       "sending RSET", "sending QUIT" };
	while (n < 4) {
		struct smtp_reply r;

		if (get_reply(&g, c, &r, waiting[n], &st) < 0)
			break;
		code[n] = r.code;
		if (n == 1)
			clean_copy(d->rcpt_reply, sizeof(d->rcpt_reply), r.text, r.len);
		n++;
		if (r.code == 221)
			break;
	}
	smtpio_close(c);
	if (n == 0)
		d->batch = st == SMTPIO_TIMEOUT ? PB_TIMEOUT
			   : st == SMTPIO_EOF   ? PB_CLOSED_SILENT
						: PB_FAILED;
	else if (code[0] == 221)
		d->batch = PB_QUIT_FIRST;
	else if (n >= 2 && code[1] == 221)
		d->batch = PB_QUIT_AS_RCPT;
	else if (n == 1)
		d->batch = st == SMTPIO_TIMEOUT ? PB_TIMEOUT : PB_LOST_RCPT;
	else
		d->batch = PB_IN_ORDER;
	/* A 221 first is the QUIT's, not the MAIL's reply. */
	d->mail_code = d->batch == PB_QUIT_FIRST ? 0 : code[0];
	if (d->batch == PB_IN_ORDER || d->batch == PB_QUIT_AS_RCPT)
		d->rcpt_code = code[1];
	if (d->batch == PB_IN_ORDER)
		d->failure[0] = 0; /* RSET's or QUIT's reply lost: Postfix does not mind */
}

/* The same commands one at a time, each waiting for its reply. */
static void run_unpipelined(struct pipecheck_result *res, struct pipecheck_dialogue *d,
			    const struct pipecheck_opts *o, int allow_tls)
{
	struct dlg g = { d, 0 };
	int tls_failed;
	struct smtpio *c = open_session(res, &g, o, allow_tls, &tls_failed);
	struct smtp_reply r;
	char cmd[700];

	d->batch = PB_IN_ORDER;
	if (c == NULL)
		return;
	snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>\r\n", o->from);
	smtpio_deadline(c, o->timeout);
	if (send_cmds(&g, c, cmd) < 0 || get_reply(&g, c, &r, "sending MAIL FROM", NULL) < 0)
		goto done;
	d->mail_code = r.code;
	if (r.code / 100 == 2) {
		snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>\r\n", o->rcpt);
		smtpio_deadline(c, o->timeout);
		if (send_cmds(&g, c, cmd) < 0 || get_reply(&g, c, &r, "sending RCPT TO", NULL) < 0)
			goto done;
		d->rcpt_code = r.code;
		clean_copy(d->rcpt_reply, sizeof(d->rcpt_reply), r.text, r.len);
		smtpio_deadline(c, o->timeout);
		if (send_cmds(&g, c, "RSET\r\n") < 0 ||
		    get_reply(&g, c, &r, "sending RSET", NULL) < 0)
			goto done;
	}
	smtpio_deadline(c, o->timeout);
	if (send_cmds(&g, c, "QUIT\r\n") == 0)
		get_reply(&g, c, &r, "sending QUIT", NULL);
	/* A QUIT without its 221 does not change the verdict. */
	if (d->rcpt_code || d->mail_code / 100 != 2)
		d->failure[0] = 0;
done:
	smtpio_close(c);
}

static const char *batch_text(enum pipecheck_batch b)
{
	switch (b) {
	case PB_QUIT_FIRST:
		return "the server answered the QUIT first (221) and closed before the RCPT reply "
		       "(the Exchange 2010 SP1 bug: Postfix logs \"lost connection ... while "
		       "sending "
		       "RCPT TO\")";
	case PB_QUIT_AS_RCPT:
		return "the server answered MAIL, then the QUIT's 221 where the RCPT reply belongs "
		       "(Postfix takes it as the RCPT reply: every address verifies)";
	case PB_CLOSED_SILENT:
		return "the server closed the connection without a reply";
	case PB_LOST_RCPT:
		return "the server answered MAIL and closed before the RCPT reply";
	case PB_TIMEOUT:
		return "the server stopped answering in the middle of the batch";
	default:
		return "the dialogue did not reach the batch";
	}
}

static void decide(struct pipecheck_result *r)
{
	const struct pipecheck_dialogue *p = &r->pipelined, *u = &r->unpipelined;

	if (!p->reached && !u->reached) {
		r->verdict = PV_UNREACHABLE;
		snprintf(r->reason, sizeof(r->reason), "%s", p->failure);
		return;
	}
	if (!u->rcpt_code) {
		if (u->mail_code >= 400 && u->mail_code == p->mail_code) {
			r->verdict = PV_SERVER_REJECTS;
			snprintf(r->reason, sizeof(r->reason),
				 "MAIL FROM refused with %d with and without pipelining",
				 u->mail_code);
		} else {
			r->verdict = PV_INCONCLUSIVE;
			snprintf(r->reason, sizeof(r->reason),
				 "without pipelining too the probe fails: %s",
				 u->failure[0] ? u->failure : "no RCPT reply");
		}
		return;
	}
	if (p->batch != PB_IN_ORDER) {
		if (!r->pipelining) {
			r->verdict = PV_INCONCLUSIVE;
			snprintf(r->reason, sizeof(r->reason),
				 "pipelined: %s; but the server does not announce PIPELINING, so "
				 "Postfix does not pipeline to it",
				 batch_text(p->batch));
			return;
		}
		r->verdict = PV_PIPELINING_BROKEN;
		snprintf(r->reason, sizeof(r->reason),
			 "pipelined: %s; one command at a time the RCPT is answered %d",
			 batch_text(p->batch), u->rcpt_code);
		return;
	}
	if (p->rcpt_code / 100 != u->rcpt_code / 100) {
		r->verdict = PV_INCONCLUSIVE;
		snprintf(r->reason, sizeof(r->reason),
			 "the RCPT is answered %d pipelined and %d one command at a time",
			 p->rcpt_code, u->rcpt_code);
		return;
	}
	if (u->rcpt_code / 100 == 2) {
		r->verdict = PV_OK;
		snprintf(r->reason, sizeof(r->reason),
			 "every reply in order with and without pipelining (RCPT %d)",
			 u->rcpt_code);
	} else {
		r->verdict = PV_SERVER_REJECTS;
		snprintf(r->reason, sizeof(r->reason),
			 "the server refuses the recipient with and without pipelining: %s",
			 u->rcpt_reply);
	}
}

struct pipecheck_result *pipecheck_run(const struct pipecheck_opts *o)
{
	struct pipecheck_result *r = xcalloc(1, sizeof(*r));
	int tls_failed = 0, use_tls = !o->no_tls;

	run_pipelined(r, &r->pipelined, o, use_tls, &tls_failed);
	if (tls_failed) {
		/* As Postfix's "may" level: the same again in plain text. */
		snprintf(r->tls, sizeof(r->tls), "failed (%s); checked without TLS",
			 r->pipelined.failure);
		for (int i = 0; i < r->pipelined.nsteps; i++)
			free(r->pipelined.step[i].text);
		memset(&r->pipelined, 0, sizeof(r->pipelined));
		use_tls = 0;
		run_pipelined(r, &r->pipelined, o, 0, &tls_failed);
	} else if (o->no_tls) {
		snprintf(r->tls, sizeof(r->tls), "disabled");
	} else if (r->pipelined.tls) {
		snprintf(r->tls, sizeof(r->tls), "used");
	} else if (r->pipelined.reached) {
		snprintf(r->tls, sizeof(r->tls), "not offered");
	}
	run_unpipelined(r, &r->unpipelined, o, use_tls);
	decide(r);
	if (r->pipelined.tls && r->verdict != PV_UNREACHABLE) {
		/* Does TLS change the outcome?  The pipelined batch once more in plain text. */
		struct pipecheck_result plain = { 0 };

		memcpy(plain.keywords, r->keywords, sizeof(r->keywords));
		run_pipelined(&plain, &plain.pipelined, o, 0, &tls_failed);
		if (plain.pipelined.batch != r->pipelined.batch)
			snprintf(r->tls, sizeof(r->tls),
				 "used; without TLS the pipelined batch ends differently: %s",
				 pipecheck_batch_name(plain.pipelined.batch));
		else
			snprintf(r->tls, sizeof(r->tls), "used; the same without TLS");
		for (int i = 0; i < plain.pipelined.nsteps; i++)
			free(plain.pipelined.step[i].text);
	}
	return r;
}

void pipecheck_free(struct pipecheck_result *r)
{
	if (r == NULL)
		return;
	for (int i = 0; i < r->pipelined.nsteps; i++)
		free(r->pipelined.step[i].text);
	for (int i = 0; i < r->unpipelined.nsteps; i++)
		free(r->unpipelined.step[i].text);
	free(r);
}

const char *pipecheck_verdict_name(enum pipecheck_verdict v)
{
	static const char *const names[] = { "ok", "pipelining_broken", "server_rejects",
					     "unreachable", "inconclusive" };

	return names[v];
}

const char *pipecheck_batch_name(enum pipecheck_batch b)
{
	static const char *const names[] = { "in_order",        "quit_first", "quit_as_rcpt",
					     "closed_silently", "lost_rcpt",  "timeout",
					     "failed" };

	return names[b];
}

int pipecheck_exit_status(enum pipecheck_verdict v)
{
	switch (v) {
	case PV_OK:
		return 0;
	case PV_PIPELINING_BROKEN:
		return 1;
	case PV_UNREACHABLE:
		return 2;
	default:
		return 3;
	}
}

static json_t *dialogue_json(const struct pipecheck_dialogue *d, int pipelined)
{
	json_t *o = json_object(), *t = json_array();

	if (pipelined)
		json_object_set_new(o, "batch", json_string(pipecheck_batch_name(d->batch)));
	json_object_set_new(o, "tls", json_boolean(d->tls));
	json_object_set_new(o, "mail_code",
			    d->mail_code ? json_integer(d->mail_code) : json_null());
	json_object_set_new(o, "rcpt_code",
			    d->rcpt_code ? json_integer(d->rcpt_code) : json_null());
	if (d->rcpt_code)
		json_object_set_new(o, "rcpt_reply", json_string(d->rcpt_reply));
	if (d->failure[0])
		json_object_set_new(o, "failure", json_string(d->failure));
	for (int i = 0; i < d->nsteps; i++) {
		const struct pipecheck_step *s = &d->step[i];

		json_array_append_new(t, json_pack("{s:f,s:s,s:s}", "ms",
						   (double)(long)(s->t * 1e6) / 1e3, "dir",
						   s->dir == '>'   ? "sent"
						   : s->dir == '<' ? "received"
								   : "event",
						   "text", s->text));
	}
	json_object_set_new(o, "transcript", t);
	if (d->dropped)
		json_object_set_new(o, "transcript_dropped", json_integer(d->dropped));
	return o;
}

static void fix_text(char *buf, size_t size, const struct pipecheck_result *r)
{
	remedy_pipelining(buf, size, r->peer, strlen(r->peer));
}

json_t *pipecheck_json(const struct pipecheck_result *r, const struct pipecheck_opts *o)
{
	json_t *j = json_object(), *kw = json_array();
	char host[256], buf[1024];

	clean_copy(host, sizeof(host), o->host, strlen(o->host));
	json_object_set_new(j, "host", json_string(host));
	json_object_set_new(j, "port", json_integer(o->port));
	if (r->peer[0])
		json_object_set_new(j, "address", json_string(r->peer));
	json_object_set_new(j, "verdict", json_string(pipecheck_verdict_name(r->verdict)));
	json_object_set_new(j, "reason", json_string(r->reason));
	if (r->greeting[0])
		json_object_set_new(j, "greeting", json_string(r->greeting));
	json_object_set_new(j, "pipelining_announced", json_boolean(r->pipelining));
	json_object_set_new(j, "starttls_offered", json_boolean(r->starttls));
	if (r->tls[0])
		json_object_set_new(j, "tls", json_string(r->tls));
	for (const char *p = r->keywords; *p;) {
		size_t n = strcspn(p, " ");

		json_array_append_new(kw, json_stringn(p, n));
		p += n + (p[n] == ' ');
	}
	json_object_set_new(j, "ehlo_keywords", kw);
	json_object_set_new(j, "pipelined", dialogue_json(&r->pipelined, 1));
	json_object_set_new(j, "unpipelined", dialogue_json(&r->unpipelined, 0));
	if (r->verdict == PV_PIPELINING_BROKEN) {
		fix_text(buf, sizeof(buf), r);
		json_object_set_new(j, "remediation", json_string(buf));
	}
	return j;
}

static void print_dialogue(FILE *fp, const char *name, const struct pipecheck_dialogue *d)
{
	fprintf(fp, "\n%s dialogue%s:\n", name, d->tls ? " (TLS)" : "");
	for (int i = 0; i < d->nsteps; i++) {
		const struct pipecheck_step *s = &d->step[i];

		fprintf(fp, "  %8.3f %s %s\n", s->t * 1000,
			s->dir == '>'   ? "->"
			: s->dir == '<' ? "<-"
					: "**",
			s->text);
	}
	if (d->dropped)
		fprintf(fp, "  (%d more steps not shown)\n", d->dropped);
}

void pipecheck_print(FILE *fp, const struct pipecheck_result *r, const struct pipecheck_opts *o)
{
	char host[256], buf[1024];

	clean_copy(host, sizeof(host), o->host, strlen(o->host));
	fprintf(fp, "server       %s port %d%s%s\n", host, o->port, r->peer[0] ? " address " : "",
		r->peer);
	if (r->greeting[0])
		fprintf(fp, "greeting     %s\n", r->greeting);
	if (r->pipelined.reached || r->unpipelined.reached) {
		fprintf(fp, "PIPELINING   %s\n", r->pipelining ? "announced" : "not announced");
		fprintf(fp, "keywords     %s\n", r->keywords);
		fprintf(fp, "STARTTLS     %s\n", r->tls);
	}
	fprintf(fp, "pipelined    %s", pipecheck_batch_name(r->pipelined.batch));
	if (r->pipelined.rcpt_code)
		fprintf(fp, ", RCPT %s", r->pipelined.rcpt_reply);
	fprintf(fp, "\nunpipelined  ");
	if (r->unpipelined.rcpt_code)
		fprintf(fp, "RCPT %s\n", r->unpipelined.rcpt_reply);
	else
		fprintf(fp, "%s\n",
			r->unpipelined.failure[0] ? r->unpipelined.failure : "no RCPT reply");
	fprintf(fp, "verdict      %s: %s\n", pipecheck_verdict_name(r->verdict), r->reason);
	if (r->verdict == PV_PIPELINING_BROKEN) {
		fix_text(buf, sizeof(buf), r);
		fprintf(fp, "fix          %s\n", buf);
	}
	print_dialogue(fp, "pipelined", &r->pipelined);
	print_dialogue(fp, "unpipelined", &r->unpipelined);
}
