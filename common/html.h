/*
 * html - probewatch-scan --html: the report as one self-contained page.
 *
 * html_report() writes a single HTML document (inline CSS and SVG, no
 * script, no external asset): the run's counts, then one section per
 * relay, the suspected ones first, with the verdict and remediation of
 * the text summary (summary.c), a chart of probe outcomes and refusals
 * over time (timeline.h) and the first and last failure.  Everything
 * from the log is cleaned of control bytes and escaped for HTML.
 */
#ifndef PW_HTML_H
#define PW_HTML_H

#include "engine.h"

#include <stdio.h>

/* sources: what was read, for the page's heading (e.g. the file names). */
void html_report(FILE *fp, const struct engine *e, const char *sources);

#endif
