/*
 * corr_link - which probe caused a refusal (see corr_link.h).
 */
#include "corr_link.h"
#include "pwlimits.h"

#include <string.h>

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

struct probe_verdict *corr_link(struct verdicts *t, struct recent_failures *recent,
				const struct reject_info *r, struct probe_verdict **scratch,
				int *reason_only)
{
	struct pf_str addr = corr_verified_address(r);
	struct probe_verdict *v = verdicts_find(t, addr.p, addr.len);
	struct recent_probe *p;
	enum recent_match m;

	/* The probe of the same MTA, for the same recipient, with the same reason. */
	if (v && v->cls.cls != FC_NONE && (r->from_milter || same_host(v->syslog_host, r->host)) &&
	    recent_reason_matches(v->reason, r->reason))
		return v;
	p = recent_find(recent, r->from_milter ? NULL : &r->host, addr, r->reason, &m);
	if (p == NULL)
		return NULL;
	*reason_only = m == RECENT_REASON_ONLY;
	v = verdicts_find(t, p->to, strlen(p->to));
	if (v && strcmp(v->queue_id, p->queue_id) == 0)
		return v;
	/* The verdict was replaced or expired: what the ring kept of the probe. */
	*scratch = recent_verdict(p);
	return *scratch;
}
