/*
 * genlog - write a deterministic, realistic Postfix mail log for benchmarks.
 *
 * genlog LINES > mail.log
 * genlog --incident LINES > mail.log
 * genlog --recipients N --probe-share P LINES > mail.log
 * Interleaves what a busy relay logs: smtpd sessions, cleanup, qmgr,
 * smtp and local deliveries, verify probes (some failing the pipelining
 * way), unverified-recipient rejects, and other programs' lines.  Lines
 * are about 130 bytes; the same LINES always gives the same bytes.
 *
 * --incident: the same traffic, but one downstream server
 * (mail.corp.example.com, Exchange-like) has the pipelined-QUIT bug
 * from about a fifth of the log to about three quarters of it: about
 * half of its probes end "lost connection ... while sending RCPT TO"
 * (connection reuse hides the rest), senders retrying are refused from
 * the verify cache, and after the fix its smtp processes log "discarding
 * EHLO keywords: PIPELINING".  About 4% of the lines then raise alerts;
 * lines are about 150 bytes.
 *
 * --recipients N: messages go to N recipients instead of 20,000 and
 * probes verify them in turn (user0, user1, ... userN-1, user0, ...), so
 * a log with at least N probes has probed exactly N distinct addresses;
 * --probe-share P: P% of the events are probes instead of 2% (for the
 * engine's memory test, tests/bench/engine-mem).  genlog prints the
 * number of probes written on standard error with either option.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long rng = 88172645463325252ULL;

static unsigned next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 32);
}

static long lines, target;
static unsigned rcpt_pool = 20000, probe_share = 2, probe_seq;
static long probes_written;
static int sequential; /* probes take the recipients in turn */
static long clock_s = 16 * 3600;
/* The senders' outbound MTAs; the incident profile's have longer names. */
static const char *client_domain = "outbound.customer-example.org";

static void stamp(void)
{
	long t = clock_s;

	printf("Nov 25 %02ld:%02ld:%02ld mta ", t / 3600 % 24, t / 60 % 60, t % 60);
	lines++;
}

static void other_program(void)
{
	switch (next() % 3) {
	case 0:
		stamp();
		printf("dovecot: imap(user%u@example.net)<%u><AbCdEf%u>: Logged out in=%u "
		       "out=%u deleted=0 expunged=0\n",
		       next() % 500, next() % 90000, next() % 100000, next() % 900, next() % 90000);
		break;
	case 1:
		stamp();
		printf("CRON[%u]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 "
		       "1)\n",
		       next() % 90000);
		break;
	default:
		stamp();
		printf("opendkim[%u]: %08X: DKIM verification successful for "
		       "sender%u.example.org\n",
		       next() % 90000, next(), next() % 1000);
	}
}

static void message(unsigned qid)
{
	unsigned pid = 1000 + next() % 3000, c = next() % 250;
	unsigned rcpt = next() % rcpt_pool;

	stamp();
	printf("postfix/smtpd[%u]: connect from "
	       "mail%u.%s[198.51.100.%u]\n",
	       pid, c, client_domain, c);
	stamp();
	printf("postfix/smtpd[%u]: %010X: "
	       "client=mail%u.%s[198.51.100.%u]\n",
	       pid, qid, c, client_domain, c);
	stamp();
	printf("postfix/cleanup[%u]: %010X: "
	       "message-id=<%08x.%u.JavaMail.app@mail%u.%s>\n",
	       900 + next() % 20, qid, next(), next() % 100000, c, client_domain);
	stamp();
	printf("postfix/qmgr[812]: %010X: from=<newsletter-sender%u@lists.customer-example.org>, "
	       "size=%u, nrcpt=1 (queue "
	       "active)\n",
	       qid, next() % 5000, 1000 + next() % 90000);
	stamp();
	printf("postfix/smtpd[%u]: disconnect from "
	       "mail%u.%s[198.51.100.%u] ehlo=1 "
	       "mail=1 rcpt=1 data=1 quit=1 commands=5\n",
	       pid, c, client_domain, c);
	if (next() % 4 == 0) {
		stamp();
		printf("postfix/local[%u]: %010X: to=<user%u@mta.example.com>, relay=local, "
		       "delay=0.04, delays=0.02/0/0/0.02, dsn=2.0.0, status=sent (delivered to "
		       "mailbox)\n",
		       2000 + next() % 100, qid, rcpt);
	} else {
		stamp();
		printf("postfix/smtp[%u]: %010X: to=<user%u@example.com>, "
		       "relay=exchange.example.com[192.168.10.20]:25, delay=0.3, "
		       "delays=0.1/0/0.1/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as "
		       "%08X)\n",
		       3000 + next() % 100, qid, rcpt, next());
	}
	stamp();
	printf("postfix/qmgr[812]: %010X: removed\n", qid);
}

