/*
 * corr_int - the correlator's insides, shared by corr.c (probes, queue
 * IDs, relays) and corr_reject.c (rejected recipients and the join of
 * what the milter saw with what the log said).  Not for other modules.
 */
#ifndef PW_CORR_INT_H
#define PW_CORR_INT_H

#include "corr.h"
#include "htab.h"
#include "recent.h"

#define CORR_KEY_MAX       600
#define CORR_JOIN_MAX      1024
#define CORR_CLASSIFY_MEMO 512 /* reasons longer than this are classified each time */

/* A reject waiting for its other half (log or milter), with its own copy of the text. */
struct pending_reject {
	struct reject_info r;
	char *buf;
	time_t deadline;
};

struct corr {
	struct corr_params p;
	corr_emit_fn emit;
	void *ctx;
	struct alert_cache *alerts; /* encodings and memory reused from alert to alert */
	int count_only;             /* name the events, build no alerts */
	/* The last reason classified: a failure repeats its text line after line. */
	char memo_reason[CORR_CLASSIFY_MEMO];
	size_t memo_len; /* 0: none */
	struct classification memo_cls;
	struct htab *queue; /* host NUL queue-id -> qinfo */
	struct htab *rcpt;  /* lowercased recipient -> probe_verdict */
	struct htab *proc;  /* host NUL program[pid] -> proc */
	struct relay_table *relays;
	struct recent_failures *recent; /* failed probes, for refusals whose verdict is gone */
	time_t last_expire;
	unsigned long probes, probe_failures, rejects, milter_rejects, sender_rejects;
	unsigned long failures_by[FC_COUNT][ST_COUNT]; /* probes, by class and stage */
	unsigned long refused_by[2][FC_COUNT];         /* [sender?][class] of refusals */
	int join_grace; /* seconds a reject waits for its other half; 0: none */
	struct pending_reject pending[CORR_JOIN_MAX];
	size_t npending;
};

/* Hand one alert (NULL: only counted) to the callback and free it. */
void corr_emit(struct corr *c, const char *event, struct alert *a);
void corr_verdict_free(void *p);
/* classify_reason(), remembering the last answer. */
void corr_classify(struct corr *c, const char *reason, size_t len, struct classification *out);
size_t corr_rcpt_key(char *key, const char *addr, size_t len);
void corr_reject_log(struct corr *c, const struct pflog_event *ev);
void corr_pending_free(struct corr *c);

#endif
