/*
 * fixcmd - probewatch-scan's commands for the fix: --verify-cache and
 * --remediation.
 *
 * fixcmd_verify_cache() lists the verify cache's negative entries
 * (address, when probed, the relay it blames, the cached reason), only
 * those blaming 'relay' when given, and with 'flush' removes exactly
 * those entries, as a dry run unless 'yes'.  fixcmd_remediation() prints
 * the exact fix (fixplan) for every relay the engine flagged, with the
 * cached failures that blame it.  Both return the program's exit status:
 * 0, 1 when something could not be done (said on standard error), 2 for
 * an error before anything was done.
 */
#ifndef PW_FIXCMD_H
#define PW_FIXCMD_H

#include "engine.h"

#include <stdio.h>

struct fixcmd_opts {
	const char *confdir; /* Postfix's -c folder, NULL for its default */
	const char *map;     /* NULL: address_verify_map */
	const char *relay;   /* host name or address, NULL for all */
	int flush, yes;
};

int fixcmd_verify_cache(FILE *fp, const struct fixcmd_opts *o);
int fixcmd_remediation(FILE *fp, const struct engine *e, const struct fixcmd_opts *o);

#endif
