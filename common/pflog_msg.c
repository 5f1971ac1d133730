/*
 * pflog_msg - recognise the Postfix messages probewatch reads (see pflog_msg.h).
 *
 * Each recogniser walks a cursor over the message and either fills the
 * event or says "not mine".  Addresses are read with quotes honoured, so
 * a quoted local part holding '>' or ", relay=" cannot shift the fields
 * that follow it.
 */
#include "pflog_msg.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

struct cur {
	const char *p;
	const char *end;
};

/* A recogniser takes the line: clear the message fields. */
static void take(struct pflog_event *ev)
{
	memset(&ev->PFLOG_BODY_START, 0,
	       sizeof(*ev) - offsetof(struct pflog_event, PFLOG_BODY_START));
}

static size_t cur_left(const struct cur *c)
{
	return (size_t)(c->end - c->p);
}

/* Consume the literal if it is next. */
static int cur_litn(struct cur *c, const char *lit, size_t n)
{
	if (cur_left(c) < n || memcmp(c->p, lit, n) != 0)
		return 0;
	c->p += n;
	return 1;
}

#define cur_lit(c, lit) cur_litn(c, lit, sizeof(lit) - 1)

/* First occurrence of a literal; inlined so that the comparison has a constant size. */
static inline __attribute__((always_inline)) const char *find_litn(const char *p, const char *end,
								   const char *lit, size_t n)
{
	while ((size_t)(end - p) >= n) {
		const char *q = memchr(p, lit[0], (size_t)(end - p) - n + 1);

		if (q == NULL)
			return NULL;
		if (memcmp(q, lit, n) == 0)
			return q;
		p = q + 1;
	}
	return NULL;
}

#define find_bytes(p, end, lit) find_litn(p, end, lit, sizeof(lit) - 1)

static struct pf_str mkstr(const char *p, const char *end)
{
	struct pf_str s = { p, (size_t)(end - p) };

	return s;
}

/* Queue IDs: hex (short) or base 52 with 'z' (long), both alphanumeric. */
static const unsigned char qid_char[256] = {
	['0' ... '9'] = 1,
	['A' ... 'Z'] = 1,
	['a' ... 'z'] = 1,
};

int pflog_queue_id_valid(const char *p, size_t len)
{
	unsigned bad = 0;

	if (len < 5 || len > 32)
		return 0;
	for (size_t i = 0; i < len; i++)
		bad |= qid_char[(unsigned char)p[i]] ^ 1u;
	return bad == 0;
}

long pflog_address_end(const char *p, size_t len)
{
	const char *gt = memchr(p, '>', len);
	int quoted = 0;

	/* The common case: no quotes before the first '>'. */
	if (gt && memchr(p, '"', (size_t)(gt - p)) == NULL)
		return gt - p;

	for (size_t i = 0; i < len; i++) {
		if (quoted) {
			if (p[i] == '\\' && i + 1 < len)
				i++;
			else if (p[i] == '"')
				quoted = 0;
		} else if (p[i] == '"') {
			quoted = 1;
		} else if (p[i] == '>') {
			return (long)i;
		}
	}
	/* An unbalanced quote: fall back to the first '>'. */
	return gt ? gt - p : -1;
}

/* After '<': read an address and its '>'. */
static int cur_address(struct cur *c, struct pf_str *out)
{
	long n = pflog_address_end(c->p, cur_left(c));

	if (n < 0)
		return 0;
	*out = mkstr(c->p, c->p + n);
	c->p += n + 1;
	return 1;
}

static int cur_long(struct cur *c, long *out)
{
	long v = 0;
	const char *start = c->p;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9' && v < 1000000000000L)
		v = v * 10 + (*c->p++ - '0');
	*out = v;
	return c->p > start;
}

/* A value running to the next ", " or the end. */
static struct pf_str cur_value(struct cur *c)
{
	const char *q = c->p;

	while ((q = memchr(q, ',', (size_t)(c->end - q))) != NULL && q + 1 < c->end && q[1] != ' ')
		q++;
	if (q == NULL || q + 1 >= c->end)
		q = c->end;
	struct pf_str v = mkstr(c->p, q);

