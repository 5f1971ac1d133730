/*
 * milter - probewatch's libmilter side: registration and the socket.
 *
 * milter_open() registers the filter with libmilter and opens the
 * listening socket (as root, before the privilege drop); a unix socket
 * is then given to the daemon's user so that it stays usable after the
 * drop.  milter_run() binds the callbacks (callbacks.c) to the running
 * daemon and runs libmilter's loop.
 */
#ifndef PW_MILTER_H
#define PW_MILTER_H

#include "runtime.h"

/* 0, or -1 after reporting why. */
int milter_open(const char *conn, const char *user);
/* Run libmilter's loop until SIGTERM, SIGHUP or SIGINT; 0 on a clean stop.  Frees
 * what milter_open() kept. */
int milter_run(struct runtime *rt);
/* Free what milter_open() kept, when milter_run() will not be called. */
void milter_close(void);

#endif
