/*
 * alert - one structured alert, built with jansson and kept under budget.
 *
 * An alert starts with @timestamp, event, severity and host; fields are
 * added in order.  Text from the log or the network goes through
 * alert_text(), which makes it valid UTF-8 and caps it at
 * ALERT_FIELD_MAX bytes.  Each optional field has a drop rank: when the
 * rendered alert would exceed ALERT_BUDGET bytes, fields are dropped from
 * the highest rank down and "truncated": true is added.  Rank 0 fields are
 * never dropped.  The caller owns the alert (alert_free) and the string
 * that alert_render() returns (free); alert_json() renders into the alert
 * itself, valid until alert_free.
 *
 * Every key and value is encoded by jansson.  An alert cache remembers
 * the encodings of recent texts and recycles freed alerts, so that a
 * stream of alerts costs jansson only its new text and no allocation; it
 * is not locked: one per correlator (alert_new() makes a private one).
 */
#ifndef PW_ALERT_H
#define PW_ALERT_H

#include "pftime.h"

#include <stddef.h>

#define ALERT_FIELD_MAX 250
#define ALERT_BUDGET    1800

enum alert_severity {
	SEV_INFO,
	SEV_WARNING,
	SEV_CRITICAL,
};

struct alert;
struct alert_cache;

/* Once, before threads start: jansson's hash seed. */
void alert_init(void);

struct alert_cache *alert_cache_create(void);
/* After every alert made with it is freed. */
void alert_cache_free(struct alert_cache *c);

struct alert *alert_new(const char *event, enum alert_severity sev, const struct pftime *when,
			const char *host, size_t host_len);
/* The same, with the encodings and the memory of a cache (NULL: alert_new). */
struct alert *alert_new_cached(struct alert_cache *c, const char *event, enum alert_severity sev,
			       const struct pftime *when, const char *host, size_t host_len);
void alert_free(struct alert *a);

/* Untrusted text: cleaned and capped. */
void alert_text(struct alert *a, const char *key, const char *text, size_t len, int rank);
/* probewatch's own text (class names, remediation): not capped. */
void alert_const(struct alert *a, const char *key, const char *text, int rank);
/*
 * The same for text that never changes while the program runs (a string
 * literal, a name from a static table): remembered by its address.
 */
void alert_literal(struct alert *a, const char *key, const char *text, int rank);
void alert_int(struct alert *a, const char *key, long long value, int rank);
void alert_bool(struct alert *a, const char *key, int value, int rank);
void alert_set_null(struct alert *a, const char *key, int rank);
void alert_time(struct alert *a, const char *key, const struct pftime *t, int rank);
/* An array of untrusted strings, each cleaned and capped. */
void alert_text_array(struct alert *a, const char *key, const char *const *texts,
		      const size_t *lens, size_t n, int rank);

/* A flat object of named counters, e.g. "events": {"delivery": 12, ...}. */
void alert_counters(struct alert *a, const char *key, const char *const *names,
		    const unsigned long *values, size_t n, int rank);

/*
 * For readers of a built alert (fold): its members in order, i from 0 to
 * alert_members() - 1.  alert_member_at() gives the i-th's key and
 * jansson's encoding of its value (a string with its quotes and escapes,
 * a number, true, null, an array), and returns 1; 0 for a member the
 * budget dropped (call after alert_json for the members of the rendered
 * document).  Valid until the alert changes or is freed.
 */
size_t alert_members(const struct alert *a);
int alert_member_at(const struct alert *a, size_t i, const char **key, const char **enc,
		    size_t *len);
const char *alert_event(const struct alert *a);
enum alert_severity alert_severity(const struct alert *a);
const char *alert_severity_name(enum alert_severity sev);

/*
 * Compact JSON within the budget, NUL-terminated, owned by the alert (valid
 * until alert_free or another field is added); what json_dumpb(JSON_COMPACT)
 * writes for the same object.
 */
const char *alert_json(struct alert *a, size_t *len);
/* The same in a new string; the caller frees it. */
char *alert_render(struct alert *a, size_t *len);

#endif
