/*
 * test_alert - alert documents: escaping, UTF-8, caps and the budget.
 */
#include "testutil.h"

#include "utf8.h"

static struct pftime when = { .sec = 1795624874, .utc_offset = 3600 };

static json_t *render(struct alert *a, size_t *len)
{
	json_error_t err;
	char *s = alert_render(a, len);
	json_t *j;

	assert_int_equal(strlen(s), *len);
	assert_null(memchr(s, '\n', *len)); /* one line per alert */
	j = json_loads(s, 0, &err);
	assert_non_null(j);
	free(s);
	return j;
}

static void test_fixed_fields(void **state)
{
	struct alert *a = alert_new("probe_failed", SEV_WARNING, &when, "mta", 3);
	size_t len;
	json_t *j;
	const char *key;
	json_t *v;
	const char *order[] = { "@timestamp", "event", "severity", "host", "n" };
	int i = 0;

	(void)state;
	alert_int(a, "n", 7, 0);
	j = render(a, &len);
	assert_string_equal(field_str(j, "@timestamp"), "2026-11-25T17:41:14+01:00");
	assert_string_equal(field_str(j, "event"), "probe_failed");
	assert_string_equal(field_str(j, "severity"), "warning");
	assert_string_equal(field_str(j, "host"), "mta");
	json_object_foreach(j, key, v)
	{
		(void)v;
		assert_string_equal(key, order[i++]);
	}
	json_decref(j);
	alert_free(a);
}

static void test_hostile_text(void **state)
{
	struct alert *a = alert_new("recipient_rejected", SEV_INFO, &when, "mta", 3);
	static const char helo[] = "evil\"}, \"event\": \"x\"\r\nX-Injected: 1\x00\x01\xff\xfe\xc3";
	size_t len;
	json_t *j;
	const char *got;

	(void)state;
	alert_text(a, "postfix_helo", helo, sizeof(helo) - 1, 3);
	j = render(a, &len);
	got = field_str(j, "postfix_helo");
	/* The JSON stays one object with the original event. */
	assert_string_equal(field_str(j, "event"), "recipient_rejected");
	assert_non_null(strstr(got, "evil\"}, \"event\": \"x\"\r\nX-Injected: 1"));
	/* NUL and invalid bytes became U+FFFD; the result is valid UTF-8. */
	assert_non_null(strstr(got, "\xEF\xBF\xBD\x01\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"));
	json_decref(j);
	alert_free(a);
}

/*
 * Issue 11, defect 3: JSON escapes C0 but lets DEL and the C1 controls
 * (U+0080-U+009F) through raw, and a terminal or a syslog relay acts on
 * them.  They never reach an alert raw: each becomes '?'.
 */
static void test_no_raw_del_or_c1(void **state)
{
	struct alert *a = alert_new("probe_failed", SEV_INFO, &when, "m\x7fta", 4);
	static const char reason[] = "x\x7fy\xc2\x80z\xc2\x9b[31m\xc2\xa0ok";
	const char *rows[] = { "a\xc2\x85"
			       "b" };
	size_t lens[] = { 4 }, len;
	char *json;

	(void)state;
	alert_text(a, "reason", reason, sizeof(reason) - 1, 1);
	alert_text_array(a, "recipients", rows, lens, 1, 1);
	json = alert_render(a, &len);
	assert_null(memchr(json, 0x7f, len));
	for (size_t i = 0; i + 1 < len; i++)
		assert_false((unsigned char)json[i] == 0xc2 && (unsigned char)json[i + 1] >= 0x80 &&
			     (unsigned char)json[i + 1] < 0xa0);
	assert_non_null(strstr(json, "\"host\":\"m?ta\""));
	/* NBSP (U+00A0) is not a control: it stays. */
	assert_non_null(strstr(json, "\"reason\":\"x?y?z?[31m\xc2\xa0ok\""));
	assert_non_null(strstr(json, "\"recipients\":[\"a?b\"]"));
	free(json);
	alert_free(a);
}

