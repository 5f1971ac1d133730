/*
 * alert - JSON alert construction and the size budget (see alert.h).
 *
 * jansson encodes every key and every value (json_dumpb with
 * JSON_ENCODE_ANY); an alert keeps each member's encoding, "key":value,
 * in one buffer, and alert_json() joins them as json_dumpb(JSON_COMPACT)
 * joins an object's members: '{', members separated by ',', '}'.  The
 * result is byte for byte what jansson writes for the same object (a unit
 * test compares the two).  The members are laid out that way as they
 * come, so an alert that keeps all of them in order is rendered without a
 * copy.  Knowing each member's length gives the size without rendering:
 * the budget is kept by dropping members, and the document is written once.
 *
 * An alert cache (one per correlator) remembers the encodings of the
 * texts it saw last: the same reason, relay, class names and remediation
 * recur in alert after alert and are encoded once, by jansson, not once
 * per alert.  It also keeps a freed alert for the next one, so building
 * an alert allocates nothing once the cache is warm.  Alerts made with
 * alert_new() have a small cache of their own.
 */
#include "alert.h"
#include "diag.h"
#include "htab.h"
#include "utf8.h"
#include "xmem.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALERT_MAX_FIELDS  48
#define ALERT_SHORT_FIELD 64
#define ALERT_KEYS_MAX    128 /* distinct keys one cache knows */
#define CACHE_SLOTS       4096
#define CACHE_SLOTS_OWN   16
#define INT_SLOTS         64
#define LIT_SLOTS         64

enum member_kind {
	M_STRING, /* a string; longer than ALERT_SHORT_FIELD, its text is kept */
	M_OTHER,
};

struct member {
	int key;  /* index in the cache's key table */
	int rank; /* -1: dropped */
	enum member_kind kind;
	size_t off, len;   /* "key":value in buf */
	size_t toff, tlen; /* a long M_STRING: the cleaned text in text */
};

/* One text as given, the text cleaned (when asked), then jansson's encoding, in mem. */
struct enc_slot {
	uint64_t hash;
	size_t rlen, tlen, elen;
	int clean;
	char *mem;
	size_t cap;
};

#define CACHE_RAW_MAX 1024 /* longer texts are not remembered */

/* A text that never changes, by its address: its text and encoding in mem. */
struct lit_slot {
	const char *ptr;
	size_t tlen, elen;
	char *mem;
};

struct int_slot {
	long long value;
	int valid;
	size_t len;
	char enc[24];
};

struct alert_cache {
	struct enc_slot *slot;
	size_t nslots;
	struct enc_slot long_slot; /* for a text too long to remember */
	struct int_slot ints[INT_SLOTS];
	struct lit_slot lits[LIT_SLOTS];
	/* Keys are the callers' string literals: by pointer, then by text. */
	struct {
		const char *ptr;
		char *enc; /* "key" as jansson writes it, and ':' */
		size_t len;
	} key[ALERT_KEYS_MAX];
	int nkeys;
	/* key pointer -> index, open addressing (NULL: free): mostly one probe */
	const char *kptr[2 * ALERT_KEYS_MAX];
	int kidx[2 * ALERT_KEYS_MAX];
	json_t *str, *num; /* reused for encoding */
	char enc_true[8], enc_false[8], enc_null[8];
	size_t len_true, len_false, len_null;
	struct pftime last_time; /* the last stamp formatted, and its text */
	char last_stamp[64];
	size_t last_stamp_len;
	int own;             /* belongs to one alert (alert_new) */
	struct alert *spare; /* a freed alert, for the next one */
};

struct alert {
	struct alert_cache *cache;
	enum alert_severity sev;
	char event[40];
	size_t nfields;
	struct member field[ALERT_MAX_FIELDS];
	uint64_t keyset[ALERT_KEYS_MAX / 64]; /* keys present, for replacement */
	char *buf;                            /* '{' and the members, comma-separated, in order */
	size_t used, cap;
	int in_order; /* buf is the document but for its '}' */
	char *text;   /* texts of long strings, for the last resort */
	size_t tused, tcap;
	char *out; /* the rendered document */
	size_t outlen, outcap;
	int rendered;
};

