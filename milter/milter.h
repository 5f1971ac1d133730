/*
 * milter - probewatch's libmilter side: registration and the socket.
 *
 * milter_open() registers the filter with libmilter and opens the
 * listening socket (as root, before the privilege drop).  A unix socket
 * is created with milter_socket_mode and given to milter_socket_group (or
 * user's group), owned by user when root; a stale socket file left by a
 * crash is removed first, one that a live process listens on is refused.
 * milter_run() binds the callbacks (callbacks.c) to the running daemon
 * and runs libmilter's loop.
 */
#ifndef PW_MILTER_H
#define PW_MILTER_H

#include "runtime.h"

/* 0, or -1 after reporting why. */
int milter_open(const char *conn, const char *user, const char *group, unsigned mode);
/* Run libmilter's loop until SIGTERM, SIGHUP or SIGINT; 0 on a clean stop.  Frees
 * what milter_open() kept. */
int milter_run(struct runtime *rt);
/* Free what milter_open() kept, when milter_run() will not be called. */
void milter_close(void);

#endif
