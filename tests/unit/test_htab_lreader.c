/*
 * test_htab_lreader - the bounded hash table and the line reader.
 */
#include "testutil.h"

#include "htab.h"
#include "lreader.h"

#include <stdio.h>
#include <unistd.h>

static int freed;

static void count_free(void *p)
{
	freed++;
	free(p);
}

static void test_htab_basic(void **state)
{
	struct htab *h = htab_create(1000, count_free);
	char key[32];

	(void)state;
	freed = 0;
	for (int i = 0; i < 500; i++) {
		int n = snprintf(key, sizeof(key), "k%d", i);
		int *v = malloc(sizeof(int));

		*v = i;
		htab_enter(h, key, (size_t)n, v, i);
	}
	assert_int_equal(htab_count(h), 500);
	for (int i = 0; i < 500; i++) {
		int n = snprintf(key, sizeof(key), "k%d", i);
		int *v = htab_find(h, key, (size_t)n);

		assert_non_null(v);
		assert_int_equal(*v, i);
	}
	assert_null(htab_find(h, "k500", 4));
	/* Keys are byte strings: embedded NUL and prefixes differ. */
	htab_enter(h, "a\0b", 3, malloc(1), 1000);
	assert_non_null(htab_find(h, "a\0b", 3));
	assert_null(htab_find(h, "a", 1));
	/* Replacing frees the old value. */
	htab_enter(h, "k1", 2, malloc(1), 1001);
	assert_int_equal(freed, 1);
	assert_int_equal(htab_delete(h, "k2", 2), 1);
	assert_int_equal(htab_delete(h, "k2", 2), 0);
	assert_int_equal(freed, 2);
	/* Expiry follows the age order: k0 (time 0) .. k99 go, k1 was renewed. */
	assert_int_equal(htab_expire(h, 100), 98);
	assert_non_null(htab_find(h, "k1", 2));
	assert_null(htab_find(h, "k50", 3));
	htab_free(h);
}

static void test_htab_bounded(void **state)
{
	struct htab *h = htab_create(10, count_free);
	char key[32];

	(void)state;
	for (int i = 0; i < 100; i++) {
		int n = snprintf(key, sizeof(key), "k%d", i);

		htab_enter(h, key, (size_t)n, malloc(8), i);
	}
	assert_int_equal(htab_count(h), 10);
	assert_int_equal(htab_dropped(h), 90);
	/* The newest survive. */
	assert_non_null(htab_find(h, "k99", 3));
	assert_non_null(htab_find(h, "k90", 3));
	assert_null(htab_find(h, "k89", 3));
	htab_set_limit(h, 5);
	assert_int_equal(htab_count(h), 5);
	assert_null(htab_find(h, "k94", 3));
	htab_free(h);
}

static int pipe_with(const char *data, size_t len)
{
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], data, len), (ssize_t)len);
	close(fds[1]);
	return fds[0];
}

static void test_lreader_lines(void **state)
{
	static const char data[] = "one\ntwo\n\nthree-partial";
	int fd = pipe_with(data, sizeof(data) - 1);
	struct lreader *r = lreader_create(fd, 8, 6); /* tiny buffer: exercise refills */
	const char *line;
	size_t len;

	(void)state;
	assert_int_equal(lreader_next(r, &line, &len), LR_LINE);
	assert_int_equal(len, 3);
	assert_memory_equal(line, "one", 3);
	assert_int_equal(lreader_next(r, &line, &len), LR_LINE);
	assert_memory_equal(line, "two", 3);
	assert_int_equal(lreader_next(r, &line, &len), LR_LINE);
	assert_int_equal(len, 0);
	assert_int_equal(lreader_offset(r), 9);
	/* "three-partial" is longer than max_line 6: skipped, then nothing left */
	assert_int_equal(lreader_next(r, &line, &len), LR_AGAIN);
	assert_int_equal(lreader_partial(r, &line, &len), 0);
	lreader_free(r);
	close(fd);
}

