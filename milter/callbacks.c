/*
 * callbacks - the libmilter callbacks (see callbacks.h).
 *
 * Per-connection state lives behind smfi_getpriv and is freed in one
 * place, the close callback.  The engine is asked only through its
 * milter side (engine.h), which never waits behind the log thread and
 * never ends the program for want of memory: a callback that finds no
 * memory counts it, says so (at most once a minute) and lets the mail
 * through.  Everything copied from the client is bounded.
 */
#include "callbacks.h"
#include "seam.h"

#include "diag.h"
#include "xmem.h"

#include <arpa/inet.h>
#include <stdatomic.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#define RCPT_MAX  1000
#define FIELD_MAX PW_ADDR_MAX

struct srcpt {
	char *addr;
	int rejected;
};

struct session {
	int broken; /* a fault of ours: stay out of the way */
	int tag;
	char tag_header[80];
	char client_name[PW_HOST_MAX + 1], client_addr[PW_IP_MAX], helo[PW_HOST_MAX + 1];
	char daemon_name[PW_SERVICE_MAX], queue_id[PW_QUEUE_ID_MAX];
	char *from;
	struct srcpt *rcpt;
	size_t nrcpt;
	int forged; /* incoming headers named tag_header */
};

static struct milter_host host;

void callbacks_bind(const struct milter_host *h)
{
	host = *h;
}

static void session_reset_message(struct session *s)
{
	for (size_t i = 0; i < s->nrcpt; i++)
		free(s->rcpt[i].addr);
	free(s->rcpt);
	free(s->from);
	s->rcpt = NULL;
	s->nrcpt = 0;
	s->from = NULL;
	s->forged = 0;
	s->queue_id[0] = 0;
}

/* No memory for what the engine should be told: count it, say so at most once a minute. */
static void memory_fault(const char *what)
{
	static atomic_long last_said;
	static atomic_ulong unsaid;
	time_t now = time(NULL), last = atomic_load(&last_said);

	if (host.count_error)
		host.count_error(host.ctx);
	if (now - last < 60 || !atomic_compare_exchange_strong(&last_said, &last, now)) {
		atomic_fetch_add(&unsaid, 1);
		return;
	}
	unsigned long more = atomic_exchange(&unsaid, 0);

	if (more)
		msg_warn("milter: %s dropped (no memory, or too many waiting; %lu more since the "
			 "last warning); the log's line alone reports it",
			 what, more);
	else
		msg_warn("milter: %s dropped (no memory, or too many waiting); the log's line "
			 "alone reports it",
			 what);
}

/* A fault of ours: count it, and let the message through untouched. */
static sfsistat session_fault(struct session *s)
{
	if (s)
		s->broken = 1;
	if (host.count_error)
		host.count_error(host.ctx);
	return SMFIS_ACCEPT;
}

static struct session *session_get(SMFICTX *ctx)
{
	struct session *s = milter_seam.getpriv(ctx);

	if (s == NULL) {
		s = xtry_calloc(1, sizeof(*s));
		if (s == NULL)
			return NULL;
		if (milter_seam.setpriv(ctx, s) != MI_SUCCESS) {
			free(s);
			return NULL;
		}
	}
	return s;
}

/* Copy a macro or argument, cut to size; "" when absent. */
static void copy_field(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static const char *macro(SMFICTX *ctx, const char *name)
{
	return milter_seam.getsymval(ctx, (char *)name);
}

/* "<a@b>" -> "a@b" */
static char *strip_angle(const char *arg)
{
	size_t n;

	if (arg == NULL)
		return xtry_strndup("", 1);
	if (*arg == '<')
		arg++;
	n = strnlen(arg, FIELD_MAX);
	if (n && arg[n - 1] == '>')
		n--;
	return xtry_strndup(arg, n);
}

static sfsistat cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
			     unsigned long f3, unsigned long *pf0, unsigned long *pf1,
			     unsigned long *pf2, unsigned long *pf3)
{
	struct session *s = session_get(ctx);
	/*
	 * Every step we take is answered: no SMFIP_NR_*.  Over TCP an
	 * unanswered packet leaves Postfix's next one behind Nagle until our
	 * delayed ACK, 40 ms per message (measured, tests/bench/milter); the
	 * replies cost nothing measurable.
	 */
	unsigned long want = SMFIP_RCPT_REJ | SMFIP_NOBODY | SMFIP_NOUNKNOWN | SMFIP_NOEOH;

	(void)f2;
	(void)f3;
	*pf2 = *pf3 = 0;
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS);
	if (s == NULL) {
		/* No memory for a session: ask for nothing, change nothing. */
		session_fault(NULL);
		*pf0 = 0;
		*pf1 = f1 & (SMFIP_NOBODY | SMFIP_NOUNKNOWN | SMFIP_NOEOH | SMFIP_NOHDRS);
		return SMFIS_CONTINUE;
	}
	if (host.count_session)
		host.count_session(host.ctx);
	host.tag_settings(host.ctx, &s->tag, s->tag_header, sizeof(s->tag_header));
	/*
	 * Headers, to find a forged tag: one the client sent is removed with
	 * tagging off too (an operator who stops tagging still wants no
	 * forgery through), and after a fault of ours.
	 */
	*pf1 = f1 & want;
	/* Postfix talks to us: from now on a reject's two halves are joined. */
	engine_join_milter(host.engine, MILTER_JOIN_GRACE);
	return SMFIS_CONTINUE;
}

