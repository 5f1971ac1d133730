/*
 * autocheck - pipecheck on suspicion, in its own thread (see autocheck.h).
 */
#include "autocheck.h"
#include "pftime.h"
#include "pipecheck.h"
#include "remedy.h"
#include "xmem.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RECENT_MAX     256 /* servers whose last check is remembered */
#define TRANSCRIPT_MAX 16  /* steps of the pipelined dialogue in the alert */

struct request {
	char mta[256], host[256], addr[64], rcpt[321];
	int port;
};

struct recent {
	char key[280]; /* addr:port, or host:port */
	time_t at;
};

struct autocheck {
	autocheck_deliver_fn deliver;
	void *ctx;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	int started, stopping, enabled;
	long interval;
	struct request q[AUTOCHECK_QUEUE_MAX];
	size_t head, len;
	unsigned long dropped;
	struct recent recent[RECENT_MAX];
};

/* The string member key of o into out ("" when absent). */
static void member(json_t *o, const char *key, char *out, size_t size)
{
	const char *s = json_string_value(json_object_get(o, key));

	snprintf(out, size, "%s", s ? s : "");
}

/* Was this server checked within the interval?  If not, note it now. */
static int recently_checked(struct autocheck *ac, const struct request *r, time_t now)
{
	char key[280];
	size_t oldest = 0;

	snprintf(key, sizeof(key), "%s:%d", r->addr[0] ? r->addr : r->host, r->port);
	for (size_t i = 0; i < RECENT_MAX; i++) {
		if (strcmp(ac->recent[i].key, key) == 0) {
			if (now - ac->recent[i].at < ac->interval)
				return 1;
			ac->recent[i].at = now;
			return 0;
		}
		if (ac->recent[i].at < ac->recent[oldest].at)
			oldest = i;
	}
	snprintf(ac->recent[oldest].key, sizeof(ac->recent[oldest].key), "%s", key);
	ac->recent[oldest].at = now;
	return 0;
}

void autocheck_suspected(struct autocheck *ac, const char *json, size_t len)
{
	json_t *o, *rcpts;
	struct request r;
	time_t now = time(NULL);

	pthread_mutex_lock(&ac->lock);
	if (!ac->enabled || ac->stopping) {
		pthread_mutex_unlock(&ac->lock);
		return;
	}
	pthread_mutex_unlock(&ac->lock);
	if ((o = json_loadb(json, len, 0, NULL)) == NULL)
		return;
	memset(&r, 0, sizeof(r));
	member(o, "host", r.mta, sizeof(r.mta));
	member(o, "postfix_relay_hostname", r.host, sizeof(r.host));
	member(o, "postfix_relay_ip", r.addr, sizeof(r.addr));
	r.port = (int)json_integer_value(json_object_get(o, "postfix_relay_port"));
	if (r.port <= 0 || r.port > 65535)
		r.port = 25;
	rcpts = json_object_get(o, "recipients");
	if (json_string_value(json_array_get(rcpts, 0)) != NULL)
		snprintf(r.rcpt, sizeof(r.rcpt), "%s", json_string_value(json_array_get(rcpts, 0)));
	else
		snprintf(r.rcpt, sizeof(r.rcpt), "postmaster");
	json_decref(o);
	if (r.host[0] == 0 && r.addr[0] == 0)
		return;
	pthread_mutex_lock(&ac->lock);
	if (!recently_checked(ac, &r, now)) {
		if (ac->len == AUTOCHECK_QUEUE_MAX) {
			ac->dropped++;
		} else {
			ac->q[(ac->head + ac->len) % AUTOCHECK_QUEUE_MAX] = r;
			ac->len++;
			pthread_cond_signal(&ac->wake);
		}
	}
	pthread_mutex_unlock(&ac->lock);
}

/* An SMTP argument we would send: no spaces, brackets or line breaks. */
static int plain(const char *s)
{
	return *s && strpbrk(s, " <>\r\n\t") == NULL;
}