static void test_field_cap(void **state)
{
	struct alert *a = alert_new("probe_failed", SEV_WARNING, &when, "mta", 3);
	char big[1000];
	size_t len;
	json_t *j;

	(void)state;
	/* 333 three-byte characters and one more byte */
	for (size_t i = 0; i + 3 <= 999; i += 3)
		memcpy(big + i, "\xE2\x82\xAC", 3);
	big[999] = 'x';
	alert_text(a, "reason", big, sizeof(big), 1);
	j = render(a, &len);
	/* 83 whole euro signs: capped at 250 bytes without splitting one */
	assert_int_equal(strlen(field_str(j, "reason")), 249);
	assert_null(json_object_get(j, "truncated"));
	json_decref(j);
	alert_free(a);
}

static void test_budget_drops_by_rank(void **state)
{
	struct alert *a = alert_new("probe_failed", SEV_WARNING, &when, "mta", 3);
	char big[300];
	size_t len;
	json_t *j;

	(void)state;
	memset(big, 'a', sizeof(big));
	alert_text(a, "keep1", big, sizeof(big), 0);
	alert_text(a, "keep2", big, sizeof(big), 0);
	alert_text(a, "rank1", big, sizeof(big), 1);
	alert_text(a, "rank2", big, sizeof(big), 2);
	alert_text(a, "rank3a", big, sizeof(big), 3);
	alert_text(a, "rank3b", big, sizeof(big), 3);
	alert_text(a, "rank4", big, sizeof(big), 4);
	alert_text(a, "rank1b", big, sizeof(big), 1);
	j = render(a, &len);
	assert_true(len <= ALERT_BUDGET);
	assert_true(json_is_true(json_object_get(j, "truncated")));
	/* The highest ranks went first, only as many as needed; rank 0 stays. */
	assert_null(json_object_get(j, "rank4"));
	assert_null(json_object_get(j, "rank3a"));
	assert_non_null(json_object_get(j, "rank3b"));
	assert_non_null(json_object_get(j, "rank2"));
	assert_non_null(json_object_get(j, "rank1"));
	assert_non_null(json_object_get(j, "keep1"));
	assert_non_null(json_object_get(j, "keep2"));
	json_decref(j);
	alert_free(a);
}

static void test_budget_with_escapes(void **state)
{
	struct alert *a;
	char quotes[300];
	size_t len;
	json_t *j;

	(void)state;
	/* Quotes double in JSON: required fields alone would not fit. */
	memset(quotes, '"', sizeof(quotes));
	a = alert_new("probe_failed", SEV_WARNING, &when, quotes, sizeof(quotes));
	alert_text(a, "postfix_to", quotes, sizeof(quotes), 0);
	alert_text(a, "postfix_relay_hostname", quotes, sizeof(quotes), 0);
	alert_text(a, "postfix_queueid", quotes, sizeof(quotes), 0);
	alert_text(a, "reason", quotes, sizeof(quotes), 1);
	j = render(a, &len);
	assert_true(len <= ALERT_BUDGET);
	assert_true(json_is_true(json_object_get(j, "truncated")));
	assert_non_null(json_object_get(j, "postfix_to"));
	json_decref(j);
	alert_free(a);
}

static void test_text_clean(void **state)
{
	char out[16];
	int cut;
	size_t n;

	(void)state;
	n = text_clean("a\tb\x7f"
		       "c\xc2\x85",
		       7, out, sizeof(out), TEXT_NO_CONTROLS, &cut);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "a?b?c?", 6);
	assert_int_equal(cut, 0);
	/* overlong encodings and surrogates are invalid */
	n = text_clean("\xc0\xaf\xed\xa0\x80", 5, out, sizeof(out), 0, &cut);
	assert_int_equal(n, 15);
	n = text_clean("abcdefghijklmnopq", 17, out, sizeof(out), 0, &cut);
	assert_int_equal(n, 16);
	assert_int_equal(cut, 1);
}

/* The same fields into an alert and, as the reference, into a jansson object. */
struct pair {
	struct alert *a;
	json_t *ref;
};

static void pair_text(struct pair *p, const char *key, const char *text, size_t len)
{
	char buf[ALERT_FIELD_MAX];
	size_t n = text_clean(text, len, buf, sizeof(buf), TEXT_NO_DEL_C1, NULL);

	alert_text(p->a, key, text, len, 2);
	json_object_set_new(p->ref, key, json_stringn(buf, n));
}

