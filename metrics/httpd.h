/*
 * httpd - the daemon's Prometheus endpoint, with libmicrohttpd.
 *
 * metrics_httpd_start() listens on ADDRESS:PORT (metrics_listen: an IPv4
 * or [IPv6] literal) in libmicrohttpd's own thread, never a milter or log
 * thread, and answers GET /metrics with the text that 'render' returns
 * (the caller's; freed here), anything else with 404.  Requests are
 * bounded: a few kilobytes of headers, a few connections at once, 5
 * seconds each.  Start it after the privilege drop.  NULL (said) when it
 * cannot listen.
 */
#ifndef PW_HTTPD_H
#define PW_HTTPD_H

#include <stddef.h>

typedef char *(*metrics_render_fn)(void *ctx, size_t *len);

struct metrics_httpd;

struct metrics_httpd *metrics_httpd_start(const char *listen, metrics_render_fn render, void *ctx);
void metrics_httpd_stop(struct metrics_httpd *h);

#endif
