/*
 * test_corr - the correlator, driven through the engine with log lines:
 * linking rejects to probes, the pipelining window, recovery, connection
 * reuse, expiry and bounded memory.
 */
#include "testutil.h"

#include "remedy.h"

#include <stdio.h>

static struct collected got;

static int teardown(void **state)
{
	(void)state;
	collected_clear(&got);
	return 0;
}

/* hh:mm:ss of Nov 25 2026 from a second count. */
static const char *at(int sec)
{
	static char buf[4][32];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "Nov 25 %02d:%02d:%02d", sec / 3600 % 24, sec / 60 % 60,
		 sec % 60);
	return buf[i];
}

static void probe(struct engine *e, int sec, const char *qid, const char *rcpt, int pid,
		  const char *relay, const char *dsn, const char *status, const char *reason)
{
	char line[1024];

	snprintf(line, sizeof(line),
		 "%s mta postfix/qmgr[10]: %s: from=<address-verify@example.com>, size=227, "
		 "nrcpt=1 (queue active)",
		 at(sec), qid);
	feed(e, line);
	snprintf(line, sizeof(line),
		 "%s mta postfix/smtp[%d]: %s: to=<%s>, relay=%s, delay=0.01, delays=0/0/0/0, "
		 "dsn=%s, status=%s (%s)",
		 at(sec), pid, qid, rcpt, relay, dsn, status, reason);
	feed(e, line);
	snprintf(line, sizeof(line), "%s mta postfix/qmgr[10]: %s: removed", at(sec), qid);
	feed(e, line);
}

#define EXCH  "exchange.example.com[192.168.10.20]:25"
#define LOST  "lost connection with exchange.example.com[192.168.10.20] while sending RCPT TO"
#define OK250 "250 2.1.5 Recipient OK"

static void fail_probe(struct engine *e, int sec, const char *qid, const char *rcpt)
{
	probe(e, sec, qid, rcpt, 100, EXCH, "4.4.2", "undeliverable", LOST);
}

static void reject(struct engine *e, int sec, const char *rcpt, const char *reason)
{
	char line[1024];

	snprintf(line, sizeof(line),
		 "%s mta postfix/smtpd[20]: NOQUEUE: reject: RCPT from "
		 "client.example.org[198.51.100.7]: 450 4.1.1 <%s>: Recipient address rejected: "
		 "unverified address: %s; from=<a@example.org> to=<%s> proto=ESMTP "
		 "helo=<client.example.org>",
		 at(sec), rcpt, reason, rcpt);
	feed(e, line);
}

static void test_seed_scenario(void **state)
{
	struct engine *e = test_engine(&got, NULL);
	json_t *a;

	(void)state;
	fail_probe(e, 60000, "CB1223A942", "user@example.com");
	reject(e, 60003, "user@example.com", LOST);
	fail_probe(e, 60004, "5E2C61020F4", "user2@example.com");
	reject(e, 60006, "user2@example.com", LOST);
	assert_int_equal(count_event(&got, "probe_failed"), 2);
	assert_int_equal(count_event(&got, "recipient_rejected"), 2);
	assert_int_equal(count_event(&got, "pipelining_suspected"), 1);
	a = find_event(&got, "probe_failed", 0);
	assert_string_equal(field_str(a, "failure_class"), "lost_connection");
	assert_string_equal(field_str(a, "smtp_stage"), "rcpt");
	assert_string_equal(field_str(a, "suspected_cause"), "pipelined_quit");
	assert_string_equal(field_str(a, "postfix_from"), "address-verify@example.com");
	assert_string_equal(field_str(a, "probe_source"), "verify");
	assert_non_null(strstr(field_str(a, "remediation"), "192.168.10.20/32 pipelining"));
	assert_non_null(
		strstr(field_str(a, "remediation"), "smtp_discard_ehlo_keyword_address_maps"));
	assert_non_null(strstr(field_str(a, "remediation"), "postfix reload"));
	assert_non_null(strstr(field_str(a, "remediation"), "verify cache"));
	a = find_event(&got, "recipient_rejected", 0);
	assert_string_equal(field_str(a, "probe_queueid"), "CB1223A942");
	assert_string_equal(field_str(a, "postfix_helo"), "client.example.org");
	assert_string_equal(field_str(a, "postfix_client_ip"), "198.51.100.7");
	assert_int_equal(field_int(a, "postfix_status_code"), 450);
	assert_string_equal(field_str(a, "source"), "log");
	a = find_event(&got, "pipelining_suspected", 0);
	assert_string_equal(field_str(a, "severity"), "critical");
	assert_int_equal(field_int(a, "count"), 2);
	assert_int_equal(field_int(a, "window_seconds"), 600);
	assert_int_equal(field_int(a, "postfix_relay_port"), 25);
	assert_int_equal(json_array_size(json_object_get(a, "recipients")), 2);
	/* The full remediation, once per window: how to flush the cache too. */
	assert_non_null(strstr(field_str(a, "remediation"), "192.168.10.20/32 pipelining"));
	assert_non_null(
		strstr(field_str(a, "remediation"), "smtp_discard_ehlo_keywords=pipelining"));
	assert_non_null(strstr(field_str(a, "remediation"), "btree:/var/lib/postfix/verify_cache"));
	a = find_event(&got, "recipient_rejected", 3);
	assert_string_equal(field_str(a, "probe_queueid"), "5E2C61020F4");
	engine_free(e);
}

