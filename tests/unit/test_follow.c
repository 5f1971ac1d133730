/*
 * test_follow - the log follower against real files in a temporary folder:
 * append, partial lines, rename rotation (with late writes to the old
 * file), copytruncate, delete and recreate, restarts from the saved
 * position, kill -9 and restart, and inotify wake-ups.
 */
#include "testutil.h"

#include "follow.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[64], logp[128], statep[128], rotated[128];

struct got {
	char text[65536];
	size_t len;
	int lines;
};

static void on_line(void *ctx, const char *line, size_t len)
{
	struct got *g = ctx;

	assert_true(g->len + len + 1 < sizeof(g->text));
	memcpy(g->text + g->len, line, len);
	g->len += len;
	g->text[g->len++] = '|';
	g->text[g->len] = 0;
	g->lines++;
}

static void append(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pw-follow-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(logp, sizeof(logp), "%s/mail.log", dir);
	snprintf(statep, sizeof(statep), "%s/state", dir);
	snprintf(rotated, sizeof(rotated), "%s/mail.log.1", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* A follower started on an empty log. */
static struct follower *follow_empty_log(void)
{
	struct follower *f;

	append(logp, "");
	f = follower_create(logp, statep);
	follower_start(f);
	return f;
}

static void test_starts_at_end_then_appends(void **state)
{
	struct got g = { .len = 0 };
	struct follower *f;

	(void)state;
	append(logp, "old1\nold2\n");
	f = follower_create(logp, statep);
	follower_start(f);
	follower_read(f, on_line, NULL, &g);
	assert_int_equal(g.lines, 0); /* history is not replayed */
	append(logp, "new1\nnew2\n");
	follower_read(f, on_line, NULL, &g);
	assert_string_equal(g.text, "new1|new2|");
	/* a partial line waits for its newline */
	append(logp, "half");
	follower_read(f, on_line, NULL, &g);
	assert_int_equal(g.lines, 2);
	append(logp, " done\n");
	follower_read(f, on_line, NULL, &g);
	assert_string_equal(g.text, "new1|new2|half done|");
	follower_free(f);
}

static void test_rename_rotation_with_late_writes(void **state)
{
	struct got g = { .len = 0 };
	struct follower *f;

	(void)state;
	f = follow_empty_log();
	append(logp, "a\n");
	follower_read(f, on_line, NULL, &g);
	/* logrotate renames; the writer still has the old file open */
	assert_int_equal(rename(logp, rotated), 0);
	append(rotated, "b-late\n");
	append(logp, "c-new\n");
	follower_read(f, on_line, NULL, &g);
	assert_string_equal(g.text, "a|b-late|c-new|");
	assert_int_equal(follower_stats(f)->rotations, 1);
	follower_free(f);
}

/* The writer goes on writing to the renamed file after the switch (until its HUP). */
static void test_rename_writes_after_the_switch(void **state)
{
	struct got g = { .len = 0 };
	struct follower *f;

	(void)state;
	f = follow_empty_log();
	append(logp, "a\n");
	follower_read(f, on_line, NULL, &g);
	assert_int_equal(rename(logp, rotated), 0);
	append(logp, "b-new\n");
	follower_read(f, on_line, NULL, &g); /* switched to the new file */
	append(rotated, "c-late\n");
	append(logp, "d-new\n");
	follower_read(f, on_line, NULL, &g);
	assert_string_equal(g.text, "a|b-new|c-late|d-new|");
	follower_free(f);
}

/* Open descriptors of this process. */
static int open_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/*
 * A second rotation while the first renamed log is still written: the
 * first is read to its end and closed, not left open behind the second.
 */
static void test_second_rotation_within_the_linger(void **state)
{
	struct got g = { .len = 0 };
	struct follower *f;
	char rotated2[140];
	int fds = open_fds();

	(void)state;
	snprintf(rotated2, sizeof(rotated2), "%s.2", logp);
	f = follow_empty_log();
	append(logp, "a\n");
	follower_read(f, on_line, NULL, &g);
	assert_int_equal(rename(logp, rotated), 0);
	append(logp, "b\n");
	follower_read(f, on_line, NULL, &g);
	append(rotated, "c-late\n");
	assert_int_equal(rename(logp, rotated2), 0);
	append(logp, "d\n");
	follower_read(f, on_line, NULL, &g);
	append(rotated2, "e-late\n");
	follower_read(f, on_line, NULL, &g);
	assert_string_equal(g.text, "a|b|c-late|d|e-late|");
	follower_free(f);
	assert_int_equal(open_fds(), fds);
	unlink(rotated2);
}

/* copytruncate copied lines not read yet: they are taken from the copy. */
static void test_copytruncate_rest_from_the_copy(void **state)
{
	struct got g = { .len = 0 };
	struct follower *f;
	char cmd[512];

	(void)state;
	f = follow_empty_log();
	append(logp, "one\n");
	follower_read(f, on_line, NULL, &g);
	append(logp, "two\nthree\n");
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", logp, rotated);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(truncate(logp, 0), 0);
	append(logp, "four\n");
	follower_read(f, on_line, NULL, &g);
	assert_string_equal(g.text, "one|two|three|four|");
	assert_int_equal(follower_stats(f)->truncations, 1);
	follower_free(f);
}

/* A state file that cannot be used says why. */
static void test_state_file_reasons(void **state)
{
	static const struct {
		const char *content, *why;
	} cases[] = {
		{ "", "empty" },
		{ "\x01\x02 junk\n", "not a probewatch position" },
		{ "journal-cursor s=1;i=2\n", "a journal cursor, not a file position" },
		{ "probewatch-logpos 2 1 2 3 4\n", "version 2 is not known" },
		{ "probewatch-logpos 1 1 2", "incomplete position" },
		{ "probewatch-logpos 1 1 2 3 4 trailing\n", "incomplete position" },
	};
	struct logpos pos;
	char why[160];

	(void)state;
	assert_int_equal(logpos_load(statep, &pos, why, sizeof(why)), -1); /* none */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unlink(statep);
		append(statep, cases[i].content);
		assert_int_equal(logpos_load(statep, &pos, why, sizeof(why)), -2);
		assert_string_equal(why, cases[i].why);
	}
	unlink(statep);
	append(statep, "probewatch-logpos 1 11 22 33 44\n");
	assert_int_equal(logpos_load(statep, &pos, why, sizeof(why)), 0);
	assert_true(pos.dev == 11 && pos.ino == 22 && pos.offset == 33 && pos.head_hash == 44);
}

static void test_copytruncate(void **state)
{
	struct got g = { .len = 0 };
	struct follower *f;

	(void)state;
	f = follow_empty_log();
	append(logp, "one\ntwo\n");
	follower_read(f, on_line, NULL, &g);
	assert_int_equal(truncate(logp, 0), 0);
	append(logp, "three\n");
	follower_read(f, on_line, NULL, &g);
	assert_string_equal(g.text, "one|two|three|");
	/* truncated and already longer again than where we were: the first line tells */
	assert_int_equal(truncate(logp, 0), 0);
	append(logp, "four-is-a-longer-line\nfive\n");
	follower_read(f, on_line, NULL, &g);
	assert_string_equal(g.text, "one|two|three|four-is-a-longer-line|five|");
	assert_int_equal(follower_stats(f)->truncations, 2);
	follower_free(f);
}

static void test_delete_and_recreate(void **state)
{
	struct got g = { .len = 0 };
	struct follower *f;

	(void)state;
	f = follow_empty_log();
	append(logp, "x\n");
	follower_read(f, on_line, NULL, &g);
	unlink(logp);
	follower_read(f, on_line, NULL, &g); /* warns once, keeps going */
	follower_read(f, on_line, NULL, &g);
	append(logp, "y\n");
	follower_read(f, on_line, NULL, &g);
	assert_string_equal(g.text, "x|y|");
	follower_free(f);
}

static void test_missing_at_start(void **state)
{
	struct got g = { .len = 0 };
	struct follower *f = follower_create(logp, statep);

	(void)state;
	follower_start(f);
	follower_read(f, on_line, NULL, &g);
	append(logp, "first\n");
	follower_read(f, on_line, NULL, &g);
	assert_string_equal(g.text, "first|");
	follower_free(f);
}

static void test_restart_from_saved_position(void **state)
{
	struct got g = { .len = 0 };
	struct follower *f;

	(void)state;
	f = follow_empty_log();
	append(logp, "1\n2\npart");
	follower_read(f, on_line, NULL, &g);
	follower_free(f);
	/* written while probewatch was stopped */
	append(logp, "ial\n3\n");
	f = follower_create(logp, statep);
	follower_start(f);
	follower_read(f, on_line, NULL, &g);
	assert_string_equal(g.text, "1|2|partial|3|");
	follower_free(f);
	/* rotated while stopped: the rest of the old file, then the new one */
	append(logp, "4\n");
	assert_int_equal(rename(logp, rotated), 0);
	append(logp, "5\n");
	f = follower_create(logp, statep);
	follower_start(f);
	follower_read(f, on_line, NULL, &g);
	assert_string_equal(g.text, "1|2|partial|3|4|5|");
	follower_free(f);
}

/* The child: follow the log, append each line to out, until killed. */
/* The daemon's protocol: a position is saved only after its lines were written out. */
static void keep_position(void *ctx, const struct logpos *pos)
{
	*(struct logpos *)ctx = *pos;
}

static void follow_into(const char *out)
{
	struct follower *f = follower_create(logp, statep);
	int fd = open(out, O_WRONLY | O_APPEND | O_CREAT, 0644);
	struct logpos pos, saved;
	int have = 0, have_saved = 0;
	struct got g;

	follower_set_checkpoint(f, keep_position, &pos);
	follower_start(f);
	for (;;) {
		g.len = 0;
		g.lines = 0;
		g.text[0] = 0;
		pos.dev = 0;
		follower_read(f, on_line, NULL, &g);
		have = pos.dev != 0;
		if (g.len && write(fd, g.text, g.len) != (ssize_t)g.len)
			_exit(3);
		if (have && !(have_saved && memcmp(&pos, &saved, sizeof(pos)) == 0)) {
			if (logpos_save(statep, &pos) < 0)
				_exit(4);
			saved = pos;
			have_saved = 1;
		}
		follower_wait(f, -1, 50);
	}
}

/* Wait until the saved position reaches the end of the log. */
static void wait_caught_up(void)
{
	struct stat st;
	char buf[256];

	for (int i = 0; i < 500; i++) {
		FILE *fp = fopen(statep, "r");
		unsigned long long dev, ino, off, h;

		if (fp && fgets(buf, sizeof(buf), fp) &&
		    sscanf(buf, "probewatch-logpos 1 %llu %llu %llu %llu", &dev, &ino, &off, &h) ==
			    4 &&
		    stat(logp, &st) == 0 && off == (unsigned long long)st.st_size) {
			fclose(fp);
			return;
		}
		if (fp)
			fclose(fp);
		usleep(10000);
	}
	fail_msg("the follower did not catch up");
}

static void test_kill9_and_restart(void **state)
{
	char out[160], want[4096] = "", line[32];
	pid_t pid;
	FILE *fp;
	size_t n;
	char got[4096];

	(void)state;
	snprintf(out, sizeof(out), "%s/out", dir);
	append(logp, "");
	for (int round = 0; round < 3; round++) {
		if ((pid = fork()) == 0)
			follow_into(out);
		/* the first one saves its start (the end of the empty log) before lines come */
		for (int i = 0; round == 0 && access(statep, F_OK) < 0 && i < 1000; i++)
			usleep(10000);
		for (int i = 0; i < 20; i++) {
			snprintf(line, sizeof(line), "r%d-l%d\n", round, i);
			append(logp, line);
			snprintf(line, sizeof(line), "r%d-l%d|", round, i);
			strcat(want, line);
		}
		wait_caught_up();
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		/* lines written while it is down */
		snprintf(line, sizeof(line), "down%d\n", round);
		append(logp, line);
		snprintf(line, sizeof(line), "down%d|", round);
		strcat(want, line);
	}
	if ((pid = fork()) == 0)
		follow_into(out);
	wait_caught_up();
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	fp = fopen(out, "r");
	assert_non_null(fp);
	n = fread(got, 1, sizeof(got) - 1, fp);
	got[n] = 0;
	fclose(fp);
	/* every line exactly once, in order */
	assert_string_equal(got, want);
}

static void test_wait_wakes_on_append(void **state)
{
	struct got g = { .len = 0 };
	struct follower *f;
	struct timespec t0, t1;
	pid_t pid;

	(void)state;
	f = follow_empty_log();
	if ((pid = fork()) == 0) {
		usleep(100000);
		append(logp, "wake\n");
		_exit(0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	follower_wait(f, -1, 5000);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waitpid(pid, NULL, 0);
	follower_read(f, on_line, NULL, &g);
	assert_string_equal(g.text, "wake|");
	/* woken by inotify, long before the 5 s poll */
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 2000);
	follower_free(f);
}

static void test_stop_fd(void **state)
{
	struct follower *f = follower_create(logp, statep);
	int p[2];

	(void)state;
	follower_start(f);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(follower_wait(f, p[0], 5000), 1);
	close(p[0]);
	close(p[1]);
	follower_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_starts_at_end_then_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename_rotation_with_late_writes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_copytruncate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_rotation_within_the_linger, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rename_writes_after_the_switch, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_copytruncate_rest_from_the_copy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_state_file_reasons, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_and_recreate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_at_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_from_saved_position, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill9_and_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_wakes_on_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_fd, setup, teardown),
	};

	return cmocka_run_group_tests_name("follow", tests, NULL, NULL);
}