/* jansson reports only NULL; with cleaned input that means memory ran out. */
static noreturn void json_oom(void)
{
	msg_fatal("out of memory building an alert");
}

static json_t *json_checked(json_t *j)
{
	if (j == NULL)
		json_oom();
	return j;
}

/* jansson's encoding of one value into dst (cap bytes); returns the length it needs. */
static size_t encode_value(const json_t *v, char *dst, size_t cap, size_t flags)
{
	size_t need = json_dumpb(v, dst, cap, flags | JSON_ENCODE_ANY);

	if (need == 0)
		json_oom();
	return need;
}

/* A jansson encoding into a fresh allocation. */
static char *encode_dup(const json_t *v, size_t flags, size_t *len)
{
	char small[64];
	size_t need = encode_value(v, small, sizeof(small), flags);
	char *out = xmalloc(need + 1);

	if (need <= sizeof(small))
		memcpy(out, small, need);
	else if (encode_value(v, out, need, flags) != need)
		json_oom();
	*len = need;
	return out;
}

static void cache_init(struct alert_cache *c, size_t nslots, int own)
{
	json_t *t = json_true(), *f = json_false(), *n = json_null();

	memset(c, 0, sizeof(*c));
	c->nslots = nslots;
	c->slot = xcalloc(nslots, sizeof(*c->slot));
	c->own = own;
	c->str = json_checked(json_string_nocheck(""));
	c->num = json_checked(json_integer(0));
	c->len_true = encode_value(t, c->enc_true, sizeof(c->enc_true), 0);
	c->len_false = encode_value(f, c->enc_false, sizeof(c->enc_false), 0);
	c->len_null = encode_value(n, c->enc_null, sizeof(c->enc_null), 0);
	if (c->len_true > sizeof(c->enc_true) || c->len_false > sizeof(c->enc_false) ||
	    c->len_null > sizeof(c->enc_null))
		json_oom();
}

struct alert_cache *alert_cache_create(void)
{
	struct alert_cache *c = xmalloc(sizeof(*c));

	cache_init(c, CACHE_SLOTS, 0);
	return c;
}

static void alert_release(struct alert *a)
{
	free(a->buf);
	free(a->text);
	free(a->out);
	free(a);
}

void alert_cache_free(struct alert_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nslots; i++)
		free(c->slot[i].mem);
	free(c->long_slot.mem);
	for (size_t i = 0; i < LIT_SLOTS; i++)
		free(c->lits[i].mem);
	free(c->slot);
	for (int i = 0; i < c->nkeys; i++)
		free(c->key[i].enc);
	json_decref(c->str);
	json_decref(c->num);
	if (c->spare)
		alert_release(c->spare);
	free(c);
}

/*
 * jansson's encoding of a string, from the cache or made now.  With clean,
 * raw is untrusted and goes through text_clean() first (a text seen
 * before is not cleaned again); without, it is valid UTF-8 already.
 * *text is the string itself.  The results stay valid until the next call.
 */
