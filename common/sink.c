/*
 * sink - alert delivery with failure accounting (see sink.h).
 *
 * syslog(3) says nothing when its socket is gone, so the syslog sink
 * first checks that something listens on /dev/log (a connect(2) on a
 * datagram socket, cheap next to an alert); when nothing does, the alert
 * waits like any other failed one.
 */
#include "sink.h"
#include "diag.h"
#include "xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

enum sink_kind {
	SINK_SYSLOG,
	SINK_FILE,
	SINK_STDOUT,
};

struct pending {
	char *json;
	size_t len;
	size_t done; /* bytes of json + "\n" a short write already wrote */
	enum alert_severity sev;
};

struct sink {
	enum sink_kind kind;
	char *path; /* file sinks */
	int fd;
	struct sink_stats st;
	struct pending q[SINK_PENDING_MAX];
	size_t head, count;
	char last_error[128];
};

struct sinks {
	struct sink *v;
	size_t n;
	int cee;
	int facility; /* of syslog alerts */
};

static char syslog_socket[108] = "/dev/log";

void sinks_set_syslog_socket(const char *path)
{
	snprintf(syslog_socket, sizeof(syslog_socket), "%s", path);
}

static int syslog_alive(void)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ok;

	if (fd < 0)
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", syslog_socket);
	ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	if (!ok && errno == EPROTOTYPE) {
		/* a stream socket (some syslog daemons): try that */
		close(fd);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ok = fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

static int sink_open_file(struct sink *k)
{
	int fd = open(k->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	struct stat a, b;

	if (fd < 0) {
		diag_format(k->last_error, sizeof(k->last_error), "cannot open %s: %m", k->path);
		return -1;
	}
	if (k->fd >= 0) {
		/*
		 * A line half written to the old file is finished there only if
		 * this is the same file; a new file gets the whole line.
		 */
		if (k->count && k->q[k->head].done &&
		    !(fstat(k->fd, &a) == 0 && fstat(fd, &b) == 0 && a.st_dev == b.st_dev &&
		      a.st_ino == b.st_ino))
			k->q[k->head].done = 0;
		close(k->fd);
	}
	k->fd = fd;
	return 0;
}

struct sinks *sinks_create(const char *spec, const char *ident, int facility, int cee)
{
	struct sinks *s = xcalloc(1, sizeof(*s));
	char *copy = xstrdup(spec), *save = NULL;

	s->cee = cee;
	s->facility = facility;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct sink *k;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		for (char *e = tok + strlen(tok); e > tok && (e[-1] == ' ' || e[-1] == '\t');)
			*--e = 0;
		s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
		k = &s->v[s->n];
		memset(k, 0, sizeof(*k));
		k->fd = -1;
		if (strcmp(tok, "syslog") == 0) {
			/* diag owns openlog; each alert names its facility. */
			k->kind = SINK_SYSLOG;
			diag_syslog_ident(ident);
		} else if (strcmp(tok, "stdout") == 0) {
			k->kind = SINK_STDOUT;
			k->fd = 1;
		} else if (strncmp(tok, "file:/", 6) == 0) {
			k->kind = SINK_FILE;
			k->path = xstrdup(tok + 5);
			if (sink_open_file(k) < 0) {
				/* Counted and retried like any failed write. */
				k->st.failing = 1;
				msg_warn("alert sink file:%s: %s; alerts wait for it", k->path,
					 k->last_error);
			}
		} else {
			msg_error("alert_sinks: '%s' is not syslog, stdout or file:/PATH", tok);
			s->n++;
			sinks_free(s);
			free(copy);
			return NULL;
		}
		snprintf(k->st.name, sizeof(k->st.name), "%.63s", tok);
		s->n++;
	}
	free(copy);
	return s;
}

void sinks_free(struct sinks *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++) {
		struct sink *k = &s->v[i];

		while (k->count) {
			free(k->q[k->head].json);
			k->head = (k->head + 1) % SINK_PENDING_MAX;
			k->count--;
		}
		if (k->kind == SINK_FILE && k->fd >= 0)
			close(k->fd);
		free(k->path);
	}
	free(s->v);
	free(s);
}

static int severity_priority(enum alert_severity sev)
{
	return sev == SEV_CRITICAL ? LOG_CRIT : sev == SEV_WARNING ? LOG_WARNING : LOG_INFO;
}

/*
 * One write attempt; 0 on success.  *done counts the bytes of json and its
 * newline already written: a short write is resumed where it stopped, so
 * a file never gets a truncated line followed by the whole one again.
 */
static int sink_write(struct sinks *s, struct sink *k, const char *json, size_t len,
		      enum alert_severity sev, size_t *done)
{
	struct iovec iov[2];
	ssize_t w;
	int n;

