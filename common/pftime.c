/*
 * pftime - parse and format log timestamps (see pftime.h).
 *
 * The date arithmetic is Howard Hinnant's days_from_civil algorithm, so no
 * libc time call runs per line.  Zone offsets for stamps without one come
 * from the clock's own tzone (tzone.c), loaded when the clock is made and
 * asked once per distinct hour: no TZ switching, no global state, so
 * clocks in several threads and syslog(3) or localtime(3) elsewhere never
 * meet.  An empty zone is the system's as the C library sees it when the
 * clock is made (TZ, else /etc/localtime); a later change of either needs
 * a new clock (a reload).
 */
#include "pftime.h"
#include "civil.h"
#include "tzone.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PFTIME_CACHE_KEY 40

struct pfclock {
	struct tzone *tz;  /* the log's zone */
	int zone_utc;      /* zone known to be UTC */
	time_t ref;        /* reference time */
	int ref_from_line; /* ref is the newest line seen */
	/* last stamp parsed, to skip work on the next identical one */
	char key[PFTIME_CACHE_KEY];
	size_t key_len;
	size_t key_used;
	struct pftime key_time;
	/* zone offset of the last local hour looked up */
	long hour_key;
	int hour_offset;
};

struct pfclock *pfclock_create(const char *zone)
{
	struct pfclock *c = xcalloc(1, sizeof(*c));

	if (zone && *zone) {
		c->zone_utc = !strcmp(zone, "UTC") || !strcmp(zone, "GMT") ||
			      !strcmp(zone, "Etc/UTC") || !strcmp(zone, "UTC0");
		/* config checked it with pftime_zone_valid(); UTC if it went since. */
		c->tz = tzone_load(zone);
		if (c->tz == NULL)
			c->tz = tzone_load("UTC");
	} else {
		c->tz = tzone_load_system();
	}
	c->ref = time(NULL);
	c->hour_key = -1;
	return c;
}

void pfclock_free(struct pfclock *c)
{
	if (c) {
		tzone_free(c->tz);
		free(c);
	}
}

void pfclock_set_reference(struct pfclock *c, time_t ref)
{
	c->ref = ref;
	c->ref_from_line = 0;
	c->key_len = 0;
}

time_t pfclock_newest(const struct pfclock *c)
{
	return c->ref;
}

int pftime_zone_valid(const char *tz)
{
	struct tzone *z;

	if (tz == NULL || *tz == 0)
		return 0;
	/* Valid is what loads: a TZif zone or a POSIX TZ string. */
	if ((z = tzone_load(tz)) == NULL)
		return -1;
	tzone_free(z);
	return 0;
}

/* Seconds east of UTC in the clock's zone at a local wall-clock time. */
static int pfclock_zone_offset(struct pfclock *c, long y, int mon, int d, int hh)
{
	long key = ((y * 100 + mon) * 100 + d) * 100 + hh;

	if (c->zone_utc)
		return 0;
	if (key == c->hour_key)
		return c->hour_offset;
	/* The middle of the hour, as mktime was asked before. */
	c->hour_offset = tzone_offset_local(c->tz, (int64_t)civil_to_days(y, mon, d) * 86400 +
							   hh * 3600 + 30 * 60);
	c->hour_key = key;
	return c->hour_offset;
}

static int digits(const char *p, int n, int *val)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*val = v;
	return 0;
}

static int month_number(const char *p)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

	for (int i = 0; i < 12; i++)
		if (memcmp(names + 3 * i, p, 3) == 0)
			return i + 1;
	return 0;
}