static void test_severity_of_refused_probes(void **state)
{
	struct engine *e = test_engine(&got, NULL);

	(void)state;
	/* Greylisting: real mail is refused until it passes, and the fix is downstream. */
	probe(e, 100, "G00000001", "grey@example.com", 100, EXCH, "4.2.0", "undeliverable",
	      "host exchange.example.com[192.168.10.20] said: 450 4.2.0 Greylisted, try again "
	      "later (in reply to RCPT TO command)");
	reject(e, 101, "grey@example.com",
	       "host exchange.example.com[192.168.10.20] said: 450 4.2.0 Greylisted, try again "
	       "later (in reply to RCPT TO command)");
	assert_string_equal(field_str(find_event(&got, "probe_failed", 0), "severity"), "warning");
	assert_string_equal(field_str(find_event(&got, "recipient_rejected", 0), "severity"),
			    "warning");
	collected_clear(&got);
	/* "User unknown": refusing the mail is right, news only. */
	probe(e, 102, "G00000002", "nobody@example.com", 100, EXCH, "5.1.1", "undeliverable",
	      "host exchange.example.com[192.168.10.20] said: 550 5.1.1 User unknown (in reply "
	      "to RCPT TO command)");
	assert_string_equal(field_str(find_event(&got, "probe_failed", 0), "severity"), "info");
	engine_free(e);
}

/* smtpd refusing a sender at RCPT (to= given) or at MAIL (to NULL). */
static void sender_reject(struct engine *e, int sec, const char *qid, const char *code,
			  const char *sender, const char *to, const char *reason)
{
	char line[1024], tail[400];

	if (to)
		snprintf(tail, sizeof(tail), "from=<%s> to=<%s>", sender, to);
	else
		snprintf(tail, sizeof(tail), "from=<%s>", sender);
	snprintf(line, sizeof(line),
		 "%s mta postfix/smtpd[20]: %s: reject: %s from localhost[127.0.0.1]: %s <%s>: "
		 "Sender address rejected: %s address: %s; %s proto=ESMTP helo=<client.lab.test>",
		 at(sec), qid, to ? "RCPT" : "MAIL", code, sender,
		 code[0] == '5' ? "undeliverable" : "unverified", reason, tail);
	feed(e, line);
}

struct relay_seen {
	const struct relay *r;
	size_t n;
};

static void one_relay(const struct relay *r, void *ctx)
{
	struct relay_seen *s = ctx;

	s->r = r;
	s->n++;
}

