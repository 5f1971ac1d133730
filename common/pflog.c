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

#include <stdlib.h>
#include <string.h>

struct pflog_parser {
	struct pfclock *clock;
};

struct pflog_parser *pflog_parser_create(const char *timezone)
{
	struct pflog_parser *p = xcalloc(1, sizeof(*p));

	p->clock = pfclock_create(timezone);
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

int pf_str_eq(struct pf_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len == n && memcmp(s.p, lit, n) == 0;
}

int pf_str_starts(struct pf_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len >= n && memcmp(s.p, lit, n) == 0;
}

/*
 * The services whose lines are Postfix's.  The program name is
 * syslog_name/.../service; only the last component is looked at.
 */
static const struct {
	const char *name;
	enum pflog_service svc;
} pflog_services[] = {
	{"smtp", PFSVC_SMTP},	  {"lmtp", PFSVC_SMTP},		{"qmgr", PFSVC_QMGR},
	{"oqmgr", PFSVC_QMGR},	  {"smtpd", PFSVC_SMTPD},	{"pickup", PFSVC_PICKUP},
	{"bounce", PFSVC_BOUNCE}, {"error", PFSVC_DELIVERY},	{"retry", PFSVC_DELIVERY},
	{"local", PFSVC_DELIVERY}, {"virtual", PFSVC_DELIVERY}, {"pipe", PFSVC_DELIVERY},
	{"discard", PFSVC_DELIVERY}, {"cleanup", PFSVC_OTHER},	{"verify", PFSVC_OTHER},
	{"defer", PFSVC_BOUNCE},  {"trace", PFSVC_BOUNCE},	{"postscreen", PFSVC_OTHER},
	{"dnsblog", PFSVC_OTHER}, {"tlsproxy", PFSVC_OTHER},	{"anvil", PFSVC_OTHER},
	{"scache", PFSVC_OTHER},  {"master", PFSVC_OTHER},	{"postfix-script", PFSVC_OTHER},
	{"postlogd", PFSVC_OTHER}, {"postdrop", PFSVC_OTHER},	{"sendmail", PFSVC_OTHER},
	{"postqueue", PFSVC_OTHER}, {"postsuper", PFSVC_OTHER}, {"tlsmgr", PFSVC_OTHER},
	{"proxymap", PFSVC_OTHER}, {"proxywrite", PFSVC_OTHER}, {"showq", PFSVC_OTHER},
	{"flush", PFSVC_OTHER},	  {"spawn", PFSVC_OTHER},	{"postmap", PFSVC_OTHER},
	{"postalias", PFSVC_OTHER}, {"policy-spf", PFSVC_OTHER}, {"postconf", PFSVC_OTHER},
};

static int pflog_service_lookup(const char *s, size_t len, enum pflog_service *svc)
{
	for (size_t i = 0; i < sizeof(pflog_services) / sizeof(pflog_services[0]); i++) {
		const char *n = pflog_services[i].name;

		if (n[0] == s[0] && strlen(n) == len && memcmp(n, s, len) == 0) {
			*svc = pflog_services[i].svc;
			return 1;
		}
	}
	return 0;
}

enum pflog_result pflog_parse(struct pflog_parser *p, const char *line, size_t len,
			      struct pflog_event *ev)
{
	const char *s = line, *end = line + len;
	const char *prog, *slash = NULL, *q;
	size_t used;
	enum pflog_service svc;
	long pid = 0;

	memset(ev, 0, sizeof(*ev));
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
	if (pfclock_parse(p->clock, s, (size_t)(end - s), &ev->time, &used) < 0)
		return PFLOG_MALFORMED;
	s += used;
	if (s >= end || *s != ' ')
		return PFLOG_MALFORMED;
	s++;

	/* host */
	q = memchr(s, ' ', (size_t)(end - s));
	if (q == NULL || q == s)
		return PFLOG_MALFORMED;
	ev->host.p = s;
	ev->host.len = (size_t)(q - s);
	s = q + 1;

	/* program[pid]: */
	for (prog = s; s < end && *s != '[' && *s != ':' && *s != ' '; s++)
		if (*s == '/')
			slash = s;
	if (s >= end || *s != '[')
		return PFLOG_FOREIGN;
	if (slash == NULL || slash == prog || slash + 1 == s || *prog == '/')
		return PFLOG_FOREIGN;
	if (!pflog_service_lookup(slash + 1, (size_t)(s - slash - 1), &svc))
		return PFLOG_FOREIGN;
	ev->program.p = prog;
	ev->program.len = (size_t)(s - prog);
	ev->service.p = slash + 1;
	ev->service.len = (size_t)(s - slash - 1);
	for (s++; s < end && *s >= '0' && *s <= '9' && pid < 100000000; s++)
		pid = pid * 10 + (*s - '0');
	if (end - s < 3 || s[0] != ']' || s[1] != ':' || s[2] != ' ')
		return PFLOG_MALFORMED;
	ev->pid = pid;
	s += 3;
	return pflog_msg_parse(svc, s, (size_t)(end - s), ev) ? PFLOG_EVENT : PFLOG_IGNORED;
}

const char *pflog_kind_name(enum pflog_kind kind)
{
	static const char *names[PFE_KIND_COUNT] = {
		"none",	   "queue_active", "removed", "pickup",	     "delivery",
		"attempt", "discard_ehlo", "reject",  "dsn_notice",
	};

	return (unsigned)kind < PFE_KIND_COUNT ? names[kind] : "none";
}

const char *pflog_status_name(enum pflog_status st)
{
	switch (st) {
	case PST_SENT:
		return "sent";
	case PST_DEFERRED:
		return "deferred";
	case PST_BOUNCED:
		return "bounced";
	case PST_EXPIRED:
		return "expired";
	case PST_DELIVERABLE:
		return "deliverable";
	case PST_UNDELIVERABLE:
		return "undeliverable";
	case PST_UNDELIVERABLE_NOT_CACHED:
		return "undeliverable-but-not-cached";
	default:
		return "other";
	}
}
