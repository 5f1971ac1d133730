/*
 * httpd - GET /metrics over libmicrohttpd (see httpd.h).
 */
#include "httpd.h"
#include "config.h"
#include "diag.h"
#include "xmem.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define CONNECTIONS_MAX 8
#define TIMEOUT_S       5
#define MEMORY_MAX      16384 /* per connection: the request line and headers must fit */

struct metrics_httpd {
	struct MHD_Daemon *d;
	metrics_render_fn render;
	void *ctx;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, char *body, size_t len,
			     enum MHD_ResponseMemoryMode mode, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result rc;

	if (r == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *data_size, void **state)
{
	static const char not_found[] = "not found: try GET /metrics\n";
	struct metrics_httpd *h = cls;
	static int first_call;
	size_t len;
	char *text;

	(void)version;
	(void)data;
	/* The first call is for the headers; a body, if any, is not read. */
	if (*state == NULL) {
		*state = &first_call;
		return MHD_YES;
	}
	if (*data_size) {
		*data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 || strcmp(url, "/metrics") != 0)
		return reply(conn, MHD_HTTP_NOT_FOUND, (char *)not_found, sizeof(not_found) - 1,
			     MHD_RESPMEM_PERSISTENT, "text/plain; charset=utf-8");
	text = h->render(h->ctx, &len);
	return reply(conn, MHD_HTTP_OK, text, len, MHD_RESPMEM_MUST_FREE,
		     "text/plain; version=0.0.4; charset=utf-8");
}

struct metrics_httpd *metrics_httpd_start(const char *listen, metrics_render_fn render, void *ctx)
{
	struct sockaddr_storage ss;
	struct metrics_httpd *h;
	char addr[64];
	int port;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	memset(&ss, 0, sizeof(ss));
	if (config_listen_split(listen, addr, sizeof(addr), &port) < 0) {
		msg_error("metrics_listen: '%s' is not ADDRESS:PORT", listen);
		return NULL;
	}
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
		flags |= MHD_USE_IPv6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)port);
		inet_pton(AF_INET, addr, &s4->sin_addr);
	}
	h = xcalloc(1, sizeof(*h));
	h->render = render;
	h->ctx = ctx;
	h->d = MHD_start_daemon(
		flags, (unsigned short)port, NULL, NULL, handle, h, MHD_OPTION_SOCK_ADDR,
		(struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTIONS_MAX,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)CONNECTIONS_MAX,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MEMORY_MAX, MHD_OPTION_END);
	if (h->d == NULL) {
		if (errno)
			msg_error("metrics_listen: cannot listen on %s: %m", listen);
		else
			msg_error("metrics_listen: cannot listen on %s: libmicrohttpd refused",
				  listen);
		free(h);
		return NULL;
	}
	return h;
}

void metrics_httpd_stop(struct metrics_httpd *h)
{
	if (h == NULL)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}
