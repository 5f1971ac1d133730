/*
 * fold - per-key windows over rendered alerts (see fold.h).
 *
 * The key's key_parts are read back from the rendered alert with jansson, so
 * fold depends on the alerts' field names only, not on how the engine
 * builds them: the text it copies into a summary is the text the alert
 * had (already cleaned), and it goes through alert_text() again, as any
 * untrusted text does.  The table is a small array searched by hash:
 * FOLD_KEYS_MAX keys, a few comparisons per alert.
 */
#include "fold.h"
#include "htab.h"
#include "pftime.h"
#include "xmem.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Drop ranks of the summaries' fields (alert.h): the key and counts stay. */
enum {
	KEEP = 0,
	R_REASON = 1,
	R_TO = 2,
	R_FROM = 3,
	R_QUEUEID = 4,
};

static const char *const fold_event_names[FOLD_EVENTS] = {
	"probe_failed",
	"probe_suspect_success",
	"recipient_rejected",
	"sender_rejected",
};

/* One folded alert's particulars, for the first and the last. */
struct fold_side {
	char *to, *from, *queueid, *seen;
};

struct fold_key {
	int used;
	uint64_t hash;
	char *id; /* the key's key_parts, each with its length before it */
	size_t idlen;
	enum fold_event ev;
	int overflow;
	/* for the alerts: as the first alert of the key had them */
	char *host, *relay_host, *relay_ip, *cls, *stage, *reason;
	long long relay_port; /* 0: none */
	time_t start;         /* of the window */
	unsigned long count;  /* alerts in the window */
	unsigned long folded; /* of those, folded */
	int hot;              /* folding since the window's start */
	enum alert_severity sev;
	struct fold_side first, last;
};

/* A rendered alert waiting to go out once the lock is released. */
struct fold_out {
	char *json;
	size_t len;
	enum alert_severity sev;
};

struct fold {
	pthread_mutex_t lock;
	unsigned threshold;
	long window;
	fold_emit_fn emit;
	void *ctx;
	struct fold_key key[FOLD_KEYS_MAX + FOLD_EVENTS]; /* the last: overflow, one per event */
	struct fold_stats st;
};

const char *fold_event_name(enum fold_event e)
{
	return (unsigned)e < FOLD_EVENTS ? fold_event_names[e] : "other";
}

static int event_index(const char *event)
{
	for (int i = 0; i < FOLD_EVENTS; i++)
		if (strcmp(event, fold_event_names[i]) == 0)
			return i;
	return -1;
}

int fold_event_folds(const char *event)
{
	return event_index(event) >= 0;
}

struct fold *fold_create(unsigned threshold, long window, fold_emit_fn emit, void *ctx)
{
	struct fold *f = xcalloc(1, sizeof(*f));

	pthread_mutex_init(&f->lock, NULL);
	f->threshold = threshold;
	f->window = window > 0 ? window : 1;
	f->emit = emit;
	f->ctx = ctx;
	return f;
}

static void side_clear(struct fold_side *s)
{
	free(s->to);
	free(s->from);
	free(s->queueid);
	free(s->seen);
	memset(s, 0, sizeof(*s));
}

static void key_clear(struct fold_key *k)
{
	free(k->id);
	free(k->host);
	free(k->relay_host);
	free(k->relay_ip);
	free(k->cls);
	free(k->stage);
	free(k->reason);
	side_clear(&k->first);
	side_clear(&k->last);
	memset(k, 0, sizeof(*k));
}

void fold_free(struct fold *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < FOLD_KEYS_MAX + FOLD_EVENTS; i++)
		key_clear(&f->key[i]);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

void fold_configure(struct fold *f, unsigned threshold, long window)
{
	pthread_mutex_lock(&f->lock);
	f->threshold = threshold;
	f->window = window > 0 ? window : 1;
	pthread_mutex_unlock(&f->lock);
}

/* A string member, or NULL (absent, null, not a string). */
static const char *member(json_t *o, const char *name, size_t *len)
{
	json_t *v = json_object_get(o, name);

	if (!json_is_string(v)) {
		*len = 0;
		return NULL;
	}
	*len = json_string_length(v);
	return json_string_value(v);
}

static char *dup_member(json_t *o, const char *name)
{
	size_t len;
	const char *s = member(o, name, &len);

	return s ? xmemdup(s, len) : NULL;
}

/* One part of a key: its length, then its bytes (so no two keys run together). */
static void id_part(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + sizeof(size_t) > *cap) {
		*cap = 2 * (*len + n + sizeof(size_t)) + 256;
		*buf = xrealloc(*buf, *cap);
	}
	memcpy(*buf + *len, &n, sizeof(n));
	*len += sizeof(n);
	if (n)
		memcpy(*buf + *len, s, n);
	*len += n;
}

/*
 * A reason without what changes from recipient to recipient: every
 * <...> becomes <>, so "550 5.1.1 <a@example.com>: User unknown" and the
 * same for b@example.com are one key.
 */
