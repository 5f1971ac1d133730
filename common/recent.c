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

#define NSTR 7

struct failure {
	struct recent_probe p;
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

/* The strings of a probe, in the order of the fields below. */
static void probe_strings(const struct recent_probe *p, const char *s[NSTR])
{
	s[0] = p->queue_id;
	s[1] = p->to;
	s[2] = p->orig_to;
	s[3] = p->syslog_host;
	s[4] = p->reason;
	s[5] = p->relay_host;
	s[6] = p->relay_addr;
}

static size_t strings_size(const char *const s[NSTR])
{
	size_t total = 0;

	for (size_t i = 0; i < NSTR; i++)
		total += (s[i] ? strlen(s[i]) : 0) + 1;
	return total;
}

/* Copy the strings one after the other from mem; a NULL one stays NULL. */
static void strings_copy(char *mem, const char *const s[NSTR], char *out[NSTR])
{
	for (size_t i = 0; i < NSTR; i++) {
		size_t n = s[i] ? strlen(s[i]) : 0;

		out[i] = s[i] ? memcpy(mem, s[i], n + 1) : NULL;
		mem += n + 1;
	}
}

void recent_add(struct recent_failures *r, const struct probe_verdict *v)
{
	struct failure *f = &r->ring[r->next];
	struct recent_probe from = { v->queue_id,    v->to,         v->orig_to ? v->orig_to : "",
				     v->syslog_host, v->reason,     v->relay_host,
				     v->relay_addr,  v->relay_port, v->sender_probe };
	const char *s[NSTR];
	char *out[NSTR];
	size_t total;

	probe_strings(&from, s);
	if (f->cap < (total = strings_size(s))) {
		f->cap = total + 64;
		free(f->mem);
		f->mem = xmalloc(f->cap);
	}
	strings_copy(f->mem, s, out);
	f->p = (struct recent_probe){ out[0], out[1], out[2],        out[3],         out[4],
				      out[5], out[6], v->relay_port, v->sender_probe };
	r->next = (r->next + 1) % RECENT_FAILURES;
}

struct probe_verdict *recent_verdict(const struct recent_probe *p)
{
	const char *s[NSTR];
	char *out[NSTR];
	struct probe_verdict *v;

	probe_strings(p, s);
	v = xcalloc(1, sizeof(*v) + strings_size(s));
	strings_copy((char *)(v + 1), s, out);
	v->queue_id = out[0];
	v->to = out[1];
	v->orig_to = out[2];
	v->syslog_host = out[3];
	v->reason = out[4];
	v->relay_host = out[5];
	v->relay_addr = out[6];
	v->relay_port = p->relay_port;
	v->sender_probe = p->sender_probe;
	return v;
}

void recent_mark_sender(struct recent_failures *r, const char *syslog_host, const char *queue_id)
{
	for (size_t i = 0; i < RECENT_FAILURES && r->ring[i].p.reason; i++)
		if (strcmp(r->ring[i].p.queue_id, queue_id) == 0 &&
		    strcmp(r->ring[i].p.syslog_host, syslog_host) == 0)
			r->ring[i].p.sender_probe = 1;
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

struct recent_probe *recent_find(struct recent_failures *r, const struct pf_str *host,
				 struct pf_str addr, struct pf_str reason, enum recent_match *match)
{
	struct recent_probe *other = NULL;

	/* Newest first; once another address's probe matched, only this one's are compared. */
	for (size_t i = 1; i <= RECENT_FAILURES; i++) {
		struct recent_probe *f =
			&r->ring[(r->next + RECENT_FAILURES - i) % RECENT_FAILURES].p;
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
			*match = RECENT_SAME_ADDRESS;
			return f;
		}
		other = f;
	}
	*match = other ? RECENT_REASON_ONLY : RECENT_NONE;
	return other;
}
