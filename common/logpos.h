/*
 * logpos - where the follower stopped reading, saved across restarts.
 *
 * A position names the file by device and inode, the offset just past
 * the last whole line read, and a hash of the file's first line (so that
 * a new file that got the same inode is not mistaken for the old one).
 * logpos_save() writes a temporary file and renames it over the state
 * file, so a crash leaves either the old or the new position, never half.
 */
#ifndef PW_LOGPOS_H
#define PW_LOGPOS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct logpos {
	uint64_t dev;
	uint64_t ino;
	uint64_t offset;
	uint64_t head_hash; /* 0: the file had no whole first line yet */
};

/*
 * 0 on success; -1 if there is no state file; -2 if it cannot be used
 * (unreadable, empty, another format or version, cut short), why saying
 * which in a few words.
 */
int logpos_load(const char *path, struct logpos *pos, char *why, size_t size);
/* 0 on success; -1 after setting errno. */
int logpos_save(const char *path, const struct logpos *pos);

/* The hash of the first line of the file open on fd (0 if none yet). */
uint64_t logpos_head_hash(int fd);

#endif