static void probe(unsigned qid)
{
	unsigned rcpt = next() % rcpt_pool, pid = 3000 + next() % 100;
	int bad = next() % 2 == 0;

	if (sequential)
		rcpt = probe_seq++ % rcpt_pool;
	probes_written++;

	stamp();
	printf("postfix/cleanup[901]: %010X: message-id=<%u.%010X@mta.example.com>\n", qid, next(),
	       qid);
	stamp();
	printf("postfix/qmgr[812]: %010X: from=<double-bounce@mta.example.com>, size=227, "
	       "nrcpt=1 (queue active)\n",
	       qid);
	stamp();
	if (bad)
		printf("postfix/smtp[%u]: %010X: to=<user%u@example.com>, "
		       "relay=exchange.example.com[192.168.10.20]:25, delay=0.01, "
		       "delays=0/0/0/0, dsn=4.4.2, status=undeliverable (lost connection with "
		       "exchange.example.com[192.168.10.20] while sending RCPT TO)\n",
		       pid, qid, rcpt);
	else
		printf("postfix/smtp[%u]: %010X: to=<user%u@example.com>, "
		       "relay=exchange.example.com[192.168.10.20]:25, delay=0.01, "
		       "delays=0/0/0/0, dsn=2.1.5, status=deliverable (250 2.1.5 Recipient OK)\n",
		       pid, qid, rcpt);
	stamp();
	printf("postfix/qmgr[812]: %010X: removed\n", qid);
	if (bad) {
		stamp();
		printf("postfix/smtpd[%u]: NOQUEUE: reject: RCPT from "
		       "client%u.example.org[203.0.113.%u]: 450 4.1.1 <user%u@example.com>: "
		       "Recipient address rejected: unverified address: lost connection with "
		       "exchange.example.com[192.168.10.20] while sending RCPT TO; "
		       "from=<a@example.org> to=<user%u@example.com> proto=ESMTP "
		       "helo=<client.example.org>\n",
		       1000 + next() % 3000, rcpt % 200, rcpt % 200, rcpt, rcpt);
	}
}

/* ---- the incident profile ---- */

#define CORP_HOST  "mail.corp.example.com"
#define CORP_ADDR  "10.20.4.25"
#define CORP_RELAY CORP_HOST "[" CORP_ADDR "]"
#define CORP_LOST  "lost connection with " CORP_RELAY " while sending RCPT TO"
#define RECENT_MAX 64

static const char *const first_names[] = {
	"anna",  "ben",   "carla", "david", "elena", "farid", "greta", "hugo",
	"ines",  "jonas", "katja", "lars",  "maria", "nils",  "olga",  "paul",
	"quinn", "rahel", "sven",  "tanja", "uwe",   "vera",  "willi", "yusuf",
};
static const char *const last_names[] = {
	"schmidt", "mueller", "weber", "fischer", "wagner",  "becker", "hoffmann",   "schulz",
	"koch",    "richter", "klein", "wolf",    "neumann", "braun",  "zimmermann", "krause",
};

/* Postfix's own message-id: <YYYYMMDDhhmmss.QID@myhostname>. */
static void probe_message_id(unsigned qid)
{
	long t = clock_s;

	stamp();
	printf("postfix/cleanup[%u]: %010X: "
	       "message-id=<20261125%02ld%02ld%02ld.%010X@mta.example.com>\n",
	       900 + next() % 20, qid, t / 3600 % 24, t / 60 % 60, t % 60, qid);
}

/* The corporate recipients: first.last@corp.example.com, a few thousand. */
static void corp_user(unsigned u, char *buf, size_t size)
{
	snprintf(buf, size, "%s.%s%u@corp.example.com", first_names[u % 24],
		 last_names[u / 24 % 16], u / 384);
}

