/*
 * testutil - helpers shared by the cmocka unit tests.
 *
 * struct collected gathers the alerts an engine or correlator emits, as
 * parsed jansson objects, so tests can assert on fields.  Everything is
 * static inline: each test program is one translation unit.
 */
#ifndef PW_TESTUTIL_H
#define PW_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "config.h"
#include "engine.h"

#define COLLECT_MAX 256

struct collected {
	size_t n;
	json_t *alert[COLLECT_MAX];
	size_t len[COLLECT_MAX];
};

static inline void collect_alert(void *ctx, struct alert *a)
{
	struct collected *c = ctx;
	size_t len;
	char *json = alert_render(a, &len);
	json_error_t err;

	assert_true(c->n < COLLECT_MAX);
	c->len[c->n] = len;
	c->alert[c->n] = json_loads(json, 0, &err);
	assert_non_null(c->alert[c->n]);
	c->n++;
	free(json);
}

static inline void collected_clear(struct collected *c)
{
	for (size_t i = 0; i < c->n; i++)
		json_decref(c->alert[i]);
	c->n = 0;
}

static inline const char *field_str(json_t *a, const char *key)
{
	return json_string_value(json_object_get(a, key));
}

static inline long long field_int(json_t *a, const char *key)
{
	json_t *v = json_object_get(a, key);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/* The number of collected alerts of one event kind. */
static inline size_t count_event(const struct collected *c, const char *event)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n; i++)
		if (strcmp(field_str(c->alert[i], "event"), event) == 0)
			n++;
	return n;
}

/* The first collected alert of a kind at or after index 'from'. */
static inline json_t *find_event(const struct collected *c, const char *event, size_t from)
{
	for (size_t i = from; i < c->n; i++)
		if (strcmp(field_str(c->alert[i], "event"), event) == 0)
			return c->alert[i];
	return NULL;
}

/* An engine with UTC stamps and optional "name=value" overrides, NULL-terminated. */
static inline struct engine *test_engine(struct collected *c, ...)
{
	struct config *cf = config_new();
	struct engine *e;
	va_list ap;
	const char *o;

	assert_int_equal(config_set(cf, "log_timezone", "UTC", NULL), 0);
	va_start(ap, c);
	while ((o = va_arg(ap, const char *)) != NULL)
		assert_int_equal(config_override(cf, o), 0);
	va_end(ap);
	e = engine_create(cf, collect_alert, c);
	/* Year-less stamps of the tests belong to 2026. */
	engine_set_reference(e, 1798761600); /* 2027-01-01T00:00:00Z */
	config_free(cf);
	return e;
}

static inline void feed(struct engine *e, const char *line)
{
	engine_line(e, line, strlen(line));
}

#endif
