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
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

int milter_open(const char *conn, const char *user)
{
	const char *path = unix_path(conn);
	int rc;

	if (smfi_register(callbacks_desc) == MI_FAILURE) {
		msg_error("libmilter refused the registration");
		return -1;
	}
	free(milter_conn);
	milter_conn = xstrdup(conn);
	rc = smfi_setconn(milter_conn);
	if (rc == MI_FAILURE || smfi_opensocket(true) == MI_FAILURE) {
		msg_error("cannot listen on %s%s%s", conn, errno ? ": " : "",
			  errno ? strerror(errno) : "");
		return -1;
	}
	if (path == NULL && milter_listener_nodelay() == 0)
		msg_warn("%s: cannot set TCP_NODELAY; a tag header may wait 40 ms per message",
			 conn);
	if (path && user && *user && geteuid() == 0) {
		struct passwd *pw = getpwnam(user);

		/* Postfix connects as its own user: give the socket to the group. */
		if (pw && (chown(path, pw->pw_uid, pw->pw_gid) < 0 || chmod(path, 0660) < 0))
			msg_warn("cannot hand %s to %s: %s", path, user, strerror(errno));
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
	struct milter_host h = { host_lock, host_unlock, host_error, host_tag_settings, rt, "" };
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