static void test_lreader_partial_and_overlong(void **state)
{
	char data[200];
	int fd;
	struct lreader *r;
	const char *line;
	size_t len;

	(void)state;
	memset(data, 'x', 100);
	memcpy(data + 100, "\nshort\nend", 10);
	fd = pipe_with(data, 110);
	r = lreader_create(fd, 32, 20);
	assert_int_equal(lreader_next(r, &line, &len), LR_OVERLONG);
	assert_int_equal(lreader_next(r, &line, &len), LR_LINE);
	assert_memory_equal(line, "short", 5);
	assert_int_equal(lreader_next(r, &line, &len), LR_AGAIN);
	/* the unterminated end stays until asked for */
	assert_int_equal(lreader_offset(r), 107);
	assert_int_equal(lreader_partial(r, &line, &len), 1);
	assert_int_equal(len, 3);
	assert_memory_equal(line, "end", 3);
	assert_int_equal(lreader_offset(r), 110);
	lreader_free(r);
	close(fd);
}

/* Issue 11, defect 10: an overlong unterminated last line is reported. */
static void test_lreader_finish_overlong(void **state)
{
	char data[100];
	int fd;
	struct lreader *r;
	const char *line;
	size_t len;

	(void)state;
	memcpy(data, "ok\n", 3);
	memset(data + 3, 'x', 97);
	fd = pipe_with(data, 100);
	r = lreader_create(fd, 32, 20);
	assert_int_equal(lreader_next(r, &line, &len), LR_LINE);
	assert_int_equal(lreader_next(r, &line, &len), LR_AGAIN);
	assert_int_equal(lreader_finish(r, &line, &len), LR_OVERLONG);
	assert_int_equal(lreader_offset(r), 100);
	assert_int_equal(lreader_finish(r, &line, &len), LR_AGAIN);
	lreader_free(r);
	close(fd);
}

static void test_lreader_continues_after_growth(void **state)
{
	int fds[2];
	struct lreader *r;
	const char *line;
	size_t len;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	r = lreader_create(fds[0], 64, 32);
	assert_int_equal(write(fds[1], "hal", 3), 3);
	/* A pipe blocks rather than returning 0; feed the rest before reading. */
	assert_int_equal(write(fds[1], "f\nrest", 6), 6);
	close(fds[1]);
	assert_int_equal(lreader_next(r, &line, &len), LR_LINE);
	assert_memory_equal(line, "half", 4);
	assert_int_equal(lreader_next(r, &line, &len), LR_AGAIN);
	assert_int_equal(lreader_partial(r, &line, &len), 1);
	assert_memory_equal(line, "rest", 4);
	lreader_free(r);
	close(fds[0]);
}

static void test_lreader_reset(void **state)
{
	int a = pipe_with("old\npart", 8);
	int b = pipe_with("new\n", 4);
	struct lreader *r = lreader_create(a, 64, 32);
	const char *line;
	size_t len;

	(void)state;
	assert_int_equal(lreader_next(r, &line, &len), LR_LINE);
	assert_int_equal(lreader_next(r, &line, &len), LR_AGAIN);
	/* After rotation: the new file from its start, nothing of the old. */
	lreader_reset(r, b, 0);
	assert_int_equal(lreader_next(r, &line, &len), LR_LINE);
	assert_memory_equal(line, "new", 3);
	assert_int_equal(lreader_offset(r), 4);
	assert_int_equal(lreader_next(r, &line, &len), LR_AGAIN);
	assert_int_equal(lreader_partial(r, &line, &len), 0);
	lreader_free(r);
	close(a);
	close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_htab_basic),
		cmocka_unit_test(test_htab_bounded),
		cmocka_unit_test(test_lreader_lines),
		cmocka_unit_test(test_lreader_partial_and_overlong),
		cmocka_unit_test(test_lreader_finish_overlong),
		cmocka_unit_test(test_lreader_continues_after_growth),
		cmocka_unit_test(test_lreader_reset),
	};

	return cmocka_run_group_tests_name("htab_lreader", tests, NULL, NULL);
}
