/*
 * classify - failure class and SMTP stage from Postfix's reason text.
 *
 * The texts come from Postfix's smtp_proto.c, smtp_connect.c,
 * smtp_trouble.c, smtp_addr.c, local(8) and verify(8):
 *   lost connection with H[A] while STATE
 *   conversation with H[A] timed out while STATE
 *   host H[A] said: CODE TEXT (in reply to COMMAND)
 *   host H[A] refused to talk to me: CODE TEXT
 *   connect to H[A]:P: ERRNO TEXT
 *   Host or domain name not found. Name service error for name=N type=T: ...
 *   Cannot start TLS: handshake failure / TLS is required, but ...
 *   delivery temporarily suspended: REASON
 * where STATE is e.g. "receiving the initial server greeting", "sending
 * MAIL FROM", "sending RCPT TO", "sending end of data -- message may be
 * sent more than once".
 */
#include "classify.h"

#include <string.h>

static int starts(const char *p, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	return len >= n && memcmp(p, lit, n) == 0;
}

static const char *find(const char *p, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	for (size_t i = 0; i + n <= len; i++)
		if (p[i] == lit[0] && memcmp(p + i, lit, n) == 0)
			return p + i;
	return NULL;
}

/* The stage named by a "while ..." or "in reply to ..." phrase. */
static enum smtp_stage stage_of(const char *p, size_t len)
{
	static const struct {
		const char *text;
		enum smtp_stage stage;
	} phrases[] = {
		/* order matters: "end of DATA" before "DATA" */
		{ "initial server greeting", ST_GREETING },
		{ "end of data", ST_END_OF_DATA },
		{ "end of DATA", ST_END_OF_DATA },
		{ "message body", ST_BODY },
		{ "STARTTLS", ST_STARTTLS },
		{ "XFORWARD", ST_XFORWARD },
		{ "MAIL FROM", ST_MAIL },
		{ "RCPT TO", ST_RCPT },
		{ "DATA command", ST_DATA },
		{ "EHLO", ST_EHLO },
		{ "HELO", ST_EHLO },
		{ "LHLO", ST_EHLO },
		{ "protocol handshake", ST_EHLO },
	};

	for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (find(p, len, phrases[i].text))
			return phrases[i].stage;
	return ST_NONE;
}

/* The reply code at 'code' and the stage of a trailing "(in reply to X)". */
static void classify_reply(const char *p, size_t len, const char *code, struct classification *out)
{
	const char *end = p + len;
	const char *r = NULL, *q = p;

	/* The last one: the server's own text may contain the phrase. */
	while ((q = find(q, (size_t)(end - q), " (in reply to ")) != NULL)
		r = q++;

	if (end - code >= 3 && code[0] >= '2' && code[0] <= '5' && code[1] >= '0' &&
	    code[1] <= '9' && code[2] >= '0' && code[2] <= '9')
		out->server_code = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
	out->cls = out->server_code >= 500 ? FC_REJECTED_PERMANENT : FC_REJECTED_TEMPORARY;
	if (r)
		out->stage = stage_of(r, (size_t)(end - r));
}

