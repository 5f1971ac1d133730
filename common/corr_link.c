/*
 * corr_link - which probe caused a refusal (see corr_link.h).
 */
#include "corr_link.h"
#include "pwlimits.h"

#include <string.h>

/* Postfix quotes the probe's reason, cut to 250 characters. */
static int reason_matches(const char *probe_reason, struct pf_str reject_reason)
{
	size_t n = strlen(probe_reason);

	if (reject_reason.len == 0 || reject_reason.len > n)
		return 0;
	if (memcmp(probe_reason, reject_reason.p, reject_reason.len) != 0)
		return 0;
	return reject_reason.len == n || reject_reason.len >= 200;
}

/* A host the correlator stored (cut at PW_HOST_MAX) against one from a line. */
static int same_host(const char *name, struct pf_str host)
{
	size_t n = host.len > PW_HOST_MAX ? PW_HOST_MAX : host.len;

	return strlen(name) == n && memcmp(name, host.p, n) == 0;
}

struct pf_str corr_verified_address(const struct reject_info *r)
{
	return r->sender ? r->from : r->rcpt;
}

struct probe_verdict *corr_link(struct verdicts *t, const struct reject_info *r,
				struct probe_verdict **scratch)
{
	struct pf_str addr = corr_verified_address(r);
	struct probe_verdict *v = verdicts_find(t, addr.p, addr.len);
	const struct recent_failure *f;

	/* The probe of the same MTA, for the same recipient, with the same reason. */
	if (v && v->cls.cls != FC_NONE && (r->from_milter || same_host(v->syslog_host, r->host)) &&
	    reason_matches(v->reason, r->reason))
		return v;
	/* Another address of the same failure, e.g. after address rewriting. */
	for (size_t i = 0; (f = verdicts_recent(t, i)) != NULL; i++) {
		if ((!r->from_milter && !same_host(f->syslog_host, r->host)) ||
		    !reason_matches(f->reason, r->reason))
			continue;
		v = verdicts_find(t, f->rcpt, strlen(f->rcpt));
		if (v && strcmp(v->queue_id, f->queue_id) == 0)
			return v;
		/* The verdict was replaced or expired: the queue ID alone still helps. */
		*scratch = verdict_of_queue_id(f->queue_id);
		return *scratch;
	}
	return NULL;
}
