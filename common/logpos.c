/*
 * logpos - load and save the follower's position (see logpos.h).
 *
 * The state file is one line: "probewatch-logpos 1 DEV INO OFFSET HASH".
 */
#include "logpos.h"
#include "diag.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LOGPOS_HEAD_MAX 512

int logpos_load(const char *path, struct logpos *pos, char *why, size_t size)
{
	char buf[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC), version, used = 0;
	ssize_t n;

	snprintf(why, size, "%s", "");
	if (fd < 0) {
		if (errno == ENOENT)
			return -1;
		diag_format(why, size, "cannot read it (%m)");
		return -2;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		diag_format(why, size, "cannot read it (%m)");
	close(fd);
	if (n < 0)
		return -2;
	buf[n] = 0;
	if (n == 0) {
		snprintf(why, size, "empty");
		return -2;
	}
	if (strncmp(buf, "journal-cursor ", 15) == 0) {
		snprintf(why, size, "a journal cursor, not a file position");
		return -2;
	}
	if (sscanf(buf, "probewatch-logpos %d %n", &version, &used) == 1 && used > 0 &&
	    version != 1) {
		snprintf(why, size, "version %d is not known", version);
		return -2;
	}
	used = 0;
	if (sscanf(buf, "probewatch-logpos 1 %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 "%n",
		   &pos->dev, &pos->ino, &pos->offset, &pos->head_hash, &used) != 4 ||
	    (buf[used] != '\n' && buf[used] != 0) || (buf[used] == '\n' && buf[used + 1] != 0)) {
		snprintf(why, size, "%s",
			 strncmp(buf, "probewatch-logpos 1 ", 20) == 0
				 ? "incomplete position"
				 : "not a probewatch position");
		return -2;
	}
	return 0;
}

int logpos_save(const char *path, const struct logpos *pos)
{
	char tmp[4096], buf[256];
	int fd, n, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	n = snprintf(buf, sizeof(buf),
		     "probewatch-logpos 1 %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
		     pos->dev, pos->ino, pos->offset, pos->head_hash);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return -1;
	if (write(fd, buf, (size_t)n) != n) {
		saved = errno ? errno : EIO;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}

uint64_t logpos_head_hash(int fd)
{
	char buf[LOGPOS_HEAD_MAX];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);
	const char *nl;
	uint64_t h = 1469598103934665603ULL;

	if (n <= 0)
		return 0;
	/* Only a whole first line counts: a partial one may still grow. */
	if ((nl = memchr(buf, '\n', (size_t)n)) != NULL)
		n = nl - buf;
	else if (n < (ssize_t)sizeof(buf))
		return 0;
	for (ssize_t i = 0; i < n; i++) {
		h ^= (unsigned char)buf[i];
		h *= 1099511628211ULL;
	}
	return h ? h : 1;
}
