/*
 * nodelay - TCP_NODELAY on libmilter's listening socket.
 *
 * libmilter sets no TCP_NODELAY, and without it a header added at end of
 * message waits behind Nagle: libmilter writes the header and the final
 * reply as two packets, and Postfix acknowledges the first only with its
 * delayed ACK, 40 ms later.  libmilter does not hand out its socket, so
 * milter_listener_nodelay() sets the option on every listening TCP socket
 * of the process (call it right after smfi_opensocket, before any other
 * listener exists); Linux passes it on to each accepted connection.  It
 * returns how many sockets it set.  Used by probewatch and by the
 * benchmark's minimal filter (tests/bench/benchmilter.c).
 */
#ifndef PW_NODELAY_H
#define PW_NODELAY_H

int milter_listener_nodelay(void);

#endif
