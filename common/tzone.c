/*
 * tzone - TZif files and POSIX TZ strings, read once (see tzone.h).
 *
 * A loaded zone is its transition table (UTC times and the offset that
 * starts at each) and, for times past the table or for a bare TZ string,
 * one POSIX rule: a standard offset and optionally a daylight offset with
 * the dates and times it starts and ends.  Lookups are a binary search or
 * a little date arithmetic (civil.h); nothing global
 * is read or written after loading.
 */
#include "tzone.h"
#include "civil.h"
#include "xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TZ_FILE_MAX   (1 << 20)
#define TZ_OFFSET_MAX (26 * 3600)

/* A POSIX rule date: Jn (1..365, no Feb 29), n (0..365) or Mm.w.d. */
struct tz_date {
	char kind; /* 'J', 'n', 'M' */
	int n, m, w, d;
	int time; /* seconds after local midnight, may be negative or > 24 h */
};

struct tz_rule {
	int std_off, dst_off; /* seconds east of UTC */
	int has_dst;
	struct tz_date start, end;
};

struct tzone {
	size_t count;  /* transitions */
	int64_t *at;   /* their UTC times, ascending */
	int *off;      /* the offset from each */
	int first_off; /* before the first transition */
	int has_rule;  /* after the last one (or always, with count 0) */
	struct tz_rule rule;
};

/* ---- POSIX TZ strings ---- */

static const char *tz_name(const char *p)
{
	const char *s = p;

	if (*p == '<') {
		for (p++; *p && *p != '>'; p++)
			if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			      (*p >= '0' && *p <= '9') || *p == '+' || *p == '-'))
				return NULL;
		return *p == '>' && p - s >= 4 ? p + 1 : NULL;
	}
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	return p - s >= 3 ? p : NULL;
}

static const char *tz_num(const char *p, int *v, int max)
{
	int n = 0, digits = 0;

	while (*p >= '0' && *p <= '9' && digits < 3) {
		n = n * 10 + (*p++ - '0');
		digits++;
	}
	if (digits == 0 || n > max)
		return NULL;
	*v = n;
	return p;
}

/* [+-]hh[:mm[:ss]] in seconds; hours up to maxh. */
static const char *tz_hms(const char *p, int *secs, int maxh)
{
	int sign = 1, h, m = 0, s = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if ((p = tz_num(p, &h, maxh)) == NULL)
		return NULL;
	if (*p == ':' && ((p = tz_num(p + 1, &m, 59)) == NULL ||
			  (*p == ':' && (p = tz_num(p + 1, &s, 59)) == NULL)))
		return NULL;
	*secs = sign * (h * 3600 + m * 60 + s);
	return p;
}

static const char *tz_rule_date(const char *p, struct tz_date *d)
{
	d->time = 2 * 3600;
	if (*p == 'M') {
		d->kind = 'M';
		if ((p = tz_num(p + 1, &d->m, 12)) == NULL || d->m < 1 || *p != '.' ||
		    (p = tz_num(p + 1, &d->w, 5)) == NULL || d->w < 1 || *p != '.' ||
		    (p = tz_num(p + 1, &d->d, 6)) == NULL)
			return NULL;
	} else if (*p == 'J') {
		d->kind = 'J';
		if ((p = tz_num(p + 1, &d->n, 365)) == NULL || d->n < 1)
			return NULL;
	} else {
		d->kind = 'n';
		if ((p = tz_num(p, &d->n, 365)) == NULL)
			return NULL;
	}
	if (*p == '/' && (p = tz_hms(p + 1, &d->time, 167)) == NULL)
		return NULL;
	return p;
}

