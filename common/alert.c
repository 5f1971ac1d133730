/*
 * alert - JSON alert construction and the size budget (see alert.h).
 */
#include "alert.h"
#include "diag.h"
#include "utf8.h"
#include "xmem.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALERT_MAX_FIELDS  48
#define ALERT_SHORT_FIELD 64

struct alert {
	json_t *obj;
	enum alert_severity sev;
	char event[40];
	size_t nfields;
	struct {
		const char *key; /* a string literal of the caller */
		int rank;
	} field[ALERT_MAX_FIELDS];
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

static void alert_set(struct alert *a, const char *key, json_t *value, int rank)
{
	/* Keys are our own ASCII literals. */
	json_object_set_new_nocheck(a->obj, key, json_checked(value));
	/* Keys are string literals: the same key is the same pointer. */
	for (size_t i = 0; i < a->nfields; i++)
		if (a->field[i].key == key) {
			a->field[i].rank = rank;
			return;
		}
	if (a->nfields < ALERT_MAX_FIELDS) {
		a->field[a->nfields].key = key;
		a->field[a->nfields].rank = rank;
		a->nfields++;
	}
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
	char buf[64];
	size_t n = pftime_format(t, buf, sizeof(buf));

	/* Our own digits and punctuation: valid UTF-8 by construction. */
	alert_set(a, key, json_stringn_nocheck(buf, n), rank);
}

struct alert *alert_new(const char *event, enum alert_severity sev, const struct pftime *when,
			const char *host, size_t host_len)
{
	struct alert *a = xcalloc(1, sizeof(*a));

	a->obj = json_checked(json_object());
	a->sev = sev;
	snprintf(a->event, sizeof(a->event), "%s", event);
	alert_time(a, "@timestamp", when, 0);
	alert_const(a, "event", event, 0);
	alert_const(a, "severity", alert_severity_name(sev), 0);
	alert_text(a, "host", host, host_len, 0);
	return a;
}

void alert_free(struct alert *a)
{
	if (a) {
		json_decref(a->obj);
		free(a);
	}
}

void alert_text(struct alert *a, const char *key, const char *text, size_t len, int rank)
{
	char buf[ALERT_FIELD_MAX];
	size_t n = text_clean(text ? text : "", text ? len : 0, buf, sizeof(buf), 0, NULL);

	/* text_clean() made it valid UTF-8 already. */
	alert_set(a, key, json_stringn_nocheck(buf, n), rank);
}

void alert_const(struct alert *a, const char *key, const char *text, int rank)
{
	/* probewatch's own text is ASCII; a NULL from jansson is out of memory. */
	alert_set(a, key, json_string_nocheck(text), rank);
}

void alert_int(struct alert *a, const char *key, long long value, int rank)
{
	alert_set(a, key, json_integer(value), rank);
}

void alert_bool(struct alert *a, const char *key, int value, int rank)
{
	alert_set(a, key, json_boolean(value), rank);
}

void alert_text_array(struct alert *a, const char *key, const char *const *texts,
		      const size_t *lens, size_t n, int rank)
{
	json_t *arr = json_checked(json_array());
	char buf[ALERT_FIELD_MAX];

	for (size_t i = 0; i < n; i++) {
		size_t len = text_clean(texts[i], lens[i], buf, sizeof(buf), 0, NULL);

		json_array_append_new(arr, json_checked(json_stringn_nocheck(buf, len)));
	}
	alert_set(a, key, arr, rank);
}

void alert_set_null(struct alert *a, const char *key, int rank)
{
	alert_set(a, key, json_null(), rank);
}

void alert_counters(struct alert *a, const char *key, const char *const *names,
		    const unsigned long *values, size_t n, int rank)
{
	json_t *obj = json_checked(json_object());

	for (size_t i = 0; i < n; i++)
		json_object_set_new(obj, names[i],
				    json_checked(json_integer((json_int_t)values[i])));
	alert_set(a, key, obj, rank);
}

const char *alert_event(const struct alert *a)
{
	return a->event;
}

enum alert_severity alert_severity(const struct alert *a)
{
	return a->sev;
}

/*
 * Compact JSON into one buffer sized for the budget; json_dumpb writes
 * straight into it, and says how much it needed when that was more.
 */
static char *alert_dump(json_t *obj, size_t *lenp)
{
	size_t size = ALERT_BUDGET + 256;
	char *out = xmalloc(size + 1);
	size_t need = json_dumpb(obj, out, size, JSON_COMPACT);

	if (need == 0)
		json_oom();
	if (need > size) {
		out = xrealloc(out, need + 1);
		if (json_dumpb(obj, out, need, JSON_COMPACT) != need)
			json_oom();
	}
	out[need] = 0;
	*lenp = need;
	return out;
}

char *alert_render(struct alert *a, size_t *lenp)
{
	size_t len;
	char *out = alert_dump(a->obj, &len);

	while (len > ALERT_BUDGET) {
		/* Drop the optional field of highest rank still present. */
		size_t best = a->nfields;

		for (size_t i = 0; i < a->nfields; i++)
			if (a->field[i].rank > 0 && json_object_get(a->obj, a->field[i].key) &&
			    (best == a->nfields || a->field[i].rank > a->field[best].rank))
				best = i;
		if (best == a->nfields)
			break;
		json_object_del(a->obj, a->field[best].key);
		json_object_set_new(a->obj, "truncated", json_true());
		free(out);
		out = alert_dump(a->obj, &len);
	}
	if (len > ALERT_BUDGET) {
		/* Only required fields left: shorten every long string. */
		const char *key;
		json_t *v;
		char buf[ALERT_SHORT_FIELD];

		json_object_foreach(a->obj, key, v)
		{
			if (json_is_string(v) && json_string_length(v) > sizeof(buf)) {
				size_t n = text_clean(json_string_value(v), json_string_length(v),
						      buf, sizeof(buf), 0, NULL);

				json_string_setn(v, buf, n);
			}
		}
		free(out);
		out = alert_dump(a->obj, &len);
	}
	if (lenp)
		*lenp = len;
	return out;
}
