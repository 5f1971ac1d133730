/*
 * test_diag - diagnostics and must-succeed allocation: a fatal error can
 * be caught by a test, an allocation failure ends in a clear fatal error,
 * a diagnostic quoting input stays one line, and "%m" is the text of the
 * errno the call began with (errno itself left alone).
 */
#include "testutil.h"

#include "diag.h"
#include "xmem.h"

#include <errno.h>
#include <string.h>

static char last[1024];

static void capture(const char *level, const char *text)
{
	snprintf(last, sizeof(last), "%s%s", level, text);
}

static int fail_big(size_t size)
{
	return size > 1000;
}

static void test_fatal_returns_to_test(void **state)
{
	jmp_buf env;
	volatile int reached = 0;

	(void)state;
	diag_set_fatal_jump(&env);
	if (setjmp(env) == 0) {
		msg_fatal("cannot open %s", "/x");
		reached = 1;
	}
	diag_set_fatal_jump(NULL);
	assert_int_equal(reached, 0);
	assert_string_equal(diag_last_fatal(), "cannot open /x");
}

static void test_out_of_memory(void **state)
{
	jmp_buf env;
	void *volatile p = NULL;

	(void)state;
	xmem_set_fail_hook(fail_big);
	diag_set_fatal_jump(&env);
	if (setjmp(env) == 0) {
		free(xmalloc(10)); /* small ones still work */
		p = xmalloc(5000); /* never returns */
	}
	diag_set_fatal_jump(NULL);
	xmem_set_fail_hook(NULL);
	assert_null(p);
	assert_string_equal(diag_last_fatal(), "out of memory allocating 5000 bytes");
}

static void test_one_line(void **state)
{
	(void)state;
	diag_set_hook(capture);
	msg_warn("bad line: %s", "a\nfake: line\r\nmore");
	diag_set_hook(NULL);
	assert_string_equal(last, "warning: bad line: a fake: line  more");
}

/* Each hook call changes errno, as a write(2) to a closed stderr would. */
static void capture_clobber(const char *level, const char *text)
{
	capture(level, text);
	errno = EBADF;
}

static void test_errno_text(void **state)
{
	char want[512], buf[512];
	jmp_buf env;

	(void)state;
	diag_set_hook(capture_clobber);
	errno = ENOENT;
	msg_error("cannot open %s: %m", "/x");
	assert_int_equal(errno, ENOENT);
	snprintf(want, sizeof(want), "error: cannot open /x: %s", strerror(ENOENT));
	assert_string_equal(last, want);

	/* Anywhere in the message, with arguments on both sides; "%%m" is literal. */
	errno = EACCES;
	msg_warn("%s is gone (%m): %d%% %%m", "log", 5);
	snprintf(want, sizeof(want), "warning: log is gone (%s): 5%% %%m", strerror(EACCES));
	assert_string_equal(last, want);
	assert_int_equal(errno, EACCES);

	/* The errno of the call, whatever happened before it returned. */
	errno = EPIPE;
	msg_info("wake: %m");
	msg_info("again: %m");
	snprintf(want, sizeof(want), "again: %s", strerror(EPIPE));
	assert_string_equal(last, want);

	errno = ENOSPC;
	diag_set_fatal_jump(&env);
	if (setjmp(env) == 0)
		msg_fatal("cannot write: %m");
	diag_set_fatal_jump(NULL);
	diag_set_hook(NULL);
	snprintf(want, sizeof(want), "cannot write: %s", strerror(ENOSPC));
	assert_string_equal(diag_last_fatal(), want);

	/* Into a caller's buffer (a result's error text), cut to its size. */
	errno = ECONNREFUSED;
	assert_int_equal(diag_format(buf, sizeof(buf), "connect to %s port %d: %m", "::1", 25),
			 (int)strlen("connect to ::1 port 25: ") +
				 (int)strlen(strerror(ECONNREFUSED)));
	snprintf(want, sizeof(want), "connect to ::1 port 25: %s", strerror(ECONNREFUSED));
	assert_string_equal(buf, want);
	assert_int_equal(errno, ECONNREFUSED);
	diag_format(buf, 8, "abc: %m");
	assert_string_equal(buf, "abc: Co");
	errno = 0;
	diag_format(buf, sizeof(buf), "no %s here", "errno");
	assert_string_equal(buf, "no errno here");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fatal_returns_to_test),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_one_line),
		cmocka_unit_test(test_errno_text),
	};

	return cmocka_run_group_tests_name("diag", tests, NULL, NULL);
}
