/*
 * journal - the systemd journal as a log source (see journal.h).
 */
#include "journal.h"
#include "diag.h"
#include "xmem.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int journal_cursor_load(const char *path, char *buf, size_t size)
{
	char line[JOURNAL_CURSOR_MAX + 32];
	FILE *fp = fopen(path, "r");
	int rc = -1;

	if (fp == NULL)
		return -1;
	if (fgets(line, sizeof(line), fp) && strncmp(line, "journal-cursor ", 15) == 0) {
		line[strcspn(line, "\n")] = 0;
		snprintf(buf, size, "%s", line + 15);
		rc = buf[0] ? 0 : -1;
	}
	fclose(fp);
	return rc;
}

int journal_cursor_save(const char *path, const char *cursor)
{
	char tmp[1100];
	FILE *fp;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp) ||
	    (fp = fopen(tmp, "w")) == NULL)
		return -1;
	fprintf(fp, "journal-cursor %s\n", cursor);
	if (fclose(fp) == EOF || rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

#ifdef HAVE_SYSTEMD

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <stdint.h>
#include <systemd/sd-journal.h>

struct journal {
	sd_journal *j;
	unsigned long long until;
	char cursor[JOURNAL_CURSOR_MAX];
	char *line;
};

int journal_available(void)
{
	return 1;
}

struct journal *journal_open(const char *source, char *const *files, char *err, size_t errsize)
{
	struct journal *jr = xcalloc(1, sizeof(*jr));
	int rc;

	if (files)
		rc = sd_journal_open_files(&jr->j, (const char **)files, 0);
	else if (source && strncmp(source, "journal:", 8) == 0)
		rc = sd_journal_open_directory(&jr->j, source + 8, 0);
	else
		rc = sd_journal_open(&jr->j, SD_JOURNAL_LOCAL_ONLY);
	if (rc < 0) {
		errno = -rc;
		diag_format(err, errsize, "cannot open the journal%s%s: %m", files ? " file " : "",
			    files ? files[0] : (source && source[7] == ':' ? source + 8 : ""));
		free(jr);
		return NULL;
	}
	jr->line = xmalloc(JOURNAL_LINE_MAX + 1);
	return jr;
}

void journal_close(struct journal *jr)
{
	if (jr == NULL)
		return;
	sd_journal_close(jr->j);
	free(jr->line);
	free(jr);
}

int journal_seek(struct journal *jr, const char *cursor, int from_start, char *err, size_t errsize)
{
	int rc;

	if (cursor && *cursor) {
		if ((rc = sd_journal_seek_cursor(jr->j, cursor)) >= 0 &&
		    sd_journal_next(jr->j) > 0 && sd_journal_test_cursor(jr->j, cursor) > 0) {
			/* At the record read last: the next call reads the one after. */
			snprintf(jr->cursor, sizeof(jr->cursor), "%s", cursor);
			return 0;
		}
		/* Rotated away or vacuumed: from the oldest record left, said by the caller. */
		snprintf(err, errsize,
			 "the saved journal cursor is gone; reading from the oldest record");
		sd_journal_seek_head(jr->j);
		return -1;
	}
	if (from_start)
		rc = sd_journal_seek_head(jr->j);
	else if ((rc = sd_journal_seek_tail(jr->j)) >= 0)
		rc = sd_journal_previous(jr->j); /* at the last record: read on after it */
	if (rc < 0) {
		errno = -rc;
		diag_format(err, errsize, "cannot seek in the journal: %m");
		return -1;
	}
	return 0;
}

int journal_seek_time(struct journal *jr, unsigned long long since_usec)
{
	return sd_journal_seek_realtime_usec(jr->j, since_usec) < 0 ? -1 : 0;
}

void journal_set_until(struct journal *jr, unsigned long long until_usec)
{
	jr->until = until_usec;
}

/* The value of FIELD of the current record, or NULL. */
static const char *field(sd_journal *j, const char *name, size_t *len)
{
	const void *data;
	size_t n, nl = strlen(name);

	if (sd_journal_get_data(j, name, &data, &n) < 0 || n <= nl ||
	    ((const char *)data)[nl] != '=')
		return NULL;
	*len = n - nl - 1;
	return (const char *)data + nl + 1;
}

/* Postfix's identifiers: postfix, postfix/..., postfix-NAME/... (the parser checks the rest). */
static int is_postfix(const char *id, size_t len)
{
	return len >= 7 && memcmp(id, "postfix", 7) == 0 &&
	       (len == 7 || id[7] == '/' || id[7] == '-');
}

/* "2026-11-25T10:00:00.123456+01:00", the fraction only when there is one. */
static size_t stamp(char *out, size_t size, unsigned long long usec)
{
	time_t sec = (time_t)(usec / 1000000);
	unsigned frac = (unsigned)(usec % 1000000);
	struct tm tm;
	long off;
	size_t n;

	localtime_r(&sec, &tm);
	n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac)
		n += (size_t)snprintf(out + n, size - n, ".%06u", frac);
	off = tm.tm_gmtoff;
	n += (size_t)snprintf(out + n, size - n, "%c%02ld:%02ld", off < 0 ? '-' : '+',
			      labs(off) / 3600, labs(off) % 3600 / 60);
	return n;
}

