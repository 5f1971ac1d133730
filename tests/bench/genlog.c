/*
 * genlog - write a deterministic, realistic Postfix mail log for benchmarks.
 *
 * genlog LINES > mail.log
 * Interleaves what a busy relay logs: smtpd sessions, cleanup, qmgr,
 * smtp and local deliveries, verify probes (some failing the pipelining
 * way), unverified-recipient rejects, and other programs' lines.  Lines
 * are about 150 bytes; the same LINES always gives the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>

static unsigned long long rng = 88172645463325252ULL;

static unsigned next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 32);
}

static long lines, target;
static long clock_s = 16 * 3600;

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
	unsigned rcpt = next() % 20000;

	stamp();
	printf("postfix/smtpd[%u]: connect from "
	       "mail%u.outbound.customer-example.org[198.51.100.%u]\n",
	       pid, c, c);
	stamp();
	printf("postfix/smtpd[%u]: %010X: "
	       "client=mail%u.outbound.customer-example.org[198.51.100.%u]\n",
	       pid, qid, c, c);
	stamp();
	printf("postfix/cleanup[%u]: %010X: "
	       "message-id=<%08x.%u.JavaMail.app@mail%u.outbound.customer-example.org>\n",
	       900 + next() % 20, qid, next(), next() % 100000, c);
	stamp();
	printf("postfix/qmgr[812]: %010X: from=<newsletter-sender%u@lists.customer-example.org>, "
	       "size=%u, nrcpt=1 (queue "
	       "active)\n",
	       qid, next() % 5000, 1000 + next() % 90000);
	stamp();
	printf("postfix/smtpd[%u]: disconnect from "
	       "mail%u.outbound.customer-example.org[198.51.100.%u] ehlo=1 "
	       "mail=1 rcpt=1 data=1 quit=1 commands=5\n",
	       pid, c, c);
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
	unsigned rcpt = next() % 20000, pid = 3000 + next() % 100;
	int bad = next() % 2 == 0;

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

int main(int argc, char **argv)
{
	unsigned qid = 0x1000000;

	target = argc > 1 ? atol(argv[1]) : 1000000;
	while (lines < target) {
		unsigned r = next() % 100;

		if (next() % 8 == 0)
			clock_s++;
		if (r < 83)
			message(qid++);
		else if (r < 85)
			probe(qid++);
		else
			other_program();
	}
	return 0;
}
