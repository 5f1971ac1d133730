/*
 * pftime - the timestamps at the start of a mail log line.
 *
 * Understands traditional syslog ("Nov  4 01:11:33"), Postfix's own
 * maillog_file ("Nov 04 01:11:33") and RFC 3339 with or without fraction
 * and offset ("2026-11-25T16:41:14.502123+01:00").  Year-less stamps get
 * the year that puts them nearest the newest line seen; before any line,
 * the latest year that is not after the reference time (now, or a file's
 * modification time).  Stamps without an offset are read in the log's
 * time zone (log_timezone; empty means the system's local zone).
 *
 * A pfclock carries that state; it is used by one thread at a time, and
 * touches no global state (no TZ, no tzset): see tzone.h.
 */
#ifndef PW_PFTIME_H
#define PW_PFTIME_H

#include <stddef.h>
#include <time.h>

struct pftime {
	time_t sec;     /* UTC seconds since the epoch */
	int usec;       /* fraction, when has_frac */
	int utc_offset; /* seconds east of UTC of the writer's zone */
	int has_frac;
};

struct pfclock;

struct pfclock *pfclock_create(const char *zone);
void pfclock_free(struct pfclock *c);
/* Lines are assumed not to be later than 'ref' until one is seen. */
void pfclock_set_reference(struct pfclock *c, time_t ref);
/* The newest line's time, or the reference when no line was seen. */
time_t pfclock_newest(const struct pfclock *c);

/*
 * Parse a timestamp at the start of p[0..len).  On success stores the time
 * and the number of bytes used and returns 0; returns -1 if there is none.
 */
int pfclock_parse(struct pfclock *c, const char *p, size_t len, struct pftime *out, size_t *used);

/* Check that a log_timezone value can be used; 0 if so. */
int pftime_zone_valid(const char *zone);

/* The current time with the local zone's offset (localtime_r). */
void pftime_now(struct pftime *t);

/* RFC 3339 with offset, e.g. 2026-11-25T16:41:14.502123+01:00; returns length. */
size_t pftime_format(const struct pftime *t, char *buf, size_t size);

#endif