	c->p = q;
	return v;
}

/* "host[addr]" with an optional ":port"; the text is relay-like. */
static void parse_net_relay(struct pf_str v, struct pflog_relay *r)
{
	const char *lb = memchr(v.p, '[', v.len);
	const char *end = v.p + v.len, *rb;

	r->name = v;
	if (lb == NULL || (rb = memchr(lb, ']', (size_t)(end - lb))) == NULL) {
		r->kind = PFR_OTHER;
		return;
	}
	r->kind = PFR_NET;
	r->host = mkstr(v.p, lb);
	r->addr = mkstr(lb + 1, rb);
	if (rb + 1 < end && rb[1] == ':') {
		long port = 0;
		const char *q;

		for (q = rb + 2; q < end && *q >= '0' && *q <= '9' && port <= 65535; q++)
			port = port * 10 + (*q - '0');
		if (q == end && port > 0 && port <= 65535)
			r->port = (int)port;
	}
}

static void parse_relay(struct pf_str v, struct pflog_relay *r)
{
	if (PF_STR_EQ(v, "none")) {
		r->kind = PFR_NONE;
		r->name = v;
	} else if (PF_STR_EQ(v, "local")) {
		r->kind = PFR_LOCAL;
		r->name = v;
	} else {
		parse_net_relay(v, r);
	}
}

static enum pflog_status status_of(struct pf_str w)
{
	switch (w.len) {
	case 4:
		return PF_STR_EQ(w, "sent") ? PST_SENT : PST_OTHER;
	case 7:
		return PF_STR_EQ(w, "bounced")   ? PST_BOUNCED
		       : PF_STR_EQ(w, "expired") ? PST_EXPIRED
						 : PST_OTHER;
	case 8:
		return PF_STR_EQ(w, "deferred") ? PST_DEFERRED : PST_OTHER;
	case 11:
		return PF_STR_EQ(w, "deliverable") ? PST_DELIVERABLE : PST_OTHER;
	case 13:
		return PF_STR_EQ(w, "undeliverable") ? PST_UNDELIVERABLE : PST_OTHER;
	case 28:
		return PF_STR_EQ(w, "undeliverable-but-not-cached") ? PST_UNDELIVERABLE_NOT_CACHED
								    : PST_OTHER;
	default:
		return PST_OTHER;
	}
}

/* One "key=value" field of a probe's status line, before status=. */
static void parse_delivery_field(struct cur *c, struct pflog_event *ev)
{
	const char *k = c->p;
	struct pf_str key;

	while (c->p < c->end && c->p - k < 16 && ((*c->p >= 'a' && *c->p <= 'z') || *c->p == '_'))
		c->p++;
	key = mkstr(k, c->p);
	if (!cur_lit(c, "=")) {
		(void)cur_value(c);
		return;
	}
	if (PF_STR_EQ(key, "relay")) {
		parse_relay(cur_value(c), &ev->relay);
	} else if (PF_STR_EQ(key, "conn_use")) {
		long n;

		if (cur_long(c, &n))
			ev->conn_use = n > 1000000 ? 1000000 : (int)n;
		(void)cur_value(c);
	} else if (PF_STR_EQ(key, "dsn")) {
		ev->dsn = cur_value(c);
	} else {
		(void)cur_value(c);
	}
}

static int is_probe_status(enum pflog_status st)
{
	return st == PST_DELIVERABLE || st == PST_UNDELIVERABLE ||
	       st == PST_UNDELIVERABLE_NOT_CACHED;
}

/*
 * QID: to=<r>, [orig_to=<o>, ]relay=R, [conn_use=N, ]delay=..., dsn=D, status=S (reason)
 * The fields between the addresses and status= are Postfix's own, so the
 * first ", status=" after the addresses is the field.  They are read in
 * full for probe statuses; for real mail only conn_use is (the correlator
 * needs nothing else there, and this is the commonest line of a log).
 */