/* A sending client: one of a few hundred partner MTAs. */
struct client {
	unsigned n, pid;
	char host[96], addr[20], helo[96], from[96];
};

static void client_pick(struct client *c)
{
	static const char *const kinds[] = { "mail-out", "smtp", "mx-relay", "outbound" };

	c->n = next() % 400;
	c->pid = 1000 + next() % 3000;
	snprintf(c->host, sizeof(c->host), "%s%u.partner%u.example.org", kinds[c->n % 4], c->n % 7,
		 c->n);
	snprintf(c->addr, sizeof(c->addr), "198.51.%u.%u", 100 + c->n / 200, c->n % 200 + 20);
	snprintf(c->helo, sizeof(c->helo), "%s", c->host);
	snprintf(c->from, sizeof(c->from), "%s.%s@partner%u.example.org", first_names[next() % 24],
		 last_names[next() % 16], c->n);
}

static void smtpd_connect(const struct client *c)
{
	stamp();
	printf("postfix/smtpd[%u]: connect from %s[%s]\n", c->pid, c->host, c->addr);
}

static void smtpd_reject(const struct client *c, const char *qid, const char *rcpt)
{
	stamp();
	printf("postfix/smtpd[%u]: %s: reject: RCPT from %s[%s]: 450 4.1.1 <%s>: Recipient "
	       "address rejected: unverified address: " CORP_LOST "; from=<%s> to=<%s> "
	       "proto=ESMTP helo=<%s>\n",
	       c->pid, qid, c->host, c->addr, rcpt, c->from, rcpt, c->helo);
}

static void smtpd_disconnect(const struct client *c, unsigned rejected)
{
	stamp();
	printf("postfix/smtpd[%u]: disconnect from %s[%s] ehlo=1 mail=1 rcpt=0/%u quit=1 "
	       "commands=3/%u\n",
	       c->pid, c->host, c->addr, rejected, 3 + rejected);
}

static char recent[RECENT_MAX][80];
static unsigned nrecent, recent_next;

/*
 * A verify probe to the corporate server, run while a client waits: its
 * lines, then the client's verdict.  broken: the server has the bug.
 */
static void corp_probe(unsigned qid, int broken, int fixed)
{
	struct client c;
	char rcpt[80];
	unsigned pid = 3100 + next() % 60, conn_use = 1, d = 1 + next() % 20;
	int lost;

	client_pick(&c);
	corp_user(next() % 6000, rcpt, sizeof(rcpt));
	/* Connection reuse hides the bug for about half of the probes. */
	lost = broken && next() % 100 < 55;
	if (broken && !lost && next() % 2)
		conn_use = 2 + next() % 3;
	smtpd_connect(&c);
	probe_message_id(qid);
	stamp();
	printf("postfix/qmgr[812]: %010X: from=<address-verify@mta.example.com>, size=%u, "
	       "nrcpt=1 (queue active)\n",
	       qid, 230 + (unsigned)strlen(rcpt));
	if (fixed) {
		stamp();
		printf("postfix/smtp[%u]: discarding EHLO keywords: PIPELINING\n", pid);
	}
	stamp();
	if (lost)
		printf("postfix/smtp[%u]: %010X: to=<%s>, relay=" CORP_RELAY ":25, delay=0.%02u, "
		       "delays=0/0.01/0.%02u/0, dsn=4.4.2, status=undeliverable (" CORP_LOST ")\n",
		       pid, qid, rcpt, 5 + next() % 40, next() % 30);
	else if (conn_use > 1)
		printf("postfix/smtp[%u]: %010X: to=<%s>, relay=" CORP_RELAY ":25, conn_use=%u, "
		       "delay=0.%02u, delays=0/0/0/0.%02u, dsn=2.1.5, status=deliverable (250 "
		       "2.1.5 "
		       "Recipient OK)\n",
		       pid, qid, rcpt, conn_use, d, d);
	else
		printf("postfix/smtp[%u]: %010X: to=<%s>, relay=" CORP_RELAY ":25, delay=0.%02u, "
		       "delays=0/0.01/0.%02u/0.01, dsn=2.1.5, status=deliverable (250 2.1.5 "
		       "Recipient OK)\n",
		       pid, qid, rcpt, 5 + next() % 40, next() % 30);
	stamp();
	printf("postfix/qmgr[812]: %010X: removed\n", qid);
	if (!lost) {
		/* Verified: the client's mail goes on (logged like any other). */
		stamp();
		printf("postfix/smtpd[%u]: disconnect from %s[%s] ehlo=1 mail=1 rcpt=1 data=1 "
		       "quit=1 commands=5\n",
		       c.pid, c.host, c.addr);
		return;
	}
	smtpd_reject(&c, "NOQUEUE", rcpt);
	snprintf(recent[recent_next], sizeof(recent[0]), "%s", rcpt);
	recent_next = (recent_next + 1) % RECENT_MAX;
	if (nrecent < RECENT_MAX)
		nrecent++;
	smtpd_disconnect(&c, 1);
}