static sfsistat cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	struct session *s = session_get(ctx);

	if (s == NULL)
		return session_fault(NULL);
	copy_field(s->client_name, sizeof(s->client_name), hostname);
	s->client_addr[0] = 0;
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)sa)->sin_addr, s->client_addr,
			  sizeof(s->client_addr));
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)sa)->sin6_addr, s->client_addr,
			  sizeof(s->client_addr));
	copy_field(s->daemon_name, sizeof(s->daemon_name), macro(ctx, "{daemon_name}"));
	return SMFIS_CONTINUE;
}

static sfsistat cb_helo(SMFICTX *ctx, char *helo)
{
	struct session *s = milter_seam.getpriv(ctx);

	if (s && !s->broken)
		copy_field(s->helo, sizeof(s->helo), helo);
	return SMFIS_CONTINUE;
}

static sfsistat cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct session *s = milter_seam.getpriv(ctx);

	if (s == NULL)
		return SMFIS_CONTINUE;
	s->forged = 0; /* counted per message, faults or not */
	if (s->broken)
		return SMFIS_CONTINUE;
	session_reset_message(s);
	if ((s->from = strip_angle(argv ? argv[0] : NULL)) == NULL)
		session_fault(s);
	return SMFIS_CONTINUE;
}

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * The reason after "Recipient|Sender address rejected: unverified|undeliverable
 * address: ", or NULL when the refusal is not about address verification.
 */
static const char *verify_reason(const char *text, int *sender)
{
	static const char *const whose[] = { "Recipient address rejected: ",
					     "Sender address rejected: " };

	for (int i = 0; i < 2; i++) {
		if (!starts(text, whose[i]))
			continue;
		text += strlen(whose[i]);
		*sender = i == 1;
		if (starts(text, "unverified address: "))
			return text + sizeof("unverified address: ") - 1;
		if (starts(text, "undeliverable address: "))
			return text + sizeof("undeliverable address: ") - 1;
		return NULL;
	}
	return NULL;
}

/*
 * A refused RCPT: tell the engine when it is about address verification.
 * Postfix says which address failed in {rcpt_addr}: a refused sender
 * (reject_unverified_sender, evaluated at RCPT) arrives here too.
 */
static void rejected_rcpt(SMFICTX *ctx, struct session *s, const char *rcpt)
{
	const char *text = macro(ctx, "{rcpt_addr}"), *reason;
	const char *enhanced = macro(ctx, "{rcpt_host}");
	struct reject_info r;
	int sender = 0;

	if (text == NULL || (reason = verify_reason(text, &sender)) == NULL)
		return;
	memset(&r, 0, sizeof(r));
	r.sender = sender;
	pftime_now(&r.when);
	r.host.p = host.hostname;
	r.host.len = strlen(host.hostname);
	reject_set(&r.queue_id, s->queue_id[0] ? s->queue_id : "NOQUEUE");
	reject_set(&r.client_host, s->client_name);
	reject_set(&r.client_addr, s->client_addr);
	reject_set(&r.helo, s->helo);
	reject_set(&r.from, s->from);
	reject_set(&r.rcpt, rcpt);
	reject_set(&r.enhanced, enhanced);
	reject_set(&r.reason, reason);
	reject_set(&r.daemon_name, s->daemon_name);
	if (engine_milter_reject(host.engine, &r) < 0)
		memory_fault("a rejected RCPT");
}

