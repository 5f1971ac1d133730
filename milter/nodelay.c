/*
 * nodelay - TCP_NODELAY for libmilter's connections (see nodelay.h).
 */
#include "nodelay.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

int milter_listener_nodelay(void)
{
	long max = sysconf(_SC_OPEN_MAX);
	int set = 0;

	if (max < 0 || max > 4096)
		max = 4096;
	for (int fd = 0; fd < max; fd++) {
		int listening = 0, proto = 0, one = 1;
		socklen_t len = sizeof(listening);

		if (fcntl(fd, F_GETFD) < 0)
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 || !listening)
			continue;
		len = sizeof(proto);
		if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) < 0 ||
		    proto != IPPROTO_TCP)
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0)
			set++;
	}
	return set;
}
