/*
 * test_tzone - zone offsets from TZif files and POSIX TZ strings, checked
 * against the C library, and pftime's clocks leaving TZ alone (issue 11,
 * defect 11).
 */
#include "civil.h"
#include "testutil.h"

#include "pftime.h"
#include "tzone.h"

#include <stdio.h>
#include <time.h>

/* Every few hours from 1990 to 2045 (past the TZif tables' 2037). */
static void compare_with_libc(const char *zone)
{
	struct tzone *z = tzone_load(zone);
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

	if (z == NULL)
		fail_msg("%s does not load", zone);
	setenv("TZ", zone, 1);
	tzset();
	for (int64_t t = 631152000; t < 2366841600; t += 4 * 3600 + 1234) {
		time_t tt = (time_t)t;
		struct tm tm;

		localtime_r(&tt, &tm);
		if (tzone_offset_utc(z, t) != tm.tm_gmtoff)
			fail_msg("%s at %lld: %d, libc says %ld", zone, (long long)t,
				 tzone_offset_utc(z, t), tm.tm_gmtoff);
		/* A local time that exists once maps back to its offset. */
		int64_t local = t + tm.tm_gmtoff;
		int back = tzone_offset_local(z, local);

		if (back != tm.tm_gmtoff && tzone_offset_utc(z, local - back) != back)
			fail_msg("%s local %lld: offset %d does not map back", zone,
				 (long long)local, back);
	}
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
	tzone_free(z);
}

static void test_against_libc(void **state)
{
	static const char *const zones[] = {
		"Europe/Berlin",
		"America/New_York",
		"Australia/Lord_Howe",
		"America/St_Johns",
		"Asia/Kolkata",
		"Pacific/Chatham",
		"America/Santiago",
		"Europe/London",
		"CET-1CEST,M3.5.0,M10.5.0/3",
		"<+0530>-5:30",
		"AEST-10AEDT,M10.1.0,M4.1.0/3",
		"EST5EDT",
		"UTC",
	};
	struct tzone *probe = tzone_load("Europe/Berlin");

	(void)state;
	if (probe == NULL)
		skip(); /* tzdata missing: install-deps installs it */
	tzone_free(probe);
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		compare_with_libc(zones[i]);
}

static void test_local_times(void **state)
{
	struct tzone *z = tzone_load("Europe/Berlin");
	int64_t day = (int64_t)civil_to_days(2026, 3, 29) * 86400;
	int64_t fall = (int64_t)civil_to_days(2026, 10, 25) * 86400;

	(void)state;
	if (z == NULL)
		skip();
	assert_int_equal(tzone_offset_local(z, day + 1 * 3600 + 1800), 3600);
	/* 02:30 does not exist that day: the offset from before. */
	assert_int_equal(tzone_offset_local(z, day + 2 * 3600 + 1800), 3600);
	assert_int_equal(tzone_offset_local(z, day + 3 * 3600 + 1800), 7200);
	/* 02:30 exists twice in October: the first, still summer time. */
	assert_int_equal(tzone_offset_local(z, fall + 2 * 3600 + 1800), 7200);
	assert_int_equal(tzone_offset_local(z, fall + 3 * 3600 + 1800), 3600);
	tzone_free(z);
	assert_null(tzone_load("Not/AZone"));
	assert_null(tzone_load("../../etc/passwd"));
	assert_null(tzone_load("/etc/passwd"));
	assert_null(tzone_load("CET-1CEST,M13.5.0,M10.5.0"));
	assert_null(tzone_load("X1"));
}

/* A clock in another zone never touches TZ, which other threads read. */
static void test_clock_leaves_tz_alone(void **state)
{
	static char tz[] = "TZ=Asia/Tokyo";
	struct pfclock *c = pfclock_create("Europe/Berlin");
	struct pftime t;
	size_t used;
	char stamp[32];

	(void)state;
	assert_int_equal(putenv(tz), 0);
	for (int h = 0; h < 48; h++) {
		snprintf(stamp, sizeof(stamp), "2026-07-%02dT%02d:00:00", 1 + h / 24, h % 24);
		assert_int_equal(pfclock_parse(c, stamp, strlen(stamp), &t, &used), 0);
		assert_int_equal(t.utc_offset, 7200);
		/* The very string put there, not a copy put back. */
		assert_ptr_equal(getenv("TZ"), tz + 3);
	}
	pfclock_free(c);
	unsetenv("TZ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_libc),
		cmocka_unit_test(test_local_times),
		cmocka_unit_test(test_clock_leaves_tz_alone),
	};

	return cmocka_run_group_tests_name("tzone", tests, NULL, NULL);
}