static void pair_int(struct pair *p, const char *key, long long v)
{
	alert_int(p->a, key, v, 2);
	json_object_set_new(p->ref, key, json_integer(v));
}

static void pair_start(struct pair *p, struct alert_cache *c, const char *host, size_t hlen)
{
	char buf[ALERT_FIELD_MAX], stamp[64];
	size_t n = text_clean(host, hlen, buf, sizeof(buf), TEXT_NO_DEL_C1, NULL);

	p->a = alert_new_cached(c, "probe_failed", SEV_WARNING, &when, host, hlen);
	p->ref = json_object();
	pftime_format(&when, stamp, sizeof(stamp));
	json_object_set_new(p->ref, "@timestamp", json_string(stamp));
	json_object_set_new(p->ref, "event", json_string("probe_failed"));
	json_object_set_new(p->ref, "severity", json_string("warning"));
	json_object_set_new(p->ref, "host", json_stringn(buf, n));
}

/* The alert's JSON is byte for byte what jansson dumps for the same object. */
static void pair_check(struct pair *p)
{
	size_t len;
	char *got = alert_render(p->a, &len);
	char *want = json_dumps(p->ref, JSON_COMPACT);

	assert_non_null(want);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));
	free(got);
	free(want);
	json_decref(p->ref);
	alert_free(p->a);
}

static void test_same_bytes_as_jansson(void **state)
{
	static const char hostile[] =
		"a\"b\\c\x01\x1f\x7f/\r\n\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
		"\xff\x00z\u2028";
	struct alert_cache *c = alert_cache_create();
	const char *texts[] = { "one", "t\"wo" };
	size_t lens[] = { 3, 4 };
	char big[400], huge[2000], name[32];
	struct pair p;

	(void)state;
	memset(big, 'x', sizeof(big));
	memset(huge, 'y', sizeof(huge));
	/* Many alerts through one cache: hits, misses and evictions. */
	for (int i = 0; i < 3000; i++) {
		pair_start(&p, c, i % 2 ? "mta" : hostile, i % 2 ? 3 : sizeof(hostile) - 1);
		snprintf(name, sizeof(name), "user%d@example.com", i % 700);
		pair_text(&p, "postfix_to", name, strlen(name));
		pair_text(&p, "reason", hostile, (size_t)(i % (int)sizeof(hostile)));
		pair_int(&p, "postfix_relay_port", i % 3 ? 25 : -i * 1000003LL);
		pair_text(&p, "postfix_to", "again", 5); /* replaced where it stands */
		if (i % 5 == 0)
			pair_text(&p, "long", big, sizeof(big));
		if (i % 7 == 0) {
			/* Too long to remember; the same bytes as our own text are not capped. */
			pair_text(&p, "huge", huge, sizeof(huge) - (size_t)(i % 3));
			big[sizeof(big) - 1] = 0;
			alert_const(p.a, "mine", big, 2);
			json_object_set_new(p.ref, "mine", json_string(big));
			pair_text(&p, "theirs", big, sizeof(big) - 1);
			big[sizeof(big) - 1] = 'x';
		}
		alert_bool(p.a, "flag", i % 2, 3);
		json_object_set_new(p.ref, "flag", json_boolean(i % 2));
		alert_set_null(p.a, "smtp_stage", 0);
		json_object_set_new(p.ref, "smtp_stage", json_null());
		if (i % 100 == 0) {
			json_t *arr = json_array();

			alert_text_array(p.a, "recipients", texts, lens, 2, 3);
			json_array_append_new(arr, json_string("one"));
			json_array_append_new(arr, json_string("t\"wo"));
			json_object_set_new(p.ref, "recipients", arr);
		}
		pair_check(&p);
	}
	alert_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_fields),
		cmocka_unit_test(test_hostile_text),
		cmocka_unit_test(test_field_cap),
		cmocka_unit_test(test_budget_drops_by_rank),
		cmocka_unit_test(test_budget_with_escapes),
		cmocka_unit_test(test_text_clean),
		cmocka_unit_test(test_no_raw_del_or_c1),
		cmocka_unit_test(test_same_bytes_as_jansson),
	};

	return cmocka_run_group_tests_name("alert", tests, NULL, NULL);
}
