/*
 * follow - the log follower (see follow.h).
 *
 * One descriptor is open on the log; the file it names is compared with
 * what the path names after every batch: another inode means rotation,
 * a shorter file or another first line means truncation.  inotify
 * watches the log's folder, because the file itself is replaced on
 * rotation.
 *
 * After a rename the old file stays open and is read on until it has
 * been quiet for FOLLOW_LINGER_MS: a syslog daemon goes on writing to it
 * until logrotate's postrotate tells it to reopen.  After a truncation
 * the rest that was not read yet is taken from PATH.1, the copy that
 * copytruncate made (when that file starts with the same first line).
 */
#include "follow.h"
#include "diag.h"
#include "logpos.h"
#include "lreader.h"
#include "xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FOLLOW_BUFFER      (256 * 1024)
#define FOLLOW_MAX_LINE    (64 * 1024)
#define FOLLOW_COALESCE_MS 10   /* after a change, gather what follows it */
#define FOLLOW_LINGER_MS   2000 /* a renamed log is read until quiet this long */
#define FOLLOW_CHECKPOINT  256  /* lines between two positions handed to a checkpoint */

struct follower {
	char *path, *state_path, *dir, *base;
	int is_stdin;
	int fd;
	uint64_t dev, ino, head_hash;
	struct lreader *lr;
	struct logpos saved;
	int have_saved;
	int missing_warned;
	int open_warned;               /* the log is there but cannot be opened */
	long long start_size;          /* no saved position: history ends here (-1: none) */
	uint64_t start_dev, start_ino; /* in this file */
	int old_fd;                    /* the renamed log, read on for a while */
	struct lreader *old_lr;
	struct timespec old_seen; /* when it last gave data */
	int stdin_done;           /* standard input reached its end */
	int inotify_fd;
	struct follow_stats stats;
	follow_checkpoint_fn checkpoint; /* takes the positions instead of saving them */
	void *checkpoint_ctx;
};

struct follower *follower_create(const char *path, const char *state_path)
{
	struct follower *f = xcalloc(1, sizeof(*f));
	char *slash;

	f->path = xstrdup(path);
	f->is_stdin = strcmp(path, "-") == 0;
	f->state_path = state_path && !f->is_stdin ? xstrdup(state_path) : NULL;
	f->fd = -1;
	f->inotify_fd = -1;
	f->old_fd = -1;
	f->start_size = -1;
	f->lr = lreader_create(-1, FOLLOW_BUFFER, FOLLOW_MAX_LINE);
	f->old_lr = lreader_create(-1, FOLLOW_BUFFER, FOLLOW_MAX_LINE);
	slash = strrchr(f->path, '/');
	f->dir = slash ? xmemdup(f->path, slash == f->path ? 1 : (size_t)(slash - f->path))
		       : xstrdup(".");
	f->base = xstrdup(slash ? slash + 1 : f->path);
	return f;
}

void follower_free(struct follower *f)
{
	if (f == NULL)
		return;
	if (f->fd > 0)
		close(f->fd);
	if (f->inotify_fd >= 0)
		close(f->inotify_fd);
	if (f->old_fd >= 0)
		close(f->old_fd);
	lreader_free(f->lr);
	lreader_free(f->old_lr);
	free(f->path);
	free(f->state_path);
	free(f->dir);
	free(f->base);
	free(f);
}

void follower_set_checkpoint(struct follower *f, follow_checkpoint_fn fn, void *ctx)
{
	f->checkpoint = fn;
	f->checkpoint_ctx = ctx;
}

const struct follow_stats *follower_stats(const struct follower *f)
{
	return &f->stats;
}