/* A probe to the healthy server, between real deliveries. */
static void verify_ok(unsigned qid)
{
	unsigned rcpt = next() % 20000, pid = 3000 + next() % 100;

	probe_message_id(qid);
	stamp();
	printf("postfix/qmgr[812]: %010X: from=<address-verify@mta.example.com>, size=227, "
	       "nrcpt=1 (queue active)\n",
	       qid);
	stamp();
	printf("postfix/smtp[%u]: %010X: to=<user%u@example.com>, "
	       "relay=exchange.example.com[192.168.10.20]:25, delay=0.02, "
	       "delays=0/0/0.01/0.01, dsn=2.1.5, status=deliverable (250 2.1.5 Recipient OK)\n",
	       pid, qid, rcpt);
	stamp();
	printf("postfix/qmgr[812]: %010X: removed\n", qid);
}

/* A client retrying: refused from the verify cache, with no probe lines. */
static void corp_retry(void)
{
	struct client c;
	unsigned n = 1 + (next() % 4 == 0);

	if (nrecent == 0)
		return;
	client_pick(&c);
	smtpd_connect(&c);
	for (unsigned i = 0; i < n; i++)
		smtpd_reject(&c, "NOQUEUE", recent[next() % nrecent]);
	smtpd_disconnect(&c, n);
}

static void incident(void)
{
	unsigned qid = 0x2000000;
	long start = target / 5, end = target * 4 / 5;

	clock_s = 6 * 3600;
	client_domain = "eu-west-1.outbound-relay.mailer.customer-example.org";
	while (lines < target) {
		unsigned r = next() % 1000;
		int broken = lines >= start && lines < end;

		if (next() % 8 == 0)
			clock_s++;
		/* While the server is broken, every new recipient waits for a probe. */
		if (r < (broken ? 540u : 800u))
			message(qid++);
		else if (r < (broken ? 560u : 830u))
			verify_ok(qid++);
		else if (r < (broken ? 820u : 870u))
			corp_probe(qid++, broken, lines >= end);
		else if (broken && r < 892)
			corp_retry();
		else
			other_program();
	}
}

int main(int argc, char **argv)
{
	unsigned qid = 0x1000000;

	if (argc > 1 && strcmp(argv[1], "--incident") == 0) {
		target = argc > 2 ? atol(argv[2]) : 1000000;
		incident();
		return 0;
	}
	while (argc > 2 &&
	       (strcmp(argv[1], "--recipients") == 0 || strcmp(argv[1], "--probe-share") == 0)) {
		unsigned v = (unsigned)atol(argv[2]);

		if (argv[1][2] == 'r')
			rcpt_pool = v ? v : 1;
		else
			probe_share = v > 85 ? 85 : v;
		sequential = 1;
		argc -= 2;
		argv += 2;
	}
	target = argc > 1 ? atol(argv[1]) : 1000000;
	while (lines < target) {
		unsigned r = next() % 100;

		if (next() % 8 == 0)
			clock_s++;
		if (r < 85 - probe_share)
			message(qid++);
		else if (r < 85)
			probe(qid++);
		else
			other_program();
	}
	if (sequential)
		fprintf(stderr, "genlog: %ld probes, %u distinct recipients probed\n",
			probes_written,
			probes_written < (long)rcpt_pool ? (unsigned)probes_written : rcpt_pool);
	return 0;
}