size_t journal_read(struct journal *jr, journal_line_fn line, journal_overlong_fn overlong,
		    void *ctx, size_t max)
{
	size_t records = 0;

	while (max == 0 || records < max) {
		const char *id, *msg, *host, *pid;
		size_t idlen, msglen, hostlen = 0, pidlen = 0, n;
		uint64_t usec;
		char *cur;

		if (sd_journal_next(jr->j) <= 0)
			break;
		if (sd_journal_get_realtime_usec(jr->j, &usec) < 0)
			continue;
		if (jr->until && usec > jr->until) {
			sd_journal_previous(jr->j); /* not read: stop before it */
			break;
		}
		records++;
		if (sd_journal_get_cursor(jr->j, &cur) >= 0) {
			snprintf(jr->cursor, sizeof(jr->cursor), "%s", cur);
			free(cur);
		}
		if ((id = field(jr->j, "SYSLOG_IDENTIFIER", &idlen)) == NULL ||
		    !is_postfix(id, idlen) || (msg = field(jr->j, "MESSAGE", &msglen)) == NULL)
			continue;
		if ((host = field(jr->j, "_HOSTNAME", &hostlen)) == NULL) {
			host = "localhost";
			hostlen = 9;
		}
		if ((pid = field(jr->j, "SYSLOG_PID", &pidlen)) == NULL)
			pid = field(jr->j, "_PID", &pidlen);
		if (idlen + hostlen + pidlen + msglen + 64 > JOURNAL_LINE_MAX) {
			if (overlong)
				overlong(ctx);
			continue;
		}
		n = stamp(jr->line, 64, usec);
		jr->line[n++] = ' ';
		memcpy(jr->line + n, host, hostlen);
		n += hostlen;
		jr->line[n++] = ' ';
		memcpy(jr->line + n, id, idlen);
		n += idlen;
		if (pid) {
			jr->line[n++] = '[';
			memcpy(jr->line + n, pid, pidlen);
			n += pidlen;
			jr->line[n++] = ']';
		}
		jr->line[n++] = ':';
		jr->line[n++] = ' ';
		memcpy(jr->line + n, msg, msglen);
		n += msglen;
		line(ctx, jr->line, n);
	}
	return records;
}

const char *journal_cursor(const struct journal *jr)
{
	return jr->cursor;
}

int journal_wait(struct journal *jr, int stop_fd, int timeout_ms)
{
	struct pollfd p[2] = { { sd_journal_get_fd(jr->j), 0, 0 }, { stop_fd, POLLIN, 0 } };
	int rc;

	p[0].events = (short)sd_journal_get_events(jr->j);
	if (p[0].fd < 0) {
		/* No inotify: poll the journal now and then. */
		sd_journal_wait(jr->j, (uint64_t)timeout_ms * 1000);
		return 0;
	}
	rc = poll(p, stop_fd >= 0 ? 2 : 1, timeout_ms);
	if (rc > 0 && stop_fd >= 0 && (p[1].revents & POLLIN))
		return 1;
	sd_journal_process(jr->j);
	return 0;
}

#else /* without libsystemd */

struct journal {
	int unused;
};

int journal_available(void)
{
	return 0;
}

struct journal *journal_open(const char *source, char *const *files, char *err, size_t errsize)
{
	(void)source;
	(void)files;
	snprintf(err, errsize,
		 "this probewatch was built without libsystemd: no journal support "
		 "(install libsystemd-dev and rebuild)");
	return NULL;
}

void journal_close(struct journal *j)
{
	(void)j;
}

int journal_seek(struct journal *j, const char *cursor, int from_start, char *err, size_t errsize)
{
	(void)j;
	(void)cursor;
	(void)from_start;
	snprintf(err, errsize, "no journal support");
	return -1;
}

int journal_seek_time(struct journal *j, unsigned long long since_usec)
{
	(void)j;
	(void)since_usec;
	return -1;
}

void journal_set_until(struct journal *j, unsigned long long until_usec)
{
	(void)j;
	(void)until_usec;
}

size_t journal_read(struct journal *j, journal_line_fn line, journal_overlong_fn overlong,
		    void *ctx, size_t max)
{
	(void)j;
	(void)line;
	(void)overlong;
	(void)ctx;
	(void)max;
	return 0;
}

const char *journal_cursor(const struct journal *j)
{
	(void)j;
	return "";
}

int journal_wait(struct journal *j, int stop_fd, int timeout_ms)
{
	(void)j;
	(void)stop_fd;
	(void)timeout_ms;
	return 0;
}

#endif