static sfsistat cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct session *s = milter_seam.getpriv(ctx);
	const char *mailer, *qid;
	struct srcpt *grown;
	char *rcpt;

	if (s == NULL || s->broken)
		return SMFIS_ACCEPT;
	if ((qid = macro(ctx, "i")) != NULL)
		copy_field(s->queue_id, sizeof(s->queue_id), qid);
	if ((rcpt = strip_angle(argv ? argv[0] : NULL)) == NULL)
		return session_fault(s);
	mailer = macro(ctx, "{rcpt_mailer}");
	if (mailer && strcmp(mailer, "error") == 0)
		rejected_rcpt(ctx, s, rcpt);
	if (s->nrcpt == RCPT_MAX) {
		free(rcpt);
		return SMFIS_CONTINUE;
	}
	grown = realloc(s->rcpt, (s->nrcpt + 1) * sizeof(*s->rcpt));
	if (grown == NULL) {
		free(rcpt);
		return session_fault(s);
	}
	s->rcpt = grown;
	s->rcpt[s->nrcpt].addr = rcpt;
	s->rcpt[s->nrcpt].rejected = mailer && strcmp(mailer, "error") == 0;
	s->nrcpt++;
	return SMFIS_CONTINUE;
}

/* Answered, though there is nothing to do: see cb_negotiate. */
static sfsistat cb_data(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct session *s = milter_seam.getpriv(ctx);

	(void)value;
	if (s && name && strcasecmp(name, s->tag_header) == 0)
		s->forged++;
	return SMFIS_CONTINUE;
}

/*
 * "addr class/stage via host[ip]; probe=QID" for each accepted recipient
 * whose probe failed, after "sender addr ..." when the sender's did
 * (warn_if_reject reject_unverified_sender, a stale cache).
 */
static size_t tag_value(struct session *s, char *out, size_t size)
{
	size_t at = 0, shown = 0, more = 0;
	char one[700];

	out[0] = 0;
	if (s->from && s->from[0] &&
	    (at = engine_tag_entry(host.engine, "sender ", s->from, out, size - 40)) != 0)
		shown++;
	for (size_t i = 0; i < s->nrcpt; i++) {
		size_t n;

		if (s->rcpt[i].rejected ||
		    (n = engine_tag_entry(host.engine, "", s->rcpt[i].addr, one, sizeof(one))) == 0)
			continue;
		if (at + n + 2 >= size - 40) {
			more++;
			continue;
		}
		if (shown++)
			at = engine_tag_append(out, at, size, ", ");
		at = engine_tag_append(out, at, size, one);
	}
	if (more) {
		char tail[40];

		snprintf(tail, sizeof(tail), ", and %zu more", more);
		at = engine_tag_append(out, at, size, tail);
	}
	return shown ? at : 0;
}

static sfsistat cb_eom(SMFICTX *ctx)
{
	struct session *s = milter_seam.getpriv(ctx);
	char value[MILTER_TAG_MAX];

	if (s == NULL)
		return SMFIS_ACCEPT;
	/* A tag the client sent is not ours: remove every copy (last first), always. */
	for (int i = s->forged; i > 0; i--)
		if (milter_seam.chgheader(ctx, s->tag_header, i, NULL) != MI_SUCCESS) {
			session_fault(s);
			break;
		}
	s->forged = 0;
	if (s->broken)
		return SMFIS_ACCEPT;
	if (s->tag && tag_value(s, value, sizeof(value)) &&
	    milter_seam.addheader(ctx, s->tag_header, value) != MI_SUCCESS)
		session_fault(s);
	session_reset_message(s);
	return SMFIS_CONTINUE;
}

static sfsistat cb_abort(SMFICTX *ctx)
{
	struct session *s = milter_seam.getpriv(ctx);

	if (s)
		session_reset_message(s);
	return SMFIS_CONTINUE;
}

static sfsistat cb_close(SMFICTX *ctx)
{
	struct session *s = milter_seam.getpriv(ctx);

	if (s) {
		session_reset_message(s);
		free(s);
		milter_seam.setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

struct smfiDesc callbacks_desc = {
	.xxfi_name = "probewatch",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS,
	.xxfi_connect = cb_connect,
	.xxfi_helo = cb_helo,
	.xxfi_envfrom = cb_envfrom,
	.xxfi_envrcpt = cb_envrcpt,
	.xxfi_header = cb_header,
	.xxfi_eom = cb_eom,
	.xxfi_abort = cb_abort,
	.xxfi_close = cb_close,
	.xxfi_data = cb_data,
	.xxfi_negotiate = cb_negotiate,
};
