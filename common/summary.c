/*
 * summary - per-relay report (see summary.h).
 */
#include "summary.h"
#include "remedy.h"
#include "utf8.h"
#include "xmem.h"

#include <stdlib.h>
#include <string.h>

static int by_name(const void *a, const void *b)
{
	const struct relay *x = *(const struct relay *const *)a;
	const struct relay *y = *(const struct relay *const *)b;
	int c = strcmp(x->mta, y->mta);

	if (c == 0)
		c = strcmp(x->host, y->host);

	if (c == 0)
		c = strcmp(x->addr, y->addr);
	return c ? c : x->port - y->port;
}

/* Names from the log are printed cleaned: no control bytes reach the terminal. */
static void put_clean(FILE *fp, const char *s)
{
	char buf[256];
	size_t n = text_clean(s, strlen(s), buf, sizeof(buf), TEXT_NO_CONTROLS, NULL);

	fwrite(buf, 1, n, fp);
}

static void print_time(FILE *fp, const char *label, const struct pftime *t)
{
	char buf[64];

	pftime_format(t, buf, sizeof(buf));
	fprintf(fp, "  %-12s %s\n", label, buf);
}

/* "once", "3 times" */
static void print_times(FILE *fp, unsigned long n)
{
	if (n == 1)
		fputs(" once", fp);
	else
		fprintf(fp, " %lu times", n);
}

/*
 * Refusals linked to the relay's probes, sender verification apart, one
 * per refused RCPT (or MAIL) as smtpd logs them: "mail from example.org
 * 3 times (sender verification, 2 sender probes); recipients once ...".
 */
static void print_refusals(FILE *fp, const struct relay *r)
{
	if (r->sender_rejects == 0 && r->recipient_rejects == 0)
		return;
	fprintf(fp, "  %-12s", "refused");
	if (r->sender_rejects) {
		fputs(" mail from ", fp);
		put_clean(fp, r->sender_domain ? r->sender_domain : "");
		fputs(r->other_sender_domains ? " and other domains" : "", fp);
		print_times(fp, r->sender_rejects);
		fprintf(fp, " (sender verification, %lu sender probe%s)", r->sender_probes,
			r->sender_probes == 1 ? "" : "s");
	}
	if (r->recipient_rejects) {
		fputs(r->sender_rejects ? "; recipients" : " recipients", fp);
		print_times(fp, r->recipient_rejects);
		fputs(" (recipient verification)", fp);
	}
	fputc('\n', fp);
}

enum summary_state summary_verdict(const struct relay *r, char *buf, size_t size)
{
	unsigned long pipelining = r->by_class_stage[FC_LOST_CONNECTION][ST_MAIL] +
				   r->by_class_stage[FC_LOST_CONNECTION][ST_RCPT];

	if (r->flagged) {
		snprintf(buf, size,
			 "PIPELINING SUSPECTED: the server drops the connection (or answers "
			 "the QUIT) when Postfix pipelines MAIL FROM/RCPT TO/RSET/QUIT; "
			 "%lu such probe failures",
			 pipelining + r->suspect_successes);
		return SS_SUSPECTED;
	}
	if (r->suspect_successes) {
		snprintf(buf, size,
			 "SUSPECT: %lu probes took a 221 reply as the RCPT answer, so "
			 "every address verifies",
			 r->suspect_successes);
		return SS_SUSPECTED;
	}
	if (r->recovered) {
		snprintf(buf, size,
			 "recovered: probes succeed again after the pipelining failures");
		return SS_RECOVERED;
	}
	if (r->failures) {
		snprintf(buf, size, "failing: %lu of %lu probes failed", r->failures, r->probes);
		return SS_FAILING;
	}
	snprintf(buf, size, "ok");
	return SS_OK;
}

int summary_remediation(const struct relay *r, char *buf, size_t size)
{
	if (!r->flagged && !r->suspect_successes)
		return 0;
	if (r->sender_rejects)
		remedy_sender_side(buf, size, r->addr, strlen(r->addr), 1);
	else
		remedy_pipelining(buf, size, r->addr, strlen(r->addr));
	return 1;
}

