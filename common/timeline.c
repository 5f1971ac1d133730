/*
 * timeline - counts over time in fixed memory (see timeline.h).
 */
#include "timeline.h"

#include <string.h>

#define FIRST_WIDTH 1 /* second a bucket to begin with; it doubles as needed */

static void merge_pairs(struct timeline *tl)
{
	for (int i = 0; i < TIMELINE_BUCKETS / 2; i++)
		for (int k = 0; k < TL_KINDS; k++)
			tl->n[i][k] = tl->n[2 * i][k] + tl->n[2 * i + 1][k];
	memset(tl->n[TIMELINE_BUCKETS / 2], 0, sizeof(tl->n) / 2);
	tl->width *= 2;
}

void timeline_add(struct timeline *tl, time_t when, enum timeline_kind kind)
{
	long at;

	if (tl->width == 0) {
		tl->width = FIRST_WIDTH;
		tl->start = when - when % FIRST_WIDTH;
	}
	if (when < tl->start)
		when = tl->start;
	/* The width doubles at most 63 times before it covers any time_t. */
	while ((when - tl->start) / tl->width >= TIMELINE_BUCKETS && tl->width < (1L << 40))
		merge_pairs(tl);
	at = (long)((when - tl->start) / tl->width);
	if (at >= TIMELINE_BUCKETS)
		at = TIMELINE_BUCKETS - 1;
	tl->n[at][kind]++;
}

int timeline_used(const struct timeline *tl)
{
	for (int i = TIMELINE_BUCKETS - 1; i >= 0; i--)
		for (int k = 0; k < TL_KINDS; k++)
			if (tl->n[i][k])
				return i + 1;
	return 0;
}
