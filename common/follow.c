/*
 * follow - the log follower (see follow.h).
 *
 * One descriptor is open on the log; the file it names is compared with
 * what the path names after every batch: another inode means rotation,
 * a shorter file or another first line means truncation.  inotify
 * watches the log's folder, because the file itself is replaced on
 * rotation.
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
#include <unistd.h>

#define FOLLOW_BUFFER      (256 * 1024)
#define FOLLOW_MAX_LINE    (64 * 1024)
#define FOLLOW_COALESCE_MS 10 /* after a change, gather what follows it */

struct follower {
	char *path, *state_path, *dir, *base;
	int is_stdin;
	int fd;
	uint64_t dev, ino, head_hash;
	struct lreader *lr;
	struct logpos saved;
	int have_saved;
	int missing_warned;
	int stdin_done; /* standard input reached its end */
	int inotify_fd;
	struct follow_stats stats;
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
	f->lr = lreader_create(-1, FOLLOW_BUFFER, FOLLOW_MAX_LINE);
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
	lreader_free(f->lr);
	free(f->path);
	free(f->state_path);
	free(f->dir);
	free(f->base);
	free(f);
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

void follower_start(struct follower *f)
{
	struct logpos pos;
	struct stat st;

	follower_watch(f);
	if (f->is_stdin) {
		/* Non-blocking, so that a stop request is never stuck in read(2). */
		fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
		f->fd = 0;
		lreader_reset(f->lr, 0, 0);
		return;
	}
	if (f->state_path && logpos_load(f->state_path, &pos) == 0) {
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
		if (follower_open(f, f->path, 0) == 0)
			msg_info("%s was replaced while probewatch was stopped: reading it from "
				 "the start",
				 f->path);
		return;
	}
	/* No saved position: what is already there is history. */
	if (follower_open(f, f->path, -1) < 0 && !f->missing_warned) {
		msg_warn("cannot open %s (%m): waiting for it", f->path);
		f->missing_warned = 1;
	}
}

static size_t follower_drain(struct follower *f, follow_line_fn fn, follow_overlong_fn ofn,
			     void *ctx)
{
	const char *line;
	size_t len, n = 0;
	enum lreader_status st;

	while ((st = lreader_next(f->lr, &line, &len)) != LR_AGAIN) {
		if (st == LR_LINE) {
			fn(ctx, line, len);
			n++;
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

	if (f->fd < 0) {
		/* It appeared: everything in it was written after we started waiting. */
		if (follower_open(f, f->path, 0) < 0)
			return 0;
		if (f->missing_warned)
			msg_info("%s is there again", f->path);
		f->missing_warned = 0;
	}
	for (int rounds = 0; rounds < 16; rounds++) {
		if (!f->is_stdin && fstat(f->fd, &fst) == 0 &&
		    ((uint64_t)fst.st_size < lreader_offset(f->lr) ||
		     (f->head_hash && logpos_head_hash(f->fd) != f->head_hash))) {
			/* Truncated in place (copytruncate): start again. */
			follower_open(f, f->path, 0);
			f->stats.truncations++;
		}
		n += follower_drain(f, fn, ofn, ctx);
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
		if (f->missing_warned) {
			msg_info("%s is there again", f->path);
			f->missing_warned = 0;
		}
		if ((uint64_t)st.st_dev != f->dev || (uint64_t)st.st_ino != f->ino) {
			/* Rotated: finish the old file, then the new one from its start. */
			n += follower_drain(f, fn, ofn, ctx);
			if (lreader_partial(f->lr, &line, &len)) {
				fn(ctx, line, len);
				n++;
			}
			if (follower_open(f, f->path, 0) < 0)
				break;
			f->stats.rotations++;
			continue;
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
	for (;;) {
		if (poll(p, (nfds_t)n, timeout_ms) <= 0)
			return 0;
		if (sp >= 0 && (p[sp].revents & POLLIN))
			return 1;
		if (ip < 0 || f->is_stdin)
			return 0;
		while ((got = read(f->inotify_fd, buf, sizeof(buf))) > 0)
			ours |= follower_event_is_ours(f, buf, got);
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
