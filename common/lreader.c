/*
 * lreader - buffered line splitting over read(2) (see lreader.h).
 */
#include "lreader.h"
#include "xmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct lreader {
	int fd;
	char *buf;
	size_t size;
	size_t max_line;
	size_t start;    /* first byte not yet returned */
	size_t scan;     /* bytes from start known to hold no newline */
	size_t end;      /* end of valid data */
	int skipping;    /* inside an overlong line */
	int eof;         /* the last read(2) returned 0 */
	uint64_t offset; /* stream offset of buf[start] */
};

struct lreader *lreader_create(int fd, size_t bufsize, size_t max_line)
{
	struct lreader *r = xcalloc(1, sizeof(*r));

	if (max_line + 1 > bufsize)
		bufsize = max_line + 1;
	r->fd = fd;
	r->size = bufsize;
	r->max_line = max_line;
	r->buf = xmalloc(bufsize);
	return r;
}

void lreader_free(struct lreader *r)
{
	if (r) {
		free(r->buf);
		free(r);
	}
}

void lreader_reset(struct lreader *r, int fd, uint64_t offset)
{
	r->fd = fd;
	r->start = r->scan = r->end = 0;
	r->skipping = 0;
	r->eof = 0;
	r->offset = offset;
}

int lreader_at_eof(const struct lreader *r)
{
	return r->eof;
}

uint64_t lreader_offset(const struct lreader *r)
{
	return r->offset;
}

enum lreader_status lreader_next(struct lreader *r, const char **line, size_t *len)
{
	for (;;) {
		char *nl = memchr(r->buf + r->start + r->scan, '\n', r->end - r->start - r->scan);
		ssize_t got;

		if (nl) {
			size_t n = (size_t)(nl - (r->buf + r->start));

			*line = r->buf + r->start;
			*len = n;
			r->start += n + 1;
			r->scan = 0;
			r->offset += n + 1;
			if (r->skipping || n > r->max_line) {
				r->skipping = 0;
				return LR_OVERLONG;
			}
			return LR_LINE;
		}
		r->scan = r->end - r->start;
		if (r->scan > r->max_line) {
			/* Too long to be a log line: drop what we have, find its end. */
			r->offset += r->scan;
			r->start = r->end = r->scan = 0;
			r->skipping = 1;
		}
		if (r->start > 0 && (r->end == r->size || r->start > r->size / 2)) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		if (r->end == r->size) {
			/* Cannot happen: max_line < size keeps room. */
			r->offset += r->end - r->start;
			r->start = r->end = r->scan = 0;
			r->skipping = 1;
		}
		do
			got = read(r->fd, r->buf + r->end, r->size - r->end);
		while (got < 0 && errno == EINTR);
		if (got < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? LR_AGAIN : LR_ERROR;
		r->eof = got == 0;
		if (got == 0)
			return LR_AGAIN;
		r->end += (size_t)got;
	}
}

enum lreader_status lreader_finish(struct lreader *r, const char **line, size_t *len)
{
	size_t n = r->end - r->start;

	if (r->skipping) {
		/* An overlong last line without its newline: it was a line too. */
		r->offset += n;
		r->start = r->end = r->scan = 0;
		r->skipping = 0;
		return LR_OVERLONG;
	}
	if (n == 0)
		return LR_AGAIN;
	*line = r->buf + r->start;
	*len = n;
	r->offset += n;
	r->start = r->end = r->scan = 0;
	return LR_LINE;
}

int lreader_partial(struct lreader *r, const char **line, size_t *len)
{
	return lreader_finish(r, line, len) == LR_LINE;
}