static int parse_delivery(struct cur *c, struct pflog_event *ev)
{
	const char *st;
	struct cur fields, r;

	take(ev);
	if (!cur_address(c, &ev->to))
		return 0;
	if (cur_lit(c, ", orig_to=<") && !cur_address(c, &ev->orig_to))
		return 0;
	if ((st = find_bytes(c->p, c->end, ", status=")) == NULL)
		return 0;
	fields.p = c->p;
	fields.end = st;
	r.p = st + 9;
	r.end = c->end;
	{
		const char *w = r.p;

		while (r.p < r.end && *r.p != ' ' && *r.p != ',')
			r.p++;
		ev->status_word = mkstr(w, r.p);
		ev->status = status_of(ev->status_word);
	}
	if (cur_lit(&r, " (")) {
		const char *e = r.end;

		if (e > r.p && e[-1] == ')')
			e--;
		ev->reason = mkstr(r.p, e);
	}
	if (is_probe_status(ev->status)) {
		while (cur_lit(&fields, ", "))
			parse_delivery_field(&fields, ev);
	} else if (cur_lit(&fields, ", relay=")) {
		/* conn_use, when logged, comes right after the relay. */
		long n;

		(void)cur_value(&fields);
		if (cur_lit(&fields, ", conn_use=") && cur_long(&fields, &n))
			ev->conn_use = n > 1000000 ? 1000000 : (int)n;
	}
	ev->kind = PFE_DELIVERY;
	return 1;
}

/* "H[A]" right at the cursor, ending at ']'. */
static int cur_host_addr(struct cur *c, struct pflog_relay *r)
{
	const char *lb = memchr(c->p, '[', cur_left(c));
	const char *sp = memchr(c->p, ' ', cur_left(c));
	const char *rb;

	if (lb == NULL || (sp && sp < lb))
		return 0;
	if ((rb = memchr(lb, ']', (size_t)(c->end - lb))) == NULL)
		return 0;
	r->kind = PFR_NET;
	r->name = mkstr(c->p, rb + 1);
	r->host = mkstr(c->p, lb);
	r->addr = mkstr(lb + 1, rb);
	c->p = rb + 1;
	return 1;
}

/* smtp's own intermediate lines, logged before it tries another host. */
static int parse_attempt(struct cur *c, struct pflog_event *ev)
{
	struct cur h = *c;

	take(ev);
	ev->reason = mkstr(c->p, c->end);
	if (cur_lit(&h, "lost connection with ") || cur_lit(&h, "conversation with ")) {
		if (!cur_host_addr(&h, &ev->relay))
			return 0;
	} else if (cur_lit(&h, "host ")) {
		if (!cur_host_addr(&h, &ev->relay) ||
		    (!cur_lit(&h, " said: ") && !cur_lit(&h, " refused to talk to me: ")))
			return 0;
	} else if (!cur_lit(&h, "Cannot start TLS: ")) {
		return 0;
	}
	ev->kind = PFE_ATTEMPT;
	return 1;
}

/*
 * The envelope tail of an smtpd reject, as smtpd_check.c's log_whatsup()
 * writes it after the reply text: ";" then " from=<SENDER>" (external
 * form), " to=<RCPT>" (none at MAIL), " proto=SMTP|ESMTP", " helo=<NAME>"
 * (neutered since Postfix 2.1: no space nor any of <>()\";@), and since
 * 3.10 " sasl_method=M sasl_username=U sasl_sender=S" when authenticated.
 * The reply text before it is the probe's reason, which the downstream
 * server partly wrote; the addresses are the client's.
 */

/* Postfix's external form: quotes balanced, no unquoted space, '<' or '\'. */
static long strict_address_end(const char *p, const char *end)
{
	int quoted = 0;

	for (const char *q = p; q < end; q++) {
		if (quoted) {
			if (*q == '\\') {
				if (++q == end)
					return -1;
			} else if (*q == '"') {
				quoted = 0;
			}
		} else if (*q == '"') {
			quoted = 1;
		} else if (*q == '>') {
			return q - p;
		} else if (*q == ' ' || *q == '<' || *q == '\\') {
			return -1;
		}
	}
	return -1;
}

