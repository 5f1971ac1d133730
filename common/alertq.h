/*
 * alertq - the bounded hand-over of rendered alerts to the sink thread.
 *
 * Producers (the log thread, milter threads, the signal thread) push
 * without ever waiting for I/O; when the queue is full the alert is
 * dropped and counted.  A reserve beyond the queue's length takes only
 * alertq_push_reserved(): the alerts that stand for others (fold's
 * summaries) and the rare ones that must not be lost (pipelining
 * suspected, relay recovered) still get in when a burst filled the
 * queue.  The consumer pops with a timeout.  The queue owns
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
/* Wake the consumer: it gets what is left, then -1. */
void alertq_close(struct alertq *q);
void alertq_stats(struct alertq *q, struct alertq_stats *out);

#endif
