/*
 * privs - pid file and privilege drop (see privs.h).
 */
#include "privs.h"
#include "diag.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int pidfile_create(const char *path)
{
	char buf[32];
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	int n;

	if (fd < 0) {
		msg_error("cannot open the pid file %s: %m", path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		n = (int)read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = 0;
		buf[strcspn(buf, "\n")] = 0;
		msg_error("probewatch is already running (pid %s, %s)", buf, path);
		close(fd);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || write(fd, buf, (size_t)n) != n) {
		msg_error("cannot write the pid file %s: %m", path);
		close(fd);
		return -1;
	}
	return fd;
}

void pidfile_remove(const char *path, int fd)
{
	if (fd < 0)
		return;
	/* After the privilege drop this may fail; the lock still tells. */
	if (unlink(path) < 0 && errno != ENOENT)
		msg_info("cannot remove the pid file %s: %m", path);
	close(fd);
}

int privs_drop(const char *user)
{
	struct passwd *pw;

	if (user == NULL || *user == 0) {
		if (geteuid() == 0)
			msg_warn("running as root: set user to an unprivileged account");
		return 0;
	}
	if ((pw = getpwnam(user)) == NULL) {
		if (geteuid() == 0) {
			msg_error("user %s does not exist; refusing to run as root", user);
			return -1;
		}
		msg_warn("user %s does not exist; running as uid %ld", user, (long)geteuid());
		return 0;
	}
	if (geteuid() != 0) {
		if (geteuid() != pw->pw_uid)
			msg_warn("not root: cannot become %s; running as uid %ld", user,
				 (long)geteuid());
		return 0;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		msg_error("cannot become user %s: %m; refusing to run as root", user);
		return -1;
	}
	/* Check that there is no way back. */
	if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid || getgid() != pw->pw_gid ||
	    setuid(0) == 0) {
		msg_error("the switch to user %s did not hold; refusing to run", user);
		return -1;
	}
	return 0;
}