/* Open path at offset (or at its end with offset = -1). */
static int follower_open(struct follower *f, const char *path, long long offset)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	if (offset < 0 || offset > st.st_size)
		offset = offset < 0 ? st.st_size : 0;
	if (lseek(fd, offset, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	if (f->fd > 0)
		close(f->fd);
	f->fd = fd;
	f->dev = (uint64_t)st.st_dev;
	f->ino = (uint64_t)st.st_ino;
	f->head_hash = logpos_head_hash(fd);
	lreader_reset(f->lr, fd, (uint64_t)offset);
	return 0;
}

static void follower_watch(struct follower *f)
{
	if (f->is_stdin || f->inotify_fd >= 0)
		return;
	f->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (f->inotify_fd < 0)
		return;
	if (inotify_add_watch(f->inotify_fd, f->dir,
			      IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
				      IN_CLOSE_WRITE) < 0) {
		msg_warn("cannot watch %s (%m): checking every second instead", f->dir);
		close(f->inotify_fd);
		f->inotify_fd = -1;
	}
}

/* A position saved while the log had been rotated to PATH.1: finish that first. */
static int follower_open_rotated(struct follower *f, const struct logpos *pos)
{
	char old[PATH_MAX];
	struct stat st;

	if (snprintf(old, sizeof(old), "%s.1", f->path) >= (int)sizeof(old))
		return -1;
	if (stat(old, &st) < 0 || (uint64_t)st.st_dev != pos->dev ||
	    (uint64_t)st.st_ino != pos->ino)
		return -1;
	if (follower_open(f, old, (long long)pos->offset) < 0)
		return -1;
	if (pos->head_hash && f->head_hash != pos->head_hash)
		return -1;
	msg_info("finishing the rotated %s from offset %llu", old, (unsigned long long)pos->offset);
	return 0;
}

/*
 * Open the log at offset 0 (or where history ended, when it could not be
 * opened at start-up) after it was missing or unreadable; each state is
 * reported once, and its end too.
 */
static int follower_reopen(struct follower *f)
{
	struct stat st;
	long long at = 0;

	if (f->start_size >= 0 && stat(f->path, &st) == 0 && (uint64_t)st.st_dev == f->start_dev &&
	    (uint64_t)st.st_ino == f->start_ino && (long long)st.st_size >= f->start_size)
		at = f->start_size;
	if (follower_open(f, f->path, at) < 0) {
		if (errno == ENOENT) {
			if (!f->missing_warned)
				msg_warn("%s is gone (%m): waiting for it", f->path);
			f->missing_warned = 1;
		} else if (!f->open_warned) {
			msg_warn("cannot open %s (%m): waiting for it", f->path);
			f->open_warned = 1;
		}
		return -1;
	}
	f->start_size = -1;
	if (f->missing_warned)
		msg_info("%s is there again", f->path);
	if (f->open_warned)
		msg_info("%s is readable again", f->path);
	f->missing_warned = f->open_warned = 0;
	return 0;
}

void follower_start(struct follower *f)
{
	struct logpos pos;
	struct stat st;
	char why[160];
	int rc;

	follower_watch(f);
	if (f->is_stdin) {
		/* Non-blocking, so that a stop request is never stuck in read(2). */
		fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
		f->fd = 0;
		lreader_reset(f->lr, 0, 0);
		return;
	}
	rc = f->state_path ? logpos_load(f->state_path, &pos, why, sizeof(why)) : -1;
	if (rc == 0) {
		f->saved = pos;
		f->have_saved = 1;
		if (stat(f->path, &st) == 0 && (uint64_t)st.st_dev == pos.dev &&
		    (uint64_t)st.st_ino == pos.ino && follower_open(f, f->path, 0) == 0 &&
		    (pos.head_hash == 0 || f->head_hash == pos.head_hash)) {
			if ((uint64_t)st.st_size < pos.offset) {
				msg_warn("%s is shorter than the saved position: reading it from "
					 "the start",
					 f->path);
				pos.offset = 0;
			}
			follower_open(f, f->path, (long long)pos.offset);
			return;
		}
		if (follower_open_rotated(f, &pos) == 0)
			return;
		/* Another file since the position was saved: all of it is new. */
		if (follower_reopen(f) == 0)
			msg_info("%s was replaced while probewatch was stopped: reading it from "
				 "the start",
				 f->path);
		return;
	}
	if (rc < -1)
		msg_warn("state file %s: %s; reading %s from its end", f->state_path, why, f->path);
	/* No saved position: what is already there is history. */
	if (follower_open(f, f->path, -1) < 0) {
		int missing = errno == ENOENT;

		msg_warn("cannot open %s (%m): waiting for it", f->path);
		f->missing_warned = missing;
		f->open_warned = !missing;
		if (!missing && stat(f->path, &st) == 0) {
			/* There but unreadable: what it holds now is history all the same. */
			f->start_size = (long long)st.st_size;
			f->start_dev = (uint64_t)st.st_dev;
			f->start_ino = (uint64_t)st.st_ino;
		}
	}
}

static void follower_save(struct follower *f);

static size_t follower_drain(struct follower *f, struct lreader *lr, follow_line_fn fn,
			     follow_overlong_fn ofn, void *ctx)
{
	const char *line;
	size_t len, n = 0;
	enum lreader_status st;

	while ((st = lreader_next(lr, &line, &len)) != LR_AGAIN) {
		if (st == LR_LINE) {
			fn(ctx, line, len);
			/* A long batch hands out positions on the way. */
			if (++n % FOLLOW_CHECKPOINT == 0 && f->checkpoint && lr == f->lr)
				follower_save(f);
		} else if (st == LR_OVERLONG) {
			if (ofn)
				ofn(ctx);
			f->stats.overlong++;
		} else {
			msg_warn("error reading %s: %m", f->path);
			break;
		}
	}
	f->stats.lines += n;
	return n;
}

/* The end of a file that will not grow any more: its unterminated last line too. */
static size_t follower_finish(struct follower *f, struct lreader *lr, follow_line_fn fn,
			      follow_overlong_fn ofn, void *ctx)
{
	size_t n = follower_drain(f, lr, fn, ofn, ctx);
	const char *line;
	size_t len;

	if (lreader_partial(lr, &line, &len)) {
		fn(ctx, line, len);
		f->stats.lines++;
		n++;
	}
	return n;
}

static long long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000LL + (now.tv_nsec - t->tv_nsec) / 1000000LL;
}

