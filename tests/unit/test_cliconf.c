/*
 * test_cliconf - the -c/-o options shared by probewatch and
 * probewatch-scan: -c and -o are taken, in any place and any number,
 * other options are left to the program, and the overrides win over the
 * file, the last one last.
 */
#include "testutil.h"

#include "cliconf.h"

#include <stdio.h>
#include <unistd.h>

static void test_options_taken(void **state)
{
	char *argv[] = { "prog", "-o",      "pipelining_threshold=5",   "-f",
			 "-c",   "/x.conf", "-opipelining_threshold=7", "-n",
			 NULL };
	int argc = 8, ch, own = 0;
	struct cliconf cc;

	(void)state;
	optind = 1;
	cliconf_init(&cc, argc);
	while ((ch = getopt(argc, argv, CLICONF_OPTS "fn")) != -1)
		if (!cliconf_option(&cc, ch, optarg))
			own += ch == 'f' || ch == 'n';
	assert_int_equal(own, 2);
	assert_string_equal(cc.path, "/x.conf");
	assert_int_equal(cc.noverrides, 2);
	assert_string_equal(cc.overrides[0], "pipelining_threshold=5");
	assert_string_equal(cc.overrides[1], "pipelining_threshold=7");
	assert_int_equal(cliconf_option(&cc, '?', NULL), 0);
	cliconf_free(&cc);
	cliconf_free(&cc);
}

static void test_load_file_then_overrides(void **state)
{
	char path[] = "/tmp/test_cliconf.XXXXXX";
	int fd = mkstemp(path), problems = -1;
	struct cliconf cc;
	struct config *cf;
	FILE *fp;

	(void)state;
	assert_true(fd >= 0);
	assert_non_null(fp = fdopen(fd, "w"));
	fprintf(fp, "pipelining_threshold = 3\nstate_max_entries = 50\n");
	fclose(fp);
	cliconf_init(&cc, 4);
	cliconf_option(&cc, 'c', path);
	cliconf_option(&cc, 'o', "pipelining_threshold=5");
	cliconf_option(&cc, 'o', "pipelining_threshold=9");
	cf = cliconf_load(&cc, &problems);
	assert_int_equal(problems, 0);
	assert_int_equal(config_num(cf, CF_PIPELINING_THRESHOLD), 9);
	assert_int_equal(config_num(cf, CF_STATE_MAX_ENTRIES), 50);
	assert_string_equal(cc.path, path);
	config_free(cf);

	/* A bad override is a problem counted, the file's value kept. */
	cc.noverrides = 0;
	cliconf_option(&cc, 'o', "pipelining_threshold=0");
	cf = cliconf_load(&cc, &problems);
	assert_int_equal(problems, 1);
	assert_int_equal(config_num(cf, CF_PIPELINING_THRESHOLD), 3);
	config_free(cf);
	cliconf_free(&cc);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_taken),
		cmocka_unit_test(test_load_file_then_overrides),
	};

	return cmocka_run_group_tests_name("cliconf", tests, NULL, NULL);
}
