/*
 * follow - read a log file as it is written, across rotation.
 *
 * follower_start() opens the log at the saved position (state_file), or
 * at its end when there is none.  follower_read() hands every whole line
 * now available to a callback and saves the position afterwards (one
 * batch).  It notices rotation by rename (the old file is read to its end,
 * then the new one from its start; with a saved position that names
 * PATH.1, a restart finishes that file first), truncation in place
 * (copytruncate: start again at the beginning) and a missing log (waited
 * for, with one warning).  A partial last line is kept until its newline
 * arrives.  follower_wait() sleeps until the log changes (inotify on its
 * folder, a slow poll as fallback), a stop descriptor becomes readable, or
 * a timeout passes.  "-" follows standard input (no position is saved).
 *
 * With a checkpoint function set, positions are handed to it instead of
 * being saved (after every batch and every 256 lines of a long one): the
 * daemon saves a position only once the alerts of the lines before it
 * have been delivered.
 */
#ifndef PW_FOLLOW_H
#define PW_FOLLOW_H

#include "logpos.h"

#include <stddef.h>

struct follower;

typedef void (*follow_line_fn)(void *ctx, const char *line, size_t len);
typedef void (*follow_overlong_fn)(void *ctx);
/* A position just past a line handed out: every line before it was handed out. */
typedef void (*follow_checkpoint_fn)(void *ctx, const struct logpos *pos);

struct follow_stats {
	unsigned long rotations, truncations, lines, overlong;
	unsigned long state_save_failures;
};

/* state_path may be NULL: no position is loaded or saved. */
struct follower *follower_create(const char *path, const char *state_path);
void follower_free(struct follower *f);

void follower_start(struct follower *f);
/* Before follower_start. */
void follower_set_checkpoint(struct follower *f, follow_checkpoint_fn fn, void *ctx);
size_t follower_read(struct follower *f, follow_line_fn fn, follow_overlong_fn ofn, void *ctx);
/* Returns 1 when stop_fd (may be -1) became readable, else 0. */
int follower_wait(struct follower *f, int stop_fd, int timeout_ms);

const struct follow_stats *follower_stats(const struct follower *f);

#endif
