/*
 * alertq - a mutex-and-condition ring of rendered alerts (see alertq.h).
 */
#include "alertq.h"
#include "xmem.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct alertq {
	pthread_mutex_t lock;
	pthread_cond_t nonempty;
	struct queued_alert *ring;
	size_t max, size, head, count; /* size: the ring, max plus the reserve */
	int closed;
	struct alertq_stats st;
};

struct alertq *alertq_create(size_t max, size_t reserve)
{
	struct alertq *q = xcalloc(1, sizeof(*q));
	pthread_condattr_t ca;

	q->max = max ? max : 1;
	q->size = q->max + reserve;
	q->ring = xcalloc(q->size, sizeof(*q->ring));
	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->nonempty, &ca);
	pthread_condattr_destroy(&ca);
	return q;
}

void alertq_free(struct alertq *q)
{
	if (q == NULL)
		return;
	while (q->count) {
		free(q->ring[q->head].json);
		q->head = (q->head + 1) % q->size;
		q->count--;
	}
	pthread_cond_destroy(&q->nonempty);
	pthread_mutex_destroy(&q->lock);
	free(q->ring);
	free(q);
}

static int push(struct alertq *q, char *json, size_t len, enum alert_severity sev, size_t limit)
{
	int rc = 0;

	pthread_mutex_lock(&q->lock);
	if (q->count >= limit || q->closed) {
		q->st.dropped++;
		rc = -1;
	} else {
		struct queued_alert *a = &q->ring[(q->head + q->count) % q->size];

		a->json = json;
		a->len = len;
		a->sev = sev;
		q->count++;
		q->st.pushed++;
		if (q->count > q->st.high_water)
			q->st.high_water = q->count;
		pthread_cond_signal(&q->nonempty);
	}
	pthread_mutex_unlock(&q->lock);
	if (rc < 0)
		free(json);
	return rc;
}

int alertq_push(struct alertq *q, char *json, size_t len, enum alert_severity sev)
{
	return push(q, json, len, sev, q->max);
}

int alertq_push_reserved(struct alertq *q, char *json, size_t len, enum alert_severity sev)
{
	return push(q, json, len, sev, q->size);
}

int alertq_pop(struct alertq *q, struct queued_alert *out, int timeout_ms)
{
	struct timespec until;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&q->lock);
	while (q->count == 0 && !q->closed && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&q->nonempty, &q->lock, &until);
	if (q->count) {
		*out = q->ring[q->head];
		q->head = (q->head + 1) % q->size;
		q->count--;
		rc = 1;
	} else {
		rc = q->closed ? -1 : 0;
	}
	pthread_mutex_unlock(&q->lock);
	return rc;
}

void alertq_close(struct alertq *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = 1;
	pthread_cond_broadcast(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
}

void alertq_stats(struct alertq *q, struct alertq_stats *out)
{
	pthread_mutex_lock(&q->lock);
	*out = q->st;
	out->length = q->count;
	pthread_mutex_unlock(&q->lock);
}