void classify_reason(const char *p, size_t len, struct classification *out)
{
	static const char suspended[] = "delivery temporarily suspended: ";
	const char *q;

	if (p == NULL) /* a status line without "(reason)" */
		p = "", len = 0;
	memset(out, 0, sizeof(*out));
	out->cls = FC_OTHER;
	if (starts(p, len, suspended)) {
		out->suspended = 1;
		p += sizeof(suspended) - 1;
		len -= sizeof(suspended) - 1;
	}
	if (starts(p, len, "lost connection with ")) {
		out->cls = FC_LOST_CONNECTION;
		if ((q = find(p, len, "] while ")) != NULL)
			out->stage = stage_of(q, len - (size_t)(q - p));
	} else if (starts(p, len, "conversation with ") &&
		   (q = find(p, len, " timed out while "))) {
		out->cls = FC_TIMEOUT;
		out->stage = stage_of(q, len - (size_t)(q - p));
	} else if (starts(p, len, "host ") && (q = find(p, len, "] said: ")) != NULL) {
		classify_reply(p, len, q + 8, out);
	} else if (starts(p, len, "host ") && (q = find(p, len, "] refused to talk to me: "))) {
		classify_reply(p, len, q + 25, out);
		out->stage = ST_GREETING;
	} else if (starts(p, len, "connect to ")) {
		out->stage = ST_CONNECT;
		out->cls = find(p, len, "timed out") ? FC_TIMEOUT : FC_CONNECT_FAILED;
	} else if (starts(p, len, "Host or domain name not found") ||
		   starts(p, len, "Name service error") || starts(p, len, "unable to look up") ||
		   starts(p, len, "Host not found")) {
		out->cls = FC_DNS;
	} else if (starts(p, len, "Cannot start TLS") || starts(p, len, "TLS is required") ||
		   starts(p, len, "TLS failure") || starts(p, len, "Server certificate not") ||
		   starts(p, len, "TLS handshake")) {
		out->cls = FC_TLS;
		out->stage = ST_STARTTLS;
	} else if (starts(p, len, "Address verification in progress")) {
		out->cls = FC_IN_PROGRESS;
	} else if (starts(p, len, "unknown user: ") || starts(p, len, "User unknown")) {
		out->cls = FC_REJECTED_PERMANENT;
	} else if (starts(p, len, "221 ") || starts(p, len, "221-")) {
		/* A cached "deliverable" verdict quoted back: the pipelined QUIT. */
		out->cls = FC_SUSPECT_SUCCESS;
		out->stage = ST_RCPT;
		out->server_code = 221;
	}
}

int classify_server(const char *p, size_t len, const char **host, size_t *hlen, const char **addr,
		    size_t *alen, int *port)
{
	static const char *const leads[] = { "delivery temporarily suspended: ",
					     "lost connection with ", "conversation with ", "host ",
					     "connect to " };
	const char *end, *lb, *rb;
	size_t n;

	if (p == NULL) /* NULL + 0 is undefined behaviour */
		return 0;
	end = p + len;
	for (size_t i = 0; i < sizeof(leads) / sizeof(leads[0]); i++) {
		n = strlen(leads[i]);
		if (starts(p, (size_t)(end - p), leads[i])) {
			p += n;
			if (i > 0)
				break;
		} else if (i == 4) {
			return 0;
		}
	}
	lb = memchr(p, '[', (size_t)(end - p));
	if (lb == NULL || memchr(p, ' ', (size_t)(lb - p)) ||
	    (rb = memchr(lb, ']', (size_t)(end - lb))) == NULL)
		return 0;
	*host = p;
	*hlen = (size_t)(lb - p);
	*addr = lb + 1;
	*alen = (size_t)(rb - lb - 1);
	*port = 0;
	if (rb + 1 < end && rb[1] == ':') {
		long v = 0;

		for (const char *q = rb + 2; q < end && *q >= '0' && *q <= '9' && v <= 65535; q++)
			v = v * 10 + (*q - '0');
		if (v > 0 && v <= 65535)
			*port = (int)v;
	}
	return 1;
}

void classify_success(const char *p, size_t len, struct classification *out)
{
	memset(out, 0, sizeof(*out));
	if (p != NULL && len >= 3 && memcmp(p, "221", 3) == 0 &&
	    (len == 3 || p[3] == ' ' || p[3] == '-')) {
		out->cls = FC_SUSPECT_SUCCESS;
		out->stage = ST_RCPT;
		out->server_code = 221;
	}
}

int classify_is_pipelining_symptom(const struct classification *c)
{
	return (c->cls == FC_LOST_CONNECTION && (c->stage == ST_MAIL || c->stage == ST_RCPT)) ||
	       c->cls == FC_SUSPECT_SUCCESS;
}

const char *failure_class_name(enum failure_class c)
{
	static const char *names[FC_COUNT] = {
		"none",
		"lost_connection",
		"timeout",
		"connect_failed",
		"dns",
		"tls",
		"rejected_temporary",
		"rejected_permanent",
		"in_progress",
		"suspect_success",
		"other",
	};

	return (unsigned)c < FC_COUNT ? names[c] : "other";
}

const char *smtp_stage_name(enum smtp_stage s)
{
	static const char *names[ST_COUNT] = {
		NULL,   "connect", "greeting", "ehlo", "starttls",    "xforward",
		"mail", "rcpt",    "data",     "body", "end_of_data",
	};

	return (unsigned)s < ST_COUNT ? names[s] : NULL;
}