/* Read on in the renamed log; close it once it has been quiet long enough (or now). */
static size_t follower_drain_old(struct follower *f, follow_line_fn fn, follow_overlong_fn ofn,
				 void *ctx, int now)
{
	size_t n;

	if (f->old_fd < 0)
		return 0;
	n = follower_drain(f, f->old_lr, fn, ofn, ctx);
	/* now (a second rotation): read to its end and close it all the same. */
	if (n && !now)
		clock_gettime(CLOCK_MONOTONIC, &f->old_seen);
	else if (now || ms_since(&f->old_seen) >= FOLLOW_LINGER_MS) {
		n += follower_finish(f, f->old_lr, fn, ofn, ctx);
		close(f->old_fd);
		f->old_fd = -1;
		lreader_reset(f->old_lr, -1, 0);
	}
	return n;
}

/* Rotated by rename: the old file is read on for a while, beside the new one. */
static size_t follower_retire(struct follower *f, follow_line_fn fn, follow_overlong_fn ofn,
			      void *ctx)
{
	size_t n = follower_drain_old(f, fn, ofn, ctx, 1);
	struct lreader *lr = f->old_lr;

	f->old_lr = f->lr;
	f->lr = lr;
	f->old_fd = f->fd;
	f->fd = -1;
	clock_gettime(CLOCK_MONOTONIC, &f->old_seen);
	return n + follower_drain_old(f, fn, ofn, ctx, 0);
}

/*
 * Truncated in place: copytruncate copied the log to PATH.1 first, so
 * what was not read yet is there, past our offset.
 */