static void test_sender_rejected(void **state)
{
	struct engine *e = test_engine(&got, NULL);
	struct relay_seen seen = { 0 };
	struct corr_counts cc;
	json_t *a;

	(void)state;
	/* The probe of a sender looks like any probe: to= is the sender. */
	fail_probe(e, 1000, "C1DA010215F", "someone@example.org");
	collected_clear(&got);
	sender_reject(e, 1001, "NOQUEUE", "450 4.1.7", "someone@example.org", "rcpt@sink.test",
		      LOST);
	/* A refused sender is never a refused recipient. */
	assert_int_equal(got.n, 1);
	a = got.alert[0];
	assert_string_equal(field_str(a, "event"), "sender_rejected");
	assert_string_equal(field_str(a, "severity"), "warning");
	assert_string_equal(field_str(a, "postfix_from"), "someone@example.org");
	assert_string_equal(field_str(a, "postfix_to"), "rcpt@sink.test");
	assert_string_equal(field_str(a, "postfix_smtp_stage"), "RCPT");
	assert_int_equal(field_int(a, "postfix_status_code"), 450);
	assert_string_equal(field_str(a, "postfix_status_code_enhanced"), "4.1.7");
	assert_string_equal(field_str(a, "postfix_client_ip"), "127.0.0.1");
	assert_string_equal(field_str(a, "postfix_helo"), "client.lab.test");
	assert_string_equal(field_str(a, "failure_class"), "lost_connection");
	assert_string_equal(field_str(a, "smtp_stage"), "rcpt");
	assert_string_equal(field_str(a, "probe_queueid"), "C1DA010215F");
	assert_string_equal(field_str(a, "postfix_relay_ip"), "192.168.10.20");
	assert_string_equal(field_str(a, "suspected_cause"), "pipelined_quit");
	/* The fix is on this side, the server is the sender domain's. */
	assert_non_null(strstr(field_str(a, "remediation"), "sender's domain"));
	assert_non_null(strstr(field_str(a, "remediation"), "192.168.10.20/32 pipelining"));
	assert_string_equal(field_str(a, "source"), "log");
	/* Answered from the cache, in a session whose first recipient was accepted. */
	sender_reject(e, 1002, "71B63102162", "450 4.1.7", "Someone@example.org",
		      "strict@sink.test", LOST);
	a = got.alert[1];
	assert_string_equal(field_str(a, "event"), "sender_rejected");
	assert_string_equal(field_str(a, "postfix_queueid"), "71B63102162");
	assert_string_equal(field_str(a, "probe_queueid"), "C1DA010215F");
	/* At MAIL (smtpd_delay_reject = no, 5xx): no recipient yet; user unknown is news. */
	probe(e, 1003, "D2EB02030A1", "gone@example.org", 100, EXCH, "5.1.1", "undeliverable",
	      "host exchange.example.com[192.168.10.20] said: 550 5.1.1 User unknown (in reply "
	      "to RCPT TO command)");
	sender_reject(e, 1004, "NOQUEUE", "550 5.1.7", "gone@example.org", NULL,
		      "host exchange.example.com[192.168.10.20] said: 550 5.1.1 User unknown (in "
		      "reply to RCPT TO command)");
	a = got.alert[got.n - 1];
	assert_string_equal(field_str(a, "event"), "sender_rejected");
	assert_string_equal(field_str(a, "severity"), "info");
	assert_true(json_is_null(json_object_get(a, "postfix_to")));
	assert_string_equal(field_str(a, "postfix_smtp_stage"), "MAIL");
	assert_string_equal(field_str(a, "probe_queueid"), "D2EB02030A1");
	assert_null(json_object_get(a, "remediation"));
	/* And a recipient of the same server refused, counted apart. */
	fail_probe(e, 1005, "E3FC1304B2", "user@example.com");
	reject(e, 1006, "user@example.com", LOST);
	assert_int_equal(count_event(&got, "recipient_rejected"), 1);
	assert_int_equal(count_event(&got, "sender_rejected"), 3);
	corr_counts(engine_corr(e), &cc);
	assert_int_equal(cc.rejects, 1);
	assert_int_equal(cc.sender_rejects, 3);
	relay_walk(corr_relays(engine_corr(e)), one_relay, &seen);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.r->sender_rejects, 3);
	assert_int_equal(seen.r->sender_probes, 2); /* C1DA010215F and D2EB02030A1 */
	assert_int_equal(seen.r->recipient_rejects, 1);
	assert_string_equal(seen.r->sender_domain, "example.org");
	assert_int_equal(seen.r->other_sender_domains, 0);
	engine_free(e);
}

static void test_window_and_threshold(void **state)
{
	struct engine *e =
		test_engine(&got, "pipelining_threshold=3", "pipelining_window=10m", NULL);

	(void)state;
	/* 3 failures, but never 3 within 10 minutes. */
	fail_probe(e, 1000, "A00000001", "a@example.com");
	fail_probe(e, 1400, "A00000002", "b@example.com");
	fail_probe(e, 1700, "A00000003", "c@example.com");
	assert_int_equal(count_event(&got, "pipelining_suspected"), 0);
	/* A third within the window of the previous two. */
	fail_probe(e, 1800, "A00000004", "d@example.com");
	assert_int_equal(count_event(&got, "pipelining_suspected"), 1);
	assert_int_equal(field_int(find_event(&got, "pipelining_suspected", 0), "count"), 3);
	/* More in the same window: no second alert. */
	for (int i = 0; i < 5; i++) {
		char qid[32];

		snprintf(qid, sizeof(qid), "B0000000%d", i);
		fail_probe(e, 1810 + i, qid, "e@example.com");
	}
	assert_int_equal(count_event(&got, "pipelining_suspected"), 1);
	/* A window later it is raised again. */
	fail_probe(e, 2500, "C00000001", "f@example.com");
	fail_probe(e, 2501, "C00000002", "g@example.com");
	fail_probe(e, 2502, "C00000003", "h@example.com");
	assert_int_equal(count_event(&got, "pipelining_suspected"), 2);
	engine_free(e);
}

