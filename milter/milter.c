/*
 * milter - registration, socket and main loop around libmilter (see milter.h).
 */
#include "milter.h"
#include "nodelay.h"
#include "callbacks.h"
#include "seam.h"
#include "diag.h"
#include "xmem.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

static char *milter_conn; /* libmilter keeps this pointer while it runs */

struct milter_seam milter_seam = {
	.getpriv = smfi_getpriv,
	.setpriv = smfi_setpriv,
	.getsymval = smfi_getsymval,
	.addheader = smfi_addheader,
	.chgheader = smfi_chgheader,
};

static struct engine *host_lock(void *ctx)
{
	return runtime_lock(ctx);
}

static void host_unlock(void *ctx)
{
	runtime_unlock(ctx);
}

static void host_error(void *ctx)
{
	runtime_count_milter_error(ctx);
}

static void host_session(void *ctx)
{
	runtime_count_milter_session(ctx);
}

static void host_tag_settings(void *ctx, int *tag, char *header, size_t size)
{
	runtime_tag_settings(ctx, tag, header, size);
}

/* The path of a "unix:PATH" or "local:PATH" socket, else NULL. */
static const char *unix_path(const char *conn)
{
	if (strncmp(conn, "unix:", 5) == 0)
		return conn + 5;
	if (strncmp(conn, "local:", 6) == 0)
		return conn + 6;
	if (conn[0] == '/')
		return conn;
	return NULL;
}

/*
 * A socket file at path left by a process that is gone (kill -9, a crash)
 * is removed; one that a live process still listens on is not, and neither
 * is anything that is not a socket.  0 when path is free, else -1.
 */
static int remove_stale_socket(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc, err;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		msg_error("%s: %m", path);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		msg_error("%s exists and is not a socket; not removing it", path);
		return -1;
	}
	if (strlen(path) >= sizeof(sun.sun_path)) {
		msg_error("%s: path too long for a unix socket", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		msg_error("socket: %m");
		return -1;
	}
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	err = errno;
	close(fd);
	if (rc == 0) {
		msg_error("another process listens on %s; not taking it over", path);
		return -1;
	}
	if (err != ECONNREFUSED) {
		errno = err;
		msg_error("cannot tell whether %s is in use: %m", path);
		return -1;
	}
	if (unlink(path) < 0) {
		msg_error("cannot remove the stale socket %s: %m", path);
		return -1;
	}
	msg_info("removed the stale socket %s", path);
	return 0;
}

/* Give a unix socket its mode and group (and, as root, user as owner). */
static int socket_perms(const char *path, const char *user, const char *group, unsigned mode)
{
	struct passwd *pw = user && *user ? getpwnam(user) : NULL;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	struct stat st;

	if (group && *group) {
		struct group *gr = getgrnam(group);

		if (gr == NULL) {
			msg_error("milter_socket_group %s does not exist", group);
			return -1;
		}
		gid = gr->gr_gid;
	} else if (pw)
		gid = pw->pw_gid;
	if (pw && geteuid() == 0)
		uid = pw->pw_uid;
	if (stat(path, &st) < 0) {
		msg_error("%s: %m", path);
		return -1;
	}
	/* Only when something changes: a unit's seccomp filter may forbid chown. */
	if ((uid != (uid_t)-1 && uid != st.st_uid) || (gid != (gid_t)-1 && gid != st.st_gid)) {
		if (chown(path, uid, gid) < 0) {
			msg_error("cannot give %s to %s%s%s: %m", path, user ? user : "",
				  group && *group ? ":" : "", group ? group : "");
			return -1;
		}
	}
	if (chmod(path, (mode_t)mode) < 0) {
		msg_error("cannot set the mode of %s: %m", path);
		return -1;
	}
	return 0;
}

int milter_open(const char *conn, const char *user, const char *group, unsigned mode)
{
	const char *path = unix_path(conn);
	mode_t old_umask = 0;
	int rc;

	if (smfi_register(callbacks_desc) == MI_FAILURE) {
		msg_error("libmilter refused the registration");
		return -1;
	}
	if (path && remove_stale_socket(path) < 0)
		return -1;
	free(milter_conn);
	milter_conn = xstrdup(conn);
	rc = smfi_setconn(milter_conn);
	/* Created with the mode from the start (umask), not widened later. */
	if (path)
		old_umask = umask(0777 & ~(mode_t)mode);
	errno = 0;
	if (rc != MI_FAILURE)
		rc = smfi_opensocket(false);
	if (path)
		umask(old_umask);
	if (rc == MI_FAILURE) {
		if (errno)
			msg_error("cannot listen on %s: %m", conn);
		else
			msg_error("cannot listen on %s", conn);
		return -1;
	}
	if (path == NULL && milter_listener_nodelay() == 0)
		msg_warn("%s: cannot set TCP_NODELAY; a tag header may wait 40 ms per message",
			 conn);
	/* Postfix connects as its own user: the group (postfix is in it) may connect. */
	if (path && socket_perms(path, user, group, mode) < 0) {
		unlink(path);
		return -1;
	}
	return 0;
}

void milter_close(void)
{
	free(milter_conn);
	milter_conn = NULL;
}

int milter_run(struct runtime *rt)
{
	struct milter_host h = { .lock = host_lock,
				 .unlock = host_unlock,
				 .count_error = host_error,
				 .tag_settings = host_tag_settings,
				 .ctx = rt,
				 .count_session = host_session };
	char *dot;
	int rc;

	gethostname(h.hostname, sizeof(h.hostname) - 1);
	/* Like syslog's host field: the short name. */
	if ((dot = strchr(h.hostname, '.')) != NULL)
		*dot = 0;
	callbacks_bind(&h);
	rc = smfi_main() == MI_SUCCESS ? 0 : -1;
	milter_close();
	return rc;
}
