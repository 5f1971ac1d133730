/*
 * htab - a bounded hash table with byte-string keys and an age order.
 *
 * Entries are kept in the order they were entered or last replaced, so the
 * oldest can be expired or dropped first.  The table never holds more than
 * max_entries: entering one more drops the oldest and counts it.  The table
 * owns its key copies; values belong to the table once entered and are
 * released with the free function given at creation (may be NULL).
 */
#ifndef PW_HTAB_H
#define PW_HTAB_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct htab;

typedef void (*htab_free_fn)(void *value);
/* Return nonzero to stop a walk. */
typedef int (*htab_walk_fn)(const char *key, size_t len, void *value, void *ctx);

struct htab *htab_create(size_t max_entries, htab_free_fn free_value);
void htab_free(struct htab *h);

void *htab_find(const struct htab *h, const char *key, size_t len);
/* Insert or replace; the entry becomes the newest.  Returns the value. */
void *htab_enter(struct htab *h, const char *key, size_t len, void *value, time_t when);
/*
 * The value slot for a key, entered with a NULL value when absent (*created
 * is then 1 and the caller must store a value).  The entry becomes the newest.
 */
void **htab_upsert(struct htab *h, const char *key, size_t len, time_t when, int *created);
/* Remove and free one entry; returns 1 if it was there. */
int htab_delete(struct htab *h, const char *key, size_t len);
/* Remove entries last entered before 'before'; returns how many. */
size_t htab_expire(struct htab *h, time_t before);

void htab_walk_oldest_first(const struct htab *h, htab_walk_fn fn, void *ctx);
void htab_walk_newest_first(const struct htab *h, htab_walk_fn fn, void *ctx);

size_t htab_count(const struct htab *h);
unsigned long htab_dropped(const struct htab *h);
void htab_set_limit(struct htab *h, size_t max_entries);

/* The table's hash of len bytes (word at a time, well mixed); also for other caches. */
uint64_t htab_hash(const char *key, size_t len);

#endif