static void test_connection_reuse_is_not_recovery(void **state)
{
	struct engine *e = test_engine(&got, NULL);
	char line[512];

	(void)state;
	fail_probe(e, 100, "D00000001", "a@example.com");
	fail_probe(e, 101, "D00000002", "b@example.com");
	assert_int_equal(count_event(&got, "pipelining_suspected"), 1);
	/* Queued probes succeed over a kept connection: still broken. */
	probe(e, 102, "D00000003", "c@example.com", 101, EXCH ", conn_use=2", "2.1.5",
	      "deliverable", OK250);
	probe(e, 103, "D00000004", "d@example.com", 101, EXCH, "2.1.5", "deliverable", OK250);
	assert_int_equal(count_event(&got, "relay_recovered"), 0);
	/* The fix: that process discards PIPELINING, then its probe succeeds. */
	snprintf(line, sizeof(line),
		 "%s mta postfix/smtp[102]: discarding EHLO keywords: PIPELINING", at(200));
	feed(e, line);
	/* Another process without the fix proves nothing. */
	probe(e, 201, "D00000005", "e@example.com", 103, EXCH, "2.1.5", "deliverable", OK250);
	assert_int_equal(count_event(&got, "relay_recovered"), 0);
	probe(e, 202, "D00000006", "f@example.com", 102, EXCH, "2.1.5", "deliverable", OK250);
	assert_int_equal(count_event(&got, "relay_recovered"), 1);
	json_t *a = find_event(&got, "relay_recovered", 0);

	assert_string_equal(field_str(a, "recovery"), "pipelining_discarded");
	assert_int_equal(field_int(a, "previous_failures"), 2);
	engine_free(e);
}

static void test_recovery_after_clean_window(void **state)
{
	struct engine *e = test_engine(&got, NULL);

	(void)state;
	fail_probe(e, 100, "E00000001", "a@example.com");
	fail_probe(e, 101, "E00000002", "b@example.com");
	probe(e, 500, "E00000003", "c@example.com", 101, EXCH, "2.1.5", "deliverable", OK250);
	assert_int_equal(count_event(&got, "relay_recovered"), 0);
	probe(e, 800, "E00000004", "d@example.com", 101, EXCH, "2.1.5", "deliverable", OK250);
	assert_int_equal(count_event(&got, "relay_recovered"), 1);
	assert_string_equal(field_str(find_event(&got, "relay_recovered", 0), "recovery"),
			    "window_clean");
	engine_free(e);
}

static void test_discarded_pipelining_is_not_the_cause(void **state)
{
	struct engine *e = test_engine(&got, NULL);
	char line[512];

	(void)state;
	for (int i = 0; i < 3; i++) {
		char qid[32];

		snprintf(line, sizeof(line),
			 "%s mta postfix/smtp[300]: discarding EHLO keywords: PIPELINING",
			 at(10 + i));
		feed(e, line);
		snprintf(qid, sizeof(qid), "F0000000%d", i);
		probe(e, 10 + i, qid, "a@example.com", 300, EXCH, "4.4.2", "undeliverable", LOST);
	}
	assert_int_equal(count_event(&got, "probe_failed"), 3);
	assert_null(json_object_get(got.alert[0], "suspected_cause"));
	assert_true(json_is_true(json_object_get(got.alert[0], "pipelining_discarded")));
	assert_int_equal(count_event(&got, "pipelining_suspected"), 0);
	engine_free(e);
}

static void test_suspect_success(void **state)
{
	struct engine *e = test_engine(&got, NULL);
	json_t *a;

	(void)state;
	probe(e, 10, "G00000001", "any@example.net", 400, "127.0.0.1[127.0.0.1]:2534", "2.0.0",
	      "deliverable", "221 2.0.0 Service closing transmission channel");
	assert_int_equal(got.n, 1);
	a = got.alert[0];
	assert_string_equal(field_str(a, "event"), "probe_suspect_success");
	assert_string_equal(field_str(a, "severity"), "critical");
	assert_string_equal(field_str(a, "failure_class"), "suspect_success");
	assert_string_equal(field_str(a, "suspected_cause"), "pipelined_quit");
	engine_free(e);
}

static void test_link_later_and_expiry(void **state)
{
	struct engine *e = test_engine(&got, "state_max_age=1h", NULL);
	json_t *a;

	(void)state;
	fail_probe(e, 1000, "H00000001", "User@Example.com");
	/* From the verify cache, 50 minutes later, different case. */
	reject(e, 4000, "user@example.com", LOST);
	a = find_event(&got, "recipient_rejected", 0);
	assert_string_equal(field_str(a, "probe_queueid"), "H00000001");
	collected_clear(&got);
	/* A different recipient with the same reason: linked by the reason, and said so. */
	reject(e, 4001, "alias@example.com", LOST);
	assert_string_equal(field_str(got.alert[0], "probe_queueid"), "H00000001");
	assert_string_equal(field_str(got.alert[0], "link"), "reason_only");
	collected_clear(&got);
	/* A different reason for that recipient: no link. */
	reject(e, 4002, "user@example.com", "host h[192.0.2.1] said: 550 5.1.1 User unknown");
	assert_null(json_object_get(got.alert[0], "probe_queueid"));
	collected_clear(&got);
	/* Address verification in progress is never linked. */
	reject(e, 4003, "user@example.com", "Address verification in progress");
	assert_string_equal(field_str(got.alert[0], "failure_class"), "in_progress");
	assert_string_equal(field_str(got.alert[0], "severity"), "info");
	assert_null(json_object_get(got.alert[0], "probe_queueid"));
	collected_clear(&got);
	/*
	 * Two hours on, the verdict has expired; the recent failures still
	 * hold this recipient's probe, its queue ID and its server.
	 */
	reject(e, 1000 + 7200 + 120, "user@example.com", LOST);
	a = got.alert[0];
	assert_string_equal(field_str(a, "probe_queueid"), "H00000001");
	assert_null(json_object_get(a, "link"));
	assert_string_equal(field_str(a, "postfix_relay_ip"), "192.168.10.20");
	assert_int_equal(field_int(a, "postfix_relay_port"), 25);
	engine_free(e);
}

