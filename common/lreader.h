/*
 * lreader - split a byte stream into lines with one large buffer.
 *
 * lreader_next() returns complete lines (without the newline) that stay
 * valid until the next call.  At the end of the data it says LR_AGAIN and
 * keeps any partial last line, so a follower can call again when the file
 * has grown; lreader_partial() hands that partial line out when the input
 * is known to be finished.  A line longer than max_line is skipped to its
 * newline and reported once as LR_OVERLONG.  lreader_offset() is the
 * stream offset just past the last line returned (or skipped).
 */
#ifndef PW_LREADER_H
#define PW_LREADER_H

#include <stddef.h>
#include <stdint.h>

enum lreader_status {
	LR_LINE,
	LR_AGAIN,    /* no complete line now (end of data) */
	LR_OVERLONG, /* a line longer than max_line was skipped */
	LR_ERROR,    /* read(2) failed; errno says why */
};

struct lreader;

struct lreader *lreader_create(int fd, size_t bufsize, size_t max_line);
void lreader_free(struct lreader *r);
/* Start over on another descriptor (after rotation); drops buffered data. */
void lreader_reset(struct lreader *r, int fd, uint64_t offset);

enum lreader_status lreader_next(struct lreader *r, const char **line, size_t *len);
/* The unterminated rest, if any; consumes it.  Returns 1 if there was one. */
int lreader_partial(struct lreader *r, const char **line, size_t *len);
/*
 * The same, saying what the rest was: LR_LINE (in *line, *len), LR_OVERLONG
 * (an unterminated line longer than max_line, skipped) or LR_AGAIN (none).
 */
enum lreader_status lreader_finish(struct lreader *r, const char **line, size_t *len);
uint64_t lreader_offset(const struct lreader *r);
/* Whether the last read found the end of the data (not just none yet). */
int lreader_at_eof(const struct lreader *r);

#endif
