/*
 * pflog - the syslog header and dispatch on the Postfix service (see pflog.h).
 *
 * The header is read first and the program name decides what comes next,
 * so lines of other programs cost a few comparisons.  Message bodies are
 * parsed by pflog_msg.c.  No regular expressions, no copies, no
 * allocation per line.
 */
#include "pflog.h"
#include "pflog_msg.h"
#include "xmem.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct pflog_parser {
	struct pfclock *clock;
};

struct pflog_parser *pflog_parser_create(const char *zone)
{
	struct pflog_parser *p = xcalloc(1, sizeof(*p));

	p->clock = pfclock_create(zone);
	return p;
}

void pflog_parser_free(struct pflog_parser *p)
{
	if (p) {
		pfclock_free(p->clock);
		free(p);
	}
}

struct pfclock *pflog_parser_clock(struct pflog_parser *p)
{
	return p->clock;
}

/*
 * The services whose lines are Postfix's.  The program name is
 * syslog_name/.../service; the service is the last component, and the
 * first must be a syslog_name Postfix produces (pflog_syslog_name).
 * The daemons that log most come first: the lookup is one pass over this
 * table that stops at the first match, so they are its fast path.
 */
#define SVC(n, s)                                                                                  \
	{                                                                                          \
		n, sizeof(n) - 1, s                                                                \
	}
static const struct {
	const char *name;
	size_t len;
	enum pflog_service svc;
} pflog_services[] = {
	SVC("smtpd", PFSVC_SMTPD),     SVC("qmgr", PFSVC_QMGR),
	SVC("cleanup", PFSVC_OTHER),   SVC("smtp", PFSVC_SMTP),
	SVC("local", PFSVC_DELIVERY),  SVC("lmtp", PFSVC_SMTP),
	SVC("oqmgr", PFSVC_QMGR),      SVC("pickup", PFSVC_PICKUP),
	SVC("bounce", PFSVC_BOUNCE),   SVC("error", PFSVC_DELIVERY),
	SVC("retry", PFSVC_DELIVERY),  SVC("virtual", PFSVC_DELIVERY),
	SVC("pipe", PFSVC_DELIVERY),   SVC("discard", PFSVC_DELIVERY),
	SVC("verify", PFSVC_OTHER),    SVC("defer", PFSVC_BOUNCE),
	SVC("trace", PFSVC_BOUNCE),    SVC("postscreen", PFSVC_OTHER),
	SVC("dnsblog", PFSVC_OTHER),   SVC("tlsproxy", PFSVC_OTHER),
	SVC("anvil", PFSVC_OTHER),     SVC("scache", PFSVC_OTHER),
	SVC("master", PFSVC_OTHER),    SVC("postfix-script", PFSVC_OTHER),
	SVC("postlogd", PFSVC_OTHER),  SVC("postdrop", PFSVC_OTHER),
	SVC("sendmail", PFSVC_OTHER),  SVC("postqueue", PFSVC_OTHER),
	SVC("postsuper", PFSVC_OTHER), SVC("tlsmgr", PFSVC_OTHER),
	SVC("proxymap", PFSVC_OTHER),  SVC("proxywrite", PFSVC_OTHER),
	SVC("showq", PFSVC_OTHER),     SVC("flush", PFSVC_OTHER),
	SVC("spawn", PFSVC_OTHER),     SVC("postmap", PFSVC_OTHER),
	SVC("postalias", PFSVC_OTHER), SVC("policy-spf", PFSVC_OTHER),
	SVC("postconf", PFSVC_OTHER),
};

/*
 * syslog_name is "postfix", or "postfix-NAME" for a multi-instance
 * (postmulti names instances postfix-NAME); Debian's master.cf and
 * "-o syslog_name=postfix/submission" add components after it.  So
 * "notpostfix/smtp" or "postfixevil/smtp" are not Postfix, and no
 * component may be empty or hold other than [A-Za-z0-9._-].
 */