static void test_bounded_memory(void **state)
{
	struct engine *e = test_engine(&got, "state_max_entries=16", NULL);
	struct corr_counts cc;
	char line[512];

	(void)state;
	for (int i = 0; i < 1000; i++) {
		snprintf(line, sizeof(line),
			 "%s mta postfix/qmgr[10]: %010X: from=<s@example.com>, size=1, nrcpt=1 "
			 "(queue active)",
			 at(10), 0x100000 + i);
		feed(e, line);
		snprintf(line, sizeof(line),
			 "%s mta postfix/smtp[5]: %010X: to=<r%d@example.com>, "
			 "relay=h%d[192.0.2.%d]:25, "
			 "delay=0, delays=0/0/0/0, dsn=2.1.5, status=deliverable (250 Ok)",
			 at(10), 0x200000 + i, i, i, i % 250);
		feed(e, line);
	}
	corr_counts(engine_corr(e), &cc);
	assert_true(cc.queue_ids <= 16);
	assert_true(cc.recipients <= 16);
	assert_true(cc.relays <= 16);
	assert_true(cc.dropped >= 3 * (1000 - 16));
	assert_int_equal(cc.probes, 1000);
	engine_free(e);
}

/* What the refusals of the eviction test were linked to. */
struct link_tally {
	int exact, reason_only, wrong, unlinked;
};

static void tally_reject(void *ctx, struct alert *al)
{
	struct link_tally *t = ctx;
	size_t len;
	char *json = alert_render(al, &len), want[16];
	json_t *a = json_loads(json, 0, NULL);
	const char *to, *qid, *link;
	int n;

	assert_non_null(a);
	free(json);
	if (strcmp(field_str(a, "event"), "recipient_rejected") == 0) {
		to = field_str(a, "postfix_to");
		qid = field_str(a, "probe_queueid");
		link = field_str(a, "link");
		assert_int_equal(sscanf(to, "r%d@", &n), 1);
		snprintf(want, sizeof(want), "%010X", 0x300000 + n);
		if (qid == NULL)
			t->unlinked++;
		else if (link && strcmp(link, "reason_only") == 0)
			t->reason_only++;
		else if (link == NULL && strcmp(qid, want) == 0)
			t->exact++;
		else
			t->wrong++; /* another recipient's probe, and nothing says so */
	}
	json_decref(a);
}

/*
 * Issue 11, defect 6, at a small scale: 600 recipients' probes fail the
 * same way, then each is refused.  state_max_entries = 16 keeps 16
 * verdicts and the ring of recent failures the last 256 probes, so the
 * first 344 refusals can only be linked by their reason, to another
 * recipient's probe: each such link says so; every other refusal names
 * its own probe (the old code linked 584 to the last recipient's probe,
 * silently).
 */
static void test_links_after_eviction(void **state)
{
	struct config *cf = config_new();
	struct link_tally t = { 0 };
	struct engine *e;
	char rcpt[32], qid[16];

	(void)state;
	assert_int_equal(config_set(cf, "log_timezone", "UTC", NULL), 0);
	assert_int_equal(config_override(cf, "state_max_entries=16"), 0);
	e = engine_create(cf, tally_reject, &t);
	engine_set_reference(e, 1798761600);
	config_free(cf);
	for (int i = 0; i < 600; i++) {
		snprintf(rcpt, sizeof(rcpt), "r%d@example.com", i);
		snprintf(qid, sizeof(qid), "%010X", 0x300000 + i);
		fail_probe(e, 1000 + i / 10, qid, rcpt);
	}
	for (int i = 0; i < 600; i++) {
		snprintf(rcpt, sizeof(rcpt), "r%d@example.com", i);
		reject(e, 1100 + i / 10, rcpt, LOST);
	}
	assert_int_equal(t.wrong, 0);
	assert_int_equal(t.unlinked, 0);
	assert_int_equal(t.reason_only, 600 - 256);
	assert_int_equal(t.exact, 256);
	engine_free(e);
}

