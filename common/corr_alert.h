/*
 * corr_alert - build the alerts the correlator raises.
 *
 * Each function returns a new alert (alert_free) filled with the fields of
 * one event kind, in the postfix-grok-patterns vocabulary, made with the
 * correlator's alert cache.  suspected_cause and how are string literals
 * (alert_literal).
 */
#ifndef PW_CORR_ALERT_H
#define PW_CORR_ALERT_H

#include "corr.h"

/* "probe_failed" or "probe_suspect_success": the event of a failed probe's alert. */
const char *corr_probe_event(const struct probe_verdict *v);
struct alert *corr_alert_probe(struct alert_cache *ac, const struct probe_verdict *v,
			       const char *suspected_cause);
/*
 * linked: the probe it came from (NULL: none found); reason_only: that
 * probe is another address's, found by the reason alone ("link").
 */
struct alert *corr_alert_reject(struct alert_cache *ac, const struct reject_info *r,
				const struct classification *cls,
				const struct probe_verdict *linked, int reason_only);
struct alert *corr_alert_pipelining(struct alert_cache *ac, const struct relay *r,
				    const struct pflog_event *ev, size_t count, long window);
struct alert *corr_alert_recovered(struct alert_cache *ac, const struct relay *r,
				   const struct pflog_event *ev, unsigned long previous,
				   const char *how);

enum alert_severity corr_probe_severity(const struct classification *c);

#endif
