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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_fields),
		cmocka_unit_test(test_hostile_text),
		cmocka_unit_test(test_field_cap),
		cmocka_unit_test(test_budget_drops_by_rank),
		cmocka_unit_test(test_budget_with_escapes),
		cmocka_unit_test(test_text_clean),
	};

	return cmocka_run_group_tests_name("alert", tests, NULL, NULL);
}
