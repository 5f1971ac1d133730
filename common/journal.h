/*
 * journal - Postfix's records from the systemd journal, as log lines.
 *
 * Many current mail servers have no mail.log: Postfix logs to the journal
 * only.  journal_open() opens the local system journal ("journal"), a
 * folder of journal files ("journal:/DIR", e.g. what
 * systemd-journal-remote writes) or given files.  journal_read() hands
 * each record of Postfix (SYSLOG_IDENTIFIER "postfix", "postfix/..." or
 * "postfix-NAME/..." for a multi-instance name; the parser then applies
 * its own rule) to the callback as the line rsyslog would have written:
 * "STAMP HOST IDENT[PID]: MESSAGE", with the record's own time
 * (__REALTIME_TIMESTAMP, as RFC 3339 with the local offset: no year to
 * guess) and _HOSTNAME.  A record longer than JOURNAL_LINE_MAX is not
 * passed but counted (overlong callback).  The cursor of the last record
 * read (journal_cursor) lets a restart go on exactly after it;
 * journal_wait() sleeps until the journal grows, the stop descriptor is
 * readable or the timeout passes.  Built without libsystemd,
 * journal_available() is 0 and journal_open() says so.
 */
#ifndef PW_JOURNAL_H
#define PW_JOURNAL_H

#include <stddef.h>
#include <time.h>

#define JOURNAL_LINE_MAX   (64 * 1024)
#define JOURNAL_CURSOR_MAX 512

typedef void (*journal_line_fn)(void *ctx, const char *line, size_t len);
typedef void (*journal_overlong_fn)(void *ctx);

struct journal;

int journal_available(void);
/*
 * source: "journal" (the local system journal), "journal:/DIR", or NULL
 * with files (NULL-terminated).  NULL with the reason in err.
 */
struct journal *journal_open(const char *source, char *const *files, char *err, size_t errsize);
void journal_close(struct journal *j);
/* Position: after the record of cursor (when given and found), else at the
 * head (from_start) or after the last record.  0, or -1 with err. */
int journal_seek(struct journal *j, const char *cursor, int from_start, char *err, size_t errsize);
/* Start at this time (µs since the epoch); stop before records after until (0: no end). */
int journal_seek_time(struct journal *j, unsigned long long since_usec);
void journal_set_until(struct journal *j, unsigned long long until_usec);
/* Feed up to max records (0: all there are); returns how many records were read. */
size_t journal_read(struct journal *j, journal_line_fn line, journal_overlong_fn overlong,
		    void *ctx, size_t max);
/* The cursor of the last record read, "" before any. */
const char *journal_cursor(const struct journal *j);
/* 1 when stop_fd became readable, 0 otherwise. */
int journal_wait(struct journal *j, int stop_fd, int timeout_ms);
/*
 * The cursor kept in the daemon's state_file ("journal-cursor CURSOR"):
 * load into buf (0, or -1 when there is none), save atomically (0 or -1).
 */
int journal_cursor_load(const char *path, char *buf, size_t size);
int journal_cursor_save(const char *path, const char *cursor);

#endif
