/*
 * pfcmd - ask Postfix's own commands (postconf, postmap) for what they know.
 *
 * pfcmd_run() runs a program (no shell: argv as given, looked up in PATH
 * and then in /usr/sbin) with standard input from /dev/null, keeps at most
 * 'max' bytes of its standard output (the rest is read and dropped) and
 * the first line of its standard error, and kills it when it takes longer
 * than 'timeout' seconds.  pfcmd_postconf() reads one parameter, expanded
 * ("postconf -xh"), of the Postfix instance in confdir (NULL or "" for
 * $MAIL_CONFIG or Postfix's default), without asking when that folder has
 * no main.cf.  The caller frees res->out.
 */
#ifndef PW_PFCMD_H
#define PW_PFCMD_H

#include <stddef.h>

enum pfcmd_status {
	PFCMD_OK,      /* ran and exited 0 */
	PFCMD_FAILED,  /* ran and exited non-zero; see err */
	PFCMD_TIMEOUT, /* killed after the timeout */
	PFCMD_NOEXEC,  /* could not be started */
};

struct pfcmd_result {
	enum pfcmd_status status;
	int exit_code;
	char *out; /* NUL-terminated */
	size_t len;
	char err[256];
};

enum pfcmd_status pfcmd_run(char *const argv[], double timeout, size_t max,
			    struct pfcmd_result *res);
/* 0 with the value in out, -1 with the reason in out. */
int pfcmd_postconf(const char *confdir, const char *name, char *out, size_t size);

#endif