static const char *encode_string(struct alert_cache *c, const char *raw, size_t rlen, int clean,
				 const char **text, size_t *tlen, size_t *elen)
{
	char buf[ALERT_FIELD_MAX];
	const char *t = raw;
	size_t n = rlen, keep = rlen, need;
	uint64_t h = 0;
	struct enc_slot *s;

	if (rlen <= CACHE_RAW_MAX) {
		h = htab_hash(raw, rlen) ^ (uint64_t)clean;
		s = &c->slot[h & (c->nslots - 1)];
		if (s->mem && s->hash == h && s->rlen == rlen && s->clean == clean &&
		    memcmp(s->mem, raw, rlen) == 0) {
			*text = s->mem + s->rlen;
			*tlen = s->tlen;
			*elen = s->elen;
			return s->mem + s->rlen + s->tlen;
		}
	} else {
		/* Too long to remember: a slot that is never looked up. */
		s = &c->long_slot;
		keep = 0;
	}
	if (clean) {
		/* DEL and C1 are not escaped by JSON: '?' (issue 11, defect 3). */
		n = text_clean(raw, rlen, buf, sizeof(buf), TEXT_NO_DEL_C1, NULL);
		t = buf;
	}
	/* Invalid until filled: the slot must never match half made. */
	s->hash = 0;
	s->rlen = (size_t)-1;
	/* Text that came through text_clean (or ours): valid UTF-8. */
	if (json_string_setn_nocheck(c->str, t, n) < 0)
		json_oom();
	/* The slot is about to be overwritten: the text must not live in it. */
	if (s->cap < keep + 2 * n + 8) {
		s->cap = keep + 2 * n + 64;
		free(s->mem);
		s->mem = xmalloc(s->cap);
	}
	need = encode_value(c->str, s->mem + keep + n, s->cap - keep - n, 0);
	if (need > s->cap - keep - n) {
		s->cap = keep + n + need;
		free(s->mem);
		s->mem = xmalloc(s->cap);
		if (encode_value(c->str, s->mem + keep + n, need, 0) != need)
			json_oom();
	}
	memcpy(s->mem, raw, keep);
	memcpy(s->mem + keep, t, n);
	s->tlen = n;
	s->elen = need;
	s->clean = clean;
	s->hash = h;
	s->rlen = keep;
	*text = s->mem + keep;
	*tlen = n;
	*elen = need;
	return s->mem + keep + n;
}

static const char *encode_int(struct alert_cache *c, long long v, size_t *elen)
{
	struct int_slot *s = &c->ints[(unsigned long long)v % INT_SLOTS];

	if (!s->valid || s->value != v) {
		json_integer_set(c->num, (json_int_t)v);
		s->len = encode_value(c->num, s->enc, sizeof(s->enc), 0);
		if (s->len > sizeof(s->enc))
			json_oom();
		s->value = v;
		s->valid = 1;
	}
	*elen = s->len;
	return s->enc;
}

/* The key's index; its encoding is made the first time the key is seen. */
static int key_index(struct alert_cache *c, const char *key)
{
	size_t h = ((uintptr_t)key >> 3) * 0x9E3779B1u % (2 * ALERT_KEYS_MAX);
	json_t *k;
	int i;

	while (c->kptr[h] != NULL) {
		if (c->kptr[h] == key)
			return c->kidx[h];
		h = (h + 1) % (2 * ALERT_KEYS_MAX);
	}
	/* A new pointer; maybe the same text as a known key (another translation unit). */
	for (i = 0; i < c->nkeys; i++)
		if (strcmp(c->key[i].ptr, key) == 0)
			break;
	if (i == c->nkeys) {
		if (c->nkeys == ALERT_KEYS_MAX)
			msg_fatal("alert: more than %d distinct keys", ALERT_KEYS_MAX);
		/* Keys are our own ASCII literals. */
		k = json_checked(json_string_nocheck(key));
		c->key[i].ptr = key;
		/* jansson's "key", and the ':' that follows it in a member */
		c->key[i].enc = encode_dup(k, 0, &c->key[i].len);
		c->key[i].enc = xrealloc(c->key[i].enc, c->key[i].len + 1);
		c->key[i].enc[c->key[i].len++] = ':';
		json_decref(k);
		c->nkeys++;
	}
	/* At most 2 pointers per key fill half the table at most: there is room. */
	c->kptr[h] = key;
	c->kidx[h] = i;
	return i;
}

/* Room for n more bytes in buf and for the closing "}" and NUL. */
static size_t buf_reserve(struct alert *a, size_t n)
{
	if (a->used + n + 2 > a->cap) {
		a->cap = 2 * (a->used + n + 2) + 1024;
		a->buf = xrealloc(a->buf, a->cap);
	}
	return a->used;
}