/* ANSI colours of a verdict (a terminal only: see summary_print). */
static const char *state_colour(enum summary_state st)
{
	switch (st) {
	case SS_SUSPECTED:
		return "\033[1;31m";
	case SS_FAILING:
		return "\033[33m";
	default:
		return "\033[32m";
	}
}

static void print_relay(FILE *fp, const struct relay *r, int colour)
{
	int first = 1;
	char text[1400];
	enum summary_state st;

	fputs(colour ? "\033[1mrelay " : "relay ", fp);
	put_clean(fp, r->host);
	fputc('[', fp);
	put_clean(fp, r->addr);
	fputc(']', fp);
	if (r->port)
		fprintf(fp, ":%d", r->port);
	fputs(" (from ", fp);
	put_clean(fp, r->mta);
	fputs(colour ? ")\033[0m\n" : ")\n", fp);
	fprintf(fp, "  %-12s %lu (succeeded %lu, suspect success %lu, failed %lu)\n", "probes",
		r->probes, r->successes, r->suspect_successes, r->failures);
	fprintf(fp, "  %-12s", "failures");
	for (int c = 1; c < FC_COUNT; c++)
		for (int s = 0; s < ST_COUNT; s++)
			if (r->by_class_stage[c][s]) {
				const char *stage = smtp_stage_name(s);

				fprintf(fp, "%s %s%s%s %lu", first ? "" : ",",
					failure_class_name(c), stage ? "/" : "", stage ? stage : "",
					r->by_class_stage[c][s]);
				first = 0;
			}
	fprintf(fp, "%s\n", first ? " none" : "");
	print_refusals(fp, r);
	print_time(fp, "first seen", &r->first_seen);
	print_time(fp, "last seen", &r->last_seen);
	st = summary_verdict(r, text, sizeof(text));
	fprintf(fp, "  %-12s %s%s%s\n", "verdict", colour ? state_colour(st) : "", text,
		colour ? "\033[0m" : "");
	if (summary_remediation(r, text, sizeof(text)))
		fprintf(fp, "  %-12s %s\n", "remediation", text);
	fputc('\n', fp);
}

void summary_print(FILE *fp, const struct engine *e, int colour)
{
	const struct engine_stats *st = engine_stats(e);
	struct corr_counts cc;
	const struct relay **v;
	size_t n;

	engine_counts(e, &cc);
	fprintf(fp, "probewatch-scan summary\n");
	fprintf(fp,
		"  lines        %lu (Postfix events %lu, other Postfix %lu, other programs %lu, "
		"malformed %lu, overlong %lu)\n",
		st->lines, st->lines - st->ignored - st->foreign - st->malformed - st->overlong,
		st->ignored, st->foreign, st->malformed, st->overlong);
	fprintf(fp, "  events      ");
	for (int k = PFE_NONE + 1; k < PFE_KIND_COUNT; k++)
		fprintf(fp, " %s %lu%s", engine_event_kind_name(k), st->events[k],
			k + 1 < PFE_KIND_COUNT ? "," : "\n");
	fprintf(fp, "  probes       %lu (failed %lu)\n", cc.probes, cc.probe_failures);
	fprintf(fp,
		"  rejects      %lu unverified-recipient rejects, %lu unverified-sender rejects\n",
		cc.rejects, cc.sender_rejects);
	fprintf(fp, "  alerts      ");
	for (int k = 0; k < EA_OTHER; k++)
		fprintf(fp, " %s %lu%s", engine_alert_kind_name(k), st->alerts[k],
			k + 1 < EA_OTHER ? "," : "\n");
	fputc('\n', fp);
	v = engine_relay_list(e, by_name, &n);
	if (n == 0)
		fprintf(fp, "no probes to a relay seen\n");
	else
		for (size_t i = 0; i < n; i++)
			print_relay(fp, v[i], colour);
	free(v);
}
