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

struct verdicts {
	pthread_mutex_t lock; /* held to change rcpt, and by verdicts_read */
	struct htab *rcpt;    /* lowercased recipient -> probe_verdict */
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
