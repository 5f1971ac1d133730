/*
 * alertq - the bounded hand-over of rendered alerts to the sink thread.
 *
 * Producers (the log thread, milter threads, the signal thread) push
 * without ever waiting for I/O; when the queue is full the alert is
 * dropped and counted.  A reserve beyond the queue's length takes only
 * alertq_push_reserved(): the alerts that stand for others (fold's
 * summaries) and the rare ones that must not be lost (pipelining
 * suspected, relay recovered) still get in when a burst filled the
 * queue.  The log thread, which may wait, asks for room before each line
 * (alertq_wait_room), so that a slow sink slows the reading of the log
 * instead of losing alerts.  The consumer pops with a timeout.  The queue owns
 * pushed strings until they are popped; the popper frees them.
 */
#ifndef PW_ALERTQ_H
#define PW_ALERTQ_H

#include "alert.h"

#include <stddef.h>

struct alertq;

struct queued_alert {
	char *json;
	size_t len;
	enum alert_severity sev;
};

struct alertq_stats {
	unsigned long pushed, dropped; /* dropped: ordinary and reserved pushes */
	unsigned long waits;           /* times a producer waited for room */
	size_t length, high_water;
};

/* max alerts for alertq_push, reserve more for alertq_push_reserved. */
struct alertq *alertq_create(size_t max, size_t reserve);
void alertq_free(struct alertq *q);

/* Takes json (malloc'ed); returns 0, or -1 when full (json freed, counted). */
int alertq_push(struct alertq *q, char *json, size_t len, enum alert_severity sev);
/* The same, into the reserve once the queue is full. */
int alertq_push_reserved(struct alertq *q, char *json, size_t len, enum alert_severity sev);
/* 1 with an alert, 0 on timeout, -1 when closed and empty. */
int alertq_pop(struct alertq *q, struct queued_alert *out, int timeout_ms);
/*
 * With high or more alerts queued, wait until the consumer took them down
 * to low (or timeout_ms passed, or the queue closed).  1 when there is
 * room now (fewer than high), else 0.
 */
int alertq_wait_room(struct alertq *q, size_t high, size_t low, int timeout_ms);
/* Wake the consumer: it gets what is left, then -1. */
void alertq_close(struct alertq *q);
void alertq_stats(struct alertq *q, struct alertq_stats *out);

#endif
