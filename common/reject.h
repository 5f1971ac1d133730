/*
 * reject - the reject record (struct reject_info, corr_types.h): built
 * from a log event or from what the milter saw, copied, merged.
 *
 * A record built here points into its source (the log line, the milter's
 * strings); reject_copy_new() makes one that owns its text, in a single
 * allocation that reject_copy_free() releases.  reject_copy_new() is
 * fallible (NULL without memory): the milter's threads use it and must
 * go on without memory.
 */
#ifndef PW_REJECT_H
#define PW_REJECT_H

#include "corr_types.h"

/* The record of a smtpd "reject:" line (PFE_REJECT), pointing into the event's line. */
void reject_from_event(struct reject_info *r, const struct pflog_event *ev);

/* A field from a C string (NULL: empty), cut at PW_ADDR_MAX as the milter's macros are. */
void reject_set(struct pf_str *field, const char *s);

/* A record that owns its text (each field cut at PW_REASON_MAX). */
struct reject_copy {
	struct reject_info r;
	time_t arrived; /* wall clock, when its source handed it over */
};

struct reject_copy *reject_copy_new(const struct reject_info *r);
void reject_copy_free(struct reject_copy *c);

/* The log's half and the milter's half: the log knows the code, the milter the session. */
void reject_merge(struct reject_info *out, const struct reject_info *log,
		  const struct reject_info *milter);

#endif
