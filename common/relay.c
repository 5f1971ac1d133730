/*
 * relay - per-relay counters, the pipelining window and recovery (see relay.h).
 *
 * The table is keyed "mta host[addr]:port".  A second index, keyed
 * "mta host[addr]", holds one group per host and address seen with a
 * port, pointing at the member used last: a relay logged without a port
 * (an intermediate line, relay=none) finds it in one look-up instead of
 * a walk over the table.  A group lives as long as its members; when the
 * member used last goes, it is the oldest of its group (the table drops
 * the least recently used first), so the group has no other member left.
 */
#include "relay.h"
#include "htab.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct relay_table {
	struct htab *tab;
	struct htab *byaddr; /* "mta host[addr]" -> relay_group; never drops one itself */
	unsigned long lookups;
};

struct relay_group {
	struct relay *last; /* the member used last, NULL when gone */
	size_t members;
	struct htab *index; /* the table's byaddr, to leave it */
	size_t klen;
	char key[];
};

static void group_leave(struct relay *r)
{
	struct relay_group *g = r->group;

	if (g->last == r)
		g->last = NULL;
	if (--g->members == 0)
		htab_delete(g->index, g->key, g->klen); /* frees g */
}

static void relay_free(void *p)
{
	struct relay *r = p;

	if (r->group)
		group_leave(r);

	for (size_t i = 0; i < r->win_cap; i++)
		free(r->win_rcpt[i]);
	free(r->win_rcpt);
	free(r->win_time);
	free(r->mta);
	free(r->host);
	free(r->addr);
	free(r->sender_domain);
	free(r);
}

struct relay_table *relay_table_create(size_t max_entries)
{
	struct relay_table *t = xcalloc(1, sizeof(*t));

	t->tab = htab_create(max_entries, relay_free);
	t->byaddr = htab_create((size_t)-1, free);
	return t;
}

void relay_table_free(struct relay_table *t)
{
	if (t) {
		htab_free(t->tab); /* its relays leave their groups */
		htab_free(t->byaddr);
		free(t);
	}
}