/* A probe of the rewritten address (orig_to= the refused one) is an exact link. */
static void test_link_through_orig_to(void **state)
{
	struct engine *e = test_engine(&got, NULL);
	json_t *a;

	(void)state;
	feed(e, "Nov 25 10:00:00 mta postfix/qmgr[10]: AB12CD34EF: "
		"from=<address-verify@example.com>, size=227, nrcpt=1 (queue active)");
	feed(e, "Nov 25 10:00:00 mta postfix/smtp[100]: AB12CD34EF: to=<user@internal.example>, "
		"orig_to=<user@example.com>, relay=" EXCH ", delay=0.01, delays=0/0/0/0, "
		"dsn=4.4.2, status=undeliverable (" LOST ")");
	/* and a later probe of someone else, failing the same way */
	fail_probe(e, 36001, "BC23DE45F0", "other@example.com");
	reject(e, 36002, "user@example.com", LOST);
	a = find_event(&got, "recipient_rejected", 0);
	assert_non_null(a);
	assert_string_equal(field_str(a, "probe_queueid"), "AB12CD34EF");
	assert_null(json_object_get(a, "link"));
	/* Nobody's address: the newest probe with that reason, said to be a guess. */
	reject(e, 36003, "stranger@example.com", LOST);
	a = find_event(&got, "recipient_rejected", got.n - 1);
	assert_string_equal(field_str(a, "probe_queueid"), "BC23DE45F0");
	assert_string_equal(field_str(a, "link"), "reason_only");
	engine_free(e);
}

static void test_removed_frees_queue_ids(void **state)
{
	struct engine *e = test_engine(&got, NULL);
	struct corr_counts cc;

	(void)state;
	for (int i = 0; i < 100; i++) {
		char qid[32];

		snprintf(qid, sizeof(qid), "%010X", 0x300000 + i);
		probe(e, 10, qid, "a@example.com", 5, EXCH, "2.1.5", "deliverable", OK250);
	}
	corr_counts(engine_corr(e), &cc);
	assert_int_equal(cc.queue_ids, 0);
	assert_int_equal(cc.recipients, 1);
	engine_free(e);
}

static void test_sendmail_bv_and_real_mail(void **state)
{
	struct engine *e = test_engine(&got, NULL);

	(void)state;
	feed(e, "Nov 25 10:00:00 mta postfix/pickup[1906]: D18291020F7: uid=0 from=<root>");
	feed(e, "Nov 25 10:00:00 mta postfix/qmgr[10]: D18291020F7: from=<root@mta.example.com>, "
		"size=263, nrcpt=1 (queue active)");
	feed(e, "Nov 25 10:00:00 mta postfix/smtp[15195]: D18291020F7: to=<user@example.com>, "
		"relay=" EXCH ", delay=0.02, delays=0.01/0/0/0, dsn=4.4.2, "
		"status=undeliverable (" LOST ")");
	assert_int_equal(got.n, 1);
	assert_string_equal(field_str(got.alert[0], "probe_source"), "sendmail_bv");
	assert_string_equal(field_str(got.alert[0], "postfix_from"), "root@mta.example.com");
	/* Real mail failing the same way is not a probe. */
	feed(e,
	     "Nov 25 10:01:00 mta postfix/qmgr[10]: F3A4B1020F9: from=<s@example.org>, size=612, "
	     "nrcpt=1 (queue active)");
	feed(e, "Nov 25 10:01:00 mta postfix/smtp[15215]: F3A4B1020F9: to=<real@example.com>, "
		"relay=" EXCH ", delay=0.02, delays=0/0/0/0.02, dsn=4.4.2, "
		"status=deferred (" LOST ")");
	assert_int_equal(got.n, 1);
	engine_free(e);
}

