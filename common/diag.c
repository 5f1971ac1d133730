/*
 * diag - the program's own diagnostics: info, warning, error, fatal.
 *
 * Messages are one line each, prefixed with the program name and level.
 * They go to standard error or to syslog(3), never into the alert stream.
 * The errno text comes from here only: "%m" in a format is replaced by
 * strerror_r(3)'s text of the errno saved on entry (not left to the C
 * library, which need not know %m).
 */
#include "diag.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static const char *diag_prog = "probewatch";
static int diag_syslog;
static jmp_buf *diag_fatal_env;
static char diag_fatal_text[1024];
static void (*diag_hook)(const char *, const char *);

void diag_set_hook(void (*hook)(const char *level, const char *text))
{
	diag_hook = hook;
}

void diag_init(const char *progname)
{
	const char *slash = strrchr(progname, '/');

	diag_prog = slash ? slash + 1 : progname;
	/*
	 * Standard input, output and error open, on /dev/null if need be: a
	 * program started with one closed would otherwise get it back from the
	 * next open(), and a log file would pass for standard input.
	 */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) < 0)
			break;
}

/*
 * The one owner of openlog(3).  openlog keeps the pointer it is given, so
 * an ident, once given, is never rewritten or freed (a new one is made
 * when the ident changes: a handful per reload at most).  The facility
 * given to openlog is only a default: every message names its own, so
 * diagnostics and alerts keep theirs whoever called last.
 */
struct diag_ident {
	struct diag_ident *older;
	char text[];
};
static pthread_mutex_t diag_ident_lock = PTHREAD_MUTEX_INITIALIZER;
static struct diag_ident *diag_ident;
static int diag_facility = LOG_USER;

void diag_syslog_ident(const char *ident)
{
	size_t n = strlen(ident);
	struct diag_ident *id;

	pthread_mutex_lock(&diag_ident_lock);
	if (diag_ident == NULL || strcmp(diag_ident->text, ident) != 0) {
		if ((id = malloc(sizeof(*id) + n + 1)) != NULL) {
			memcpy(id->text, ident, n + 1);
			id->older = diag_ident;
			diag_ident = id;
			openlog(id->text, LOG_PID | LOG_NDELAY, diag_facility);
		}
	}
	pthread_mutex_unlock(&diag_ident_lock);
}

void diag_use_syslog(const char *ident, int facility)
{
	diag_facility = facility;
	diag_syslog_ident(ident);
	diag_syslog = 1;
}

void diag_set_fatal_jump(jmp_buf *env)
{
	diag_fatal_env = env;
}

const char *diag_last_fatal(void)
{
	return diag_fatal_text;
}

/*
 * fmt with each "%m" replaced by the text of err ("%%" kept as it is),
 * into out; fmt itself when there is no %m or the result would not fit.
 */
static const char *diag_expand_m(char *out, size_t size, const char *fmt, int err)
{
	char text[256];
	size_t at = 0;

	if (strstr(fmt, "%m") == NULL)
		return fmt;
	if (strerror_r(err, text, sizeof(text)) != 0)
		snprintf(text, sizeof(text), "Unknown error %d", err);
	for (const char *p = fmt; *p; p++) {
		const char *add = p;
		size_t n = 1;

		if (p[0] == '%' && p[1] == 'm') {
			/* The text as literal characters: each '%' in it doubled. */
			for (const char *t = text; *t; t++) {
				if (at + 3 > size)
					return fmt;
				if (*t == '%')
					out[at++] = '%';
				out[at++] = *t;
			}
			p++;
			continue;
		}
		if (p[0] == '%' && p[1] == '%')
			n = 2, p++;
		if (at + n + 1 > size)
			return fmt;
		memcpy(out + at, add, n);
		at += n;
	}
	out[at] = 0;
	return out;
}

/* vsnprintf(3) with %m for err: the one place the errno text is made. */
PW_PRINTF(3, 0)
static int diag_vformat(char *buf, size_t size, const char *fmt, va_list ap, int err)
{
	char expanded[2048];
	const char *f = diag_expand_m(expanded, sizeof(expanded), fmt, err);

	/* f is fmt, checked by the compiler at the call, with %m spelt out. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	return vsnprintf(buf, size, f, ap);
#pragma GCC diagnostic pop
}

int diag_format(char *buf, size_t size, const char *fmt, ...)
{
	int err = errno, n;
	va_list ap;

	va_start(ap, fmt);
	n = diag_vformat(buf, size, fmt, ap, err);
	va_end(ap);
	errno = err;
	return n;
}

PW_PRINTF(3, 0) static void diag_vlog(int prio, const char *level, const char *fmt, va_list ap)
{
	char buf[1024];
	int err = errno;

	diag_vformat(buf, sizeof(buf), fmt, ap, err);
	/* One message, one line: a diagnostic quoting input must not forge more. */
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (prio == LOG_CRIT)
		snprintf(diag_fatal_text, sizeof(diag_fatal_text), "%s", buf);
	if (diag_hook)
		diag_hook(level, buf);
	if (diag_syslog)
		syslog(diag_facility | prio, "%s%s", level, buf);
	else
		fprintf(stderr, "%s: %s%s\n", diag_prog, level, buf);
	errno = err;
}

void msg_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vlog(LOG_INFO, "", fmt, ap);
	va_end(ap);
}

void msg_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vlog(LOG_WARNING, "warning: ", fmt, ap);
	va_end(ap);
}

void msg_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vlog(LOG_ERR, "error: ", fmt, ap);
	va_end(ap);
}

void msg_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vlog(LOG_CRIT, "fatal: ", fmt, ap);
	va_end(ap);
	if (diag_fatal_env)
		longjmp(*diag_fatal_env, 1);
	exit(2);
}
