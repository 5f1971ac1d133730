/*
 * test_config - the settings table, the file parser, -o overrides and the
 * documented sample file (which must match the table).
 */
#include "testutil.h"

#include "diag.h"

#include <stdio.h>
#include <syslog.h>
#include <unistd.h>

static char messages[4096];

static void capture(const char *level, const char *text)
{
	size_t n = strlen(messages);

	snprintf(messages + n, sizeof(messages) - n, "%s%s\n", level, text);
}

static int setup(void **state)
{
	(void)state;
	messages[0] = 0;
	diag_set_hook(capture);
	return 0;
}

static char *write_temp(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/pw-config-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_defaults(void **state)
{
	struct config *cf = config_new();

	(void)state;
	assert_string_equal(config_str(cf, CF_MILTER_SOCKET),
			    "unix:/run/probewatch/probewatch.sock");
	assert_string_equal(config_str(cf, CF_LOG_SOURCE), "/var/log/mail.log");
	assert_string_equal(config_str(cf, CF_ALERT_SINKS), "syslog");
	assert_int_equal(config_num(cf, CF_SYSLOG_FACILITY), LOG_MAIL);
	assert_int_equal(config_num(cf, CF_PIPELINING_THRESHOLD), 2);
	assert_int_equal(config_num(cf, CF_PIPELINING_WINDOW), 600);
	assert_int_equal(config_num(cf, CF_ALERT_CEE_COOKIE), 0);
	config_free(cf);
}

static void test_types(void **state)
{
	struct config *cf = config_new();

	(void)state;
	assert_int_equal(config_set(cf, "pipelining_window", "90s", NULL), 0);
	assert_int_equal(config_num(cf, CF_PIPELINING_WINDOW), 90);
	assert_int_equal(config_set(cf, "pipelining_window", "2h", NULL), 0);
	assert_int_equal(config_num(cf, CF_PIPELINING_WINDOW), 7200);
	assert_int_equal(config_set(cf, "state_max_age", "1w", NULL), 0);
	assert_int_equal(config_num(cf, CF_STATE_MAX_AGE), 7 * 86400);
	assert_int_equal(config_set(cf, "alert_cee_cookie", "yes", NULL), 0);
	assert_int_equal(config_num(cf, CF_ALERT_CEE_COOKIE), 1);
	assert_int_equal(config_set(cf, "syslog_facility", "local3", NULL), 0);
	assert_int_equal(config_num(cf, CF_SYSLOG_FACILITY), LOG_LOCAL3);
	assert_int_equal(
		config_set(cf, "alert_sinks", "syslog, file:/var/log/pw.json,stdout", NULL), 0);
	assert_int_equal(config_set(cf, "log_source", "-", NULL), 0);
	assert_int_equal(config_set(cf, "log_timezone", "UTC", NULL), 0);
	assert_int_equal(config_num(cf, CF_MILTER_SOCKET_MODE), 0660);
	assert_int_equal(config_set(cf, "milter_socket_mode", "0600", NULL), 0);
	assert_int_equal(config_num(cf, CF_MILTER_SOCKET_MODE), 0600);
	assert_int_equal(config_set(cf, "milter_socket_mode", "770", NULL), 0);
	assert_int_equal(config_num(cf, CF_MILTER_SOCKET_MODE), 0770);
	config_free(cf);
}

static void test_bad_values(void **state)
{
	static const char *const bad[][2] = {
		{ "pipelining_threshold", "0" },    { "pipelining_threshold", "two" },
		{ "pipelining_threshold", "2x" },   { "pipelining_threshold", "99999" },
		{ "pipelining_window", "0" },       { "pipelining_window", "10y" },
		{ "pipelining_window", "-5m" },     { "alert_cee_cookie", "maybe" },
		{ "syslog_facility", "kern" },      { "alert_sinks", "syslog,email" },
		{ "alert_sinks", "file:relative" }, { "alert_sinks", "" },
		{ "log_source", "relative.log" },   { "state_file", "-" },
		{ "log_timezone", "Mars/Olympus" }, { "syslog_ident", "a\nb" },
		{ "milter_socket_mode", "0800" },   { "milter_socket_mode", "1777" },
		{ "milter_socket_mode", " 660" },   { "milter_socket_mode", "" },
	};
	struct config *cf = config_new();

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		messages[0] = 0;
		if (config_set(cf, bad[i][0], bad[i][1], "test") != -1)
			fail_msg("%s = %s accepted", bad[i][0], bad[i][1]);
		/* The message names the setting and what is allowed. */
		assert_non_null(strstr(messages, bad[i][0]));
		assert_non_null(strstr(messages, "expected"));
	}
	/* A bad value leaves the old one. */
	assert_int_equal(config_num(cf, CF_PIPELINING_THRESHOLD), 2);
	assert_int_equal(config_set(cf, "no_such_setting", "1", "test"), -1);
	assert_non_null(strstr(messages, "unknown setting 'no_such_setting'"));
	config_free(cf);
}

/*
 * Issue 11, defect 1: a space after a comma made check_sinks step past the
 * string's end.  The values are heap copies of their exact size so that
 * ASan sees any over-read.
 */
static void test_sink_lists_with_spaces(void **state)
{
	static const char *const good[] = {
		"syslog, stdout",
		" syslog ,\tstdout ",
		"stdout,  file:/var/log/pw.json",
		"syslog , stdout , file:/tmp/a",
		"stdout ,syslog",
	};
	static const char *const bad[] = { "syslog, ", "syslog, ,stdout", "syslog,  email" };
	struct config *cf = config_new();

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char *v = strdup(good[i]);

		messages[0] = 0;
		if (config_set(cf, "alert_sinks", v, "test") != 0)
			fail_msg("alert_sinks = '%s' refused: %s", good[i], messages);
		assert_string_equal(config_str(cf, CF_ALERT_SINKS), good[i]);
		free(v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *v = strdup(bad[i]);

		if (config_set(cf, "alert_sinks", v, "test") != -1)
			fail_msg("alert_sinks = '%s' accepted", bad[i]);
		free(v);
	}
	config_free(cf);
}