static void test_suspended_and_attempts(void **state)
{
	struct engine *e = test_engine(&got, NULL);
	json_t *a;

	(void)state;
	/* qmgr had marked the destination dead: not this probe's connection. */
	feed(e, "Nov 25 10:00:00 mta postfix/error[5]: 70F3F10246C: to=<user2@example.com>, "
		"relay=none, delay=0, delays=0/0/0/0, dsn=4.4.2, status=undeliverable (delivery "
		"temporarily suspended: " LOST ")");
	feed(e, "Nov 25 10:00:01 mta postfix/error[5]: 70F3F10246D: to=<user3@example.com>, "
		"relay=none, delay=0, delays=0/0/0/0, dsn=4.4.2, status=undeliverable (delivery "
		"temporarily suspended: " LOST ")");
	assert_int_equal(count_event(&got, "probe_failed"), 2);
	assert_int_equal(count_event(&got, "pipelining_suspected"), 0);
	a = got.alert[0];
	assert_true(json_is_true(json_object_get(a, "suspended")));
	assert_null(json_object_get(a, "suspected_cause"));
	assert_string_equal(field_str(a, "postfix_relay_ip"), "192.168.10.20");
	collected_clear(&got);
	/* Two next hops: the first fails in an intermediate line, the second too. */
	feed(e, "Nov 25 10:05:00 mta postfix/relay/smtp[7]: 853011020F0: lost connection with "
		"h1[192.0.2.1] while sending RCPT TO");
	feed(e, "Nov 25 10:05:00 mta postfix/relay/smtp[7]: 853011020F0: to=<m@example.com>, "
		"relay=h2[192.0.2.2]:2526, delay=0.03, delays=0/0/0.02/0.01, dsn=4.4.2, "
		"status=undeliverable (lost connection with h2[192.0.2.2] while sending RCPT TO)");
	feed(e, "Nov 25 10:05:01 mta postfix/relay/smtp[7]: 853011020F1: lost connection with "
		"h1[192.0.2.1] while sending RCPT TO");
	feed(e, "Nov 25 10:05:01 mta postfix/relay/smtp[7]: 853011020F1: to=<n@example.com>, "
		"relay=h2[192.0.2.2]:2526, delay=0.03, delays=0/0/0.02/0.01, dsn=4.4.2, "
		"status=undeliverable (lost connection with h2[192.0.2.2] while sending RCPT TO)");
	assert_int_equal(count_event(&got, "probe_failed"), 2);
	/* Both servers are flagged, h1 (tried first) from the intermediate lines. */
	assert_int_equal(count_event(&got, "pipelining_suspected"), 2);
	a = find_event(&got, "pipelining_suspected", 0);
	assert_string_equal(field_str(a, "postfix_relay_ip"), "192.0.2.1");
	assert_null(json_object_get(a, "postfix_relay_port"));
	a = find_event(&got, "pipelining_suspected", 3);
	assert_non_null(a);
	assert_string_equal(field_str(a, "postfix_relay_ip"), "192.0.2.2");
	assert_int_equal(field_int(a, "postfix_relay_port"), 2526);
	engine_free(e);
}

static void test_hosts_are_separate(void **state)
{
	struct engine *e = test_engine(&got, NULL);

	(void)state;
	feed(e, "Nov 25 10:00:00 mx1 postfix/smtp[1]: 1A2B3C4D5E: to=<a@example.com>, relay=" EXCH
		", delay=0, delays=0/0/0/0, dsn=4.4.2, status=undeliverable (" LOST ")");
	feed(e, "Nov 25 10:00:01 mx2 postfix/smtp[1]: 1A2B3C4D5F: to=<b@example.com>, relay=" EXCH
		", delay=0, delays=0/0/0/0, dsn=4.4.2, status=undeliverable (" LOST ")");
	assert_int_equal(count_event(&got, "pipelining_suspected"), 0);
	feed(e, "Nov 25 10:00:02 mx2 postfix/smtp[1]: 1A2B3C4D60: to=<c@example.com>, relay=" EXCH
		", delay=0, delays=0/0/0/0, dsn=4.4.2, status=undeliverable (" LOST ")");
	assert_int_equal(count_event(&got, "pipelining_suspected"), 1);
	assert_string_equal(field_str(find_event(&got, "pipelining_suspected", 0), "host"), "mx2");
	/* A reject on mx3 is not explained by mx2's probe of the same address. */
	collected_clear(&got);
	feed(e,
	     "Nov 25 10:00:03 mx3 postfix/smtpd[2]: NOQUEUE: reject: RCPT from h[192.0.2.9]: 450 "
	     "4.1.1 <c@example.com>: Recipient address rejected: unverified address: " LOST
	     "; from=<s@x> to=<c@example.com> proto=ESMTP helo=<h>");
	assert_null(json_object_get(got.alert[0], "probe_queueid"));
	feed(e,
	     "Nov 25 10:00:04 mx2 postfix/smtpd[2]: NOQUEUE: reject: RCPT from h[192.0.2.9]: 450 "
	     "4.1.1 <c@example.com>: Recipient address rejected: unverified address: " LOST
	     "; from=<s@x> to=<c@example.com> proto=ESMTP helo=<h>");
	assert_string_equal(field_str(got.alert[1], "probe_queueid"), "1A2B3C4D60");
	engine_free(e);
}