static int cur_strict_address(struct cur *c, struct pf_str *out)
{
	long n = strict_address_end(c->p, c->end);

	if (n < 0)
		return 0;
	*out = mkstr(c->p, c->p + n);
	c->p += n + 1;
	return 1;
}

/* A run of bytes none of which is in stop (and at least min of them). */
static int cur_span(struct cur *c, const char *stop, size_t min, struct pf_str *out)
{
	const char *w = c->p;

	while (c->p < c->end && strchr(stop, *c->p) == NULL)
		c->p++;
	*out = mkstr(w, c->p);
	return out->len >= min;
}

/* Exactly what Postfix writes; 1 if the tail from p to the end is that. */
static int strict_reject_tail(const char *p, const char *end, struct pflog_event *ev)
{
	struct cur c = { p, end };
	struct pf_str skip;

	if (!cur_lit(&c, "; from=<") || !cur_strict_address(&c, &ev->from))
		return 0;
	if (cur_lit(&c, " to=<")) {
		if (!cur_strict_address(&c, &ev->to))
			return 0;
	} else if (!ev->reject_at_mail) {
		return 0;
	}
	if (cur_lit(&c, " proto=") && !cur_span(&c, " ", 1, &ev->proto))
		return 0;
	if (cur_lit(&c, " helo=<") &&
	    (!cur_span(&c, " <>()\\\";@", 0, &ev->helo) || !cur_lit(&c, ">")))
		return 0;
	if (cur_lit(&c, " sasl_method=") && !cur_span(&c, " ", 0, &skip))
		return 0;
	if (cur_lit(&c, " sasl_username=")) {
		/* Free text: up to a last " sasl_sender=" whose value (xtext) ends the line. */
		const char *s = NULL;

		for (const char *q = c.p; (q = find_bytes(q, c.end, " sasl_sender=")) != NULL; q++)
			s = q;
		c.p = s && memchr(s + 13, ' ', (size_t)(c.end - s - 13)) == NULL ? s : c.end;
	}
	if (cur_lit(&c, " sasl_sender=") && !cur_span(&c, " ", 0, &skip))
		return 0;
	return c.p == c.end;
}

/* The tail read leniently (a log not quite Postfix's): fields as they come, HELO to the end. */
static int loose_reject_tail(const char *p, const char *end, struct pflog_event *ev)
{
	struct cur c = { p, end };

	if (!cur_lit(&c, "; from=<") || !cur_address(&c, &ev->from))
		return 0;
	if (cur_lit(&c, " to=<")) {
		if (!cur_address(&c, &ev->to))
			return 0;
	} else if (!ev->reject_at_mail) {
		return 0;
	}
	if (cur_lit(&c, " proto=")) {
		const char *w = c.p;

		while (c.p < c.end && *c.p != ' ')
			c.p++;
		ev->proto = mkstr(w, c.p);
	}
	if (cur_lit(&c, " helo=<")) {
		if (c.end <= c.p || c.end[-1] != '>')
			return 0;
		ev->helo = mkstr(c.p, c.end - 1);
		c.p = c.end;
	}
	return c.p == c.end;
}

/*
 * The reply names the address in Postfix's internal form, the tail in
 * the external one: "john doe"@x is <john doe@x> in the reply.
 */
static int same_logged_address(struct pf_str logged, struct pf_str reply)
{
	size_t j = 0;
	int quoted = 0;

	if (logged.len == reply.len && memcmp(logged.p, reply.p, logged.len) == 0)
		return 1;
	for (size_t i = 0; i < logged.len; i++) {
		char ch = logged.p[i];

		if (ch == '"') {
			quoted = !quoted;
			continue;
		}
		if (quoted && ch == '\\' && i + 1 < logged.len)
			ch = logged.p[++i];
		if (j == reply.len || reply.p[j++] != ch)
			return 0;
	}
	return j == reply.len;
}

