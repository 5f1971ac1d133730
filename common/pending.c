/*
 * pending - rejects waiting for their other half (see pending.h).
 */
#include "pending.h"
#include "xmem.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct waiting {
	struct reject_copy *c;
	time_t deadline;
};

struct pending {
	struct waiting w[PENDING_MAX];
	size_t n;
};

struct pending *pending_create(void)
{
	return xcalloc(1, sizeof(struct pending));
}

void pending_free(struct pending *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		reject_copy_free(p->w[i].c);
	free(p);
}

static struct reject_copy *take(struct pending *p, size_t i)
{
	struct reject_copy *c = p->w[i].c;

	memmove(&p->w[i], &p->w[i + 1], (p->n - i - 1) * sizeof(p->w[0]));
	p->n--;
	return c;
}

static int same_address(struct pf_str a, struct pf_str b)
{
	if (a.len != b.len)
		return 0;
	for (size_t i = 0; i < a.len; i++)
		if (tolower((unsigned char)a.p[i]) != tolower((unsigned char)b.p[i]))
			return 0;
	return 1;
}

static int reject_same(const struct reject_info *a, const struct reject_info *b)
{
	size_t n = a->reason.len < b->reason.len ? a->reason.len : b->reason.len;

	if (a->sender != b->sender || !same_address(a->rcpt, b->rcpt) ||
	    (a->sender && !same_address(a->from, b->from)) ||
	    a->client_addr.len != b->client_addr.len || n == 0)
		return 0;
	return memcmp(a->client_addr.p, b->client_addr.p, a->client_addr.len) == 0 &&
	       memcmp(a->reason.p, b->reason.p, n) == 0 &&
	       (a->reason.len == b->reason.len || n >= 200);
}

struct reject_copy *pending_take_partner(struct pending *p, const struct reject_info *r)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct reject_info *o = &p->w[i].c->r;

		if (o->from_log != r->from_log && reject_same(o, r))
			return take(p, i);
	}
	return NULL;
}

struct reject_copy *pending_add(struct pending *p, struct reject_copy *c, time_t deadline)
{
	/* Full: the oldest stops waiting. */
	struct reject_copy *out = p->n == PENDING_MAX ? take(p, 0) : NULL;

	p->w[p->n].c = c;
	p->w[p->n].deadline = deadline;
	p->n++;
	return out;
}

struct reject_copy *pending_take_due(struct pending *p, time_t now)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->w[i].deadline <= now)
			return take(p, i);
	return NULL;
}
