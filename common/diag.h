/*
 * diag - the program's own diagnostics (not alerts).
 *
 * msg_info/msg_warn/msg_error/msg_fatal write one line to the current
 * diagnostics output: standard error by default, syslog(3) once the daemon
 * calls diag_use_syslog().  msg_fatal() never returns: it exits with status
 * 2, or, when a test installed a jump buffer with diag_set_fatal_jump(),
 * longjmps there so the test can assert the failure.
 *
 * "%m" in a format is the text of errno as it was when the call began
 * (Postfix's msg(3) idea): msg_warn("cannot open %s: %m", path).  The
 * message functions leave errno as they found it.  diag_format() is the
 * same for an error text kept in a buffer (a result's err field).
 */
#ifndef PW_DIAG_H
#define PW_DIAG_H

#include <setjmp.h>
#include <stddef.h>
#include <stdnoreturn.h>

#define PW_PRINTF(a, b) __attribute__((format(printf, a, b)))

void diag_init(const char *progname);
void diag_use_syslog(const char *ident, int facility);
/*
 * The process's syslog ident (openlog(3) has one): diag owns openlog, and
 * the syslog sink names its ident through here.  Thread-safe.
 */
void diag_syslog_ident(const char *ident);
void diag_set_fatal_jump(jmp_buf *env);
/* For tests: also pass every message (without prefix) to hook. */
void diag_set_hook(void (*hook)(const char *level, const char *text));
const char *diag_last_fatal(void);

void msg_info(const char *fmt, ...) PW_PRINTF(1, 2);
void msg_warn(const char *fmt, ...) PW_PRINTF(1, 2);
void msg_error(const char *fmt, ...) PW_PRINTF(1, 2);
noreturn void msg_fatal(const char *fmt, ...) PW_PRINTF(1, 2);
/* snprintf(3) with "%m" as above; returns what snprintf returns. */
int diag_format(char *buf, size_t size, const char *fmt, ...) PW_PRINTF(3, 4);

#endif