/* The last occurrence of a literal that starts before lim and fits before end. */
static const char *rfind_litn(const char *start, const char *lim, const char *end, const char *lit,
			      size_t n)
{
	size_t i;

	if ((size_t)(end - start) < n || lim <= start)
		return NULL;
	i = (size_t)(end - start) - n + 1; /* candidates start[0 .. i - 1] */
	if (i > (size_t)(lim - start))
		i = (size_t)(lim - start);
	while (i-- > 0)
		if (start[i] == lit[0] && memcmp(start + i, lit, n) == 0)
			return start + i;
	return NULL;
}

#define REJECT_TAIL_TRIES 32

/*
 * Split "REASON; from=<...> ..." at the tail Postfix appended: the last
 * "; from=<" after which the line is exactly Postfix's tail naming the
 * reply's address (to= for a recipient, from= for a sender).  A server's
 * text imitating the tail lies to the left of the real one and is never
 * reached; a client's quoted address holding "; from=<" is not valid
 * there (its quotes do not balance from inside).  A line that is not
 * quite Postfix's (a HELO with spaces) is read leniently from the right,
 * and a line without a clean tail is cut at its last "; from=<".
 */
static void split_reject_tail(const char *p, const char *end, struct pflog_event *ev)
{
	const char *q = end, *loose = NULL, *last = NULL;
	struct pflog_event tmp;

	/* Bounded: a line full of "; from=<" must not cost quadratic time. */
	for (int tries = 0;
	     tries < REJECT_TAIL_TRIES && (q = rfind_litn(p, q, end, "; from=<", 8)) != NULL;
	     tries++) {
		if (last == NULL)
			last = q;
		tmp = *ev;
		if (strict_reject_tail(q, end, &tmp) &&
		    same_logged_address(ev->sender_reject ? tmp.from : tmp.to, ev->rcpt)) {
			*ev = tmp;
			ev->reason = mkstr(p, q);
			return;
		}
		tmp = *ev;
		if (loose == NULL && loose_reject_tail(q, end, &tmp) &&
		    same_logged_address(ev->sender_reject ? tmp.from : tmp.to, ev->rcpt))
			loose = q;
	}
	if (loose == NULL && last == NULL) {
		ev->reason = mkstr(p, end);
		return;
	}
	ev->reason = mkstr(p, loose ? loose : last);
	(void)loose_reject_tail(loose ? loose : last, end, ev);
}

/*
 * [QID|NOQUEUE]: reject: RCPT from H[A]: 450 4.1.1 <r>: Recipient address rejected: ...
 * and the sender's: reject: RCPT|MAIL from H[A]: 450 4.1.7 <s>: Sender address rejected: ...
 * (MAIL only with smtpd_delay_reject = no and a 5xx verdict; its tail has no to=).
 */
static int parse_reject(struct cur *c, struct pflog_event *ev)
{
	const char *rb, *q;
	long code;

	if (cur_lit(c, "reject_warning: ")) {
		take(ev);
		ev->reject_warning = 1;
	} else if (cur_lit(c, "reject: ")) {
		take(ev);
	} else {
		return 0;
	}
	if (cur_lit(c, "MAIL from "))
		ev->reject_at_mail = 1;
	else if (!cur_lit(c, "RCPT from "))
		return 0;
	/* The client name is DNS-checked; its address ends at the first "]: ". */
	const char *lb = memchr(c->p, '[', cur_left(c));

	if (lb == NULL || (rb = find_bytes(lb, c->end, "]: ")) == NULL)
		return 0;
	ev->client_host = mkstr(c->p, lb);
	ev->client_addr = mkstr(lb + 1, rb);
	c->p = rb + 3;
	if (!cur_long(c, &code) || code < 200 || code > 599 || !cur_lit(c, " "))
		return 0;
	ev->code = (int)code;
	for (q = c->p; q < c->end && (isdigit((unsigned char)*q) || *q == '.'); q++)
		;
	ev->enhanced = mkstr(c->p, q);
	c->p = q;
	if (!cur_lit(c, " <") || !cur_address(c, &ev->rcpt))
		return 0;
	if (cur_lit(c, ": Sender address rejected: "))
		ev->sender_reject = 1;
	else if (ev->reject_at_mail || !cur_lit(c, ": Recipient address rejected: "))
		return 0;
	if (cur_lit(c, "undeliverable address: "))
		ev->undeliverable_wording = 1;
	else if (!cur_lit(c, "unverified address: "))
		return 0;
	split_reject_tail(c->p, c->end, ev);
	ev->kind = PFE_REJECT;
	return 1;
}