/* 0 and the rule, or -1. */
static int tz_parse_rule(const char *p, struct tz_rule *r)
{
	int off;

	memset(r, 0, sizeof(*r));
	if ((p = tz_name(p)) == NULL || (p = tz_hms(p, &off, 24)) == NULL)
		return -1;
	r->std_off = r->dst_off = -off; /* POSIX counts west */
	if (*p == 0)
		return 0;
	if ((p = tz_name(p)) == NULL)
		return -1;
	r->has_dst = 1;
	r->dst_off = r->std_off + 3600;
	if (*p && *p != ',') {
		if ((p = tz_hms(p, &off, 24)) == NULL)
			return -1;
		r->dst_off = -off;
	}
	if (*p == 0) {
		/* No rule: the C library's default, the US rule since 2007. */
		r->start = (struct tz_date){ 'M', 0, 3, 2, 0, 2 * 3600 };
		r->end = (struct tz_date){ 'M', 0, 11, 1, 0, 2 * 3600 };
		return 0;
	}
	if (*p != ',' || (p = tz_rule_date(p + 1, &r->start)) == NULL || *p != ',' ||
	    (p = tz_rule_date(p + 1, &r->end)) == NULL || *p != 0)
		return -1;
	return 0;
}

static int tz_leap(long y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

/* The day (days since the epoch) a rule date falls on in year y. */
static long tz_rule_day(const struct tz_date *d, long y)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	long jan1 = civil_to_days(y, 1, 1);

	if (d->kind == 'J')
		return jan1 + d->n - 1 + (tz_leap(y) && d->n >= 60);
	if (d->kind == 'n')
		return jan1 + d->n;
	long first = civil_to_days(y, d->m, 1);
	int days = dim[d->m - 1] + (d->m == 2 && tz_leap(y));
	/* 1970-01-01 was a Thursday (4); the first weekday d of the month: */
	long wd = ((first % 7) + 7 + 4) % 7;
	long day = 1 + ((d->d - wd) % 7 + 7) % 7 + 7L * (d->w - 1);

	while (day > days)
		day -= 7;
	return first + day - 1;
}

static int tz_rule_offset(const struct tz_rule *r, int64_t t)
{
	long y;
	int m, dd;
	int64_t local = t + r->std_off, start, end;

	if (!r->has_dst)
		return r->std_off;
	civil_from_days((long)(local >= 0 ? local / 86400 : -((-local + 86399) / 86400)), &y, &m,
			&dd);
	start = (int64_t)tz_rule_day(&r->start, y) * 86400 + r->start.time - r->std_off;
	end = (int64_t)tz_rule_day(&r->end, y) * 86400 + r->end.time - r->dst_off;
	if (start < end)
		return t >= start && t < end ? r->dst_off : r->std_off;
	/* The southern hemisphere: daylight time across the new year. */
	return t >= end && t < start ? r->std_off : r->dst_off;
}

/* ---- TZif ---- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* 0 with z filled from the TZif data, or -1. */
static int tz_parse_tzif(struct tzone *z, const unsigned char *p, size_t len)
{
	uint32_t isut, isstd, leap, timecnt, typecnt, charcnt;
	size_t tsize = 4, block;
	const unsigned char *h = p, *times, *idx, *types;

	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return -1;
	for (int pass = 0;; pass++) {
		isut = be32(h + 20);
		isstd = be32(h + 24);
		leap = be32(h + 28);
		timecnt = be32(h + 32);
		typecnt = be32(h + 36);
		charcnt = be32(h + 40);
		if (typecnt == 0 || typecnt > 256 || timecnt > 1000000 || leap > 100000 ||
		    charcnt > 65536 || (isut && isut != typecnt) || (isstd && isstd != typecnt))
			return -1;
		block = timecnt * (tsize + 1) + typecnt * 6 + charcnt + leap * (tsize + 4) + isstd +
			isut;
		if ((size_t)(h + 44 - p) + block > len)
			return -1;
		if (pass == 1 || p[4] < '2')
			break;
		/* Version 2+: skip the 32-bit block to the 64-bit one. */
		h += 44 + block;
		if ((size_t)(h - p) + 44 > len || memcmp(h, "TZif", 4) != 0)
			return -1;
		tsize = 8;
	}
	times = h + 44;
	idx = times + timecnt * tsize;
	types = idx + timecnt;
	for (uint32_t i = 0; i < typecnt; i++) {
		int32_t off = (int32_t)be32(types + 6 * i);

		if (off < -TZ_OFFSET_MAX || off > TZ_OFFSET_MAX)
			return -1;
	}
	z->count = timecnt;
	z->at = xcalloc(timecnt + 1, sizeof(*z->at));
	z->off = xcalloc(timecnt + 1, sizeof(*z->off));
	for (uint32_t i = 0; i < timecnt; i++) {
		if (idx[i] >= typecnt)
			return -1;
		z->at[i] = tsize == 8 ? be64(times + 8 * i) : (int32_t)be32(times + 4 * i);
		if (i && z->at[i] <= z->at[i - 1])
			return -1;
		z->off[i] = (int32_t)be32(types + 6 * idx[i]);
	}
	z->first_off = (int32_t)be32(types); /* type 0 (RFC 8536 3.2) */
	if (tsize == 8) {
		/* The footer: "\nTZ string\n" after the 64-bit block. */
		const unsigned char *f = h + 44 + block, *e;
		char rule[256];

		if (f < p + len && *f == '\n' &&
		    (e = memchr(f + 1, '\n', (size_t)(p + len - f - 1))) != NULL && e > f + 1 &&
		    (size_t)(e - f - 1) < sizeof(rule)) {
			memcpy(rule, f + 1, (size_t)(e - f - 1));
			rule[e - f - 1] = 0;
			z->has_rule = tz_parse_rule(rule, &z->rule) == 0;
		}
	}
	return 0;
}

