/*
 * recent - a ring of the latest failed probes (see recent.h).
 *
 * Each slot is one allocation holding its strings, reused (and grown
 * when a longer failure comes) as the ring turns.
 */
#include "recent.h"
#include "xmem.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct failure {
	char *queue_id, *reason, *to, *orig_to, *syslog_host; /* orig_to "" when none */
	char *mem;
	size_t cap;
};

struct recent_failures {
	struct failure ring[RECENT_FAILURES];
	size_t next;
};

struct recent_failures *recent_create(void)
{
	return xcalloc(1, sizeof(struct recent_failures));
}

void recent_free(struct recent_failures *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < RECENT_FAILURES; i++)
		free(r->ring[i].mem);
	free(r);
}

void recent_add(struct recent_failures *r, const char *queue_id, const char *to,
		const char *orig_to, const char *syslog_host, const char *reason)
{
	struct failure *f = &r->ring[r->next];
	const char *src[5] = { queue_id, reason, to, orig_to ? orig_to : "", syslog_host };
	char **dst[5] = { &f->queue_id, &f->reason, &f->to, &f->orig_to, &f->syslog_host };
	size_t len[5], total = 0;
	char *p;

	for (size_t i = 0; i < 5; i++)
		total += (len[i] = strlen(src[i])) + 1;
	if (f->cap < total) {
		f->cap = total + 64;
		free(f->mem);
		f->mem = xmalloc(f->cap);
	}
	p = f->mem;
	for (size_t i = 0; i < 5; i++) {
		*dst[i] = memcpy(p, src[i], len[i] + 1);
		p += len[i] + 1;
	}
	r->next = (r->next + 1) % RECENT_FAILURES;
}

int recent_reason_matches(const char *probe_reason, struct pf_str reject_reason)
{
	size_t n = strlen(probe_reason);

	if (reject_reason.len == 0 || reject_reason.len > n)
		return 0;
	if (memcmp(probe_reason, reject_reason.p, reject_reason.len) != 0)
		return 0;
	return reject_reason.len == n || reject_reason.len >= 200;
}

/* Addresses compare case-insensitively, as the verdicts' keys do. */
static int same_address(const char *a, struct pf_str b)
{
	size_t i;

	for (i = 0; i < b.len && a[i]; i++)
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)b.p[i]))
			return 0;
	return i == b.len && a[i] == 0;
}

static int same_host(const char *name, const struct pf_str *host)
{
	size_t n = host->len > 255 ? 255 : host->len;

	return strlen(name) == n && memcmp(name, host->p, n) == 0;
}

enum recent_match recent_find(const struct recent_failures *r, const struct pf_str *host,
			      struct pf_str addr, struct pf_str reason, const char **queue_id,
			      const char **to)
{
	const struct failure *other = NULL;

	/* Newest first; once another address's probe matched, only this one's are compared. */
	for (size_t i = 1; i <= RECENT_FAILURES; i++) {
		const struct failure *f =
			&r->ring[(r->next + RECENT_FAILURES - i) % RECENT_FAILURES];
		int mine;

		if (f->reason == NULL)
			break;
		if (host && !same_host(f->syslog_host, host))
			continue;
		mine = addr.len && (same_address(f->to, addr) || same_address(f->orig_to, addr));
		if (!mine && other)
			continue;
		if (!recent_reason_matches(f->reason, reason))
			continue;
		if (mine) {
			*queue_id = f->queue_id;
			*to = f->to;
			return RECENT_SAME_ADDRESS;
		}
		other = f;
	}
	if (other == NULL)
		return RECENT_NONE;
	*queue_id = other->queue_id;
	*to = other->to;
	return RECENT_REASON_ONLY;
}
