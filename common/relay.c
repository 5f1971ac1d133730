/*
 * relay - per-relay counters, the pipelining window and recovery (see relay.h).
 */
#include "relay.h"
#include "htab.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct relay_table {
	struct htab *tab;
};

static void relay_free(void *p)
{
	struct relay *r = p;

	for (size_t i = 0; i < r->win_cap; i++)
		free(r->win_rcpt[i]);
	free(r->win_rcpt);
	free(r->win_time);
	free(r->mta);
	free(r->host);
	free(r->addr);
	free(r);
}

struct relay_table *relay_table_create(size_t max_entries)
{
	struct relay_table *t = xcalloc(1, sizeof(*t));

	t->tab = htab_create(max_entries, relay_free);
	return t;
}

void relay_table_free(struct relay_table *t)
{
	if (t) {
		htab_free(t->tab);
		free(t);
	}
}

void relay_table_set_limit(struct relay_table *t, size_t max_entries)
{
	htab_set_limit(t->tab, max_entries);
}

size_t relay_table_count(const struct relay_table *t)
{
	return htab_count(t->tab);
}

unsigned long relay_table_dropped(const struct relay_table *t)
{
	return htab_dropped(t->tab);
}

struct same_host {
	const char *key;
	size_t len;
	struct relay *found;
};

static int match_host_addr(const char *key, size_t len, void *value, void *ctx)
{
	struct same_host *s = ctx;

	/* keys are "mta host[addr]:port"; compare up to the ':' after ']' */
	if (len > s->len && memcmp(key, s->key, s->len) == 0 && key[s->len] == ':') {
		s->found = value;
		return 1;
	}
	return 0;
}

struct relay *relay_get(struct relay_table *t, const char *mta, size_t mlen, const char *host,
			size_t hlen, const char *addr, size_t alen, int port,
			const struct pftime *when)
{
	char key[900];
	int n;
	struct relay *r;

	if (mlen > 255)
		mlen = 255;
	if (hlen > 255)
		hlen = 255;
	if (alen > 64)
		alen = 64;
	n = snprintf(key, sizeof(key), "%.*s %.*s[%.*s]:%d", (int)mlen, mta, (int)hlen, host,
		     (int)alen, addr, port);
	if ((r = htab_find(t->tab, key, (size_t)n)) != NULL) {
		htab_enter(t->tab, key, (size_t)n, r, when->sec);
		return r;
	}
	if (port == 0) {
		struct same_host s = { key, (size_t)(strrchr(key, ':') - key), NULL };

		htab_walk_newest_first(t->tab, match_host_addr, &s);
		if (s.found)
			return s.found;
	}
	r = xcalloc(1, sizeof(*r));
	r->mta = xmemdup(mta, mlen);
	r->host = xmemdup(host, hlen);
	r->addr = xmemdup(addr, alen);
	r->port = port;
	r->first_seen = r->last_seen = *when;
	return htab_enter(t->tab, key, (size_t)n, r, when->sec);
}

void relay_count_probe(struct relay *r, const struct classification *c, const struct pftime *when)
{
	r->probes++;
	if (c->cls == FC_NONE)
		r->successes++;
	else if (c->cls == FC_SUSPECT_SUCCESS)
		r->suspect_successes++;
	else
		r->failures++;
	if (c->cls != FC_NONE)
		r->by_class_stage[c->cls][c->stage]++;
	if (when->sec > r->last_seen.sec)
		r->last_seen = *when;
	if (when->sec < r->first_seen.sec)
		r->first_seen = *when;
}

/* Forget symptoms older than the window. */
static void relay_window_prune(struct relay *r, time_t now, long window)
{
	while (r->win_len && r->win_time[r->win_head] <= now - window) {
		free(r->win_rcpt[r->win_head]);
		r->win_rcpt[r->win_head] = NULL;
		r->win_head = (r->win_head + 1) % r->win_cap;
		r->win_len--;
	}
}

int relay_note_symptom(struct relay *r, time_t when, const char *rcpt, size_t rlen,
		       unsigned threshold, long window, size_t *count)
{
	size_t cap = threshold > RELAY_RECIPIENTS_MAX ? threshold : RELAY_RECIPIENTS_MAX;

	if (r->win_cap != cap) {
		/* First use, or the threshold changed on reload: start afresh. */
		for (size_t i = 0; i < r->win_cap; i++)
			free(r->win_rcpt[i]);
		free(r->win_rcpt);
		free(r->win_time);
		r->win_time = xcalloc(cap, sizeof(*r->win_time));
		r->win_rcpt = xcalloc(cap, sizeof(*r->win_rcpt));
		r->win_cap = cap;
		r->win_head = r->win_len = 0;
	}
	relay_window_prune(r, when, window);
	if (r->win_len == r->win_cap) {
		/* Full: the oldest makes room; the count stays at the capacity. */
		free(r->win_rcpt[r->win_head]);
		r->win_rcpt[r->win_head] = NULL;
		r->win_head = (r->win_head + 1) % r->win_cap;
		r->win_len--;
	}
	size_t slot = (r->win_head + r->win_len) % r->win_cap;

	r->win_time[slot] = when;
	r->win_rcpt[slot] = xmemdup(rcpt, rlen > 255 ? 255 : rlen);
	r->win_len++;
	r->last_symptom = when;
	if (r->flagged)
		r->failures_since_flag++;
	/*
	 * Count the symptoms within one window of this one, on both sides: a
	 * line that goes back in time must not count those from its "future"
	 * (the ring is in arrival order, not time order).
	 */
	size_t near = 0;

	for (size_t i = 0; i < r->win_len; i++) {
		time_t t = r->win_time[(r->win_head + i) % r->win_cap];

		if (t > when - window && t < when + window)
			near++;
	}
	*count = near;
	if (near < threshold)
		return 0;
	if (r->pipelining_alerts && when - r->last_alert < window)
		return 0;
	if (!r->flagged)
		r->failures_since_flag = near;
	r->flagged = 1;
	r->recovered = 0;
	r->last_alert = when;
	r->pipelining_alerts++;
	return 1;
}

time_t relay_window_first(const struct relay *r)
{
	return r->win_len ? r->win_time[r->win_head] : 0;
}

size_t relay_window_recipients(const struct relay *r, const char **rcpt, size_t max)
{
	size_t n = 0;

	/* The newest ones, oldest first. */
	size_t skip = r->win_len > max ? r->win_len - max : 0;

	for (size_t i = skip; i < r->win_len && n < max; i++)
		rcpt[n++] = r->win_rcpt[(r->win_head + i) % r->win_cap];
	return n;
}

int relay_note_success(struct relay *r, time_t when, int pipelined, long window,
		       unsigned long *previous)
{
	if (!r->flagged)
		return 0;
	if (pipelined && when - r->last_symptom < window)
		return 0;
	*previous = r->failures_since_flag;
	r->flagged = 0;
	r->recovered = 1;
	r->failures_since_flag = 0;
	return 1;
}

struct walk_ctx {
	relay_walk_fn fn;
	void *ctx;
};

static int relay_walk_one(const char *key, size_t len, void *value, void *ctx)
{
	struct walk_ctx *w = ctx;

	(void)key;
	(void)len;
	w->fn(value, w->ctx);
	return 0;
}

void relay_walk(const struct relay_table *t, relay_walk_fn fn, void *ctx)
{
	struct walk_ctx w = { fn, ctx };

	htab_walk_oldest_first(t->tab, relay_walk_one, &w);
}
