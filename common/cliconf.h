/*
 * cliconf - the -c FILE and -o NAME=VALUE options of every program that
 * reads probewatch's configuration (probewatch, probewatch-scan).
 *
 * A program puts CLICONF_OPTS in its getopt string, hands each option to
 * cliconf_option() first, then loads with cliconf_load().  The struct
 * owns the override list (the strings stay argv's) until cliconf_free();
 * the daemon keeps it for the reloads (runtime_reload).  How a program
 * reports the problems counted is its own (messages differ).
 */
#ifndef PW_CLICONF_H
#define PW_CLICONF_H

#include "config.h"

#define CLICONF_OPTS "c:o:"

struct cliconf {
	const char *path; /* -c FILE; NULL: the default (config_load) */
	char **overrides; /* -o NAME=VALUE, in the order given */
	int noverrides;
};

/* Room for every -o that argc arguments can hold. */
void cliconf_init(struct cliconf *cc, int argc);
/* 1 if ch was -c or -o (taken, arg kept), 0 for the caller's own options. */
int cliconf_option(struct cliconf *cc, int ch, char *arg);
/*
 * A new configuration: the file (cc->path, or the default, then set to
 * the file read), then the overrides.  *problems is config_load's count.
 * The caller frees the result with config_free().
 */
struct config *cliconf_load(struct cliconf *cc, int *problems);
/* The override list; safe to call twice. */
void cliconf_free(struct cliconf *cc);

#endif