	switch (k->kind) {
	case SINK_SYSLOG:
		if (!syslog_alive()) {
			snprintf(k->last_error, sizeof(k->last_error), "nothing listens on %s",
				 syslog_socket);
			return -1;
		}
		syslog(s->facility | severity_priority(sev), "%s%.*s", s->cee ? "@cee:" : "",
		       (int)len, json);
		return 0;
	case SINK_FILE:
		if (k->fd < 0 && sink_open_file(k) < 0)
			return -1;
		/* fall through */
	case SINK_STDOUT:
		while (*done < len + 1) {
			n = 0;
			if (*done < len) {
				iov[n].iov_base = (void *)(json + *done);
				iov[n++].iov_len = len - *done;
			}
			iov[n].iov_base = "\n";
			iov[n++].iov_len = 1;
			do
				w = writev(k->fd, iov, n);
			while (w < 0 && errno == EINTR);
			if (w <= 0) {
				diag_format(k->last_error, sizeof(k->last_error),
					    w < 0 ? "%m" : "nothing written");
				return -1;
			}
			*done += (size_t)w;
		}
		*done = 0;
		return 0;
	}
	return -1;
}

/* Say once that a sink fails; sinks_flush says when it works again. */
static void sink_failed(struct sink *k)
{
	if (!k->st.failing) {
		k->st.failing = 1;
		msg_warn("alert sink %s failing: %s; alerts wait and are retried", k->st.name,
			 k->last_error);
	}
}

static void sink_keep(struct sink *k, const char *json, size_t len, enum alert_severity sev,
		      size_t done)
{
	if (k->count == SINK_PENDING_MAX) {
		/* Full: the oldest goes, and is counted. */
		if (k->q[k->head].done) {
			/* Half written: it stays to finish its line; the next one goes. */
			size_t second = (k->head + 1) % SINK_PENDING_MAX;

			free(k->q[second].json);
			k->q[second] = k->q[k->head];
		} else {
			free(k->q[k->head].json);
		}
		k->head = (k->head + 1) % SINK_PENDING_MAX;
		k->count--;
		if (k->st.dropped++ == 0)
			msg_error("alert sink %s: %d alerts waiting, dropping the oldest",
				  k->st.name, SINK_PENDING_MAX);
	}
	struct pending *p = &k->q[(k->head + k->count) % SINK_PENDING_MAX];

	p->json = xmemdup(json, len);
	p->len = len;
	p->done = done;
	p->sev = sev;
	k->count++;
}

/* Send what waits, in order; 0 when nothing waits any more. */
static int sink_flush(struct sinks *s, struct sink *k)
{
	while (k->count) {
		struct pending *p = &k->q[k->head];

		if (sink_write(s, k, p->json, p->len, p->sev, &p->done) < 0) {
			sink_failed(k);
			return -1;
		}
		free(p->json);
		k->head = (k->head + 1) % SINK_PENDING_MAX;
		k->count--;
		k->st.delivered++;
	}
	if (k->st.failing) {
		k->st.failing = 0;
		msg_info("alert sink %s delivering again (%lu alerts dropped while it failed)",
			 k->st.name, k->st.dropped);
	}
	return 0;
}

void sinks_deliver(struct sinks *s, const char *json, size_t len, enum alert_severity sev)
{
	for (size_t i = 0; i < s->n; i++) {
		struct sink *k = &s->v[i];

		size_t done = 0;

		if (k->count && sink_flush(s, k) < 0) {
			sink_keep(k, json, len, sev, 0);
			k->st.failed++;
			continue;
		}
		if (sink_write(s, k, json, len, sev, &done) == 0) {
			k->st.delivered++;
			if (k->st.failing)
				sink_flush(s, k);
		} else {
			k->st.failed++;
			sink_failed(k);
			sink_keep(k, json, len, sev, done);
		}
	}
}

size_t sinks_retry(struct sinks *s)
{
	size_t waiting = 0;

	for (size_t i = 0; i < s->n; i++) {
		struct sink *k = &s->v[i];

		if (k->count)
			sink_flush(s, k);
		waiting += k->count;
	}
	return waiting;
}

void sinks_reopen(struct sinks *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].kind == SINK_FILE && sink_open_file(&s->v[i]) < 0)
			sink_failed(&s->v[i]);
		else if (s->v[i].kind == SINK_FILE && s->v[i].count)
			sink_flush(s, &s->v[i]);
}

size_t sinks_stats(const struct sinks *s, struct sink_stats *out, size_t max)
{
	size_t n = s->n < max ? s->n : max;

	for (size_t i = 0; i < n; i++) {
		out[i] = s->v[i].st;
		out[i].pending = s->v[i].count;
	}
	return n;
}
