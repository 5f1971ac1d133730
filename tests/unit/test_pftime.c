/*
 * test_pftime - timestamps: formats, year inference, time zones.
 */
#include "civil.h"
#include "testutil.h"

#include "pftime.h"

#include <stdio.h>

#define T_2026_11_25 1795564800L /* 2026-11-25T00:00:00Z */
#define T_2027_01_01 1798761600L

static time_t stamp(struct pfclock *c, const char *s)
{
	struct pftime t;
	size_t used;

	assert_int_equal(pfclock_parse(c, s, strlen(s), &t, &used), 0);
	return t.sec;
}

static void test_civil_round_trip(void **state)
{
	(void)state;
	for (long z = -800000; z < 800000; z += 37) {
		long y;
		int m, d;

		civil_from_days(z, &y, &m, &d);
		assert_int_equal(civil_to_days(y, m, d), z);
	}
	assert_int_equal(civil_to_days(1970, 1, 1), 0);
	assert_int_equal(civil_to_days(2026, 11, 25) * 86400L, T_2026_11_25);
}

static void test_year_from_now(void **state)
{
	struct pfclock *c = pfclock_create("UTC");

	(void)state;
	/* Before any line: the latest year not after the reference. */
	pfclock_set_reference(c, T_2026_11_25 + 12 * 3600);
	assert_int_equal(stamp(c, "Nov 25 01:00:00"), T_2026_11_25 + 3600);
	pfclock_set_reference(c, T_2026_11_25);
	assert_int_equal(stamp(c, "Dec 31 23:00:00"),
			 civil_to_days(2025, 12, 31) * 86400L + 23 * 3600);
	pfclock_free(c);
}

static void test_new_year(void **state)
{
	struct pfclock *c = pfclock_create("UTC");

	(void)state;
	/* A file written up to just after New Year. */
	pfclock_set_reference(c, T_2027_01_01 + 600);
	assert_int_equal(stamp(c, "Dec 31 23:59:58"), T_2027_01_01 - 2);
	assert_int_equal(stamp(c, "Jan  1 00:00:01"), T_2027_01_01 + 1);
	/* A line a little older than the newest keeps the newest's year. */
	assert_int_equal(stamp(c, "Dec 31 23:59:59"), T_2027_01_01 - 1);
	/* After a quiet weekend the year does not go backwards. */
	assert_int_equal(stamp(c, "Jan  4 08:00:00"), T_2027_01_01 + 3 * 86400 + 8 * 3600);
	pfclock_free(c);
}