/*
 * Issue 11, defect 12: a NUL byte in a line is its own error and does not
 * swallow the next line; syslog_ident (any string setting) refuses
 * control bytes such as ESC and BEL.
 */
static void test_nul_and_control_bytes(void **state)
{
	static const char text[] = "syslog_ident = pw\0evil\n"
				   "pipelining_threshold = 5\n";
	static const char *const bad[] = { "pw\x1b[2J", "pw\a", "pw\tx", "pw\x7f", "a\rb" };
	char path[] = "/tmp/pw-config-XXXXXX";
	struct config *cf = config_new();
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	assert_int_equal(config_load_file(cf, path), 1);
	assert_non_null(strstr(messages, ":1: a NUL byte in the line"));
	assert_null(strstr(messages, "too long"));
	assert_int_equal(config_num(cf, CF_PIPELINING_THRESHOLD), 5);
	assert_string_equal(config_str(cf, CF_SYSLOG_IDENT), "probewatch");
	unlink(path);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		messages[0] = 0;
		if (config_set(cf, "syslog_ident", bad[i], "test") != -1)
			fail_msg("syslog_ident with control byte %zu accepted", i);
		assert_non_null(strstr(messages, "control characters"));
	}
	assert_int_equal(config_set(cf, "syslog_ident", "probewatch-2.mx", "test"), 0);
	/* Nor paths (found by fuzz_config): they are quoted in diagnostics. */
	assert_int_equal(config_set(cf, "log_source", "/var/log/mail\x1b[2J.log", "test"), -1);
	assert_int_equal(config_set(cf, "state_file", "/var/lib/pw\a", "test"), -1);
	assert_int_equal(config_set(cf, "alert_sinks", "syslog, file:/tmp/a\x1b.json", "test"), -1);
	/* Only spaces and tabs are blanks between sinks, as sinks_create has it. */
	assert_int_equal(config_set(cf, "alert_sinks", "file:/tmp/a\r,", "test"), -1);
	assert_int_equal(config_set(cf, "alert_sinks", "syslog\v,stdout", "test"), -1);
	config_free(cf);
}

static void test_file_and_overrides(void **state)
{
	struct config *cf = config_new();
	char *path = write_temp("# a comment\n"
				"\n"
				"pipelining_threshold = 5\n"
				"  pipelining_window=15m   # not a comment: part of the value\n"
				"bogus line\n"
				"alert_sinks = stdout\n"
				"unknown_thing = 1\n");

	(void)state;
	assert_int_equal(config_load_file(cf, path), 3);
	assert_non_null(
		strstr(messages, ":4: bad value '15m   # not a comment: part of the value'"));
	assert_non_null(strstr(messages, ":5: expected 'name = value'"));
	assert_non_null(strstr(messages, ":7: unknown setting 'unknown_thing'"));
	assert_int_equal(config_num(cf, CF_PIPELINING_THRESHOLD), 5);
	assert_string_equal(config_str(cf, CF_ALERT_SINKS), "stdout");
	/* -o wins over the file */
	assert_int_equal(config_override(cf, "pipelining_threshold=7"), 0);
	assert_int_equal(config_num(cf, CF_PIPELINING_THRESHOLD), 7);
	assert_int_equal(config_override(cf, "pipelining_threshold"), -1);
	assert_int_equal(config_override(cf, "=3"), -1);
	unlink(path);
	assert_int_equal(config_load_file(cf, "/nonexistent/probewatch.conf"), 1);
	assert_non_null(strstr(messages, "cannot open configuration file /nonexistent"));
	config_free(cf);
}

static void test_sample_matches_table(void **state)
{
	FILE *gen = tmpfile();
	FILE *shipped = fopen("etc/probewatch.conf", "r");
	char a[1024], b[1024];
	int line = 0;
	struct config *cf = config_new();

	(void)state;
	assert_non_null(shipped);
	config_write_sample(gen);
	rewind(gen);
	for (;;) {
		char *x = fgets(a, sizeof(a), gen), *y = fgets(b, sizeof(b), shipped);

		line++;
		if (x == NULL || y == NULL) {
			if (x != y)
				fail_msg("etc/probewatch.conf ends differently at line %d: run "
					 "make sample-config",
					 line);
			break;
		}
		if (strcmp(a, b) != 0)
			fail_msg("etc/probewatch.conf line %d differs from the table: %s", line, b);
	}
	fclose(gen);
	fclose(shipped);
	/* And the sample itself loads cleanly. */
	assert_int_equal(config_load_file(cf, "etc/probewatch.conf"), 0);
	config_free(cf);
}

static void test_table_is_complete(void **state)
{
	size_t n;
	const struct config_def *t = config_table(&n);

	(void)state;
	assert_int_equal(n, CF_COUNT);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(t[i].name);
		assert_non_null(t[i].help);
		assert_non_null(t[i].def);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, setup),
		cmocka_unit_test_setup(test_types, setup),
		cmocka_unit_test_setup(test_bad_values, setup),
		cmocka_unit_test_setup(test_sink_lists_with_spaces, setup),
		cmocka_unit_test_setup(test_nul_and_control_bytes, setup),
		cmocka_unit_test_setup(test_file_and_overrides, setup),
		cmocka_unit_test_setup(test_sample_matches_table, setup),
		cmocka_unit_test_setup(test_table_is_complete, setup),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