unsigned long relay_table_lookups(const struct relay_table *t)
{
	return t->lookups;
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

static struct relay *relay_new(const char *mta, size_t mlen, const char *host, size_t hlen,
			       const char *addr, size_t alen, int port, const struct pftime *when)
{
	struct relay *r = xcalloc(1, sizeof(*r));

	r->mta = xmemdup(mta, mlen);
	r->host = xmemdup(host, hlen);
	r->addr = xmemdup(addr, alen);
	r->port = port;
	r->first_seen = r->last_seen = *when;
	return r;
}

/* A relay with a port joins the group of its host and address, as the one used last. */
static void group_join(struct relay_table *t, struct relay *r, const char *key, size_t klen)
{
	int created;
	void **slot = htab_upsert(t->byaddr, key, klen, 0, &created);
	struct relay_group *g = *slot;

	t->lookups++;
	if (created) {
		g = xmalloc(sizeof(*g) + klen);
		g->members = 0;
		g->index = t->byaddr;
		g->klen = klen;
		memcpy(g->key, key, klen);
		*slot = g;
	}
	g->members++;
	g->last = r;
	r->group = g;
}

struct relay *relay_get(struct relay_table *t, const char *mta, size_t mlen, const char *host,
			size_t hlen, const char *addr, size_t alen, int port,
			const struct pftime *when)
{
	char key[900];
	int n;
	size_t base; /* "mta host[addr]": the key without its port */
	struct relay *r;

	if (mlen > 255)
		mlen = 255;
	if (hlen > 255)
		hlen = 255;
	if (alen > 64)
		alen = 64;
	/* "mta host[addr]:port", as snprintf would write it, without its cost. */
	{
		char *k = key, digits[12];
		int nd = 0;
		unsigned v = port < 0 ? 0u - (unsigned)port : (unsigned)port;

		/* %.*s stops at a NUL: so do these. */
		mlen = strnlen(mta, mlen);
		hlen = strnlen(host, hlen);
		alen = strnlen(addr, alen);
		memcpy(k, mta, mlen);
		k += mlen;
		*k++ = ' ';
		memcpy(k, host, hlen);
		k += hlen;
		*k++ = '[';
		memcpy(k, addr, alen);
		k += alen;
		*k++ = ']';
		base = (size_t)(k - key);
		*k++ = ':';
		if (port < 0)
			*k++ = '-';
		do
			digits[nd++] = (char)('0' + v % 10);
		while ((v /= 10) != 0);
		while (nd)
			*k++ = digits[--nd];
		*k = 0;
		n = (int)(k - key);
	}
	t->lookups++;
	if (port != 0) {
		/* One lookup: found, it becomes the newest; absent, it is made here. */
		int created;
		void **slot = htab_upsert(t->tab, key, (size_t)n, when->sec, &created);

		if (!created) {
			r = *slot;
			r->group->last = r;
			return r;
		}
		r = relay_new(mta, mlen, host, hlen, addr, alen, port, when);
		*slot = r;
		group_join(t, r, key, base);
		return r;
	}
	if ((r = htab_find(t->tab, key, (size_t)n)) != NULL) {
		htab_enter(t->tab, key, (size_t)n, r, when->sec);
		return r;
	}
	{
		struct relay_group *g = htab_find(t->byaddr, key, base);

		t->lookups++;
		if (g && g->last)
			return g->last;
	}
	r = relay_new(mta, mlen, host, hlen, addr, alen, port, when);
	return htab_enter(t->tab, key, (size_t)n, r, when->sec);
}

void relay_note_transport(struct relay *r, const char *program, size_t len)
{
	const char *first = memchr(program, '/', len), *last;
	size_t n;

	/* Only a delivery agent that talks SMTP: not postfix/error for a suspended one. */
	if (first == NULL || len < 5 || memcmp(program + len - 5, "/smtp", 5) != 0)
		return;
	first++;
	len -= (size_t)(first - program);
	last = memchr(first, '/', len);
	n = last ? (size_t)(last - first) : len; /* "relay/smtp" -> relay, "smtp" -> smtp */
	if (n == 0 || n >= sizeof(r->transport))
		return;
	memcpy(r->transport, first, n);
	r->transport[n] = 0;
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
	timeline_add(&r->timeline, when->sec,
		     c->cls == FC_NONE              ? TL_SUCCEEDED
		     : c->cls == FC_SUSPECT_SUCCESS ? TL_SUSPECT
						    : TL_FAILED);
	if (c->cls != FC_NONE && c->cls != FC_SUSPECT_SUCCESS) {
		if (r->first_failure.sec == 0 || when->sec < r->first_failure.sec)
			r->first_failure = *when;
		if (when->sec >= r->last_failure.sec)
			r->last_failure = *when;
	}
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
	/* No recipient when alerts are only counted: nothing will list them. */
	r->win_rcpt[slot] = rcpt ? xmemdup(rcpt, rlen > 255 ? 255 : rlen) : NULL;
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

void relay_count_reject(struct relay *r, int sender, const char *addr, size_t len, int new_probe,
			const struct pftime *when)
{
	const char *at = NULL, *dom;
	size_t dlen;

	timeline_add(&r->timeline, when->sec, TL_REJECTED);
	if (!sender) {
		r->recipient_rejects++;
		return;
	}
	r->sender_rejects++;
	r->sender_probes += new_probe != 0;
	for (size_t i = 0; i < len; i++)
		if (addr[i] == '@')
			at = addr + i;
	dom = at ? at + 1 : addr;
	dlen = (size_t)(addr + len - dom);
	if (dlen > 255)
		dlen = 255;
	if (r->sender_domain == NULL)
		r->sender_domain = xmemdup(dom, dlen);
	else if (strlen(r->sender_domain) != dlen || strncasecmp(r->sender_domain, dom, dlen) != 0)
		r->other_sender_domains = 1;
}

struct relay_list {
	const struct relay **v;
	size_t n, cap;
};

static void list_one(const struct relay *r, void *ctx)
{
	struct relay_list *l = ctx;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = r;
}

const struct relay **relay_table_list(const struct relay_table *t,
				      int (*cmp)(const void *, const void *), size_t *n)
{
	struct relay_list l = { NULL, 0, 0 };

	relay_walk(t, list_one, &l);
	if (cmp && l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), cmp);
	*n = l.n;
	return l.v;
}
