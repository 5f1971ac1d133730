/*
 * test_syslog_owner - one owner of openlog(3) (issue 11, defect 11).
 *
 * openlog keeps the ident pointer it is given, and its facility is the
 * default of every later syslog(3) call.  So the string an earlier openlog
 * got must never be rewritten, and neither diagnostics nor alerts may
 * depend on who called openlog last: each message names its facility.
 * This program defines openlog and syslog itself (they take precedence
 * over libc's in the executable) to see every call.
 */
#include "testutil.h"

#include "diag.h"
#include "sink.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#define MAX_OPENS 16

static const char *open_ptr[MAX_OPENS];
static char open_text[MAX_OPENS][64];
static int nopens;
static int last_pri = -1;

void openlog(const char *ident, int option, int facility)
{
	(void)option;
	(void)facility;
	assert_true(nopens < MAX_OPENS);
	open_ptr[nopens] = ident;
	snprintf(open_text[nopens], sizeof(open_text[nopens]), "%s", ident);
	nopens++;
}

void syslog(int pri, const char *fmt, ...)
{
	(void)fmt;
	last_pri = pri;
	/* The ident in use still reads what was given to openlog. */
	if (nopens)
		assert_string_equal(open_ptr[nopens - 1], open_text[nopens - 1]);
}

static void test_one_owner(void **state)
{
	char path[] = "/tmp/pw-log-XXXXXX";
	struct sockaddr_un sun;
	struct sinks *s;
	int fd;

	(void)state;
	/* Something listening, for the sink's liveness check. */
	assert_non_null(mkdtemp(path));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/log", path);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	sinks_set_syslog_socket(sun.sun_path);

	diag_use_syslog("pwdiag", LOG_DAEMON);
	s = sinks_create("syslog", "first", LOG_LOCAL3, 0);
	assert_non_null(s);
	sinks_free(s);
	s = sinks_create("syslog", "second", LOG_LOCAL3, 0);
	assert_non_null(s);
	/* No string an earlier openlog holds was rewritten. */
	assert_true(nopens >= 2);
	for (int i = 0; i < nopens; i++)
		if (strcmp(open_ptr[i], open_text[i]) != 0)
			fail_msg("openlog #%d's ident '%s' was rewritten to '%s'", i, open_text[i],
				 open_ptr[i]);
	/* The last configured ident is the process's. */
	assert_string_equal(open_text[nopens - 1], "second");
	/* Each message carries its own facility, whoever opened last. */
	sinks_deliver(s, "{}", 2, SEV_WARNING);
	assert_int_equal(last_pri, LOG_LOCAL3 | LOG_WARNING);
	msg_warn("a diagnostic");
	assert_int_equal(last_pri, LOG_DAEMON | LOG_WARNING);
	sinks_free(s);
	close(fd);
	unlink(sun.sun_path);
	rmdir(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_owner),
	};

	return cmocka_run_group_tests_name("syslog_owner", tests, NULL, NULL);
}