static int pflog_syslog_name(const char *prog, size_t len)
{
	size_t first, i;

	if (len < 8 || memcmp(prog, "postfix", 7) != 0 || (prog[7] != '/' && prog[7] != '-'))
		return 0;
	for (first = 7; first < len && prog[first] != '/'; first++)
		;
	if (first == 8 || first == len) /* "postfix-/..." or no service */
		return 0;
	for (i = 8; i < len; i++) {
		unsigned char c = (unsigned char)prog[i];

		if (c == '/' ? prog[i - 1] == '/' || i + 1 == len
			     : !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				 (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* The first PFSVC_HOT entries, the daemons that log most, are the fast path. */
#define PFSVC_HOT 5

static inline int pflog_service_is(size_t i, const char *s, size_t len)
{
	return pflog_services[i].len == len && memcmp(pflog_services[i].name, s, len) == 0;
}

static int pflog_service_lookup(const char *s, size_t len, enum pflog_service *svc)
{
	size_t i;

	/*
	 * Unrolled, each test has the entry's name and length as constants
	 * (the table is const): a compare or two in place of a memcmp call.
	 */
#pragma GCC unroll 8
	for (i = 0; i < PFSVC_HOT; i++)
		if (pflog_service_is(i, s, len))
			goto found;
	for (; i < sizeof(pflog_services) / sizeof(pflog_services[0]); i++)
		if (pflog_services[i].name[0] == s[0] && pflog_service_is(i, s, len))
			goto found;
	return 0;
found:
	*svc = pflog_services[i].svc;
	return 1;
}

/*
 * Word-at-a-time helpers for the header's two short loops, whose exits
 * the branch predictor cannot guess.  Each byte is judged exactly (no
 * carry between bytes), little-endian only; elsewhere the loops run.
 */
#define PF_ONES  0x0101010101010101ULL
#define PF_LOW7  0x7f7f7f7f7f7f7f7fULL
#define PF_HIGHS 0x8080808080808080ULL
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PF_SWAR 1
#else
#define PF_SWAR 0
#endif

/* The high bit of each byte of w that equals c. */
static inline uint64_t pf_eq(uint64_t w, unsigned char c)
{
	uint64_t x = w ^ (PF_ONES * c);

	return ~(((x & PF_LOW7) + PF_LOW7) | x | PF_LOW7);
}

/* The last '/' in [prog, s), as a backward loop finds it; NULL if none. */
static const char *pf_last_slash(const char *prog, const char *s)
{
	const char *q;

	if (PF_SWAR && s - prog >= 8) {
		uint64_t w, m;

		memcpy(&w, s - 8, 8);
		if ((m = pf_eq(w, '/')) != 0)
			return s - 8 + ((63 - __builtin_clzll(m)) >> 3);
		s -= 8;
	}
	for (q = s - 1; q > prog && *q != '/'; q--)
		;
	return q >= prog && *q == '/' ? q : NULL;
}

/* The end of the digits at s (at most 10 looked at, as the caller needs). */
static const char *pf_digits_end(const char *s, const char *end)
{
	const char *lim = end - s > 10 ? s + 10 : end;

	if (PF_SWAR && end - s >= 8) {
		uint64_t w, hi, ge0, ge10, bad;

		memcpy(&w, s, 8);
		hi = w & PF_HIGHS;
		/* for bytes below 0x80: the high bit of (b | 0x80) - n says b >= n */
		ge0 = ((w | PF_HIGHS) - PF_ONES * '0') & PF_HIGHS;
		ge10 = ((w | PF_HIGHS) - PF_ONES * ('9' + 1)) & PF_HIGHS;
		bad = (~ge0 | ge10 | hi) & PF_HIGHS;
		if (bad)
			return s + (__builtin_ctzll(bad) >> 3);
		s += 8;
	}
	while (s < lim && (unsigned)(*s - '0') < 10)
		s++;
	return s;
}

enum pflog_result pflog_parse(struct pflog_parser *p, const char *line, size_t len,
			      struct pflog_event *ev)
{
	const char *s = line, *end = line + len;
	const char *prog, *slash = NULL, *q, *ts;
	size_t used, tslen;
	enum pflog_service svc;

	/*
	 * Every header field is set below before PFLOG_EVENT is returned; the
	 * message fields are cleared by the recogniser that takes the line.
	 */
	ev->kind = PFE_NONE;
	ev->queue_id.p = NULL;
	ev->queue_id.len = 0;
	while (end > s && (end[-1] == '\n' || end[-1] == '\r'))
		end--;

	/* <PRI> */
	if (s < end && *s == '<') {
		for (q = s + 1; q < end && q - s <= 4 && *q >= '0' && *q <= '9'; q++)
			;
		if (q >= end || *q != '>' || q == s + 1)
			return PFLOG_MALFORMED;
		s = q + 1;
	}
	/*
	 * Only find the stamp's end now; it is parsed once the line turns out
	 * to be an event (most lines are not).
	 */
	ts = s;
	if (end - s >= 19 && s[4] == '-') {
		if ((q = memchr(s, ' ', (size_t)(end - s))) == NULL)
			return PFLOG_MALFORMED;
		s = q;
	} else {
		if (end - s < 16)
			return PFLOG_MALFORMED;
		s += 15;
	}
	if (*s != ' ')
		return PFLOG_MALFORMED;
	tslen = (size_t)(s - ts);
	s++;

	/* host */
	q = memchr(s, ' ', (size_t)(end - s));
	if (q == NULL || q == s)
		return PFLOG_MALFORMED;
	ev->host.p = s;
	ev->host.len = (size_t)(q - s);
	s = q + 1;

	/* program[pid]: the name has no space or colon, and a '/' for Postfix */
	prog = s;
	q = memchr(s, '[', (size_t)(end - s) < 128 ? (size_t)(end - s) : 128);
	/* (A ':' in the name leaves a service name that is not in the table.) */
	if (q == NULL || memchr(prog, ' ', (size_t)(q - prog)))
		return PFLOG_FOREIGN;
	s = q;
	slash = pf_last_slash(prog, s);
	if (slash == NULL || slash == prog || slash + 1 == s || *prog == '/' ||
	    !pflog_syslog_name(prog, (size_t)(s - prog)))
		return PFLOG_FOREIGN;
	if (!pflog_service_lookup(slash + 1, (size_t)(s - slash - 1), &svc))
		return PFLOG_FOREIGN;
	ev->program.p = prog;
	ev->program.len = (size_t)(s - prog);
	ev->service.p = slash + 1;
	ev->service.len = (size_t)(s - slash - 1);
	/* The digits are kept as text: most lines never need the number. */
	q = ++s;
	s = pf_digits_end(s, end);
	if (s == q || s - q > 9 || end - s < 3 || s[0] != ']' || s[1] != ':' || s[2] != ' ')
		return PFLOG_MALFORMED;
	ev->pid.p = q;
	ev->pid.len = (size_t)(s - q);
	s += 3;
	if (!pflog_msg_parse(svc, s, (size_t)(end - s), ev))
		return PFLOG_IGNORED;
	if (pfclock_parse(p->clock, ts, tslen, &ev->time, &used) < 0 || used != tslen)
		return PFLOG_MALFORMED;
	return PFLOG_EVENT;
}

long pflog_pid(const struct pflog_event *ev)
{
	long pid = 0;

	for (size_t i = 0; i < ev->pid.len; i++)
		pid = pid * 10 + (ev->pid.p[i] - '0');
	return pid;
}

const char *pflog_kind_name(enum pflog_kind kind)
{
	static const char *names[PFE_KIND_COUNT] = {
		"none",    "queue_active", "removed", "pickup",     "delivery",
		"attempt", "discard_ehlo", "reject",  "dsn_notice",
	};

	return (unsigned)kind < PFE_KIND_COUNT ? names[kind] : "none";
}
