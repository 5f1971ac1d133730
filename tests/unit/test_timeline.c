/*
 * test_timeline - the report's counts over time: nothing lost when the
 * span grows past the buckets, fixed memory, lines out of order kept.
 */
#include "testutil.h"

#include "timeline.h"

static unsigned long total(const struct timeline *tl, enum timeline_kind k)
{
	unsigned long n = 0;

	for (int i = 0; i < TIMELINE_BUCKETS; i++)
		n += tl->n[i][k];
	return n;
}

static void test_short_span_fine_buckets(void **state)
{
	struct timeline tl = { 0 };

	(void)state;
	timeline_add(&tl, 1000, TL_FAILED);
	timeline_add(&tl, 1001, TL_FAILED);
	timeline_add(&tl, 1003, TL_SUCCEEDED);
	assert_int_equal(tl.width, 1);
	assert_int_equal(timeline_used(&tl), 4);
	assert_int_equal(tl.n[0][TL_FAILED], 1);
	assert_int_equal(tl.n[3][TL_SUCCEEDED], 1);
}

static void test_a_month_fits_and_nothing_is_lost(void **state)
{
	struct timeline tl = { 0 };

	(void)state;
	/* one event a minute for 30 days, alternating kinds */
	for (long i = 0; i < 30L * 24 * 60; i++)
		timeline_add(&tl, 1700000000 + i * 60, (enum timeline_kind)(i % TL_KINDS));
	assert_true(timeline_used(&tl) <= TIMELINE_BUCKETS);
	assert_true(tl.width * TIMELINE_BUCKETS >= 30L * 86400);
	assert_true(tl.width < 30L * 86400); /* still more than one bucket */
	for (int k = 0; k < TL_KINDS; k++)
		assert_int_equal(total(&tl, (enum timeline_kind)k), 30L * 24 * 60 / TL_KINDS);
}

static void test_out_of_order_in_first_bucket(void **state)
{
	struct timeline tl = { 0 };

	(void)state;
	timeline_add(&tl, 5000, TL_SUCCEEDED);
	timeline_add(&tl, 4000, TL_REJECTED); /* a line back in time */
	assert_int_equal(tl.n[0][TL_REJECTED], 1);
	assert_int_equal(total(&tl, TL_REJECTED), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_span_fine_buckets),
		cmocka_unit_test(test_a_month_fits_and_nothing_is_lost),
		cmocka_unit_test(test_out_of_order_in_first_bucket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