static size_t reason_shape(const char *s, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		out[o++] = s[i];
		if (s[i] == '<') {
			const char *gt = memchr(s + i + 1, '>', n - i - 1);

			if (gt)
				i = (size_t)(gt - s) - 1;
		}
	}
	return o;
}

static int key_match(const struct fold_key *k, uint64_t h, const char *id, size_t len)
{
	return k->used && k->hash == h && k->idlen == len && memcmp(k->id, id, len) == 0;
}

static void side_set(struct fold_side *s, json_t *o)
{
	side_clear(s);
	s->to = dup_member(o, "postfix_to");
	s->from = dup_member(o, "postfix_from");
	s->queueid = dup_member(o, "postfix_queueid");
	s->seen = dup_member(o, "@timestamp");
}

static void text_member(struct alert *a, const char *name, const char *s, int rank)
{
	if (s)
		alert_text(a, name, s, strlen(s), rank);
}

/* The fields that name a key, in the notice and the summary. */
static struct alert *key_alert(const struct fold *f, const struct fold_key *k, const char *event,
			       enum alert_severity sev)
{
	struct pftime now;
	const char *host = k->host ? k->host : "";
	struct alert *a;

	pftime_now(&now);
	a = alert_new(event, sev, &now, host, strlen(host));
	alert_literal(a, "folded_event", fold_event_names[k->ev], KEEP);
	if (k->overflow) {
		alert_bool(a, "key_overflow", 1, KEEP);
	} else {
		text_member(a, "postfix_relay_hostname", k->relay_host, KEEP);
		text_member(a, "postfix_relay_ip", k->relay_ip, KEEP);
		if (k->relay_port > 0)
			alert_int(a, "postfix_relay_port", k->relay_port, KEEP);
		text_member(a, "failure_class", k->cls, KEEP);
		if (k->stage)
			text_member(a, "smtp_stage", k->stage, KEEP);
		text_member(a, "reason", k->reason, R_REASON);
	}
	alert_int(a, "threshold", f->threshold, KEEP);
	alert_int(a, "window_seconds", f->window, KEEP);
	return a;
}

static void out_add(struct fold_out *out, size_t *n, struct alert *a)
{
	out[*n].sev = alert_severity(a);
	out[*n].json = alert_render(a, &out[*n].len);
	(*n)++;
	alert_free(a);
}

static void summary(struct fold *f, struct fold_key *k, int still, struct fold_out *out, size_t *n)
{
	struct alert *a = key_alert(f, k, "alerts_folded", k->sev);

	alert_int(a, "folded", (long long)k->folded, KEEP);
	alert_int(a, "alerts", (long long)k->count, KEEP);
	text_member(a, "first_seen", k->first.seen, KEEP);
	text_member(a, "last_seen", k->last.seen, KEEP);
	alert_bool(a, "still_folding", still, KEEP);
	text_member(a, "first_postfix_to", k->first.to, R_TO);
	text_member(a, "last_postfix_to", k->last.to, R_TO);
	text_member(a, "first_postfix_from", k->first.from, R_FROM);
	text_member(a, "last_postfix_from", k->last.from, R_FROM);
	text_member(a, "first_postfix_queueid", k->first.queueid, R_QUEUEID);
	text_member(a, "last_postfix_queueid", k->last.queueid, R_QUEUEID);
	f->st.summaries++;
	f->st.pending -= k->folded;
	out_add(out, n, a);
}

static void emit_all(struct fold *f, struct fold_out *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		f->emit(f->ctx, out[i].json, out[i].len, out[i].sev);
}

/* A free slot, or, when every one is taken, the event's overflow key. */
static struct fold_key *key_slot(struct fold *f, enum fold_event ev, int *overflow)
{
	for (size_t i = 0; i < FOLD_KEYS_MAX; i++)
		if (!f->key[i].used) {
			*overflow = 0;
			return &f->key[i];
		}
	*overflow = 1;
	return &f->key[FOLD_KEYS_MAX + ev];
}

static void key_fill(struct fold_key *k, json_t *o, enum fold_event ev, int overflow, uint64_t h,
		     const char *id, size_t idlen, time_t now)
{
	json_t *port;

	k->used = 1;
	k->hash = h;
	k->id = xmemdup(id, idlen);
	k->idlen = idlen;
	k->ev = ev;
	k->overflow = overflow;
	k->host = dup_member(o, "host");
	if (!overflow) {
		k->relay_host = dup_member(o, "postfix_relay_hostname");
		k->relay_ip = dup_member(o, "postfix_relay_ip");
		port = json_object_get(o, "postfix_relay_port");
		k->relay_port = json_is_integer(port) ? (long long)json_integer_value(port) : 0;
		k->cls = dup_member(o, "failure_class");
		k->stage = dup_member(o, "smtp_stage");
		k->reason = dup_member(o, "reason");
	}
	k->start = now;
}