static void test_zones(void **state)
{
	struct pfclock *c = pfclock_create("Europe/Berlin");
	struct pftime t;
	size_t used;
	char buf[64];

	(void)state;
	if (pftime_zone_valid("Europe/Berlin") != 0) {
		pfclock_free(c);
		skip(); /* tzdata missing: install-deps installs it */
	}
	pfclock_set_reference(c, T_2027_01_01);
	/* winter: +01:00 */
	assert_int_equal(pfclock_parse(c, "Nov 25 16:41:14", 15, &t, &used), 0);
	assert_int_equal(t.utc_offset, 3600);
	pftime_format(&t, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-25T16:41:14+01:00");
	/* summer: +02:00 */
	assert_int_equal(pfclock_parse(c, "Jul  1 12:00:00", 15, &t, &used), 0);
	assert_int_equal(t.utc_offset, 7200);
	assert_int_equal(t.sec, civil_to_days(2026, 7, 1) * 86400L + 10 * 3600);
	/* RFC 3339 without an offset is read in the zone, with one it is not. */
	assert_int_equal(stamp(c, "2026-07-01T12:00:00"),
			 civil_to_days(2026, 7, 1) * 86400L + 10 * 3600);
	assert_int_equal(stamp(c, "2026-07-01T12:00:00-05:30"),
			 civil_to_days(2026, 7, 1) * 86400L + 17 * 3600 + 1800);
	pfclock_free(c);
	assert_int_not_equal(pftime_zone_valid("Not/AZone"), 0);
	assert_int_not_equal(pftime_zone_valid("../../etc/passwd"), 0);
	assert_int_equal(pftime_zone_valid(""), 0);
	assert_int_equal(pftime_zone_valid("CET-1CEST,M3.5.0,M10.5.0/3"), 0);
}

static void test_format(void **state)
{
	struct pftime t = {
		.sec = 1795624874, .usec = 5, .utc_offset = -(5 * 3600 + 1800), .has_frac = 1
	};
	char buf[64];

	(void)state;
	pftime_format(&t, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-25T11:11:14.000005-05:30");
}

static void test_cache_and_used(void **state)
{
	struct pfclock *c = pfclock_create("UTC");
	struct pftime t;
	size_t used;
	const char *a = "2026-11-25T16:41:14.5+00:00 host";
	const char *b = "2026-11-25T16:41:14.5+00:00Z host";

	(void)state;
	assert_int_equal(pfclock_parse(c, a, strlen(a), &t, &used), 0);
	assert_int_equal(used, 27);
	assert_int_equal(t.usec, 500000);
	/* Same prefix, different stamp: not taken from the cache. */
	assert_int_equal(pfclock_parse(c, b, strlen(b), &t, &used), 0);
	assert_int_equal(used, 27);
	assert_int_equal(pfclock_parse(c, a, 10, &t, &used), -1);
	pfclock_free(c);
}

/* Issue 11, defect 10: no February 29 in a common year, no February 30. */
static void test_impossible_dates(void **state)
{
	static const char *const bad[] = {
		"Feb 30 12:00:00",      "Feb 31 12:00:00",      "Apr 31 12:00:00",
		"Feb 29 12:00:00",      "2027-02-29T12:00:00Z", "2026-02-30T12:00:00Z",
		"2026-06-31T12:00:00Z", "2100-02-29T12:00:00Z",
	};
	struct pfclock *c = pfclock_create("UTC");
	struct pftime t;
	size_t used;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* 2026: neither 2025, 2026 nor 2027 has a February 29. */
		pfclock_set_reference(c, T_2026_11_25);
		if (pfclock_parse(c, bad[i], strlen(bad[i]), &t, &used) == 0)
			fail_msg("'%s' accepted", bad[i]);
	}
	/* Leap years keep theirs: 2028 (nearest to March 2028), 2000, 2024. */
	pfclock_set_reference(c, 1835481600L); /* 2028-03-01 */
	assert_int_equal(stamp(c, "Feb 29 00:00:00"), 1835395200L);
	assert_int_equal(stamp(c, "2000-02-29T00:00:00Z"), 951782400L);
	assert_int_equal(stamp(c, "2024-02-29T00:00:00Z"), 1709164800L);
	pfclock_free(c);
}

/* An offset with seconds (old local mean time) keeps the instant exact. */
static void test_format_lmt(void **state)
{
	struct pftime t = { 1795624874, 0, 21208, 0 }; /* +05:53:28 */
	struct pfclock *c = pfclock_create("UTC");
	struct pfclock *lmt;
	struct pftime u;
	char buf[64];
	size_t used;

	(void)state;
	pftime_format(&t, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-25T22:34:14+05:53");
	assert_int_equal(stamp(c, buf), 1795624874);
	/*
	 * Not writable back: in Kolkata's local mean time (+05:53:28) the
	 * first seconds of year 0 would be written in year -1 (found by
	 * fuzz_time).  With a whole-minute offset they are fine.
	 */
	lmt = pfclock_create("Asia/Kolkata");
	if (pftime_zone_valid("Asia/Kolkata") == 0)
		assert_int_equal(pfclock_parse(lmt, "0000-01-01T00:00:05", 19, &u, &used), -1);
	pfclock_free(lmt);
	assert_int_equal(stamp(c, "0000-01-01T00:00:05-05:00"), -62167201195L);
	assert_int_equal(pfclock_parse(c, "9999-12-31T23:00:00-02:00", 25, &u, &used), 0);
	t.utc_offset = -21208;
	pftime_format(&t, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-25T10:48:14-05:53");
	assert_int_equal(stamp(c, buf), 1795624874);
	pfclock_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_civil_round_trip), cmocka_unit_test(test_year_from_now),
		cmocka_unit_test(test_new_year),         cmocka_unit_test(test_zones),
		cmocka_unit_test(test_format),           cmocka_unit_test(test_cache_and_used),
		cmocka_unit_test(test_impossible_dates), cmocka_unit_test(test_format_lmt),
	};

	return cmocka_run_group_tests_name("pftime", tests, NULL, NULL);
}