static void run_check(struct autocheck *ac, const struct request *r)
{
	struct pipecheck_opts o = { .host = r->addr[0] ? r->addr : r->host,
				    .port = r->port,
				    .from = "",
				    .rcpt = plain(r->rcpt) ? r->rcpt : "postmaster",
				    .timeout = AUTOCHECK_TIMEOUT };
	char helo[256] = "localhost";
	struct pipecheck_result *res;
	const char *steps[TRANSCRIPT_MAX];
	size_t lens[TRANSCRIPT_MAX], n = 0;
	char lines[TRANSCRIPT_MAX][520];
	struct pftime when;
	struct alert *a;
	char *json;
	size_t len;
	int confirmed;

	if (gethostname(helo, sizeof(helo) - 1) < 0 || !plain(helo))
		snprintf(helo, sizeof(helo), "localhost");
	o.helo = helo;
	res = pipecheck_run(&o);
	confirmed = res->verdict == PV_PIPELINING_BROKEN;
	pftime_now(&when);
	a = alert_new(confirmed ? "pipelining_confirmed" : "pipelining_not_confirmed",
		      confirmed ? SEV_CRITICAL : SEV_WARNING, &when, r->mta, strlen(r->mta));
	alert_text(a, "postfix_relay_hostname", r->host, strlen(r->host), 0);
	if (r->addr[0])
		alert_text(a, "postfix_relay_ip", r->addr, strlen(r->addr), 0);
	alert_int(a, "postfix_relay_port", r->port, 0);
	alert_text(a, "postfix_to", o.rcpt, strlen(o.rcpt), 0);
	alert_const(a, "verdict", pipecheck_verdict_name(res->verdict), 0);
	alert_const(a, "pipelined", pipecheck_batch_name(res->pipelined.batch), 0);
	alert_bool(a, "pipelining_announced", res->pipelining, 0);
	alert_text(a, "reason", res->reason, strlen(res->reason), 1);
	if (confirmed) {
		char text[1024];

		remedy_pipelining_short(text, sizeof(text), res->peer, strlen(res->peer));
		alert_const(a, "remediation", text, 2);
	}
	for (int i = 0; i < res->pipelined.nsteps && n < TRANSCRIPT_MAX; i++) {
		const struct pipecheck_step *s = &res->pipelined.step[i];
		int k = snprintf(lines[n], sizeof(lines[n]), "%.1f %s %s", s->t * 1000,
				 s->dir == '>'   ? ">"
				 : s->dir == '<' ? "<"
						 : "*",
				 s->text);

		steps[n] = lines[n];
		lens[n] = k < 0                          ? 0
			  : (size_t)k < sizeof(lines[n]) ? (size_t)k
							 : sizeof(lines[n]) - 1;
		n++;
	}
	alert_text_array(a, "transcript", steps, lens, n, 3);
	json = alert_render(a, &len);
	ac->deliver(ac->ctx, json, len, alert_severity(a));
	alert_free(a);
	pipecheck_free(res);
}

static void *worker(void *arg)
{
	struct autocheck *ac = arg;

	pthread_mutex_lock(&ac->lock);
	for (;;) {
		struct request r;

		while (ac->len == 0 && !ac->stopping)
			pthread_cond_wait(&ac->wake, &ac->lock);
		if (ac->stopping)
			break;
		r = ac->q[ac->head];
		ac->head = (ac->head + 1) % AUTOCHECK_QUEUE_MAX;
		ac->len--;
		pthread_mutex_unlock(&ac->lock);
		run_check(ac, &r);
		pthread_mutex_lock(&ac->lock);
	}
	pthread_mutex_unlock(&ac->lock);
	return NULL;
}

struct autocheck *autocheck_create(autocheck_deliver_fn deliver, void *ctx)
{
	struct autocheck *ac = xcalloc(1, sizeof(*ac));

	ac->deliver = deliver;
	ac->ctx = ctx;
	ac->interval = 3600;
	pthread_mutex_init(&ac->lock, NULL);
	pthread_cond_init(&ac->wake, NULL);
	if (pthread_create(&ac->thread, NULL, worker, ac) == 0)
		ac->started = 1;
	return ac;
}

void autocheck_configure(struct autocheck *ac, int enabled, long interval)
{
	pthread_mutex_lock(&ac->lock);
	ac->enabled = enabled && ac->started;
	ac->interval = interval;
	pthread_mutex_unlock(&ac->lock);
}

unsigned long autocheck_dropped(const struct autocheck *ac)
{
	return ac->dropped;
}

void autocheck_free(struct autocheck *ac)
{
	if (ac == NULL)
		return;
	pthread_mutex_lock(&ac->lock);
	ac->stopping = 1;
	pthread_cond_signal(&ac->wake);
	pthread_mutex_unlock(&ac->lock);
	if (ac->started)
		pthread_join(ac->thread, NULL);
	pthread_mutex_destroy(&ac->lock);
	pthread_cond_destroy(&ac->wake);
	free(ac);
}