/* QID: from=<s>, size=N, nrcpt=N (queue active) */
static int parse_queue_active(struct cur *c, struct pflog_event *ev)
{
	take(ev);
	if (!cur_address(c, &ev->from) || !cur_lit(c, ", size=") || !cur_long(c, &ev->size) ||
	    !cur_lit(c, ", nrcpt=") || !cur_long(c, &ev->nrcpt) || !cur_lit(c, " (queue active)"))
		return 0;
	ev->kind = PFE_QUEUE_ACTIVE;
	return 1;
}

static int parse_discard(struct cur *c, struct pflog_event *ev)
{
	for (const char *q = c->p; q + 10 <= c->end; q++)
		if (strncasecmp(q, "PIPELINING", 10) == 0)
			ev->pipelining_discarded = 1;
	ev->kind = PFE_DISCARD_EHLO;
	return 1;
}

/* The queue ID and ": ", or NOQUEUE for smtpd: 5 to 32 alphanumerics. */
static int cur_queue_id(struct cur *c, struct pflog_event *ev)
{
	const char *q = c->p, *lim = cur_left(c) < 33 ? c->end : c->p + 33;
	size_t n;

	while (q < lim && qid_char[(unsigned char)*q])
		q++;
	n = (size_t)(q - c->p);
	if (n < 5 || n > 32 || q + 1 >= c->end || q[0] != ':' || q[1] != ' ')
		return 0;
	ev->queue_id = mkstr(c->p, q);
	c->p = q + 2;
	return 1;
}

int pflog_msg_parse(enum pflog_service svc, const char *msg, size_t len, struct pflog_event *ev)
{
	struct cur c = { msg, msg + len };

	if (svc == PFSVC_OTHER)
		return 0;
	if (svc == PFSVC_SMTP && cur_lit(&c, "discarding EHLO keywords: ")) {
		take(ev);
		return parse_discard(&c, ev);
	}
	if (!cur_queue_id(&c, ev))
		return 0;
	switch (svc) {
	case PFSVC_SMTP:
		if (cur_lit(&c, "to=<"))
			return parse_delivery(&c, ev);
		return parse_attempt(&c, ev);
	case PFSVC_DELIVERY:
		return cur_lit(&c, "to=<") && parse_delivery(&c, ev);
	case PFSVC_QMGR:
		if (cur_lit(&c, "from=<"))
			return parse_queue_active(&c, ev);
		if (cur_left(&c) == 7 && cur_lit(&c, "removed")) {
			ev->kind = PFE_REMOVED;
			return 1;
		}
		return cur_lit(&c, "to=<") && parse_delivery(&c, ev);
	case PFSVC_SMTPD:
		return parse_reject(&c, ev);
	case PFSVC_PICKUP:
		take(ev);
		if (cur_lit(&c, "uid=") && cur_long(&c, &ev->uid) && cur_lit(&c, " from=<") &&
		    cur_address(&c, &ev->from)) {
			ev->kind = PFE_PICKUP;
			return 1;
		}
		return 0;
	case PFSVC_BOUNCE:
		if (cur_lit(&c, "sender delivery status notification: ") &&
		    pflog_queue_id_valid(c.p, cur_left(&c))) {
			take(ev);
			ev->other_queue_id = mkstr(c.p, c.end);
			ev->kind = PFE_DSN_NOTICE;
			return 1;
		}
		return 0;
	default:
		return 0;
	}
}