static void test_reload_changes_threshold(void **state)
{
	struct engine *e = test_engine(&got, NULL);
	struct config *cf = config_new();

	(void)state;
	assert_int_equal(config_set(cf, "pipelining_threshold", "3", NULL), 0);
	assert_int_equal(config_set(cf, "log_timezone", "UTC", NULL), 0);
	engine_reconfigure(e, cf);
	fail_probe(e, 100, "J00000001", "a@example.com");
	fail_probe(e, 101, "J00000002", "b@example.com");
	assert_int_equal(count_event(&got, "pipelining_suspected"), 0);
	fail_probe(e, 102, "J00000003", "c@example.com");
	assert_int_equal(count_event(&got, "pipelining_suspected"), 1);
	/* A new zone keeps the year: Nov 25 stays in 2026. */
	assert_int_equal(config_set(cf, "log_timezone", "GMT", NULL), 0);
	engine_reconfigure(e, cf);
	collected_clear(&got);
	fail_probe(e, 200, "J00000004", "d@example.com");
	assert_string_equal(field_str(got.alert[0], "@timestamp"), "2026-11-25T00:03:20+00:00");
	config_free(cf);
	engine_free(e);
}

/* Scenario lines for the count-only check: failures, rejects, a recovery. */
static void count_scenario(struct engine *e)
{
	fail_probe(e, 60000, "CB1223A942", "user@example.com");
	reject(e, 60003, "user@example.com", LOST);
	reject(e, 60004, "other@example.com", LOST);
	fail_probe(e, 60004, "5E2C61020F4", "user2@example.com");
	reject(e, 60006, "user2@example.com", "Address verification in progress");
	probe(e, 61000, "5E2C61020F5", "user3@example.com", 100, EXCH, "2.1.5", "deliverable",
	      "221 2.0.0 Bye");
	probe(e, 62000, "5E2C61020F6", "user4@example.com", 100, EXCH, "2.1.5", "deliverable",
	      OK250);
}

/* --summary's engine: the same counts, and no alert is built or handed out. */
static void test_count_only(void **state)
{
	struct engine *e = test_engine(&got, NULL);
	struct engine_stats full, counted;

	(void)state;
	count_scenario(e);
	full = *engine_stats(e);
	assert_int_equal(got.n, 8);
	engine_free(e);
	collected_clear(&got);
	e = test_engine(&got, NULL);
	engine_count_only(e, 1);
	count_scenario(e);
	counted = *engine_stats(e);
	assert_int_equal(got.n, 0);
	assert_memory_equal(full.alerts, counted.alerts, sizeof(full.alerts));
	assert_memory_equal(full.events, counted.events, sizeof(full.events));
	engine_free(e);
}

/*
 * Issue 11, defect 10: a line that goes back in time must not count the
 * failures "from the future" (an hour later) in its window; lines out of
 * order by a few seconds (several processes logging) still count.
 */
static void test_window_going_back(void **state)
{
	struct engine *e = test_engine(&got, NULL);

	(void)state;
	fail_probe(e, 12 * 3600, "A1A1A1A1A1", "u1@example.com");
	fail_probe(e, 11 * 3600, "A2A2A2A2A2", "u2@example.com");
	assert_int_equal(count_event(&got, "pipelining_suspected"), 0);
	fail_probe(e, 13 * 3600, "A3A3A3A3A3", "u3@example.com");
	fail_probe(e, 13 * 3600 - 2, "A4A4A4A4A4", "u4@example.com");
	assert_int_equal(count_event(&got, "pipelining_suspected"), 1);
	assert_int_equal(field_int(find_event(&got, "pipelining_suspected", 0), "count"), 2);
	engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_window_going_back, teardown),
		cmocka_unit_test_teardown(test_seed_scenario, teardown),
		cmocka_unit_test_teardown(test_severity_of_refused_probes, teardown),
		cmocka_unit_test_teardown(test_sender_rejected, teardown),
		cmocka_unit_test_teardown(test_window_and_threshold, teardown),
		cmocka_unit_test_teardown(test_connection_reuse_is_not_recovery, teardown),
		cmocka_unit_test_teardown(test_recovery_after_clean_window, teardown),
		cmocka_unit_test_teardown(test_discarded_pipelining_is_not_the_cause, teardown),
		cmocka_unit_test_teardown(test_suspect_success, teardown),
		cmocka_unit_test_teardown(test_link_later_and_expiry, teardown),
		cmocka_unit_test_teardown(test_bounded_memory, teardown),
		cmocka_unit_test_teardown(test_links_after_eviction, teardown),
		cmocka_unit_test_teardown(test_link_through_orig_to, teardown),
		cmocka_unit_test_teardown(test_removed_frees_queue_ids, teardown),
		cmocka_unit_test_teardown(test_sendmail_bv_and_real_mail, teardown),
		cmocka_unit_test_teardown(test_suspended_and_attempts, teardown),
		cmocka_unit_test_teardown(test_hosts_are_separate, teardown),
		cmocka_unit_test_teardown(test_reload_changes_threshold, teardown),
		cmocka_unit_test_teardown(test_count_only, teardown),
	};

	/* The remediation names this cache whatever the machine's Postfix says. */
	remedy_set_verify_map("btree:/var/lib/postfix/verify_cache");
	return cmocka_run_group_tests_name("corr", tests, NULL, NULL);
}
