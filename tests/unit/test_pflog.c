/*
 * test_pflog - the log line parser: headers, events, hostile input.
 */
#include "testutil.h"

#include "pflog.h"

#include <stdio.h>

static struct pflog_parser *parser;

static int setup(void **state)
{
	(void)state;
	parser = pflog_parser_create("UTC");
	pfclock_set_reference(pflog_parser_clock(parser), 1798761600); /* 2027-01-01 */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pflog_parser_free(parser);
	return 0;
}

static enum pflog_result parse(const char *line, struct pflog_event *ev)
{
	return pflog_parse(parser, line, strlen(line), ev);
}

static void assert_str(struct pf_str s, const char *want)
{
	char buf[512];

	assert_true(s.len < sizeof(buf));
	memcpy(buf, s.p ? s.p : "", s.len);
	buf[s.len] = 0;
	assert_string_equal(buf, want);
}

static void test_seed_status_line(void **state)
{
	struct pflog_event ev;

	(void)state;
	assert_int_equal(
		parse("Nov 25 16:41:14 mta postfix/smtp[29299]: CB1223A942: to=<user@example.com>, "
		      "relay=exchange.example.com[192.168.10.20]:25, delay=0.01, "
		      "delays=0/0/0/0, dsn=4.4.2, status=undeliverable (lost connection with "
		      "exchange.example.com[192.168.10.20] while sending RCPT TO)",
		      &ev),
		PFLOG_EVENT);
	assert_int_equal(ev.kind, PFE_DELIVERY);
	assert_str(ev.host, "mta");
	assert_str(ev.program, "postfix/smtp");
	assert_str(ev.service, "smtp");
	assert_int_equal(pflog_pid(&ev), 29299);
	assert_str(ev.pid, "29299");
	assert_str(ev.queue_id, "CB1223A942");
	assert_str(ev.to, "user@example.com");
	assert_int_equal(ev.relay.kind, PFR_NET);
	assert_str(ev.relay.host, "exchange.example.com");
	assert_str(ev.relay.addr, "192.168.10.20");
	assert_int_equal(ev.relay.port, 25);
	assert_str(ev.dsn, "4.4.2");
	assert_int_equal(ev.status, PST_UNDELIVERABLE);
	assert_str(
		ev.reason,
		"lost connection with exchange.example.com[192.168.10.20] while sending RCPT TO");
	assert_int_equal(ev.conn_use, 0);
}

