/*
 * verdicts - the recipients' latest probe verdicts (see verdicts.h).
 */
#include "verdicts.h"
#include "cstr.h"
#include "htab.h"
#include "pwlimits.h"
#include "xmem.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* One remembered failure: its strings share mem, reused and grown. */
struct recent_slot {
	struct recent_failure f;
	char *mem;
	size_t cap;
};

struct verdicts {
	pthread_mutex_t lock; /* held to change rcpt, and by verdicts_read */
	struct htab *rcpt;    /* lowercased recipient -> probe_verdict */
	struct recent_slot recent[VERDICTS_RECENT];
	size_t recent_next;
};

struct verdicts *verdicts_create(size_t max_entries)
{
	struct verdicts *t = xcalloc(1, sizeof(*t));

	pthread_mutex_init(&t->lock, NULL);
	t->rcpt = htab_create(max_entries, free);
	return t;
}

void verdicts_free(struct verdicts *t)
{
	if (t == NULL)
		return;
	htab_free(t->rcpt);
	for (size_t i = 0; i < VERDICTS_RECENT; i++)
		free(t->recent[i].mem);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

void verdicts_set_limit(struct verdicts *t, size_t max_entries)
{
	pthread_mutex_lock(&t->lock);
	htab_set_limit(t->rcpt, max_entries);
	pthread_mutex_unlock(&t->lock);
}

void verdicts_expire(struct verdicts *t, time_t before)
{
	pthread_mutex_lock(&t->lock);
	htab_expire(t->rcpt, before);
	pthread_mutex_unlock(&t->lock);
}

size_t verdicts_count(const struct verdicts *t)
{
	return htab_count(t->rcpt);
}

unsigned long verdicts_dropped(const struct verdicts *t)
{
	return htab_dropped(t->rcpt);
}

/* Recipients compare case-insensitively. */
static size_t rcpt_key(char *key, const char *addr, size_t len)
{
	if (len > PW_KEY_MAX)
		len = PW_KEY_MAX;
	for (size_t i = 0; i < len; i++)
		key[i] = (char)tolower((unsigned char)addr[i]);
	return len;
}

struct probe_verdict *verdicts_find(const struct verdicts *t, const char *addr, size_t len)
{
	char key[PW_KEY_MAX];

	return htab_find(t->rcpt, key, rcpt_key(key, addr, len));
}

void verdicts_enter(struct verdicts *t, struct probe_verdict *v)
{
	char key[PW_KEY_MAX];
	size_t n = rcpt_key(key, v->to, strlen(v->to));

	pthread_mutex_lock(&t->lock);
	htab_enter(t->rcpt, key, n, v, v->when.sec);
	pthread_mutex_unlock(&t->lock);
}

size_t verdicts_read(struct verdicts *t, const char *addr, size_t len,
		     size_t (*fn)(const struct probe_verdict *v, void *ctx), void *ctx)
{
	size_t r;

	pthread_mutex_lock(&t->lock);
	r = fn(verdicts_find(t, addr, len), ctx);
	pthread_mutex_unlock(&t->lock);
	return r;
}

void verdicts_remember_failure(struct verdicts *t, const struct probe_verdict *v)
{
	struct recent_slot *s = &t->recent[t->recent_next];
	size_t nq = strlen(v->queue_id) + 1, nr = strlen(v->reason) + 1;
	size_t nt = strlen(v->to) + 1, nh = strlen(v->syslog_host) + 1;
	char *p;

	if (s->cap < nq + nr + nt + nh) {
		s->cap = nq + nr + nt + nh + 64;
		free(s->mem);
		s->mem = xmalloc(s->cap);
	}
	p = s->mem;
	s->f.queue_id = memcpy(p, v->queue_id, nq);
	s->f.reason = memcpy(p += nq, v->reason, nr);
	s->f.rcpt = memcpy(p += nr, v->to, nt);
	s->f.syslog_host = memcpy(p + nt, v->syslog_host, nh);
	t->recent_next = (t->recent_next + 1) % VERDICTS_RECENT;
}

const struct recent_failure *verdicts_recent(const struct verdicts *t, size_t i)
{
	const struct recent_slot *s;

	if (i >= VERDICTS_RECENT)
		return NULL;
	s = &t->recent[(t->recent_next + VERDICTS_RECENT - 1 - i) % VERDICTS_RECENT];
	return s->f.reason ? &s->f : NULL;
}

struct probe_verdict *verdict_build(struct verdict_str *f, size_t n,
				    const struct probe_verdict *tmpl)
{
	size_t total = sizeof(struct probe_verdict);
	struct probe_verdict *v;
	const char *lo = NULL, *hi = NULL;
	int nul;
	char *p;

	for (size_t i = 0; i < n; i++) {
		if (f[i].cap == 0) {
			f[i].s.len = strlen(f[i].s.p);
		} else {
			if (f[i].s.len > f[i].cap)
				f[i].s.len = f[i].cap;
			if (f[i].s.len && (lo == NULL || f[i].s.p < lo))
				lo = f[i].s.p;
			if (f[i].s.len && (hi == NULL || f[i].s.p + f[i].s.len > hi))
				hi = f[i].s.p + f[i].s.len;
		}
		total += f[i].s.len + 1;
	}
	/* One look over the line's span for a NUL, not one per field. */
	nul = lo && memchr(lo, 0, (size_t)(hi - lo)) != NULL;
	v = xmalloc(total);
	*v = *tmpl;
	p = (char *)(v + 1);
	for (size_t i = 0; i < n; i++) {
		/* dst points into tmpl: the same field of v */
		char **d = (char **)((char *)v + ((char *)f[i].dst - (char *)tmpl));

		*d = p;
		if (nul) {
			p += cstr_copy(p, f[i].s, f[i].s.len) + 1;
		} else {
			if (f[i].s.len)
				memcpy(p, f[i].s.p, f[i].s.len);
			p[f[i].s.len] = 0;
			p += f[i].s.len + 1;
		}
	}
	return v;
}

struct probe_verdict *verdict_of_queue_id(const char *queue_id)
{
	size_t n = strlen(queue_id);
	struct probe_verdict *v = xcalloc(1, sizeof(*v) + n + 1);

	v->queue_id = memcpy((char *)(v + 1), queue_id, n + 1);
	return v;
}
