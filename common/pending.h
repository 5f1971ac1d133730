/*
 * pending - rejects waiting for their other half (the log's line or the
 * milter's RCPT), at most PENDING_MAX, oldest first.
 *
 * The table owns the copies it holds (reject.h) and hands each back to
 * the caller when it leaves: joined with its partner, due, pushed out by
 * a newer one when full, or at the end.  The caller frees what it gets.
 */
#ifndef PW_PENDING_H
#define PW_PENDING_H

#include "reject.h"

#include <time.h>

#define PENDING_MAX 1024

struct pending;

struct pending *pending_create(void);
/* Frees the table and every copy still in it. */
void pending_free(struct pending *p);

/*
 * The waiting other half of r, taken out: the other source's record of
 * the same RCPT, client and reason (one side may be cut at 250
 * characters), for a refused sender of the same sender too.  NULL: none.
 */
struct reject_copy *pending_take_partner(struct pending *p, const struct reject_info *r);
/* Let c wait until deadline.  When the table is full the oldest is handed back. */
struct reject_copy *pending_add(struct pending *p, struct reject_copy *c, time_t deadline);
/* The oldest whose deadline is not after now, taken out; NULL: none. */
struct reject_copy *pending_take_due(struct pending *p, time_t now);

#endif
