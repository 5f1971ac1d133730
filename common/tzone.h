/*
 * tzone - time zone offsets without the C library's global time zone.
 *
 * localtime(3) and mktime(3) read one process-wide zone (TZ, tzset); a
 * log written in another zone used to be converted by switching TZ with
 * setenv, under the feet of every other thread.  A tzone is loaded once,
 * at configuration time, from a TZif file (RFC 8536: /usr/share/zoneinfo,
 * versions 1 to 4, with the POSIX TZ footer for times past the table) or
 * from a POSIX TZ string ("CET-1CEST,M3.5.0,M10.5.0/3"); after that the
 * lookups read only the tzone itself, so any thread may use one.
 * Leap-second records are ignored (probewatch works in POSIX time).
 *
 * Names: "UTC", "GMT", "Etc/UTC" and the like; NAME under
 * /usr/share/zoneinfo; an absolute path to a TZif file; a POSIX TZ
 * string.  A leading ':' is ignored, as TZ does.  tzone_load_system()
 * follows the C library's rule once: TZ when set, else /etc/localtime,
 * else UTC.  The caller frees a tzone with tzone_free().
 */
#ifndef PW_TZONE_H
#define PW_TZONE_H

#include <stdint.h>

struct tzone;

/* NULL if the name is neither a readable TZif zone nor a POSIX TZ string. */
struct tzone *tzone_load(const char *name);
/* The system's zone, read now; never NULL (UTC when nothing says otherwise). */
struct tzone *tzone_load_system(void);
void tzone_free(struct tzone *z);

/* Seconds east of UTC at the UTC time t (seconds since the epoch). */
int tzone_offset_utc(const struct tzone *z, int64_t t);
/*
 * Seconds east of UTC for a local wall-clock time, given as the seconds
 * since the epoch it would be in UTC.  A time that exists twice (the hour
 * when clocks go back) takes the earlier, first offset; a time that does
 * not exist (clocks go forward) takes the offset from before the change.
 */
int tzone_offset_local(const struct tzone *z, int64_t local);

#endif