static void test_timestamps(void **state)
{
	struct pflog_event ev;
	char buf[64];

	(void)state;
	/* traditional, space-padded day */
	assert_int_equal(parse("Nov  4 01:11:33 mx postfix/qmgr[1]: ABCDEF1234: removed", &ev),
			 PFLOG_EVENT);
	pftime_format(&ev.time, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-04T01:11:33+00:00");
	/* maillog_file, zero-padded day */
	assert_int_equal(parse("Nov 04 01:11:34 mx postfix/qmgr[1]: ABCDEF1234: removed", &ev),
			 PFLOG_EVENT);
	pftime_format(&ev.time, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-04T01:11:34+00:00");
	/* RFC 3339 with fraction and offset */
	assert_int_equal(parse("2026-11-25T16:41:14.502123+01:00 mx postfix/qmgr[1]: ABCDEF1234: "
			       "removed",
			       &ev),
			 PFLOG_EVENT);
	pftime_format(&ev.time, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-25T16:41:14.502123+01:00");
	assert_int_equal(ev.time.sec, 1795624874 - 3600); /* 16:41:14+01:00 */
	/* RFC 3339 without fraction, Z */
	assert_int_equal(parse("2026-11-25T16:41:14Z mx postfix/qmgr[1]: ABCDEF1234: removed", &ev),
			 PFLOG_EVENT);
	assert_int_equal(ev.time.sec, 1795624874);
	/* <PRI> in front */
	assert_int_equal(parse("<22>Nov 25 16:41:14 mx postfix/qmgr[1]: ABCDEF1234: removed", &ev),
			 PFLOG_EVENT);
	assert_str(ev.host, "mx");
	/* broken stamps */
	assert_int_equal(parse("Nov 25 25:41:14 mx postfix/qmgr[1]: ABCDEF1234: removed", &ev),
			 PFLOG_MALFORMED);
	assert_int_equal(parse("Foo 25 16:41:14 mx postfix/qmgr[1]: ABCDEF1234: removed", &ev),
			 PFLOG_MALFORMED);
	assert_int_equal(parse("<22 Nov 25 16:41:14 mx postfix/qmgr[1]: ABCDEF1234: removed", &ev),
			 PFLOG_MALFORMED);
	assert_int_equal(parse("2026-13-25T16:41:14Z mx postfix/qmgr[1]: ABCDEF1234: removed", &ev),
			 PFLOG_MALFORMED);
}

static void test_program_names(void **state)
{
	static const char *const postfix[] = {
		"postfix/smtp",
		"postfix/relay/smtp",
		"postfix-out/smtp",
		"postfix/lmtp",
		"postfix-mx_2.a/submission/smtp",
		"postfix/relay/smtp",
	};
	struct pflog_event ev;
	char line[512];

	(void)state;
	for (size_t i = 0; i < sizeof(postfix) / sizeof(postfix[0]); i++) {
		snprintf(line, sizeof(line),
			 "Nov 25 16:41:14 mx %s[7]: ABCDEF1234: to=<a@b>, relay=h[1.2.3.4]:25, "
			 "delay=1, delays=0/0/0/1, dsn=2.1.5, status=deliverable (250 Ok)",
			 postfix[i]);
		assert_int_equal(parse(line, &ev), PFLOG_EVENT);
		assert_int_equal(ev.status, PST_DELIVERABLE);
	}
	/* Other programs never make events, whatever they say. */
	assert_int_equal(
		parse("Nov 25 16:41:14 mx evil[7]: ABCDEF1234: to=<a@b>, relay=h[1.2.3.4]:25, "
		      "dsn=4.4.2, status=undeliverable (lost connection)",
		      &ev),
		PFLOG_FOREIGN);
	assert_int_equal(parse("Nov 25 16:41:14 mx evil/smtpx[7]: ABCDEF1234: to=<a@b>, "
			       "dsn=4.4.2, status=undeliverable (x)",
			       &ev),
			 PFLOG_FOREIGN);
	assert_int_equal(parse("Nov 25 16:41:14 mx /usr/sbin/cron[7]: hello", &ev), PFLOG_FOREIGN);
	/*
	 * Issue 11, defect 4: look-alikes.  syslog_name is "postfix" or, for
	 * a multi-instance, "postfix-NAME"; the tag is syslog_name/.../service.
	 */
	static const char *const lookalike[] = {
		"notpostfix/smtp", "xpostfix-out/smtp", "postfixevil/smtp",  "postfix_evil/smtp",
		"postfix-/smtp",   "postfix-a b/smtp",  "Postfix/smtp",      "postfix//smtp",
		"postfix/smtp/",   "/postfix/smtp",     "evil/postfix/smtp", "postfix-x\x1b/smtp",
	};
	for (size_t i = 0; i < sizeof(lookalike) / sizeof(lookalike[0]); i++) {
		snprintf(
			line, sizeof(line),
			"Nov 25 16:41:14 mx %s[7]: ABCDEF1234: to=<a@b>, relay=h[1.2.3.4]:25, "
			"delay=1, delays=0/0/0/1, dsn=4.4.2, status=undeliverable (lost connection "
			"with h[1.2.3.4] while sending RCPT TO)",
			lookalike[i]);
		if (parse(line, &ev) == PFLOG_EVENT)
			fail_msg("'%s' taken as Postfix", lookalike[i]);
	}
	assert_int_equal(parse("Nov 25 16:41:14 mx kernel: postfix/smtp[1]: X", &ev),
			 PFLOG_FOREIGN);
	/* Postfix lines that are not events */
	assert_int_equal(parse("Nov 25 16:41:14 mx postfix/smtpd[7]: connect from a[1.2.3.4]", &ev),
			 PFLOG_IGNORED);
	assert_int_equal(
		parse("Nov 25 16:41:14 mx postfix/cleanup[7]: ABCDEF1234: message-id=<x@y>", &ev),
		PFLOG_IGNORED);
	assert_int_equal(parse("Nov 25 16:41:14 mx postfix/submission/smtpd[7]", &ev),
			 PFLOG_MALFORMED);
}

/*
 * Every service Postfix logs under is recognised, by the fast path or the
 * rest of the table alike, and means what it should: a delivery line is
 * an event from the delivery agents and the queue manager and ignored
 * from the others.  Near misses of each name are other programs.
 */
static void test_every_service(void **state)
{
	static const char *const event[] = { "smtp",  "lmtp",  "qmgr",    "oqmgr",   "error",
					     "retry", "local", "virtual", "discard", "pipe" };
	static const char *const ignored[] = {
		"smtpd",     "pickup",         "bounce",    "defer",      "trace",    "cleanup",
		"verify",    "postscreen",     "dnsblog",   "tlsproxy",   "anvil",    "scache",
		"master",    "postfix-script", "postlogd",  "postdrop",   "sendmail", "postqueue",
		"postsuper", "tlsmgr",         "proxymap",  "proxywrite", "showq",    "flush",
		"spawn",     "postmap",        "postalias", "policy-spf", "postconf",
	};
	const char *const *lists[] = { event, ignored };
	const size_t counts[] = { sizeof(event) / sizeof(event[0]),
				  sizeof(ignored) / sizeof(ignored[0]) };
	struct pflog_event ev;
	char line[512], name[64];

	(void)state;
	for (int l = 0; l < 2; l++) {
		for (size_t i = 0; i < counts[l]; i++) {
			const char *svc = lists[l][i];
			size_t n = strlen(svc);

			snprintf(line, sizeof(line),
				 "Nov 25 16:41:14 mx postfix/%s[7]: ABCDEF1234: to=<a@b>, "
				 "relay=h[1.2.3.4]:25, delay=1, delays=0/0/0/1, dsn=2.1.5, "
				 "status=deliverable (250 Ok)",
				 svc);
			if (parse(line, &ev) != (l == 0 ? PFLOG_EVENT : PFLOG_IGNORED))
				fail_msg("postfix/%s: %s", svc,
					 l == 0 ? "no event" : "not ignored");
			/* Look-alikes: one letter more, less, changed, or capitalised. */
			for (int k = 0; k < 5; k++) {
				int is_name = 0;

				if (k == 0)
					snprintf(name, sizeof(name), "%sx", svc);
				else if (k == 1)
					snprintf(name, sizeof(name), "%.*s", (int)n - 1, svc);
				else if (k == 2)
					snprintf(name, sizeof(name), "x%s", svc);
				else
					snprintf(name, sizeof(name), "%s", svc);
				if (k == 3)
					name[0] = (char)(name[0] - 'a' + 'A');
				if (k == 4)
					name[n - 1] =
						name[n - 1] == 'z' ? 'y' : (char)(name[n - 1] + 1);
				for (int m = 0; m < 2; m++)
					for (size_t j = 0; j < counts[m]; j++)
						is_name |= strcmp(name, lists[m][j]) == 0;
				if (is_name || *name == 0)
					continue;
				snprintf(line, sizeof(line),
					 "Nov 25 16:41:14 mx postfix/%s[7]: ABCDEF1234: to=<a@b>, "
					 "relay=h[1.2.3.4]:25, delay=1, delays=0/0/0/1, dsn=2.1.5, "
					 "status=deliverable (250 Ok)",
					 name);
				if (parse(line, &ev) != PFLOG_FOREIGN)
					fail_msg("postfix/%s taken as a Postfix service", name);
			}
		}
	}
}

/*
 * The service is after the last '/', wherever it falls (in a name Postfix's
 * syslog_name can give); the pid has 1 to 9 digits.
 */
static void test_service_and_pid_edges(void **state)
{
	static const struct {
		const char *prog, *pid;
		enum pflog_result want;
	} cases[] = {
		{ "postfix/smtp", "7", PFLOG_EVENT },
		{ "postfix/b/c/d/e/f/g/smtp", "123", PFLOG_EVENT },
		{ "postfix/smtp/x", "1", PFLOG_FOREIGN },
		{ "postfix-long-syslog-name/smtp", "99999", PFLOG_EVENT },
		{ "postfix/x/pickup", "5", PFLOG_IGNORED },
		{ "postfix/abcdefgh/smtp", "5", PFLOG_EVENT },
		{ "postfix/smtp/abcdefgh", "5", PFLOG_FOREIGN },
		{ "/smtp", "5", PFLOG_FOREIGN },
		{ "postfix/", "5", PFLOG_FOREIGN },
		{ "smtp", "5", PFLOG_FOREIGN },
		{ "postfix/smtp", "123456789", PFLOG_EVENT },
		{ "postfix/smtp", "1234567890", PFLOG_MALFORMED },
		{ "postfix/smtp", "12345678", PFLOG_EVENT },
		{ "postfix/smtp", "", PFLOG_MALFORMED },
		{ "postfix/smtp", "12a", PFLOG_MALFORMED },
		{ "postfix/smtp", "1234567\xb1", PFLOG_MALFORMED },
	};
	struct pflog_event ev;
	char line[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(line, sizeof(line),
			 "Nov 25 16:41:14 mx %s[%s]: ABCDEF1234: to=<a@b>, relay=h[1.2.3.4]:25, "
			 "delay=1, delays=0/0/0/1, dsn=2.1.5, status=deliverable (250 Ok)",
			 cases[i].prog, cases[i].pid);
		assert_int_equal(parse(line, &ev), cases[i].want);
		if (cases[i].want == PFLOG_EVENT) {
			assert_str(ev.service, "smtp");
			assert_str(ev.pid, cases[i].pid);
		}
	}
}

static void test_queue_events(void **state)
{
	struct pflog_event ev;

	(void)state;
	assert_int_equal(
		parse("Nov 25 16:41:14 mx postfix/qmgr[12773]: CB1223A942: "
		      "from=<address-verify@example.com>, size=227, nrcpt=1 (queue active)",
		      &ev),
		PFLOG_EVENT);
	assert_int_equal(ev.kind, PFE_QUEUE_ACTIVE);
	assert_str(ev.from, "address-verify@example.com");
	assert_int_equal(ev.size, 227);
	assert_int_equal(ev.nrcpt, 1);
	/* long queue IDs */
	assert_int_equal(parse("Nov 25 16:41:14 mx postfix/qmgr[1]: 4jZQvK2mTMz7xjR: from=<>, "
			       "size=300, nrcpt=2 (queue active)",
			       &ev),
			 PFLOG_EVENT);
	assert_str(ev.queue_id, "4jZQvK2mTMz7xjR");
	assert_str(ev.from, "");
	assert_int_equal(parse("Nov 25 16:41:14 mx postfix/qmgr[1]: 4jZQvK2mTMz7xjR: removed", &ev),
			 PFLOG_EVENT);
	assert_int_equal(ev.kind, PFE_REMOVED);
	/* qmgr's expiry line is not a queue-active event */
	assert_int_equal(parse("Nov 25 16:41:14 mx postfix/qmgr[1]: ABCDEF1234: from=<a@b>, "
			       "status=expired, returned to sender",
			       &ev),
			 PFLOG_IGNORED);
	assert_int_equal(parse("Nov 25 16:41:14 mx postfix/pickup[1906]: D18291020F7: uid=0 "
			       "from=<root>",
			       &ev),
			 PFLOG_EVENT);
	assert_int_equal(ev.kind, PFE_PICKUP);
	assert_int_equal(ev.uid, 0);
	assert_str(ev.from, "root");
	assert_int_equal(parse("Nov 25 16:41:14 mx postfix/bounce[1]: D18291020F7: sender delivery "
			       "status notification: E293A1020F8",
			       &ev),
			 PFLOG_EVENT);
	assert_int_equal(ev.kind, PFE_DSN_NOTICE);
	assert_str(ev.other_queue_id, "E293A1020F8");
}

static void test_delivery_variants(void **state)
{
	struct pflog_event ev;

	(void)state;
	assert_int_equal(
		parse("Nov 25 16:41:14 mx postfix/smtp[1]: ABCDEF1234: to=<a@example.com>, "
		      "orig_to=<alias@example.com>, relay=mx.example.com[2001:db8::25]:25, "
		      "conn_use=3, delay=0.1, delays=0/0/0/0.1, dsn=2.1.5, status=deliverable "
		      "(250 2.1.5 Ok)",
		      &ev),
		PFLOG_EVENT);
	assert_str(ev.orig_to, "alias@example.com");
	assert_str(ev.relay.addr, "2001:db8::25");
	assert_int_equal(ev.relay.port, 25);
	assert_int_equal(ev.conn_use, 3);
	assert_str(ev.reason, "250 2.1.5 Ok");
	assert_int_equal(parse("Nov 25 16:41:14 mx postfix/error[1]: 70F3F10246C: "
			       "to=<user2@example.com>, relay=none, delay=0, delays=0/0/0/0, "
			       "dsn=4.4.2, status=undeliverable (delivery temporarily suspended: "
			       "lost connection with 127.0.0.1[127.0.0.1] while sending RCPT TO)",
			       &ev),
			 PFLOG_EVENT);
	assert_int_equal(ev.relay.kind, PFR_NONE);
	assert_int_equal(parse("Nov 25 16:41:14 mx postfix/local[1]: ABCDEF1234: to=<u@mx>, "
			       "relay=local, delay=0, delays=0/0/0/0, dsn=5.1.1, "
			       "status=undeliverable-but-not-cached (unknown user: \"u\")",
			       &ev),
			 PFLOG_EVENT);
	assert_int_equal(ev.relay.kind, PFR_LOCAL);
	assert_int_equal(ev.status, PST_UNDELIVERABLE_NOT_CACHED);
	static const struct {
		const char *word;
		enum pflog_status st;
	} words[] = { { "sent", PST_SENT },
		      { "deferred", PST_DEFERRED },
		      { "bounced", PST_BOUNCED },
		      { "expired", PST_EXPIRED },
		      { "weird", PST_OTHER } };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		char line[300];

		snprintf(line, sizeof(line),
			 "Nov 25 16:41:14 mx postfix/lmtp[1]: ABCDEF1234: to=<a@b>, "
			 "relay=mail[private/dovecot-lmtp], delay=0, delays=0/0/0/0, dsn=2.0.0, "
			 "status=%s (x)",
			 words[i].word);
		assert_int_equal(parse(line, &ev), PFLOG_EVENT);
		assert_int_equal(ev.status, words[i].st);
	}
}

static void test_attempts_and_discard(void **state)
{
	struct pflog_event ev;

	(void)state;
	assert_int_equal(parse("Nov 25 16:41:14 mx postfix/relay/smtp[1]: 853011020F0: lost "
			       "connection with 127.0.0.1[127.0.0.1] while sending RCPT TO",
			       &ev),
			 PFLOG_EVENT);
	assert_int_equal(ev.kind, PFE_ATTEMPT);
	assert_str(ev.relay.host, "127.0.0.1");
	assert_int_equal(ev.relay.port, 0);
	assert_int_equal(parse("Nov 25 16:41:14 mx postfix/smtp[1]: 853011020F0: conversation with "
			       "h.example[192.0.2.1] timed out while sending MAIL FROM",
			       &ev),
			 PFLOG_EVENT);
	assert_int_equal(ev.kind, PFE_ATTEMPT);
	assert_int_equal(parse("Nov 25 16:41:14 mx postfix/smtp[1]: 853011020F0: Cannot start TLS: "
			       "handshake failure",
			       &ev),
			 PFLOG_EVENT);
	assert_int_equal(ev.kind, PFE_ATTEMPT);
	assert_int_equal(parse("Nov 25 16:41:14 mx postfix/relay/smtp[3912]: discarding EHLO "
			       "keywords: PIPELINING",
			       &ev),
			 PFLOG_EVENT);
	assert_int_equal(ev.kind, PFE_DISCARD_EHLO);
	assert_int_equal(ev.pipelining_discarded, 1);
	assert_int_equal(parse("Nov 25 16:41:14 mx postfix/smtp[3912]: discarding EHLO keywords: "
			       "CHUNKING",
			       &ev),
			 PFLOG_EVENT);
	assert_int_equal(ev.pipelining_discarded, 0);
	assert_int_equal(parse("Nov 25 16:41:14 mx postfix/smtp[1]: 853011020F0: enabling PIX "
			       "workarounds",
			       &ev),
			 PFLOG_IGNORED);
}

static void test_reject(void **state)
{
	struct pflog_event ev;

	(void)state;
	assert_int_equal(
		parse("Nov 25 16:41:17 mta postfix/smtpd[12781]: NOQUEUE: reject: RCPT from "
		      "client.example.org[198.51.100.7]: 450 4.1.1 <user@example.com>: Recipient "
		      "address rejected: unverified address: lost connection with "
		      "exchange.example.com[192.168.10.20] while sending RCPT TO; "
		      "from=<a@example.org> to=<user@example.com> proto=ESMTP "
		      "helo=<client.example.org>",
		      &ev),
		PFLOG_EVENT);
	assert_int_equal(ev.kind, PFE_REJECT);
	assert_str(ev.queue_id, "NOQUEUE");
	assert_str(ev.client_host, "client.example.org");
	assert_str(ev.client_addr, "198.51.100.7");
	assert_int_equal(ev.code, 450);
	assert_str(ev.enhanced, "4.1.1");
	assert_str(ev.rcpt, "user@example.com");
	assert_str(
		ev.reason,
		"lost connection with exchange.example.com[192.168.10.20] while sending RCPT TO");
	assert_str(ev.from, "a@example.org");
	assert_str(ev.to, "user@example.com");
	assert_str(ev.proto, "ESMTP");
	assert_str(ev.helo, "client.example.org");
	assert_int_equal(ev.reject_warning, 0);
	/* the 5xx wording, a queue ID, IPv6 client */
	assert_int_equal(
		parse("Nov 25 16:41:17 mta postfix/smtpd[1]: 0A1B2C3D4E5: reject: RCPT "
		      "from h[2001:db8::7]: 550 5.1.1 <u@example.com>: Recipient address "
		      "rejected: undeliverable address: host x[192.0.2.1] said: 550 5.1.1 "
		      "User unknown (in reply to RCPT TO command); from=<> to=<u@example.com> "
		      "proto=SMTP helo=<[IPv6:2001:db8::7]>",
		      &ev),
		PFLOG_EVENT);
	assert_int_equal(ev.undeliverable_wording, 1);
	assert_str(ev.client_addr, "2001:db8::7");
	assert_str(ev.from, "");
	assert_str(ev.helo, "[IPv6:2001:db8::7]");
	/* reject_warning */
	assert_int_equal(
		parse("Nov 25 16:41:17 mta postfix/smtpd[1]: NOQUEUE: reject_warning: RCPT "
		      "from h[192.0.2.7]: 450 4.1.1 <u@example.com>: Recipient address "
		      "rejected: unverified address: Address verification in progress; "
		      "from=<s@x> to=<u@example.com> proto=ESMTP helo=<h>",
		      &ev),
		PFLOG_EVENT);
	assert_int_equal(ev.reject_warning, 1);
	assert_str(ev.reason, "Address verification in progress");
	/* Other rejects are not ours. */
	assert_int_equal(parse("Nov 25 16:41:17 mta postfix/smtpd[1]: NOQUEUE: reject: RCPT from "
			       "h[192.0.2.7]: 554 5.7.1 <u@example.com>: Relay access denied; "
			       "from=<s@x> to=<u@example.com> proto=ESMTP helo=<h>",
			       &ev),
			 PFLOG_IGNORED);
}

static void test_sender_reject(void **state)
{
	struct pflog_event ev;

	(void)state;
	/* At RCPT (smtpd_delay_reject = yes, or a 4xx verdict): the reply names the sender. */
	assert_int_equal(
		parse("Nov 25 10:00:01 mta postfix/smtpd[24559]: NOQUEUE: reject: RCPT from "
		      "localhost[127.0.0.1]: 450 4.1.7 <someone@example.org>: Sender address "
		      "rejected: unverified address: lost connection with 127.0.0.1[127.0.0.1] "
		      "while sending RCPT TO; from=<someone@example.org> to=<rcpt@sink.test> "
		      "proto=ESMTP helo=<client.lab.test>",
		      &ev),
		PFLOG_EVENT);
	assert_int_equal(ev.kind, PFE_REJECT);
	assert_int_equal(ev.sender_reject, 1);
	assert_int_equal(ev.reject_at_mail, 0);
	assert_int_equal(ev.code, 450);
	assert_str(ev.enhanced, "4.1.7");
	assert_str(ev.rcpt, "someone@example.org");
	assert_str(ev.from, "someone@example.org");
	assert_str(ev.to, "rcpt@sink.test");
	assert_str(ev.reason, "lost connection with 127.0.0.1[127.0.0.1] while sending RCPT TO");
	assert_str(ev.helo, "client.lab.test");
	/* At MAIL (smtpd_delay_reject = no and a 5xx verdict): no to= at all. */
	assert_int_equal(
		parse("Nov 25 10:00:02 mta postfix/smtpd[1]: NOQUEUE: reject: MAIL from "
		      "localhost[127.0.0.1]: 550 5.1.7 <b@example.org>: Sender address rejected: "
		      "undeliverable address: host 127.0.0.1[127.0.0.1] said: 550 5.1.1 User "
		      "unknown (in reply to RCPT TO command); from=<b@example.org> proto=ESMTP "
		      "helo=<client.lab.test>",
		      &ev),
		PFLOG_EVENT);
	assert_int_equal(ev.sender_reject, 1);
	assert_int_equal(ev.reject_at_mail, 1);
	assert_int_equal(ev.undeliverable_wording, 1);
	assert_int_equal(ev.code, 550);
	assert_str(ev.from, "b@example.org");
	assert_int_equal(ev.to.len, 0);
	assert_str(ev.reason, "host 127.0.0.1[127.0.0.1] said: 550 5.1.1 User unknown (in "
			      "reply to RCPT TO command)");
	assert_str(ev.helo, "client.lab.test");
	/* The remote server's text imitating the envelope cannot move the split. */
	assert_int_equal(
		parse("Nov 25 10:00:03 mta postfix/smtpd[1]: 71B63102162: reject: RCPT from "
		      "h[192.0.2.7]: 450 4.1.7 <s@example.org>: Sender address rejected: "
		      "unverified address: host x[192.0.2.1] said: 450 busy; from=<forged@evil> "
		      "to=<r@sink.test> proto=ESMTP helo=< (in reply to RCPT TO command); "
		      "from=<s@example.org> to=<r@sink.test> proto=ESMTP helo=<h>",
		      &ev),
		PFLOG_EVENT);
	assert_str(ev.queue_id, "71B63102162");
	assert_str(ev.from, "s@example.org");
	assert_str(ev.helo, "h");
	assert_str(ev.reason, "host x[192.0.2.1] said: 450 busy; from=<forged@evil> "
			      "to=<r@sink.test> proto=ESMTP helo=< (in reply to RCPT TO command)");
	/* Other refusals at MAIL, and recipient wording at MAIL, are not ours. */
	assert_int_equal(parse("Nov 25 10:00:04 mta postfix/smtpd[1]: NOQUEUE: reject: MAIL from "
			       "h[192.0.2.7]: 553 5.7.1 <s@example.org>: Sender address rejected: "
			       "not logged in; from=<s@example.org> proto=ESMTP helo=<h>",
			       &ev),
			 PFLOG_IGNORED);
	assert_int_equal(parse("Nov 25 10:00:04 mta postfix/smtpd[1]: NOQUEUE: reject: MAIL from "
			       "h[192.0.2.7]: 450 4.1.1 <s@example.org>: Recipient address "
			       "rejected: unverified address: x; from=<s@example.org> "
			       "proto=ESMTP helo=<h>",
			       &ev),
			 PFLOG_IGNORED);
}

/* smtpd's reject line, with the reply's reason and envelope tail given. */
static enum pflog_result reject_line(const char *rcpt, const char *reason, const char *tail,
				     struct pflog_event *ev)
{
	static char line[4096];

	snprintf(line, sizeof(line),
		 "Nov 25 16:41:17 mta postfix/smtpd[1]: NOQUEUE: reject: RCPT from "
		 "client.example.net[198.51.100.7]: 450 4.1.1 <%s>: Recipient address rejected: "
		 "unverified address: %s%s",
		 rcpt, reason, tail);
	return parse(line, ev);
}

/*
 * Issue 11, defect 5: the downstream server writes the probe's reason,
 * so it can imitate the envelope tail that smtpd appends after it.  The
 * split is Postfix's last tail: the real sender, HELO and the whole
 * reason (which then still matches the probe's) whatever the reason holds.
 */
static void test_reject_forged_tail(void **state)
{
	static const char *tail = "; from=<real@example.net> to=<u@example.com> proto=ESMTP "
				  "helo=<client.example.net>";
	static const char *reasons[] = {
		/* the issue's: an open HELO that takes the rest of the line */
		"host mx[192.0.2.1] said: 450 4.2.0 busy; from=<forged@evil> to=<u@example.com> "
		"proto=ESMTP helo=< (in reply to RCPT TO command)",
		/* a complete fake tail, as the reason's very end */
		"host mx[192.0.2.1] said: 550 no; from=<forged@evil> to=<u@example.com> "
		"proto=ESMTP helo=<evil.example>",
		/* several, with unbalanced brackets and quotes */
		"host mx[192.0.2.1] said: 450 x; from=<a@evil> to=<u@example.com> proto=ESMTP "
		"helo=<<<x>; from=<\"b@evil> to=<u@example.com> helo=<>>; from=<c@evil> "
		"to=<u@example.com> proto=SMTP helo=<y> (in reply to RCPT TO command); "
		"from=<d@evil> to=<u@example.com> proto=ESMTP helo=<",
		/* a fake tail naming another recipient, and one cut short */
		"host mx[192.0.2.1] said: 450 x; from=<e@evil> to=<v@example.com> proto=ESMTP "
		"helo=<z>; from=<f@evil> to=<u@exa",
	};
	struct pflog_event ev;

	(void)state;
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		assert_int_equal(reject_line("u@example.com", reasons[i], tail, &ev), PFLOG_EVENT);
		assert_int_equal(ev.kind, PFE_REJECT);
		assert_str(ev.reason, reasons[i]);
		assert_str(ev.from, "real@example.net");
		assert_str(ev.to, "u@example.com");
		assert_str(ev.proto, "ESMTP");
		assert_str(ev.helo, "client.example.net");
	}
	/* The client's quoted sender holding "; from=<" does not move the split either. */
	assert_int_equal(reject_line("u@example.com",
				     "lost connection with x[192.0.2.1] while "
				     "sending RCPT TO",
				     "; from=<\"; from=<x\"@evil.example> to=<u@example.com> "
				     "proto=ESMTP helo=<h>",
				     &ev),
			 PFLOG_EVENT);
	assert_str(ev.reason, "lost connection with x[192.0.2.1] while sending RCPT TO");
	assert_str(ev.from, "\"; from=<x\"@evil.example");
	assert_str(ev.helo, "h");
	/* ... nor one that escapes a quote. */
	assert_int_equal(reject_line("u@example.com", "r; from=<\"",
				     "; from=<\"a\\\"; from=<\"@evil.example> to=<u@example.com> "
				     "proto=ESMTP helo=<h>",
				     &ev),
			 PFLOG_EVENT);
	assert_str(ev.reason, "r; from=<\"");
	assert_str(ev.from, "\"a\\\"; from=<\"@evil.example");
	/* The reply names the recipient in internal form, the tail in external form. */
	assert_int_equal(reject_line("john doe@example.com",
				     "r; from=<f@evil> to=<\"john "
				     "doe\"@example.com> proto=ESMTP helo=<e>",
				     "; from=<s@example.net> to=<\"john doe\"@example.com> "
				     "proto=ESMTP helo=<h>",
				     &ev),
			 PFLOG_EVENT);
	assert_str(ev.from, "s@example.net");
	assert_str(ev.to, "\"john doe\"@example.com");
	assert_str(ev.helo, "h");
	/* Postfix 3.10 and later log the SASL login after the HELO. */
	assert_int_equal(reject_line("u@example.com", reasons[1],
				     "; from=<s@example.net> to=<u@example.com> proto=ESMTP "
				     "helo=<h> sasl_method=PLAIN sasl_username=bob smith "
				     "sasl_sender=bob+40example.net",
				     &ev),
			 PFLOG_EVENT);
	assert_str(ev.reason, reasons[1]);
	assert_str(ev.from, "s@example.net");
	assert_str(ev.helo, "h");
	/* A line cut inside the real tail: the reason ends there, no forged sender. */
	assert_int_equal(reject_line("u@example.com", reasons[1], "; from=<real@exam", &ev),
			 PFLOG_EVENT);
	assert_str(ev.reason, reasons[1]);
	assert_str(ev.from, "");
	/* A refused sender, at RCPT and at MAIL: the real sender is the reply's. */
	assert_int_equal(
		parse("Nov 25 10:00:03 mta postfix/smtpd[1]: NOQUEUE: reject: RCPT from "
		      "h[192.0.2.7]: 450 4.1.7 <s@example.org>: Sender address rejected: "
		      "unverified address: host x[192.0.2.1] said: 450 busy; from=<s@example.org> "
		      "to=<forged@evil> proto=ESMTP helo=<evil>; from=<s@example.org> "
		      "to=<r@sink.test> proto=ESMTP helo=<h>",
		      &ev),
		PFLOG_EVENT);
	assert_str(ev.to, "r@sink.test");
	assert_str(ev.helo, "h");
	assert_str(ev.reason, "host x[192.0.2.1] said: 450 busy; from=<s@example.org> "
			      "to=<forged@evil> proto=ESMTP helo=<evil>");
	assert_int_equal(
		parse("Nov 25 10:00:02 mta postfix/smtpd[1]: NOQUEUE: reject: MAIL from "
		      "localhost[127.0.0.1]: 550 5.1.7 <b@example.org>: Sender address rejected: "
		      "undeliverable address: host x said: 550 no; from=<b@example.org> "
		      "proto=ESMTP helo=<evil>; from=<b@example.org> proto=ESMTP helo=<h>",
		      &ev),
		PFLOG_EVENT);
	assert_int_equal(ev.reject_at_mail, 1);
	assert_str(ev.reason, "host x said: 550 no; from=<b@example.org> proto=ESMTP helo=<evil>");
	assert_str(ev.helo, "h");
}

static void test_hostile_fields(void **state)
{
	struct pflog_event ev;

	(void)state;
	/* A quoted local part that imitates the following fields. */
	assert_int_equal(parse("Nov 25 16:41:14 mx postfix/smtp[1]: ABCDEF1234: to=<\"x>, "
			       "relay=evil[6.6.6.6]:25, status=deliverable (ok\"@example.com>, "
			       "relay=good[192.0.2.1]:25, delay=0, delays=0/0/0/0, dsn=4.4.2, "
			       "status=undeliverable (lost connection with good[192.0.2.1] while "
			       "sending RCPT TO)",
			       &ev),
			 PFLOG_EVENT);
	assert_str(ev.to, "\"x>, relay=evil[6.6.6.6]:25, status=deliverable (ok\"@example.com");
	assert_str(ev.relay.host, "good");
	assert_int_equal(ev.status, PST_UNDELIVERABLE);
	/*
	 * Text that imitates the envelope before Postfix's own tail: Postfix
	 * neuters the HELO (no space, '<', ';' or '@' since 2.1), so this can
	 * only be a reason that ends in a fake tail; the last tail is Postfix's.
	 */
	assert_int_equal(
		parse("Nov 25 16:41:17 mta postfix/smtpd[1]: NOQUEUE: reject: RCPT from "
		      "h[192.0.2.7]: 450 4.1.1 <u@example.com>: Recipient address rejected: "
		      "unverified address: lost connection with x[192.0.2.1] while sending "
		      "RCPT TO; from=<s@x> to=<u@example.com> proto=ESMTP helo=<a; from=<b> "
		      "to=<u@example.com> proto=ESMTP helo=<c>",
		      &ev),
		PFLOG_EVENT);
	assert_str(ev.reason, "lost connection with x[192.0.2.1] while sending RCPT TO; "
			      "from=<s@x> to=<u@example.com> proto=ESMTP helo=<a");
	assert_str(ev.from, "b");
	assert_str(ev.helo, "c");
	/* A HELO Postfix could not have logged (spaces) is still read, leniently. */
	assert_int_equal(
		parse("Nov 25 16:41:17 mta postfix/smtpd[1]: NOQUEUE: reject: RCPT from "
		      "h[192.0.2.7]: 450 4.1.1 <u@example.com>: Recipient address rejected: "
		      "unverified address: lost connection with x[192.0.2.1] while sending "
		      "RCPT TO; from=<s@x> to=<u@example.com> proto=ESMTP helo=<a; from=<b> "
		      "to=<other@example.com> proto=ESMTP helo=<c>",
		      &ev),
		PFLOG_EVENT);
	assert_str(ev.reason, "lost connection with x[192.0.2.1] while sending RCPT TO");
	assert_str(ev.from, "s@x");
	assert_str(ev.helo, "a; from=<b> to=<other@example.com> proto=ESMTP helo=<c");
	/* Truncated lines are not events, and do not crash. */
	const char *full = "Nov 25 16:41:14 mx postfix/smtp[1]: ABCDEF1234: to=<a@example.com>, "
			   "relay=h[192.0.2.1]:25, delay=0, delays=0/0/0/0, dsn=4.4.2, "
			   "status=undeliverable (lost connection with h[192.0.2.1] while sending "
			   "RCPT TO)";
	for (size_t n = 0; n <= strlen(full); n++) {
		char *copy = malloc(n ? n : 1); /* exact size: ASan catches overreads */

		memcpy(copy, full, n);
		(void)pflog_parse(parser, copy, n, &ev);
		free(copy);
	}
}

static void test_many_envelope_lookalikes(void **state)
{
	const char *head = "Nov 25 16:41:17 mta postfix/smtpd[1]: NOQUEUE: reject: RCPT from "
			   "h[192.0.2.7]: 450 4.1.1 <u@example.com>: Recipient address rejected: "
			   "unverified address: x";
	size_t n = strlen(head), len = n + 8 * 20000;
	char *line = malloc(len);
	struct pflog_event ev;

	(void)state;
	memcpy(line, head, n);
	for (size_t i = n; i + 8 <= len; i += 8)
		memcpy(line + i, "; from=<", 8);
	/*
	 * Still an event, read in linear time (a quadratic scan takes seconds
	 * here); no tail reads cleanly, so the line is cut at the last one.
	 */
	assert_int_equal(pflog_parse(parser, line, len, &ev), PFLOG_EVENT);
	assert_int_equal(ev.kind, PFE_REJECT);
	assert_int_equal(ev.reason.len, 1 + 8 * 19999);
	assert_int_equal(ev.reason.p[0], 'x');
	assert_int_equal(ev.from.len, 0);
	free(line);
}

static void test_random_bytes(void **state)
{
	struct pflog_event ev;
	uint32_t x = 12345;
	const char *prefix = "Nov 25 16:41:14 mx postfix/smtp[1]: ABCDEF1234: to=<";

	(void)state;
	/* Deterministic junk, with and without a valid header in front. */
	for (int round = 0; round < 20000; round++) {
		size_t n = 0, plen = round % 2 ? strlen(prefix) : 0;
		size_t len;
		char *buf;

		x = x * 1103515245 + 12345;
		len = plen + (x >> 16) % 300;
		buf = malloc(len ? len : 1);
		memcpy(buf, prefix, plen);
		for (n = plen; n < len; n++) {
			x = x * 1103515245 + 12345;
			buf[n] = (char)(x >> 24);
			if ((x >> 8) % 7 == 0)
				buf[n] = "<>[]:, ()\"\\=;"[(x >> 12) % 13];
		}
		(void)pflog_parse(parser, buf, len, &ev);
		free(buf);
	}
}

static void test_huge_line(void **state)
{
	struct pflog_event ev;
	size_t len = 4 * 1024 * 1024;
	char *line = malloc(len);
	const char *head = "Nov 25 16:41:14 mx postfix/smtp[1]: ABCDEF1234: to=<a@example.com>, "
			   "relay=h[192.0.2.1]:25, delay=0, delays=0/0/0/0, dsn=4.4.2, "
			   "status=undeliverable (";

	(void)state;
	memcpy(line, head, strlen(head));
	memset(line + strlen(head), 'x', len - strlen(head) - 1);
	line[len - 1] = ')';
	assert_int_equal(pflog_parse(parser, line, len, &ev), PFLOG_EVENT);
	assert_int_equal(ev.reason.len, len - strlen(head) - 1);
	free(line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_status_line),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_program_names),
		cmocka_unit_test(test_every_service),
		cmocka_unit_test(test_service_and_pid_edges),
		cmocka_unit_test(test_queue_events),
		cmocka_unit_test(test_delivery_variants),
		cmocka_unit_test(test_attempts_and_discard),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_sender_reject),
		cmocka_unit_test(test_reject_forged_tail),
		cmocka_unit_test(test_hostile_fields),
		cmocka_unit_test(test_many_envelope_lookalikes),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_huge_line),
	};

	return cmocka_run_group_tests_name("pflog", tests, setup, teardown);
}
