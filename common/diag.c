/*
 * diag - the program's own diagnostics: info, warning, error, fatal.
 *
 * Messages are one line each, prefixed with the program name and level.
 * They go to standard error or to syslog(3), never into the alert stream.
 * "%m" is not used; callers pass strerror(errno) themselves.
 */
#include "diag.h"

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
}

void diag_use_syslog(const char *ident, int facility)
{
	/* openlog(3) keeps the pointer: a copy that lives as long as the program. */
	static char copy[64];

	snprintf(copy, sizeof(copy), "%s", ident);
	openlog(copy, LOG_PID | LOG_NDELAY, facility);
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

static void diag_vlog(int prio, const char *level, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	/* One message, one line: a diagnostic quoting input must not forge more. */
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (prio == LOG_CRIT)
		snprintf(diag_fatal_text, sizeof(diag_fatal_text), "%s", buf);
	if (diag_hook)
		diag_hook(level, buf);
	if (diag_syslog)
		syslog(prio, "%s%s", level, buf);
	else
		fprintf(stderr, "%s: %s%s\n", diag_prog, level, buf);
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
