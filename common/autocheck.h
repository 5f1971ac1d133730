/*
 * autocheck - the daemon proves its own pipelining_suspected.
 *
 * With pipecheck_on_suspicion = yes, every pipelining_suspected alert asks
 * for one check of that server (pipecheck.c: the pipelined and the
 * unpipelined probe), at most once per server per pipecheck_interval.
 * The checks run in autocheck's own thread, one at a time, never in the
 * log thread or a milter callback; requests wait in a small bounded queue
 * (a request that finds it full is dropped and counted).  Each check ends
 * in one alert, pipelining_confirmed (critical) or
 * pipelining_not_confirmed (warning), with the verdict, its reason and
 * the pipelined dialogue's transcript, handed to 'deliver' as rendered
 * JSON from autocheck's thread.  autocheck_free() stops the thread (a
 * check under way ends within its own time limits first).
 */
#ifndef PW_AUTOCHECK_H
#define PW_AUTOCHECK_H

#include "alert.h"

#include <stddef.h>

#define AUTOCHECK_QUEUE_MAX 16
#define AUTOCHECK_TIMEOUT   5 /* seconds for each step of a check */

typedef void (*autocheck_deliver_fn)(void *ctx, char *json, size_t len, enum alert_severity sev);

struct autocheck;

struct autocheck *autocheck_create(autocheck_deliver_fn deliver, void *ctx);
void autocheck_free(struct autocheck *ac);
void autocheck_configure(struct autocheck *ac, int enabled, long interval);
/*
 * A pipelining_suspected alert as rendered: queue its check when due.  No
 * I/O, safe under the engine lock.
 */
void autocheck_suspected(struct autocheck *ac, const char *json, size_t len);
unsigned long autocheck_dropped(const struct autocheck *ac);

#endif