/* 28 to 31: a stamp's day must exist in its month (no "Feb 30"). */
static int days_in_month(long y, int mon)
{
	static const unsigned char dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (mon == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return dim[mon - 1];
}

static int valid_clock(int hh, int mm, int ss)
{
	return hh <= 23 && mm <= 59 && ss <= 60;
}

/* "Nov  4 01:11:33" or "Nov 04 01:11:33": 15 bytes. */
static int parse_bsd(struct pfclock *c, const char *p, size_t len, struct pftime *out)
{
	int mon, day, hh, mm, ss;
	long y, best_y;
	long ry;
	int rm, rd;
	long secs;

	if (len < 15 || p[3] != ' ' || p[6] != ' ' || p[9] != ':' || p[12] != ':')
		return -1;
	if ((mon = month_number(p)) == 0)
		return -1;
	if (p[4] == ' ' && digits(p + 5, 1, &day) == 0)
		;
	else if (digits(p + 4, 2, &day) < 0)
		return -1;
	if (day < 1 || day > 31 || digits(p + 7, 2, &hh) || digits(p + 10, 2, &mm) ||
	    digits(p + 13, 2, &ss) || !valid_clock(hh, mm, ss))
		return -1;
	secs = hh * 3600L + mm * 60L + ss;
	civil_from_days((long)(c->ref / 86400), &ry, &rm, &rd);
	best_y = ry;
	if (c->ref_from_line) {
		/* The year that puts the line nearest the newest line seen. */
		long best_d = -1;

		for (y = ry - 1; y <= ry + 1; y++) {
			long t = civil_to_days(y, mon, day) * 86400L + secs;
			long dist = t > (long)c->ref ? t - (long)c->ref : (long)c->ref - t;

			if (day > days_in_month(y, mon))
				continue;
			if (best_d < 0 || dist < best_d) {
				best_d = dist;
				best_y = y;
			}
		}
		if (best_d < 0)
			return -1; /* Feb 29 with no leap year near */
	} else {
		/* The latest year in which the line is not after the reference. */
		best_y = -1;
		for (y = ry + 1; y >= ry - 1; y--) {
			long t = civil_to_days(y, mon, day) * 86400L + secs;

			if (day > days_in_month(y, mon))
				continue;
			best_y = y;
			if (t <= (long)c->ref + 86400L)
				break;
		}
		if (best_y < 0)
			return -1;
	}
	out->utc_offset = pfclock_zone_offset(c, best_y, mon, day, hh);
	out->sec = (time_t)(civil_to_days(best_y, mon, day) * 86400L + secs - out->utc_offset);
	out->usec = 0;
	out->has_frac = 0;
	return 15;
}

/* 2026-11-25T16:41:14[.frac][Z|+hh:mm|-hh:mm] */
static int parse_rfc3339(struct pfclock *c, const char *p, size_t len, struct pftime *out)
{
	int y, mon, day, hh, mm, ss;
	size_t i = 19;

	if (len < 19 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != ' ') ||
	    p[13] != ':' || p[16] != ':')
		return -1;
	if (digits(p, 4, &y) || digits(p + 5, 2, &mon) || digits(p + 8, 2, &day) ||
	    digits(p + 11, 2, &hh) || digits(p + 14, 2, &mm) || digits(p + 17, 2, &ss))
		return -1;
	if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(y, mon) ||
	    !valid_clock(hh, mm, ss))
		return -1;
	out->usec = 0;
	out->has_frac = 0;
	if (i < len && p[i] == '.') {
		int scale = 100000, n = 0;

		for (i++; i < len && p[i] >= '0' && p[i] <= '9'; i++, n++) {
			out->usec += (p[i] - '0') * scale;
			scale /= 10;
		}
		if (n == 0)
			return -1;
		out->has_frac = 1;
	}
	if (i < len && p[i] == 'Z') {
		out->utc_offset = 0;
		i++;
	} else if (i + 6 <= len && (p[i] == '+' || p[i] == '-') && p[i + 3] == ':') {
		int oh, om;

		if (digits(p + i + 1, 2, &oh) || digits(p + i + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		out->utc_offset = (oh * 3600 + om * 60) * (p[i] == '-' ? -1 : 1);
		i += 6;
	} else {
		out->utc_offset = pfclock_zone_offset(c, y, mon, day, hh);
	}
	out->sec = (time_t)(civil_to_days(y, mon, day) * 86400L + hh * 3600L + mm * 60L + ss -
			    out->utc_offset);
	return (int)i;
}

int pfclock_parse(struct pfclock *c, const char *p, size_t len, struct pftime *out, size_t *used)
{
	size_t n = len < PFTIME_CACHE_KEY ? len : PFTIME_CACHE_KEY;
	int got;

	/* Consecutive lines mostly share the stamp: compare before parsing. */
	if (c->key_len && n >= c->key_used && memcmp(c->key, p, c->key_used) == 0 &&
	    (n == c->key_used || p[c->key_used] == ' ')) {
		*out = c->key_time;
		*used = c->key_used;
		return 0;
	}
	if (len >= 19 && p[4] == '-')
		got = parse_rfc3339(c, p, len, out);
	else
		got = parse_bsd(c, p, len, out);
	if (got < 0)
		return -1;
	/*
	 * Only what pftime_format can write back as RFC 3339 (years 0000 to
	 * 9999): 0000-01-01T00:00:05 at +05:53:28 would be year -1.
	 */
	long local = (long)out->sec + out->utc_offset / 60 * 60;

	if (local < civil_to_days(0, 1, 1) * 86400L || local >= civil_to_days(10000, 1, 1) * 86400L)
		return -1;
	if (!c->ref_from_line || out->sec > c->ref) {
		c->ref = out->sec;
		c->ref_from_line = 1;
	}
	*used = (size_t)got;
	if ((size_t)got <= PFTIME_CACHE_KEY) {
		c->key_len = 0; /* no match while the copy is made */
		memcpy(c->key, p, (size_t)got);
		c->key_used = (size_t)got;
		c->key_len = 1;
		c->key_time = *out;
	}
	return 0;
}

void pftime_now(struct pftime *t)
{
	struct tm tm;

	t->sec = time(NULL);
	t->usec = 0;
	t->has_frac = 0;
	localtime_r(&t->sec, &tm); /* reads the environment; nothing writes it */
	t->utc_offset = (int)tm.tm_gmtoff;
}

static char *put2(char *p, long v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

size_t pftime_format(const struct pftime *t, char *buf, size_t size)
{
	/*
	 * RFC 3339 offsets are whole minutes; an old local mean time such as
	 * +05:53:28 is written as +05:53 with the wall time to match, so the
	 * instant stays exact.
	 */
	int offset = t->utc_offset / 60 * 60;
	long local = (long)t->sec + offset;
	long days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	long rem = local - days * 86400;
	long y;
	int m, d, off = offset < 0 ? -offset : offset;
	char frac[16] = "";
	int n;

	civil_from_days(days, &y, &m, &d);
	/* The common case without snprintf: years 1000-9999, a fraction in range. */
	if (size >= 33 && y >= 1000 && y <= 9999 && off / 3600 < 100 &&
	    (!t->has_frac || (t->usec >= 0 && t->usec <= 999999))) {
		char *p = put2(put2(buf, y / 100), y % 100);

		*p++ = '-';
		p = put2(p, m);
		*p++ = '-';
		p = put2(p, d);
		*p++ = 'T';
		p = put2(p, rem / 3600);
		*p++ = ':';
		p = put2(p, rem / 60 % 60);
		*p++ = ':';
		p = put2(p, rem % 60);
		if (t->has_frac) {
			*p++ = '.';
			p = put2(put2(put2(p, t->usec / 10000), t->usec / 100 % 100),
				 t->usec % 100);
		}
		*p++ = t->utc_offset < 0 ? '-' : '+';
		p = put2(p, off / 3600);
		*p++ = ':';
		p = put2(p, off / 60 % 60);
		*p = 0;
		return (size_t)(p - buf);
	}
	if (t->has_frac)
		snprintf(frac, sizeof(frac), ".%06d", t->usec);
	n = snprintf(buf, size, "%04ld-%02d-%02dT%02ld:%02ld:%02ld%s%c%02d:%02d", y, m, d,
		     rem / 3600, rem / 60 % 60, rem % 60, frac, offset < 0 ? '-' : '+', off / 3600,
		     off / 60 % 60);
	return n < 0 ? 0 : (size_t)n;
}