/* One member: "key":value from the value's encoding, and the text of a string. */
static void alert_member(struct alert *a, const char *key, const char *enc, size_t elen,
			 const char *text, size_t tlen, int rank)
{
	struct alert_cache *c = a->cache;
	int k = key_index(c, key);
	struct member *m = NULL;
	size_t off;

	if (a->keyset[k / 64] & (1ULL << (k % 64))) {
		/* Set again: the value is replaced where it stands, as jansson does. */
		for (size_t i = 0; i < a->nfields; i++)
			if (a->field[i].key == k)
				m = &a->field[i];
	}
	if (m == NULL) {
		if (a->nfields == ALERT_MAX_FIELDS)
			msg_fatal("alert: more than %d fields", ALERT_MAX_FIELDS);
		m = &a->field[a->nfields++];
		m->key = k;
		a->keyset[k / 64] |= 1ULL << (k % 64);
	} else {
		a->in_order = 0; /* the new bytes are not where the member stands */
	}
	off = buf_reserve(a, 1 + c->key[k].len + elen);
	if (a->nfields > 1 || m != &a->field[0])
		a->buf[off++] = ',';
	memcpy(a->buf + off, c->key[k].enc, c->key[k].len);
	memcpy(a->buf + off + c->key[k].len, enc, elen);
	m->off = off;
	m->len = c->key[k].len + elen;
	m->rank = rank;
	m->kind = text ? M_STRING : M_OTHER;
	m->tlen = 0;
	if (text && tlen > ALERT_SHORT_FIELD) {
		if (a->tused + tlen > a->tcap) {
			a->tcap = 2 * (a->tused + tlen) + 512;
			a->text = xrealloc(a->text, a->tcap);
		}
		m->toff = a->tused;
		m->tlen = tlen;
		memcpy(a->text + m->toff, text, tlen);
		a->tused += tlen;
	}
	a->used = off + m->len;
	a->rendered = 0;
}

/* A string member: untrusted text is cleaned (clean), ours is valid UTF-8. */
static void alert_string(struct alert *a, const char *key, const char *raw, size_t rlen, int clean,
			 int rank)
{
	const char *text;
	size_t tlen, elen;
	const char *enc = encode_string(a->cache, raw, rlen, clean, &text, &tlen, &elen);

	alert_member(a, key, enc, elen, text, tlen, rank);
}

/* A member whose value jansson encodes as a whole (arrays, objects). */
static void alert_json_value(struct alert *a, const char *key, json_t *v, int rank)
{
	char small[512];
	size_t need = encode_value(v, small, sizeof(small), JSON_COMPACT);

	if (need <= sizeof(small)) {
		alert_member(a, key, small, need, NULL, 0, rank);
	} else {
		char *big = xmalloc(need);

		if (encode_value(v, big, need, JSON_COMPACT) != need)
			json_oom();
		alert_member(a, key, big, need, NULL, 0, rank);
		free(big);
	}
	json_decref(v);
}

void alert_init(void)
{
	json_object_seed(0);
}

const char *alert_severity_name(enum alert_severity sev)
{
	return sev == SEV_CRITICAL ? "critical" : sev == SEV_WARNING ? "warning" : "info";
}

void alert_time(struct alert *a, const char *key, const struct pftime *t, int rank)
{
	struct alert_cache *c = a->cache;

	if (c->last_stamp_len == 0 || c->last_time.sec != t->sec || c->last_time.usec != t->usec ||
	    c->last_time.utc_offset != t->utc_offset || c->last_time.has_frac != t->has_frac) {
		c->last_time = *t;
		c->last_stamp_len = pftime_format(t, c->last_stamp, sizeof(c->last_stamp));
	}
	/* Our own digits and punctuation: valid UTF-8 by construction. */
	alert_string(a, key, c->last_stamp, c->last_stamp_len, 0, rank);
}

