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

/* One member's value as jansson encoded it in the alert; buffers are reused. */
struct fold_enc {
	char *p;
	size_t len, cap;
	int set;
};

/* One folded alert's particulars, for the first and the last. */
struct fold_side {
	struct fold_enc to, from, queueid, seen;
};

/* What fold reads of an alert, in the order of part_names. */
enum {
	P_HOST,
	P_RELAY_HOST,
	P_RELAY_IP,
	P_RELAY_PORT,
	P_CLASS,
	P_STAGE,
	P_KEY_END, /* the parts above make the key, with the event and the reason's shape */
	P_REASON = P_KEY_END,
	P_TO,
	P_FROM,
	P_QUEUEID,
	P_TIME,
	P_COUNT
};

static const char *const part_names[P_COUNT] = {
	"host",
	"postfix_relay_hostname",
	"postfix_relay_ip",
	"postfix_relay_port",
	"failure_class",
	"smtp_stage",
	"reason",
	"postfix_to",
	"postfix_from",
	"postfix_queueid",
	"@timestamp",
};

struct fold_view {
	const char *enc[P_COUNT]; /* NULL: absent */
	size_t len[P_COUNT];
};

struct fold_key {
	int used;
	uint64_t hash;
	char *id; /* the key's parts, each with its length before it */
	size_t idlen;
	enum fold_event ev;
	int overflow;
	/* as the first alert of the key had them: host, relay, class, stage, reason */
	struct fold_enc part[P_KEY_END + 1];
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

static void enc_set(struct fold_enc *e, const char *p, size_t len)
{
	if (p == NULL) {
		e->set = 0;
		return;
	}
	if (e->cap < len + 1) {
		e->cap = len + 64;
		free(e->p);
		e->p = xmalloc(e->cap);
	}
	memcpy(e->p, p, len);
	e->p[len] = 0;
	e->len = len;
	e->set = 1;
}

static void enc_free(struct fold_enc *e)
{
	free(e->p);
	memset(e, 0, sizeof(*e));
}

static void side_free(struct fold_side *s)
{
	enc_free(&s->to);
	enc_free(&s->from);
	enc_free(&s->queueid);
	enc_free(&s->seen);
}

static void key_clear(struct fold_key *k)
{
	free(k->id);
	for (size_t i = 0; i <= P_KEY_END; i++)
		enc_free(&k->part[i]);
	side_free(&k->first);
	side_free(&k->last);
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

/* The members fold reads, in one pass over the alert. */
static void view_of(const struct alert *a, struct fold_view *v)
{
	size_t n = alert_members(a), len;
	const char *key, *enc;

	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		if (!alert_member_at(a, i, &key, &enc, &len))
			continue;
		for (int p = 0; p < P_COUNT; p++)
			if (key[0] == part_names[p][0] && strcmp(key, part_names[p]) == 0) {
				v->enc[p] = enc;
				v->len[p] = len;
				break;
			}
	}
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

static void side_set(struct fold_side *s, const struct fold_view *v)
{
	enc_set(&s->to, v->enc[P_TO], v->len[P_TO]);
	enc_set(&s->from, v->enc[P_FROM], v->len[P_FROM]);
	enc_set(&s->queueid, v->enc[P_QUEUEID], v->len[P_QUEUEID]);
	enc_set(&s->seen, v->enc[P_TIME], v->len[P_TIME]);
}

/*
 * A value back from its encoding into a new alert: a string goes through
 * alert_text() as any untrusted text, a number stays a number, a null a
 * null; nothing when the alert did not have it.
 */
static void enc_member(struct alert *a, const char *name, const struct fold_enc *e, int rank)
{
	json_t *v;

	if (!e->set || (v = json_loadb(e->p, e->len, JSON_DECODE_ANY, NULL)) == NULL)
		return;
	if (json_is_string(v))
		alert_text(a, name, json_string_value(v), json_string_length(v), rank);
	else if (json_is_integer(v))
		alert_int(a, name, (long long)json_integer_value(v), rank);
	else if (json_is_null(v))
		alert_set_null(a, name, rank);
	json_decref(v);
}

/* The fields that name a key, in the notice and the summary. */
static struct alert *key_alert(const struct fold *f, const struct fold_key *k, const char *event,
			       enum alert_severity sev)
{
	struct pftime now;
	const char *host = "";
	size_t hlen = 0;
	json_t *h = NULL;
	struct alert *a;

	pftime_now(&now);
	if (k->part[P_HOST].set &&
	    (h = json_loadb(k->part[P_HOST].p, k->part[P_HOST].len, JSON_DECODE_ANY, NULL)) &&
	    json_is_string(h)) {
		host = json_string_value(h);
		hlen = json_string_length(h);
	}
	a = alert_new(event, sev, &now, host, hlen);
	json_decref(h);
	alert_literal(a, "folded_event", fold_event_names[k->ev], KEEP);
	if (k->overflow) {
		alert_bool(a, "key_overflow", 1, KEEP);
	} else {
		for (int p = P_RELAY_HOST; p <= P_STAGE; p++)
			enc_member(a, part_names[p], &k->part[p], KEEP);
		enc_member(a, "reason", &k->part[P_REASON], R_REASON);
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
	enc_member(a, "first_seen", &k->first.seen, KEEP);
	enc_member(a, "last_seen", &k->last.seen, KEEP);
	alert_bool(a, "still_folding", still, KEEP);
	enc_member(a, "first_postfix_to", &k->first.to, R_TO);
	enc_member(a, "last_postfix_to", &k->last.to, R_TO);
	enc_member(a, "first_postfix_from", &k->first.from, R_FROM);
	enc_member(a, "last_postfix_from", &k->last.from, R_FROM);
	enc_member(a, "first_postfix_queueid", &k->first.queueid, R_QUEUEID);
	enc_member(a, "last_postfix_queueid", &k->last.queueid, R_QUEUEID);
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

static void key_fill(struct fold_key *k, const struct fold_view *v, enum fold_event ev,
		     int overflow, uint64_t h, const char *id, size_t idlen, time_t now)
{
	k->used = 1;
	k->hash = h;
	k->id = xmemdup(id, idlen);
	k->idlen = idlen;
	k->ev = ev;
	k->overflow = overflow;
	for (int p = 0; p <= P_KEY_END; p++)
		if (p == P_HOST || !overflow)
			enc_set(&k->part[p], v->enc[p], v->len[p]);
	k->start = now;
}

enum fold_verdict fold_alert(struct fold *f, const struct alert *a, time_t now)
{
	const char *event = alert_event(a);
	enum alert_severity sev = alert_severity(a);
	int ev = event_index(event), overflow = 0;
	struct fold_view v;
	char small[1024], *id = NULL, *shape = small;
	size_t idlen = 0, idcap = 0, n;
	uint64_t h;
	struct fold_key *k = NULL;
	enum fold_verdict verdict = FOLD_PASS;
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
	view_of(a, &v);
	id_part(&id, &idlen, &idcap, event, strlen(event));
	for (int p = 0; p < P_KEY_END; p++)
		id_part(&id, &idlen, &idcap, v.enc[p], v.len[p]);
	n = v.len[P_REASON];
	if (n > sizeof(small))
		shape = xmalloc(n);
	n = n ? reason_shape(v.enc[P_REASON], n, shape) : 0;
	id_part(&id, &idlen, &idcap, shape, n);
	if (shape != small)
		free(shape);
	h = htab_hash(id, idlen);

	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < FOLD_KEYS_MAX && k == NULL; i++)
		if (key_match(&f->key[i], h, id, idlen))
			k = &f->key[i];
	if (k == NULL) {
		k = key_slot(f, (enum fold_event)ev, &overflow);
		if (!k->used)
			key_fill(k, &v, (enum fold_event)ev, overflow, h, id, idlen, now);
	}
	if (k->overflow)
		f->st.overflows++;
	k->count++;
	if (k->hot || k->count > f->threshold) {
		verdict = FOLD_FOLDED;
		/* The summary is as severe as the worst alert it stands for. */
		if (++k->folded == 1 || sev > k->sev)
			k->sev = sev;
		f->st.folded[ev]++;
		f->st.pending++;
		if (k->folded == 1)
			side_set(&k->first, &v);
		side_set(&k->last, &v);
		if (!k->hot && k->folded == 1) {
			/* Say at once that this key folds from now on. */
			f->st.notices++;
			out_add(out, &nout, key_alert(f, k, "alerts_folding", sev));
		}
	}
	pthread_mutex_unlock(&f->lock);
	emit_all(f, out, nout);
	free(id);
	return verdict;
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
			k->first.to.set = k->first.from.set = 0;
			k->first.queueid.set = k->first.seen.set = 0;
			k->last.to.set = k->last.from.set = 0;
			k->last.queueid.set = k->last.seen.set = 0;
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
