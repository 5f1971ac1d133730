/*
 * test_diag - diagnostics and must-succeed allocation: a fatal error can
 * be caught by a test, an allocation failure ends in a clear fatal error,
 * and a diagnostic quoting input stays one line.
 */
#include "testutil.h"

#include "diag.h"
#include "xmem.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fatal_returns_to_test),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_one_line),
	};

	return cmocka_run_group_tests_name("diag", tests, NULL, NULL);
}
