/*
 * verdicts - the latest probe verdict of each recipient.
 *
 * Keyed by the recipient, case-insensitively (as the verify cache compares
 * domains), bounded by max_entries and expired by log time.  The table
 * owns its verdicts (each one allocation: verdict_build).
 *
 * Threads: one thread (the engine's caller) changes the table and may read
 * it freely; any other thread reads it only through verdicts_read(), under
 * the table's own lock, which the owner takes only to change the table
 * (enter, expire, resize): never for a whole log line.  Readers see the
 * fields a verdict is built with; sender_probe, changed later by the
 * owner, is the owner's alone.
 */
#ifndef PW_VERDICTS_H
#define PW_VERDICTS_H

#include "corr_types.h"

#include <stddef.h>
#include <time.h>

struct verdicts;

struct verdicts *verdicts_create(size_t max_entries);
void verdicts_free(struct verdicts *t);
void verdicts_set_limit(struct verdicts *t, size_t max_entries);
/* Forget the verdicts entered before 'before'. */
void verdicts_expire(struct verdicts *t, time_t before);
size_t verdicts_count(const struct verdicts *t);
unsigned long verdicts_dropped(const struct verdicts *t);

/* The owner's look-up: the latest verdict of addr, or NULL. */
struct probe_verdict *verdicts_find(const struct verdicts *t, const char *addr, size_t len);
/* The latest verdict of v->to from now on, at v->when; the table takes v. */
void verdicts_enter(struct verdicts *t, struct probe_verdict *v);
/*
 * From any thread: fn(verdict or NULL, ctx) for addr, under the table's
 * lock; fn must not keep the verdict.  Returns what fn returns.
 */
size_t verdicts_read(struct verdicts *t, const char *addr, size_t len,
		     size_t (*fn)(const struct probe_verdict *v, void *ctx), void *ctx);

/*
 * Building a verdict: its strings laid out behind it in one allocation
 * (freed with free()), each from the log (capped, NUL as '?', see cstr.h)
 * or a C string copied whole (cap 0).  dst points into tmpl: the field of
 * the new verdict that gets the string.
 */
struct verdict_str {
	struct pf_str s;
	size_t cap;
	char **dst;
};
struct probe_verdict *verdict_build(struct verdict_str *f, size_t n,
				    const struct probe_verdict *tmpl);

#endif