struct alert *alert_new_cached(struct alert_cache *c, const char *event, enum alert_severity sev,
			       const struct pftime *when, const char *host, size_t host_len)
{
	struct alert *a;

	if (c == NULL) {
		c = xmalloc(sizeof(*c));
		cache_init(c, CACHE_SLOTS_OWN, 1);
	}
	if ((a = c->spare) != NULL) {
		c->spare = NULL;
	} else {
		a = xcalloc(1, sizeof(*a));
	}
	a->cache = c;
	a->sev = sev;
	a->nfields = 0;
	buf_reserve(a, 1);
	a->buf[0] = '{';
	a->used = 1;
	a->in_order = 1;
	a->tused = 0;
	a->rendered = 0;
	memset(a->keyset, 0, sizeof(a->keyset));
	{
		size_t n = strnlen(event, sizeof(a->event) - 1);

		memcpy(a->event, event, n);
		a->event[n] = 0;
	}
	alert_time(a, "@timestamp", when, 0);
	alert_const(a, "event", event, 0);
	alert_literal(a, "severity", alert_severity_name(sev), 0);
	alert_text(a, "host", host, host_len, 0);
	return a;
}

struct alert *alert_new(const char *event, enum alert_severity sev, const struct pftime *when,
			const char *host, size_t host_len)
{
	return alert_new_cached(NULL, event, sev, when, host, host_len);
}

void alert_free(struct alert *a)
{
	struct alert_cache *c;

	if (a == NULL)
		return;
	c = a->cache;
	if (c->own) {
		alert_release(a);
		alert_cache_free(c);
	} else if (c->spare == NULL) {
		c->spare = a;
	} else {
		alert_release(a);
	}
}

void alert_text(struct alert *a, const char *key, const char *text, size_t len, int rank)
{
	/* Cleaned and capped (text_clean) unless the cache knows this text already. */
	alert_string(a, key, text ? text : "", text ? len : 0, 1, rank);
}

void alert_const(struct alert *a, const char *key, const char *text, int rank)
{
	/* probewatch's own text is ASCII. */
	alert_string(a, key, text, strlen(text), 0, rank);
}

void alert_literal(struct alert *a, const char *key, const char *text, int rank)
{
	struct alert_cache *c = a->cache;
	struct lit_slot *s = &c->lits[((uintptr_t)text >> 3) * 0x9E3779B1u % LIT_SLOTS];

	if (s->ptr != text) {
		const char *t, *enc;
		size_t tlen, elen;

		/* probewatch's own text is ASCII. */
		enc = encode_string(c, text, strlen(text), 0, &t, &tlen, &elen);
		free(s->mem);
		s->mem = xmalloc(tlen + elen);
		memcpy(s->mem, t, tlen);
		memcpy(s->mem + tlen, enc, elen);
		s->ptr = text;
		s->tlen = tlen;
		s->elen = elen;
	}
	alert_member(a, key, s->mem + s->tlen, s->elen, s->mem, s->tlen, rank);
}

void alert_int(struct alert *a, const char *key, long long value, int rank)
{
	size_t elen;
	const char *enc = encode_int(a->cache, value, &elen);

	alert_member(a, key, enc, elen, NULL, 0, rank);
}

void alert_bool(struct alert *a, const char *key, int value, int rank)
{
	struct alert_cache *c = a->cache;

	if (value)
		alert_member(a, key, c->enc_true, c->len_true, NULL, 0, rank);
	else
		alert_member(a, key, c->enc_false, c->len_false, NULL, 0, rank);
}

void alert_text_array(struct alert *a, const char *key, const char *const *texts,
		      const size_t *lens, size_t n, int rank)
{
	json_t *arr = json_checked(json_array());
	char buf[ALERT_FIELD_MAX];

	for (size_t i = 0; i < n; i++) {
		size_t len = text_clean(texts[i], lens[i], buf, sizeof(buf), TEXT_NO_DEL_C1, NULL);

		if (json_array_append_new(arr, json_checked(json_stringn_nocheck(buf, len))))
			json_oom();
	}
	alert_json_value(a, key, arr, rank);
}

void alert_set_null(struct alert *a, const char *key, int rank)
{
	struct alert_cache *c = a->cache;

	alert_member(a, key, c->enc_null, c->len_null, NULL, 0, rank);
}

