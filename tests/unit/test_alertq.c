/*
 * test_alertq - the hand-over queue to the sink thread: a full queue
 * drops and counts, its reserve still takes what must not be lost (fold's
 * summaries, the rare alerts), and order is kept.
 */
#include "testutil.h"

#include "alertq.h"
#include "xmem.h"

#include <stdio.h>

static int push_n(struct alertq *q, int i, int reserved)
{
	char text[32];
	int n = snprintf(text, sizeof(text), "{\"n\":%d}", i);
	char *json = xmemdup(text, (size_t)n);

	return reserved ? alertq_push_reserved(q, json, (size_t)n, SEV_INFO)
			: alertq_push(q, json, (size_t)n, SEV_INFO);
}

static void test_reserve(void **state)
{
	struct alertq *q = alertq_create(4, 2);
	struct alertq_stats st;
	struct queued_alert qa;
	char want[32];
	(void)state;

	for (int i = 0; i < 4; i++)
		assert_int_equal(push_n(q, i, 0), 0);
	/* full for ordinary alerts: dropped and counted */
	assert_int_equal(push_n(q, 99, 0), -1);
	alertq_stats(q, &st);
	assert_int_equal(st.dropped, 1);
	/* the reserve takes two more, then it is full too */
	assert_int_equal(push_n(q, 4, 1), 0);
	assert_int_equal(push_n(q, 5, 1), 0);
	assert_int_equal(push_n(q, 98, 1), -1);
	alertq_stats(q, &st);
	assert_int_equal(st.dropped, 2);
	assert_int_equal(st.pushed, 6);
	assert_int_equal(st.length, 6);
	assert_int_equal(st.high_water, 6);
	/* in order, across the ring's end */
	for (int i = 0; i < 6; i++) {
		assert_int_equal(alertq_pop(q, &qa, 0), 1);
		snprintf(want, sizeof(want), "{\"n\":%d}", i);
		assert_string_equal(qa.json, want);
		free(qa.json);
		if (i == 1) {
			/* room for ordinary alerts only below the queue's length */
			assert_int_equal(push_n(q, 97, 0), -1);
		}
	}
	assert_int_equal(alertq_pop(q, &qa, 0), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(push_n(q, 10 + i, i == 4), 0);
	alertq_close(q);
	/* closed: nothing more gets in, what is there comes out, then -1 */
	assert_int_equal(push_n(q, 96, 1), -1);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(alertq_pop(q, &qa, 0), 1);
		free(qa.json);
	}
	assert_int_equal(alertq_pop(q, &qa, 0), -1);
	alertq_stats(q, &st);
	assert_int_equal(st.dropped, 4);
	alertq_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reserve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
