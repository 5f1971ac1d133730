/*
 * privs - the pid file and the drop to an unprivileged user.
 *
 * pidfile_create() writes the process ID into a file that it keeps locked,
 * so a second daemon is refused while a stale file (after kill -9) is
 * simply taken over.  privs_drop() switches to the configured user
 * (supplementary groups, group, user, each checked) and fails when root
 * cannot become that user: probewatch never keeps running as root by
 * accident.  An empty user keeps the current identity.
 */
#ifndef PW_PRIVS_H
#define PW_PRIVS_H

/* The locked descriptor, or -1 after reporting why. */
int pidfile_create(const char *path);
void pidfile_remove(const char *path, int fd);

/* 0, or -1 after reporting why. */
int privs_drop(const char *user);

#endif
