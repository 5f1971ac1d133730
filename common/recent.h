/*
 * recent - the latest failed probes, remembered so that a refusal whose
 * address has no verdict left (expired, evicted by state_max_entries,
 * probed before the log began, replaced by a newer probe) can still find
 * the probe it came from.
 *
 * A refusal quotes its probe's reason (Postfix cuts it at 250 bytes);
 * many probes share one reason ("lost connection with H[A] while
 * sending RCPT TO" for every recipient behind H).  So a match on the
 * reason alone names *some* probe that failed the same way, not
 * necessarily this address's: recent_find() says which kind of match it
 * made, and the alert says so.  The ring is a fixed size; it owns its
 * copies of the strings.
 */
#ifndef PW_RECENT_H
#define PW_RECENT_H

#include "corr.h"
#include "pflog.h"

#include <stddef.h>

#define RECENT_FAILURES 256

struct recent_failures;

/* What the ring keeps of a failed probe; the strings are the ring's. */
struct recent_probe {
	const char *queue_id, *to, *orig_to, *syslog_host, *reason; /* orig_to "" when none */
	const char *relay_host, *relay_addr;                        /* NULL: no server named */
	int relay_port;
	int sender_probe; /* a refused sender was counted on it */
};

enum recent_match {
	RECENT_NONE,
	RECENT_SAME_ADDRESS, /* a probe of this very address (to= or orig_to=) */
	RECENT_REASON_ONLY,  /* a probe of another address, with the same reason */
};

struct recent_failures *recent_create(void);
void recent_free(struct recent_failures *r);

/* Remember a failed probe; the oldest of the ring goes. */
void recent_add(struct recent_failures *r, const struct probe_verdict *v);

/*
 * The newest failed probe of the MTA host (NULL: any, for the milter,
 * which knows no syslog host) whose reason the refusal quotes: one of
 * addr itself when the ring has one (*match RECENT_SAME_ADDRESS), else
 * the newest of any address (RECENT_REASON_ONLY); NULL (RECENT_NONE)
 * when none.  Valid until the next recent_add().
 */
struct recent_probe *recent_find(struct recent_failures *r, const struct pf_str *host,
				 struct pf_str addr, struct pf_str reason,
				 enum recent_match *match);

/*
 * A verdict standing for a remembered probe whose own verdict is gone:
 * its queue ID, recipient, MTA and relay, the failure's class unknown.
 * One allocation: free() it.
 */
struct probe_verdict *recent_verdict(const struct recent_probe *p);

/* A refused sender was counted on this probe (its verdict's sender_probe): remember it. */
void recent_mark_sender(struct recent_failures *r, const char *syslog_host, const char *queue_id);

/*
 * Whether a refusal's reason is the probe's: the same text, or the
 * probe's cut where Postfix cuts it (the refusal then holds at least 200
 * bytes of it).
 */
int recent_reason_matches(const char *probe_reason, struct pf_str reject_reason);

#endif
