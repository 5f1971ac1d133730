/*
 * runtime - the running daemon's threads and shared state.
 *
 * Three threads besides libmilter's: the log thread follows log_source
 * and feeds the engine; the sink thread owns the sinks and writes what
 * the alert queue hands it; the signal thread answers SIGUSR1 (reload the
 * configuration, reopen file sinks) and SIGUSR2 (a probewatch_stats
 * alert).  The engine's log side is called under one lock, which is never
 * held across I/O: alerts are rendered under it and queued.  The milter
 * threads never take that lock: they use the engine's milter side, which
 * has its own short locks, and counters and tag settings of their own.
 * The caller blocks SIGHUP, SIGINT, SIGTERM, SIGUSR1 and SIGUSR2 in every
 * thread (runtime_block_signals) before any thread starts, so that
 * libmilter's signal thread and ours are the ones that see them.
 */
#ifndef PW_RUNTIME_H
#define PW_RUNTIME_H

#include "config.h"
#include "engine.h"

struct runtime;

struct runtime_reload {
	const char *config_path; /* NULL: defaults only */
	char *const *overrides;  /* -o NAME=VALUE, kept by the caller */
	int noverrides;
};

void runtime_block_signals(void);

/* NULL after reporting why (a bad sink). The runtime keeps its own copy of cf. */
struct runtime *runtime_create(const struct config *cf, const struct runtime_reload *reload);
/* Start the threads; the log is opened here, after privileges were dropped. */
int runtime_start(struct runtime *rt);
/* Stop the threads (saving the position) and deliver what is queued. */
void runtime_stop(struct runtime *rt);
void runtime_free(struct runtime *rt);

/*
 * For the milter callbacks, from any thread; none of these waits behind
 * the log thread.  The engine is for its milter side only (engine.h).
 */
struct engine *runtime_engine(struct runtime *rt);
void runtime_count_milter_error(struct runtime *rt);
void runtime_count_milter_session(struct runtime *rt);
/* The Prometheus metrics text (metrics.h), from any thread; the caller frees it. */
char *runtime_metrics(struct runtime *rt, size_t *len);
/* tag_messages and tag_header as configured now (reload may change them). */
void runtime_tag_settings(struct runtime *rt, int *tag, char *header, size_t size);

#endif