/* The string key_parts of a key, after the event; then the port, then the reason's shape. */
static const char *const key_parts[] = { "host", "postfix_relay_hostname", "postfix_relay_ip",
					 "failure_class", "smtp_stage" };

enum fold_verdict fold_alert(struct fold *f, const char *event, enum alert_severity sev,
			     const char *json, size_t len, time_t now)
{
	int ev = event_index(event), overflow = 0;
	json_t *o;
	char *id = NULL, *shape;
	size_t idlen = 0, idcap = 0, n;
	const char *s;
	uint64_t h;
	struct fold_key *k = NULL;
	enum fold_verdict v = FOLD_PASS;
	struct fold_out out[1];
	size_t nout = 0;
	unsigned threshold;

	if (ev < 0)
		return FOLD_PASS;
	pthread_mutex_lock(&f->lock);
	f->st.seen[ev]++;
	threshold = f->threshold;
	pthread_mutex_unlock(&f->lock);
	if (threshold == 0)
		return FOLD_PASS;
	/* Not ours (it cannot be): sent as it is. */
	if ((o = json_loadb(json, len, 0, NULL)) == NULL)
		return FOLD_PASS;
	id_part(&id, &idlen, &idcap, event, strlen(event));
	for (size_t i = 0; i < sizeof(key_parts) / sizeof(key_parts[0]); i++) {
		s = member(o, key_parts[i], &n);
		id_part(&id, &idlen, &idcap, s ? s : "", s ? n : 0);
	}
	{
		json_t *port = json_object_get(o, "postfix_relay_port");
		long long p = json_is_integer(port) ? (long long)json_integer_value(port) : 0;

		id_part(&id, &idlen, &idcap, (const char *)&p, sizeof(p));
	}
	s = member(o, "reason", &n);
	shape = xmalloc(n + 1);
	n = s ? reason_shape(s, n, shape) : 0;
	id_part(&id, &idlen, &idcap, shape, n);
	free(shape);
	h = htab_hash(id, idlen);

	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < FOLD_KEYS_MAX && k == NULL; i++)
		if (key_match(&f->key[i], h, id, idlen))
			k = &f->key[i];
	if (k == NULL) {
		k = key_slot(f, (enum fold_event)ev, &overflow);
		if (!k->used)
			key_fill(k, o, (enum fold_event)ev, overflow, h, id, idlen, now);
	}
	if (k->overflow)
		f->st.overflows++;
	k->count++;
	if (k->hot || k->count > f->threshold) {
		v = FOLD_FOLDED;
		/* The summary is as severe as the worst alert it stands for. */
		if (++k->folded == 1 || sev > k->sev)
			k->sev = sev;
		f->st.folded[ev]++;
		f->st.pending++;
		if (k->folded == 1)
			side_set(&k->first, o);
		side_set(&k->last, o);
		if (!k->hot && k->folded == 1) {
			/* Say at once that this key folds from now on. */
			struct alert *a = key_alert(f, k, "alerts_folding", sev);

			f->st.notices++;
			out_add(out, &nout, a);
		}
	}
	pthread_mutex_unlock(&f->lock);
	emit_all(f, out, nout);
	json_decref(o);
	free(id);
	return v;
}

/* End the windows that are over (all with flush); emits outside the lock. */
static void fold_end(struct fold *f, time_t now, int flush)
{
	/* At most one summary per key. */
	struct fold_out *out = xcalloc(FOLD_KEYS_MAX + FOLD_EVENTS, sizeof(*out));
	size_t n = 0;

	pthread_mutex_lock(&f->lock);
	if (f->threshold == 0)
		flush = 1;
	for (size_t i = 0; i < FOLD_KEYS_MAX + FOLD_EVENTS; i++) {
		struct fold_key *k = &f->key[i];
		int busy;

		if (!k->used || (!flush && now - k->start < f->window))
			continue;
		/* More than the threshold in this window: the next one folds from its start. */
		busy = !flush && k->count > f->threshold;
		if (k->folded)
			summary(f, k, busy, out, &n);
		if (busy) {
			k->hot = 1;
			k->start = now;
			k->count = k->folded = 0;
			side_clear(&k->first);
			side_clear(&k->last);
		} else {
			key_clear(k);
		}
	}
	pthread_mutex_unlock(&f->lock);
	emit_all(f, out, n);
	free(out);
}

void fold_tick(struct fold *f, time_t now)
{
	fold_end(f, now, 0);
}

void fold_flush(struct fold *f)
{
	fold_end(f, 0, 1);
}

void fold_stats(struct fold *f, struct fold_stats *out)
{
	pthread_mutex_lock(&f->lock);
	*out = f->st;
	out->keys = 0;
	for (size_t i = 0; i < FOLD_KEYS_MAX + FOLD_EVENTS; i++)
		out->keys += f->key[i].used != 0;
	pthread_mutex_unlock(&f->lock);
}
