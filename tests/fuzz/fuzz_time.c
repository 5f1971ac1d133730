/*
 * fuzz_time - the time-stamp parser.
 *
 * The first byte chooses the zone, the next two the reference time; the
 * rest is a stamp (and whatever follows it).  A parsed stamp must use no
 * more bytes than it had, have a sane offset, and come back unchanged
 * through pftime_format() and a fresh parse of that RFC 3339 text.
 */
#include "pftime.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const zones[] = {
	"UTC",
	"",
	"Europe/Berlin",
	"America/New_York",
	"Australia/Lord_Howe",
	"Asia/Kolkata",
	"CET-1CEST,M3.5.0,M10.5.0/3",
	"EST5EDT",
	"Pacific/Chatham",
	"America/St_Johns",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfclock *c, *back;
	struct pftime t, t2;
	size_t used, used2;
	char buf[64];
	size_t n;

	if (size < 3)
		return 0;
	c = pfclock_create(zones[data[0] % (sizeof(zones) / sizeof(zones[0]))]);
	pfclock_set_reference(c, (time_t)1764028800 + (time_t)(data[1] << 8 | data[2]) * 3600);
	data += 3;
	size -= 3;
	/* Twice: the second parse of the same stamp takes the cache. */
	for (int round = 0; round < 2; round++) {
		if (pfclock_parse(c, (const char *)data, size, &t, &used) < 0)
			break;
		if (used > size || used == 0)
			abort();
		if (t.utc_offset < -26 * 3600 || t.utc_offset > 26 * 3600)
			abort();
		if (t.has_frac && (t.usec < 0 || t.usec > 999999))
			abort();
		n = pftime_format(&t, buf, sizeof(buf));
		if (n == 0 || n >= sizeof(buf))
			abort();
		back = pfclock_create("UTC");
		/* RFC 3339 offsets are whole minutes: local mean time loses its seconds. */
		if (pfclock_parse(back, buf, n, &t2, &used2) < 0 || used2 != n || t2.sec != t.sec ||
		    t2.utc_offset != t.utc_offset / 60 * 60 || (t.has_frac && t2.usec != t.usec)) {
			fprintf(stderr, "round trip: %s\n", buf);
			abort();
		}
		pfclock_free(back);
	}
	pfclock_free(c);
	return 0;
}
