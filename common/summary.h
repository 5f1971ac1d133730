/*
 * summary - the human-readable report of probewatch-scan --summary.
 *
 * One paragraph per relay: probes seen, failures by class and stage,
 * first and last seen, the verdict and, where the verdict calls for it,
 * the remediation.  Preceded by the line counts of the run.  With colour
 * (the caller decides: a terminal, and NO_COLOR unset) the relay lines
 * are bold and the verdict red, yellow or green.  summary_verdict() and
 * summary_remediation() are the same words for other reports (html.c).
 */
#ifndef PW_SUMMARY_H
#define PW_SUMMARY_H

#include "engine.h"
#include "relay.h"

#include <stdio.h>

enum summary_state {
	SS_OK,
	SS_RECOVERED,
	SS_FAILING,
	SS_SUSPECTED
};

void summary_print(FILE *fp, const struct engine *e, int colour);
/* The verdict line's text into buf; its state. */
enum summary_state summary_verdict(const struct relay *r, char *buf, size_t size);
/* The remediation into buf; 0 when the verdict calls for none. */
int summary_remediation(const struct relay *r, char *buf, size_t size);

#endif
