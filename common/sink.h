/*
 * sink - where rendered alerts go: syslog(3), a file, standard output.
 *
 * sinks_create() takes the alert_sinks setting ("syslog,file:/PATH,stdout").
 * sinks_deliver() writes one alert (compact JSON, one line) to every sink.
 * A sink that fails (syslog socket gone, disk full, closed pipe) is
 * reported once, keeps the alerts it could not write in a bounded queue,
 * and retries them in order on the next delivery or sinks_retry(); what
 * falls out of a full queue is counted as dropped and reported.  An alert
 * message holds only the JSON (behind "@cee:" with cee set): probewatch's
 * own diagnostics are separate syslog messages.  Not thread-safe: one
 * thread (the sink thread) owns the sinks.
 */
#ifndef PW_SINK_H
#define PW_SINK_H

#include "alert.h"

#include <stddef.h>

#define SINK_PENDING_MAX 1024

struct sinks;

struct sink_stats {
	char name[64];
	unsigned long delivered; /* written, also late */
	unsigned long failed;    /* not written at the first attempt */
	unsigned long dropped;   /* lost from a full queue */
	size_t pending;
	int failing;
};

/* NULL after reporting a bad specification. */
struct sinks *sinks_create(const char *spec, const char *ident, int facility, int cee);
void sinks_free(struct sinks *s);

void sinks_deliver(struct sinks *s, const char *json, size_t len, enum alert_severity sev);
/* Retry what waits; returns how many alerts still wait. */
size_t sinks_retry(struct sinks *s);
/* Reopen file sinks (after logrotate moved them). */
void sinks_reopen(struct sinks *s);

size_t sinks_stats(const struct sinks *s, struct sink_stats *out, size_t max);

/* For tests: the syslog socket that is checked before each message. */
void sinks_set_syslog_socket(const char *path);

#endif