static size_t follower_finish_copy(struct follower *f, follow_line_fn fn, follow_overlong_fn ofn,
				   void *ctx)
{
	char old[PATH_MAX];
	struct stat st;
	uint64_t at = lreader_offset(f->lr);
	struct lreader *lr;
	size_t n;
	int fd;

	if (f->head_hash == 0 || snprintf(old, sizeof(old), "%s.1", f->path) >= (int)sizeof(old))
		return 0;
	if ((fd = open(old, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size <= at ||
	    logpos_head_hash(fd) != f->head_hash || lseek(fd, (off_t)at, SEEK_SET) < 0) {
		close(fd);
		return 0;
	}
	lr = lreader_create(fd, FOLLOW_BUFFER, FOLLOW_MAX_LINE);
	lreader_reset(lr, fd, at);
	n = follower_finish(f, lr, fn, ofn, ctx);
	lreader_free(lr);
	close(fd);
	return n;
}

static void follower_save(struct follower *f)
{
	struct logpos pos;

	if (f->state_path == NULL || f->fd < 0)
		return;
	if (f->head_hash == 0)
		f->head_hash = logpos_head_hash(f->fd);
	pos.dev = f->dev;
	pos.ino = f->ino;
	pos.offset = lreader_offset(f->lr);
	pos.head_hash = f->head_hash;
	if (f->checkpoint) {
		f->checkpoint(f->checkpoint_ctx, &pos);
		return;
	}
	if (f->have_saved && memcmp(&pos, &f->saved, sizeof(pos)) == 0)
		return;
	if (logpos_save(f->state_path, &pos) < 0) {
		if (f->stats.state_save_failures++ == 0)
			msg_warn("cannot save the read position in %s: %m", f->state_path);
		return;
	}
	f->saved = pos;
	f->have_saved = 1;
}

size_t follower_read(struct follower *f, follow_line_fn fn, follow_overlong_fn ofn, void *ctx)
{
	size_t n = 0;
	struct stat st, fst;
	const char *line;
	size_t len;

	n += follower_drain_old(f, fn, ofn, ctx, 0);
	/* It appeared, or can be read now: everything in it is new. */
	if (f->fd < 0 && follower_reopen(f) < 0)
		return n;
	for (int rounds = 0; rounds < 16; rounds++) {
		if (!f->is_stdin && fstat(f->fd, &fst) == 0 &&
		    ((uint64_t)fst.st_size < lreader_offset(f->lr) ||
		     (f->head_hash && logpos_head_hash(f->fd) != f->head_hash))) {
			/* Truncated in place (copytruncate): the copy's rest, then from the start.
			 */
			n += follower_finish_copy(f, fn, ofn, ctx);
			follower_open(f, f->path, 0);
			f->stats.truncations++;
		}
		n += follower_drain(f, f->lr, fn, ofn, ctx);
		if (f->is_stdin) {
			if (lreader_at_eof(f->lr) && !f->stdin_done) {
				if (lreader_partial(f->lr, &line, &len)) {
					fn(ctx, line, len);
					n++;
				}
				f->stdin_done = 1;
			}
			break;
		}
		if (stat(f->path, &st) < 0) {
			if (!f->missing_warned) {
				msg_warn("%s is gone (%m): waiting for it", f->path);
				f->missing_warned = 1;
			}
			break;
		}
		if ((uint64_t)st.st_dev != f->dev || (uint64_t)st.st_ino != f->ino) {
			/* Rotated: the old file is read on while the new one is read from its
			 * start. */
			n += follower_retire(f, fn, ofn, ctx);
			f->stats.rotations++;
			if (follower_reopen(f) < 0)
				break;
			continue;
		}
		if (f->missing_warned) {
			msg_info("%s is there again", f->path);
			f->missing_warned = 0;
		}
		break;
	}
	follower_save(f);
	return n;
}

/* Whether a batch of inotify events concerns the log file itself. */
static int follower_event_is_ours(struct follower *f, const char *buf, ssize_t len)
{
	const struct inotify_event *ev;

	for (ssize_t i = 0; i < len; i += (ssize_t)(sizeof(*ev) + ev->len)) {
		ev = (const struct inotify_event *)(const void *)(buf + i);
		if ((ev->mask & IN_Q_OVERFLOW) || (ev->len && strcmp(ev->name, f->base) == 0))
			return 1;
	}
	return 0;
}

int follower_wait(struct follower *f, int stop_fd, int timeout_ms)
{
	struct pollfd p[2];
	int n = 0, ip = -1, sp = -1;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t got;
	int ours = 0;

	if (stop_fd >= 0) {
		p[n].fd = stop_fd;
		p[n].events = POLLIN;
		sp = n++;
	}
	if (f->is_stdin && !f->stdin_done) {
		p[n].fd = 0;
		p[n].events = POLLIN;
		ip = n++;
	} else if (!f->is_stdin && f->inotify_fd >= 0) {
		p[n].fd = f->inotify_fd;
		p[n].events = POLLIN;
		ip = n++;
	}
	/* A renamed log still read: its writes are not named like the log. */
	if (f->old_fd >= 0 && timeout_ms > FOLLOW_LINGER_MS / 4)
		timeout_ms = FOLLOW_LINGER_MS / 4;
	for (;;) {
		if (poll(p, (nfds_t)n, timeout_ms) <= 0)
			return 0;
		if (sp >= 0 && (p[sp].revents & POLLIN))
			return 1;
		if (ip < 0 || f->is_stdin)
			return 0;
		while ((got = read(f->inotify_fd, buf, sizeof(buf))) > 0)
			ours |= f->old_fd >= 0 || follower_event_is_ours(f, buf, got);
		if (ours)
			break;
		/* Another file in the folder changed; the slow poll still bounds the wait. */
		if (timeout_ms > 100)
			timeout_ms -= 100;
	}
	/* Give the writer a moment to finish its burst: fewer, larger batches. */
	if (poll(p, sp >= 0 ? 1 : 0, FOLLOW_COALESCE_MS) > 0 && sp >= 0 && (p[sp].revents & POLLIN))
		return 1;
	return 0;
}