static struct tzone *tz_from_file(const char *path)
{
	struct tzone *z;
	struct stat st;
	unsigned char *buf;
	ssize_t got;
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > TZ_FILE_MAX) {
		close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (n < (size_t)st.st_size && ((got = read(fd, buf + n, (size_t)st.st_size - n)) > 0 ||
					  (got < 0 && errno == EINTR)))
		if (got > 0)
			n += (size_t)got;
	close(fd);
	z = xcalloc(1, sizeof(*z));
	if (tz_parse_tzif(z, buf, n) < 0) {
		tzone_free(z);
		z = NULL;
	}
	free(buf);
	return z;
}

struct tzone *tzone_load(const char *name)
{
	char path[512];
	struct tzone *z;

	if (name == NULL)
		return NULL;
	if (*name == ':')
		name++;
	if (!strcmp(name, "UTC") || !strcmp(name, "GMT") || !strcmp(name, "UTC0") ||
	    !strcmp(name, "Etc/UTC") || !strcmp(name, "Etc/GMT") || !strcmp(name, "Z")) {
		z = xcalloc(1, sizeof(*z));
		z->has_rule = 1;
		return z;
	}
	if (*name == 0 || strstr(name, "..") || strlen(name) > 200)
		return NULL;
	if (name[0] == '/')
		return tz_from_file(name);
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
	if ((z = tz_from_file(path)) != NULL)
		return z;
	z = xcalloc(1, sizeof(*z));
	if (tz_parse_rule(name, &z->rule) == 0) {
		z->has_rule = 1;
		return z;
	}
	free(z);
	return NULL;
}

struct tzone *tzone_load_system(void)
{
	const char *tz = getenv("TZ");
	struct tzone *z = NULL;

	if (tz && *tz)
		z = tzone_load(tz);
	else if (tz == NULL)
		z = tz_from_file("/etc/localtime");
	return z ? z : tzone_load("UTC");
}

void tzone_free(struct tzone *z)
{
	if (z) {
		free(z->at);
		free(z->off);
		free(z);
	}
}

int tzone_offset_utc(const struct tzone *z, int64_t t)
{
	size_t lo = 0, hi = z->count;

	if (z->count == 0)
		return z->has_rule ? tz_rule_offset(&z->rule, t) : z->first_off;
	if (t < z->at[0])
		return z->first_off;
	if (t >= z->at[z->count - 1] && z->has_rule)
		return tz_rule_offset(&z->rule, t);
	/* The last transition at or before t. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (z->at[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->off[lo];
}

int tzone_offset_local(const struct tzone *z, int64_t local)
{
	/* The offsets a day either side; transitions are further apart. */
	int before = tzone_offset_utc(z, local - 86400);
	int after = tzone_offset_utc(z, local + 86400);

	if (tzone_offset_utc(z, local - before) == before)
		return before;
	if (tzone_offset_utc(z, local - after) == after)
		return after;
	return before;
}
