/*
 * summary - the human-readable report of probewatch-scan --summary.
 *
 * One paragraph per relay: probes seen, failures by class and stage,
 * first and last seen, the verdict and, where the verdict calls for it,
 * the remediation.  Preceded by the line counts of the run.
 */
#ifndef PW_SUMMARY_H
#define PW_SUMMARY_H

#include "engine.h"

#include <stdio.h>

void summary_print(FILE *fp, const struct engine *e);

#endif
