/*
 * civil - proleptic Gregorian dates as days since 1970-01-01, and back
 * (Howard Hinnant's algorithms): the date arithmetic pftime and tzone
 * share, with no time zone and no global state.
 */
#ifndef PW_CIVIL_H
#define PW_CIVIL_H

/* Days since 1970-01-01 of the date y-m-d (m 1-12, d 1-31). */
long civil_to_days(long y, int m, int d);
/* The date of day z since 1970-01-01. */
void civil_from_days(long z, long *y, int *m, int *d);

#endif
