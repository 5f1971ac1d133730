/*
 * htab - bounded hash table with an age list (see htab.h).
 *
 * Chained buckets, hashed eight bytes at a time, doubled when the load passes 1.  Each
 * node sits in one bucket chain and in one doubly linked age list whose
 * head is the oldest entry.
 */
#include "htab.h"
#include "xmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct hnode {
	struct hnode *chain;
	struct hnode *older, *newer;
	void *value;
	time_t when;
	uint64_t hash;
	size_t len;
	char key[];
};

/* Nodes with short keys are recycled: a busy log enters and removes one per message. */
#define HTAB_SMALL_KEY 48
#define HTAB_SPARE_MAX 256

struct htab {
	struct hnode *spare; /* recycled small nodes, linked through chain */
	size_t nspare;
	struct hnode **bucket;
	size_t nbuckets;
	size_t count;
	size_t max_entries;
	unsigned long dropped;
	struct hnode *oldest, *newest;
	htab_free_fn free_value;
};

/* Keys are short (a host and a queue ID, an address): a word per step. */
uint64_t htab_hash(const char *key, size_t len)
{
	uint64_t h = 1469598103934665603ULL ^ len;

	for (; len >= 8; key += 8, len -= 8) {
		uint64_t w;

		memcpy(&w, key, 8);
		h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
		h ^= h >> 29;
	}
	if (len) {
		/* The last 1 to 7 bytes without a variable-length copy. */
		uint64_t w;

		if (len >= 4) {
			uint32_t lo, hi;

			memcpy(&lo, key, 4);
			memcpy(&hi, key + len - 4, 4);
			w = (uint64_t)lo | (uint64_t)hi << 32;
		} else {
			w = (uint64_t)(unsigned char)key[0] |
			    (uint64_t)(unsigned char)key[len / 2] << 8 |
			    (uint64_t)(unsigned char)key[len - 1] << 16;
		}
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	}
	/* The bucket is the low bits: every bit into them (MurmurHash3's finalizer). */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

struct htab *htab_create(size_t max_entries, htab_free_fn free_value)
{
	struct htab *h = xcalloc(1, sizeof(*h));

	h->nbuckets = 64;
	h->bucket = xcalloc(h->nbuckets, sizeof(*h->bucket));
	h->max_entries = max_entries ? max_entries : 1;
	h->free_value = free_value;
	return h;
}

static void htab_unlink_age(struct htab *h, struct hnode *n)
{
	if (n->older)
		n->older->newer = n->newer;
	else
		h->oldest = n->newer;
	if (n->newer)
		n->newer->older = n->older;
	else
		h->newest = n->older;
	n->older = n->newer = NULL;
}

static void htab_link_newest(struct htab *h, struct hnode *n)
{
	n->older = h->newest;
	n->newer = NULL;
	if (h->newest)
		h->newest->newer = n;
	else
		h->oldest = n;
	h->newest = n;
}

static struct hnode **htab_slot(const struct htab *h, const char *key, size_t len, uint64_t hash)
{
	struct hnode **pp = &h->bucket[hash & (h->nbuckets - 1)];

	while (*pp && ((*pp)->hash != hash || (*pp)->len != len || memcmp((*pp)->key, key, len)))
		pp = &(*pp)->chain;
	return pp;
}

static void htab_grow(struct htab *h)
{
	size_t nb = h->nbuckets * 2;
	struct hnode **nbucket = xcalloc(nb, sizeof(*nbucket));

	for (size_t i = 0; i < h->nbuckets; i++) {
		struct hnode *n = h->bucket[i], *next;

		for (; n; n = next) {
			next = n->chain;
			n->chain = nbucket[n->hash & (nb - 1)];
			nbucket[n->hash & (nb - 1)] = n;
		}
	}
	free(h->bucket);
	h->bucket = nbucket;
	h->nbuckets = nb;
}

static struct hnode *htab_node_alloc(struct htab *h, size_t len)
{
	struct hnode *n;

	if (len > HTAB_SMALL_KEY)
		return xmalloc(sizeof(*n) + len);
	if ((n = h->spare) != NULL) {
		h->spare = n->chain;
		h->nspare--;
		return n;
	}
	return xmalloc(sizeof(*n) + HTAB_SMALL_KEY);
}

static void htab_node_free(struct htab *h, struct hnode *n)
{
	if (n->len <= HTAB_SMALL_KEY && h->nspare < HTAB_SPARE_MAX) {
		n->chain = h->spare;
		h->spare = n;
		h->nspare++;
	} else {
		free(n);
	}
}

static void htab_remove_node(struct htab *h, struct hnode *n)
{
	struct hnode **pp = htab_slot(h, n->key, n->len, n->hash);

	*pp = n->chain;
	htab_unlink_age(h, n);
	if (h->free_value)
		h->free_value(n->value);
	htab_node_free(h, n);
	h->count--;
}

void *htab_find(const struct htab *h, const char *key, size_t len)
{
	struct hnode *n = *htab_slot(h, key, len, htab_hash(key, len));

	return n ? n->value : NULL;
}

void **htab_upsert(struct htab *h, const char *key, size_t len, time_t when, int *created)
{
	uint64_t hash = htab_hash(key, len);
	struct hnode **pp = htab_slot(h, key, len, hash);
	struct hnode *n = *pp;

	if (n) {
		n->when = when;
		htab_unlink_age(h, n);
		htab_link_newest(h, n);
		*created = 0;
		return &n->value;
	}
	if (h->count >= h->max_entries && h->oldest) {
		while (h->count >= h->max_entries && h->oldest) {
			htab_remove_node(h, h->oldest);
			h->dropped++;
		}
		pp = htab_slot(h, key, len, hash); /* the drop may have changed the chain */
	}
	n = htab_node_alloc(h, len);
	memcpy(n->key, key, len);
	n->len = len;
	n->hash = hash;
	n->value = NULL;
	n->when = when;
	n->chain = NULL;
	*pp = n;
	htab_link_newest(h, n);
	if (++h->count > h->nbuckets)
		htab_grow(h);
	*created = 1;
	return &n->value;
}

void *htab_enter(struct htab *h, const char *key, size_t len, void *value, time_t when)
{
	int created;
	void **slot = htab_upsert(h, key, len, when, &created);

	if (!created && *slot != value && h->free_value)
		h->free_value(*slot);
	*slot = value;
	return value;
}

int htab_delete(struct htab *h, const char *key, size_t len)
{
	struct hnode **pp = htab_slot(h, key, len, htab_hash(key, len));
	struct hnode *n = *pp;

	if (n == NULL)
		return 0;
	*pp = n->chain;
	htab_unlink_age(h, n);
	if (h->free_value)
		h->free_value(n->value);
	htab_node_free(h, n);
	h->count--;
	return 1;
}

size_t htab_expire(struct htab *h, time_t before)
{
	size_t removed = 0;

	while (h->oldest && h->oldest->when < before) {
		htab_remove_node(h, h->oldest);
		removed++;
	}
	return removed;
}

void htab_walk_oldest_first(const struct htab *h, htab_walk_fn fn, void *ctx)
{
	for (struct hnode *n = h->oldest, *next; n; n = next) {
		next = n->newer;
		if (fn(n->key, n->len, n->value, ctx))
			break;
	}
}

void htab_walk_newest_first(const struct htab *h, htab_walk_fn fn, void *ctx)
{
	for (struct hnode *n = h->newest, *next; n; n = next) {
		next = n->older;
		if (fn(n->key, n->len, n->value, ctx))
			break;
	}
}

size_t htab_count(const struct htab *h)
{
	return h->count;
}

unsigned long htab_dropped(const struct htab *h)
{
	return h->dropped;
}

void htab_set_limit(struct htab *h, size_t max_entries)
{
	h->max_entries = max_entries ? max_entries : 1;
	while (h->count > h->max_entries) {
		htab_remove_node(h, h->oldest);
		h->dropped++;
	}
}

void htab_free(struct htab *h)
{
	if (h == NULL)
		return;
	while (h->oldest)
		htab_remove_node(h, h->oldest);
	while (h->spare) {
		struct hnode *n = h->spare;

		h->spare = n->chain;
		free(n);
	}
	free(h->bucket);
	free(h);
}
