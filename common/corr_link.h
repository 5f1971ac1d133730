/*
 * corr_link - which probe caused a refusal.
 *
 * A reject is linked to the latest verdict of the address it refused
 * (the recipient, or the refused sender), when that probe failed on the
 * same MTA with the reason the reject quotes; else to the newest recent
 * failure (recent.h) of that address with that reason (its verdict was
 * replaced, evicted or kept under the rewritten address); else, and said
 * so, to the newest recent failure of another address with that reason.
 * It only reads the verdicts table and the ring of recent failures.
 */
#ifndef PW_CORR_LINK_H
#define PW_CORR_LINK_H

#include "recent.h"
#include "verdicts.h"

/*
 * The verdict r is linked to, or NULL.  When the remembered failure's
 * verdict was replaced or expired, *scratch gets a verdict standing for
 * it (returned too; the caller frees it).  *reason_only is set when the
 * probe is another address's, found by the reason alone.
 */
struct probe_verdict *corr_link(struct verdicts *t, struct recent_failures *recent,
				const struct reject_info *r, struct probe_verdict **scratch,
				int *reason_only);

/* The address that was verified: the recipient, or the refused sender. */
struct pf_str corr_verified_address(const struct reject_info *r);

#endif
