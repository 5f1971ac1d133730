/*
 * corr_link - which probe caused a refusal.
 *
 * A reject is linked to the latest verdict of the address it refused
 * (the recipient, or the refused sender), when that probe failed on the
 * same MTA with the reason the reject quotes; else to the newest recent
 * failure with that reason (another address of the same failure, e.g.
 * after address rewriting).  It only reads the verdicts table.
 */
#ifndef PW_CORR_LINK_H
#define PW_CORR_LINK_H

#include "verdicts.h"

/*
 * The verdict r is linked to, or NULL.  When the remembered failure's
 * verdict was replaced or expired, *scratch gets a verdict that knows only
 * its queue ID (returned too; the caller frees it).
 */
struct probe_verdict *corr_link(struct verdicts *t, const struct reject_info *r,
				struct probe_verdict **scratch);

/* The address that was verified: the recipient, or the refused sender. */
struct pf_str corr_verified_address(const struct reject_info *r);

#endif