void alert_counters(struct alert *a, const char *key, const char *const *names,
		    const unsigned long *values, size_t n, int rank)
{
	json_t *obj = json_checked(json_object());

	for (size_t i = 0; i < n; i++)
		if (json_object_set_new(obj, names[i],
					json_checked(json_integer((json_int_t)values[i]))))
			json_oom();
	alert_json_value(a, key, obj, rank);
}

size_t alert_members(const struct alert *a)
{
	return a->nfields;
}

int alert_member_at(const struct alert *a, size_t i, const char **key, const char **enc,
		    size_t *len)
{
	const struct member *m;
	size_t klen;

	if (i >= a->nfields || (m = &a->field[i])->rank < 0)
		return 0;
	klen = a->cache->key[m->key].len; /* "key": */
	*key = a->cache->key[m->key].ptr;
	*enc = a->buf + m->off + klen;
	*len = m->len - klen;
	return 1;
}

const char *alert_event(const struct alert *a)
{
	return a->event;
}

enum alert_severity alert_severity(const struct alert *a)
{
	return a->sev;
}

/* The document's length with the members present: braces, members, commas. */
static size_t alert_size(const struct alert *a)
{
	size_t total = 2, n = 0;

	for (size_t i = 0; i < a->nfields; i++)
		if (a->field[i].rank >= 0) {
			total += a->field[i].len;
			n++;
		}
	return total + (n ? n - 1 : 0);
}

/* Keep the budget: drop optional members by rank, then shorten long strings. */
static void alert_fit(struct alert *a)
{
	size_t len = alert_size(a);
	int truncated = 0;

	while (len > ALERT_BUDGET) {
		/* Drop the optional field of highest rank still present (the first such). */
		size_t best = a->nfields;

		for (size_t i = 0; i < a->nfields; i++)
			if (a->field[i].rank > 0 &&
			    (best == a->nfields || a->field[i].rank > a->field[best].rank))
				best = i;
		if (best == a->nfields)
			break;
		a->field[best].rank = -1;
		a->in_order = 0;
		if (!truncated) {
			alert_bool(a, "truncated", 1, 0);
			truncated = 1;
		}
		len = alert_size(a);
	}
	if (len > ALERT_BUDGET) {
		/* Only required fields left: shorten every long string. */
		char buf[ALERT_SHORT_FIELD];
		size_t nf = a->nfields;

		for (size_t i = 0; i < nf; i++) {
			struct member *m = &a->field[i];

			if (m->rank >= 0 && m->kind == M_STRING && m->tlen > sizeof(buf)) {
				size_t n = text_clean(a->text + m->toff, m->tlen, buf, sizeof(buf),
						      TEXT_NO_DEL_C1, NULL);

				alert_string(a, a->cache->key[m->key].ptr, buf, n, 0, m->rank);
			}
		}
	}
}

const char *alert_json(struct alert *a, size_t *lenp)
{
	if (!a->rendered) {
		alert_fit(a);
		if (a->in_order) {
			/* The members as they came: close the object where it is. */
			a->buf[a->used] = '}';
			a->buf[a->used + 1] = 0;
			a->outlen = a->used + 1;
		} else {
			size_t len = alert_size(a), o = 0, n = 0;

			if (a->outcap < len + 1) {
				a->outcap = len + 1 > 4096 ? len + 1 : 4096;
				free(a->out);
				a->out = xmalloc(a->outcap);
			}
			a->out[o++] = '{';
			for (size_t i = 0; i < a->nfields; i++) {
				const struct member *m = &a->field[i];

				if (m->rank < 0)
					continue;
				if (n++)
					a->out[o++] = ',';
				memcpy(a->out + o, a->buf + m->off, m->len);
				o += m->len;
			}
			a->out[o++] = '}';
			a->out[o] = 0;
			a->outlen = o;
		}
		a->rendered = 1;
	}
	*lenp = a->outlen;
	return a->in_order ? a->buf : a->out;
}

char *alert_render(struct alert *a, size_t *lenp)
{
	size_t len;
	const char *json = alert_json(a, &len);

	if (lenp)
		*lenp = len;
	return xmemdup(json, len);
}
