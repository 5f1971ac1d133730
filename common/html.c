/*
 * html - the report as a page (see html.h).
 */
#include "html.h"
#include "summary.h"
#include "timeline.h"
#include "utf8.h"
#include "xmem.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHART_W 720
#define CHART_H 170
#define PLOT_X  48 /* left margin for the scale */
#define PLOT_Y  10
#define PLOT_W  (CHART_W - PLOT_X - 10)
#define PLOT_H  (CHART_H - PLOT_Y - 34)

/* Text from the log: no control bytes, HTML's five characters escaped. */
static void put_text(FILE *fp, const char *s)
{
	char buf[2048];
	size_t n = text_clean(s, strlen(s), buf, sizeof(buf), TEXT_NO_CONTROLS, NULL);

	for (size_t i = 0; i < n; i++) {
		switch (buf[i]) {
		case '&':
			fputs("&amp;", fp);
			break;
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		case '\'':
			fputs("&#39;", fp);
			break;
		default:
			fputc(buf[i], fp);
		}
	}
}

static void put_time(FILE *fp, const struct pftime *t)
{
	char buf[64];

	if (t->sec == 0) {
		fputs("-", fp);
		return;
	}
	pftime_format(t, buf, sizeof(buf));
	put_text(fp, buf);
}

static void put_utc(FILE *fp, time_t t)
{
	char buf[32];
	struct tm tm;

	if (gmtime_r(&t, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", &tm))
		fputs(buf, fp);
}

/* The suspected first, then failing, recovered, ok; by name within. */
static int by_state(const void *a, const void *b)
{
	const struct relay *x = *(const struct relay *const *)a;
	const struct relay *y = *(const struct relay *const *)b;
	char buf[8];
	int sx = (int)summary_verdict(x, buf, sizeof(buf)), sy = (int)summary_verdict(y, buf, 1);
	int c;

	if (sx != sy)
		return sy - sx;
	if ((c = strcmp(x->host, y->host)) != 0)
		return c;
	if ((c = strcmp(x->addr, y->addr)) != 0)
		return c;
	return x->port - y->port;
}

static const char *const kind_colour[TL_KINDS] = { "#2e7d32", "#c62828", "#ef6c00", "#1565c0" };
static const char *const kind_name[TL_KINDS] = { "probes succeeded", "probes failed",
						 "suspect successes (221 as RCPT reply)",
						 "refusals caused" };

/* Stacked bars of probe outcomes per bucket, refusals as a line over them. */
static void chart(FILE *fp, const struct timeline *tl)
{
	/* At least 24 slots, so that a short log does not draw wide blocks. */
	int used = timeline_used(tl), n = used > 24 ? used : 24;
	unsigned long max = 1;
	double bw;

	for (int i = 0; i < used; i++) {
		unsigned long probes =
			tl->n[i][TL_SUCCEEDED] + tl->n[i][TL_FAILED] + tl->n[i][TL_SUSPECT];

		if (probes > max)
			max = probes;
		if (tl->n[i][TL_REJECTED] > max)
			max = tl->n[i][TL_REJECTED];
	}
	bw = (double)PLOT_W / n;
	fprintf(fp,
		"<svg class=\"chart\" role=\"img\" viewBox=\"0 0 %d %d\" width=\"%d\" "
		"height=\"%d\" "
		"xmlns=\"http://www.w3.org/2000/svg\">\n<title>probe outcomes and refusals over "
		"time</title>\n",
		CHART_W, CHART_H, CHART_W, CHART_H);
	fprintf(fp,
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>"
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>\n",
		PLOT_X, PLOT_Y, PLOT_X, PLOT_Y + PLOT_H, PLOT_X, PLOT_Y + PLOT_H, PLOT_X + PLOT_W,
		PLOT_Y + PLOT_H);
	fprintf(fp,
		"<text x=\"%d\" y=\"%d\" class=\"scale\" text-anchor=\"end\">%lu</text>"
		"<text x=\"%d\" y=\"%d\" class=\"scale\" text-anchor=\"end\">0</text>\n",
		PLOT_X - 4, PLOT_Y + 10, max, PLOT_X - 4, PLOT_Y + PLOT_H);
	for (int i = 0; i < used; i++) {
		double x = PLOT_X + i * bw + bw * 0.1, y = PLOT_Y + PLOT_H;

		for (int k = TL_SUCCEEDED; k <= TL_SUSPECT; k++) {
			double h = (double)tl->n[i][k] * PLOT_H / (double)max;

			if (tl->n[i][k] == 0)
				continue;
			y -= h;
			fprintf(fp,
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				"fill=\"%s\"><title>%lu %s</title></rect>\n",
				x, y, bw * 0.8, h, kind_colour[k], tl->n[i][k], kind_name[k]);
		}
	}
	fputs("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"#1565c0\" points=\"", fp);
	for (int i = 0; i < used; i++)
		fprintf(fp, "%s%.1f,%.1f", i ? " " : "", PLOT_X + (i + 0.5) * bw,
			PLOT_Y + PLOT_H - (double)tl->n[i][TL_REJECTED] * PLOT_H / (double)max);
	fputs("\"/>\n", fp);
	for (int i = 0; i < used; i++)
		if (tl->n[i][TL_REJECTED])
			fprintf(fp,
				"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"#1565c0\">"
				"<title>%lu %s</title></circle>\n",
				PLOT_X + (i + 0.5) * bw,
				PLOT_Y + PLOT_H -
					(double)tl->n[i][TL_REJECTED] * PLOT_H / (double)max,
				tl->n[i][TL_REJECTED], kind_name[TL_REJECTED]);
	if (used > 0) {
		fprintf(fp, "<text x=\"%d\" y=\"%d\" class=\"scale\">", PLOT_X, CHART_H - 8);
		put_utc(fp, tl->start);
		fprintf(fp, "</text><text x=\"%d\" y=\"%d\" class=\"scale\" text-anchor=\"end\">",
			PLOT_X + PLOT_W, CHART_H - 8);
		put_utc(fp, tl->start + (time_t)n * tl->width);
		fprintf(fp,
			"</text><text x=\"%d\" y=\"%d\" class=\"scale\" text-anchor=\"middle\">",
			PLOT_X + PLOT_W / 2, CHART_H - 8);
		if (tl->width < 120)
			fprintf(fp, "%ld s per bar</text>\n", tl->width);
		else if (tl->width < 7200)
			fprintf(fp, "%ld min per bar</text>\n", tl->width / 60);
		else
			fprintf(fp, "%ld h per bar</text>\n", tl->width / 3600);
	}
	fputs("</svg>\n<p class=\"legend\">", fp);
	for (int k = 0; k < TL_KINDS; k++)
		fprintf(fp, "<span><i style=\"background:%s\"></i>%s</span>", kind_colour[k],
			kind_name[k]);
	fputs("</p>\n", fp);
}

static void row(FILE *fp, const char *label)
{
	fprintf(fp, "<tr><th>%s</th><td>", label);
}

static void relay_section(FILE *fp, const struct relay *r)
{
	static const char *const state_class[] = { "ok", "recovered", "failing", "suspected" };
	char text[1400];
	enum summary_state st = summary_verdict(r, text, sizeof(text));
	int first = 1;

	fprintf(fp, "<section class=\"relay %s\">\n<h2>", state_class[st]);
	put_text(fp, r->host);
	fputc('[', fp);
	put_text(fp, r->addr);
	fputc(']', fp);
	if (r->port)
		fprintf(fp, ":%d", r->port);
	fputs(" <small>from ", fp);
	put_text(fp, r->mta);
	fputs("</small></h2>\n<p class=\"verdict\">", fp);
	put_text(fp, text);
	fputs("</p>\n", fp);
	chart(fp, &r->timeline);
	fputs("<table>\n", fp);
	row(fp, "probes");
	fprintf(fp, "%lu (succeeded %lu, suspect success %lu, failed %lu)</td></tr>\n", r->probes,
		r->successes, r->suspect_successes, r->failures);
	row(fp, "failures");
	for (int c = 1; c < FC_COUNT; c++)
		for (int s = 0; s < ST_COUNT; s++)
			if (r->by_class_stage[c][s]) {
				const char *stage = smtp_stage_name(s);

				fprintf(fp, "%s%s%s%s %lu", first ? "" : ", ",
					failure_class_name(c), stage ? "/" : "", stage ? stage : "",
					r->by_class_stage[c][s]);
				first = 0;
			}
	fprintf(fp, "%s</td></tr>\n", first ? "none" : "");
	if (r->recipient_rejects || r->sender_rejects) {
		row(fp, "refused");
		if (r->sender_rejects) {
			fprintf(fp, "mail from ");
			put_text(fp, r->sender_domain ? r->sender_domain : "");
			fprintf(fp, "%s %lu time%s (sender verification)%s",
				r->other_sender_domains ? " and other domains" : "",
				r->sender_rejects, r->sender_rejects == 1 ? "" : "s",
				r->recipient_rejects ? "; " : "");
		}
		if (r->recipient_rejects)
			fprintf(fp, "recipients %lu time%s (recipient verification)",
				r->recipient_rejects, r->recipient_rejects == 1 ? "" : "s");
		fputs("</td></tr>\n", fp);
	}
	row(fp, "first failure");
	put_time(fp, &r->first_failure);
	fputs("</td></tr>\n", fp);
	row(fp, "last failure");
	put_time(fp, &r->last_failure);
	fputs("</td></tr>\n", fp);
	row(fp, "seen");
	put_time(fp, &r->first_seen);
	fputs(" to ", fp);
	put_time(fp, &r->last_seen);
	fputs("</td></tr>\n</table>\n", fp);
	if (summary_remediation(r, text, sizeof(text))) {
		fputs("<h3>Remediation</h3>\n<p class=\"remediation\">", fp);
		put_text(fp, text);
		fputs("</p>\n<p class=\"hint\">probewatch-scan --remediation prints it as a script "
		      "for this Postfix.</p>\n",
		      fp);
	}
	fputs("</section>\n", fp);
}

static const char style[] =
	"body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:780px;color:#222}"
	"h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin:0 0 .3em}"
	"h2 small{font-weight:normal;color:#666}.meta{color:#555}"
	"section.relay{border:1px solid #ddd;border-left:6px solid #2e7d32;border-radius:4px;"
	"padding:.8em 1em;margin:1.2em 0}"
	"section.suspected{border-left-color:#c62828}section.failing{border-left-color:#ef6c00}"
	"section.recovered{border-left-color:#1565c0}"
	".verdict{font-weight:600}.suspected .verdict{color:#c62828}"
	"table{border-collapse:collapse;margin:.5em 0}th{text-align:left;padding-right:1em;"
	"color:#555;font-weight:normal;vertical-align:top}"
	".remediation{background:#f6f6f6;padding:.6em;border-radius:3px;font-family:monospace;"
	"font-size:13px;white-space:pre-wrap}.hint{color:#666;font-size:13px}"
	".chart .axis{stroke:#999}.chart .scale{font-size:11px;fill:#555}"
	".legend span{margin-right:1em;font-size:13px}.legend i{display:inline-block;width:.8em;"
	"height:.8em;margin-right:.3em;vertical-align:-1px}";

void html_report(FILE *fp, const struct engine *e, const char *sources)
{
	const struct engine_stats *st = engine_stats(e);
	struct corr_counts cc;
	size_t n;
	const struct relay **v;
	size_t suspected = 0;
	char buf[8];

	engine_counts(e, &cc);
	v = engine_relay_list(e, by_state, &n);
	for (size_t i = 0; i < n; i++)
		suspected += summary_verdict(v[i], buf, sizeof(buf)) == SS_SUSPECTED;
	fprintf(fp,
		"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width\">\n"
		"<title>probewatch report</title>\n<style>%s</style>\n</head>\n<body>\n"
		"<h1>probewatch report</h1>\n<p class=\"meta\">",
		style);
	put_text(fp, sources);
	fprintf(fp,
		": %lu lines, %lu probes (%lu failed), %lu recipients and %lu senders refused "
		"for an unverified address, %zu server%s, %zu suspected of breaking on "
		"pipelining.</p>\n",
		st->lines, cc.probes, cc.probe_failures, cc.rejects, cc.sender_rejects, n,
		n == 1 ? "" : "s", suspected);
	if (n == 0)
		fputs("<p>No probe to a downstream server in this log.</p>\n", fp);
	for (size_t i = 0; i < n; i++)
		relay_section(fp, v[i]);
	fputs("</body>\n</html>\n", fp);
	free(v);
}
