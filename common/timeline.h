/*
 * timeline - a bounded count of events over time, for the report's charts.
 *
 * TIMELINE_BUCKETS buckets of equal width cover the time from the first
 * event on; when an event falls past the last bucket, neighbouring
 * buckets are merged and the width doubles, so any span of time fits in
 * the same memory (a day of a busy log and a month alike).  An event
 * earlier than the first one (lines out of order) is counted in the
 * first bucket.  The caller embeds the struct; it owns no memory.
 */
#ifndef PW_TIMELINE_H
#define PW_TIMELINE_H

#include <time.h>

#define TIMELINE_BUCKETS 48

enum timeline_kind {
	TL_SUCCEEDED,
	TL_FAILED,
	TL_SUSPECT,  /* a 221 taken as the RCPT reply */
	TL_REJECTED, /* a refusal smtpd logged because of a probe */
	TL_KINDS
};

struct timeline {
	time_t start; /* of bucket 0; 0 before the first event */
	long width;   /* seconds per bucket */
	unsigned long n[TIMELINE_BUCKETS][TL_KINDS];
};

void timeline_add(struct timeline *tl, time_t when, enum timeline_kind kind);
/* The number of buckets up to the last one used (0 when empty). */
int timeline_used(const struct timeline *tl);

#endif
