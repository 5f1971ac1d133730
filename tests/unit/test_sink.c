/*
 * test_sink - the file sink's writes: a short write must not leave a
 * truncated line followed by a duplicate (issue 11, defect 12).
 */
#include "testutil.h"

#include "diag.h"
#include "sink.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

static void quiet(const char *level, const char *text)
{
	(void)level;
	(void)text;
}

static size_t slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, size - 1);
	assert_true(n >= 0);
	buf[n] = 0;
	close(fd);
	return (size_t)n;
}

/*
 * RLIMIT_FSIZE makes write(2) short: it writes up to the limit, then
 * fails with EFBIG (SIGXFSZ ignored).  The alert must end up in the file
 * once, whole, after the limit is lifted.
 */
static void test_short_write_resumes(void **state)
{
	char path[] = "/tmp/pw-sink-XXXXXX", spec[64], want[2048], buf[8192];
	struct rlimit old, lim;
	struct sinks *s;
	struct sink_stats st;
	char a1[301], a2[301];
	int fd;

	(void)state;
	diag_set_hook(quiet);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	memset(a1, 'a', 300);
	memcpy(a1, "{\"n\":\"", 6);
	memcpy(a1 + 298, "\"}", 2);
	a1[300] = 0;
	memcpy(a2, a1, sizeof(a2));
	a2[6] = 'b';
	snprintf(spec, sizeof(spec), "file:%s", path);
	s = sinks_create(spec, "test", LOG_MAIL, 0);
	assert_non_null(s);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 100;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	sinks_deliver(s, a1, 300, SEV_INFO);
	sinks_deliver(s, a2, 300, SEV_INFO);
	assert_int_equal(sinks_retry(s), 2);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(sinks_retry(s), 0);
	snprintf(want, sizeof(want), "%s\n%s\n", a1, a2);
	assert_int_equal(slurp(path, buf, sizeof(buf)), strlen(want));
	assert_string_equal(buf, want);
	assert_int_equal(sinks_stats(s, &st, 1), 1);
	assert_int_equal(st.delivered, 2);
	assert_int_equal(st.pending, 0);
	sinks_free(s);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_write_resumes),
	};

	return cmocka_run_group_tests_name("sink", tests, NULL, NULL);
}
