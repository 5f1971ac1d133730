/*
 * test_classify - every Postfix reason template to its class and stage.
 */
#include "testutil.h"

#include "classify.h"

struct row {
	const char *reason;
	enum failure_class cls;
	enum smtp_stage stage;
	int suspended;
};

static const struct row rows[] = {
	{ "lost connection with exchange.example.com[192.168.10.20] while sending RCPT TO",
	  FC_LOST_CONNECTION, ST_RCPT, 0 },
	{ "lost connection with h[192.0.2.1] while sending MAIL FROM", FC_LOST_CONNECTION, ST_MAIL,
	  0 },
	{ "lost connection with h[192.0.2.1] while receiving the initial server greeting",
	  FC_LOST_CONNECTION, ST_GREETING, 0 },
	{ "lost connection with h[192.0.2.1] while performing the EHLO handshake",
	  FC_LOST_CONNECTION, ST_EHLO, 0 },
	{ "lost connection with h[192.0.2.1] while performing the HELO handshake",
	  FC_LOST_CONNECTION, ST_EHLO, 0 },
	{ "lost connection with h[192.0.2.1] while performing the LHLO handshake",
	  FC_LOST_CONNECTION, ST_EHLO, 0 },
	{ "lost connection with h[192.0.2.1] while receiving the STARTTLS response",
	  FC_LOST_CONNECTION, ST_STARTTLS, 0 },
	{ "lost connection with h[192.0.2.1] while sending XFORWARD name/address",
	  FC_LOST_CONNECTION, ST_XFORWARD, 0 },
	{ "lost connection with h[192.0.2.1] while sending DATA command", FC_LOST_CONNECTION,
	  ST_DATA, 0 },
	{ "lost connection with h[192.0.2.1] while sending message body", FC_LOST_CONNECTION,
	  ST_BODY, 0 },
	{ "lost connection with h[192.0.2.1] while sending end of data -- message may be sent more "
	  "than once",
	  FC_LOST_CONNECTION, ST_END_OF_DATA, 0 },
	{ "lost connection with h[192.0.2.1] while sending QUIT", FC_LOST_CONNECTION, ST_NONE, 0 },
	{ "conversation with h[192.0.2.1] timed out while receiving the initial server greeting",
	  FC_TIMEOUT, ST_GREETING, 0 },
	{ "conversation with h[192.0.2.1] timed out while sending RCPT TO", FC_TIMEOUT, ST_RCPT,
	  0 },
	{ "conversation with h[192.0.2.1] timed out while sending end of data -- message may be "
	  "sent more than once",
	  FC_TIMEOUT, ST_END_OF_DATA, 0 },
	{ "connect to 127.0.0.1[127.0.0.1]:2529: Connection refused", FC_CONNECT_FAILED, ST_CONNECT,
	  0 },
	{ "connect to h[192.0.2.1]:25: No route to host", FC_CONNECT_FAILED, ST_CONNECT, 0 },
	{ "connect to h[192.0.2.1]:25: Network is unreachable", FC_CONNECT_FAILED, ST_CONNECT, 0 },
	{ "connect to h[192.0.2.1]:25: Connection timed out", FC_TIMEOUT, ST_CONNECT, 0 },
	{ "Host or domain name not found. Name service error for name=example.com type=MX: Host "
	  "not found, try again",
	  FC_DNS, ST_NONE, 0 },
	{ "Host or domain name not found. Name service error for name=x.example type=A: Host not "
	  "found",
	  FC_DNS, ST_NONE, 0 },
	{ "Name service error for name=x.example type=MX: Malformed or unexpected name server "
	  "reply",
	  FC_DNS, ST_NONE, 0 },
	{ "unable to look up host x.example: Name or service not known", FC_DNS, ST_NONE, 0 },
	{ "Cannot start TLS: handshake failure", FC_TLS, ST_STARTTLS, 0 },
	{ "TLS is required, but was not offered by host h[192.0.2.1]", FC_TLS, ST_STARTTLS, 0 },
	{ "TLS is required, but host h[192.0.2.1] refused to start TLS: 454 4.7.0 TLS not "
	  "available",
	  FC_TLS, ST_STARTTLS, 0 },
	{ "TLS failure: Cannot verify server certificate", FC_TLS, ST_STARTTLS, 0 },
	{ "Server certificate not verified", FC_TLS, ST_STARTTLS, 0 },
	{ "host 127.0.0.1[127.0.0.1] said: 450 4.2.0 <grey@example.com>: Recipient address "
	  "rejected: Greylisted, try again later (in reply to RCPT TO command)",
	  FC_REJECTED_TEMPORARY, ST_RCPT, 0 },
	{ "host 127.0.0.1[127.0.0.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command)",
	  FC_REJECTED_PERMANENT, ST_RCPT, 0 },
	{ "host h[192.0.2.1] said: 553 5.1.8 <address-verify@example.com>: Sender address "
	  "rejected: Domain not found (in reply to MAIL FROM command)",
	  FC_REJECTED_PERMANENT, ST_MAIL, 0 },
	{ "host h[192.0.2.1] said: 421 4.3.2 Service shutting down (in reply to end of DATA "
	  "command)",
	  FC_REJECTED_TEMPORARY, ST_END_OF_DATA, 0 },
	{ "host h[192.0.2.1] said: 554 5.5.1 No valid recipients (in reply to DATA command)",
	  FC_REJECTED_PERMANENT, ST_DATA, 0 },
	{ "host h[192.0.2.1] said: 502 5.5.2 Error: command not recognized (in reply to XFORWARD "
	  "name/address command)",
	  FC_REJECTED_PERMANENT, ST_XFORWARD, 0 },
	{ "host h[192.0.2.1] refused to talk to me: 554 5.7.1 Go away", FC_REJECTED_PERMANENT,
	  ST_GREETING, 0 },
	{ "host h[192.0.2.1] refused to talk to me: 421 4.7.0 Try again later",
	  FC_REJECTED_TEMPORARY, ST_GREETING, 0 },
	{ "Address verification in progress", FC_IN_PROGRESS, ST_NONE, 0 },
	{ "unknown user: \"u\"", FC_REJECTED_PERMANENT, ST_NONE, 0 },
	{ "mail for example.com loops back to myself", FC_OTHER, ST_NONE, 0 },
	{ "mail transport unavailable", FC_OTHER, ST_NONE, 0 },
	{ "delivery temporarily suspended: lost connection with 127.0.0.1[127.0.0.1] while "
	  "sending RCPT TO",
	  FC_LOST_CONNECTION, ST_RCPT, 1 },
	{ "delivery temporarily suspended: connect to h[192.0.2.1]:25: Connection refused",
	  FC_CONNECT_FAILED, ST_CONNECT, 1 },
	{ "delivery temporarily suspended: Host or domain name not found. Name service error for "
	  "name=x type=MX: Host not found, try again",
	  FC_DNS, ST_NONE, 1 },
	{ "221 2.0.0 Service closing transmission channel", FC_SUSPECT_SUCCESS, ST_RCPT, 0 },
	{ "", FC_OTHER, ST_NONE, 0 },
};

static void test_templates(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct classification c;

		classify_reason(rows[i].reason, strlen(rows[i].reason), &c);
		if (c.cls != rows[i].cls || c.stage != rows[i].stage ||
		    c.suspended != rows[i].suspended)
			fail_msg("%s: got %s/%s/%d", rows[i].reason, failure_class_name(c.cls),
				 smtp_stage_name(c.stage) ? smtp_stage_name(c.stage) : "null",
				 c.suspended);
	}
}

static void test_reply_codes(void **state)
{
	struct classification c;
	const char *r = "host h[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO "
			"command)";

	(void)state;
	classify_reason(r, strlen(r), &c);
	assert_int_equal(c.server_code, 550);
}

static void test_success(void **state)
{
	struct classification c;

	(void)state;
	classify_success("221 2.0.0 Service closing transmission channel", 47, &c);
	assert_int_equal(c.cls, FC_SUSPECT_SUCCESS);
	assert_int_equal(c.stage, ST_RCPT);
	classify_success("250 2.1.5 Recipient OK", 22, &c);
	assert_int_equal(c.cls, FC_NONE);
	classify_success("2210 odd", 8, &c);
	assert_int_equal(c.cls, FC_NONE);
}

static void test_symptom(void **state)
{
	struct classification c;
	const char *timeout = "conversation with h[192.0.2.1] timed out while sending RCPT TO";
	const char *lost = "lost connection with h[192.0.2.1] while sending RCPT TO";
	const char *body = "lost connection with h[192.0.2.1] while sending message body";

	(void)state;
	classify_reason(lost, strlen(lost), &c);
	assert_true(classify_is_pipelining_symptom(&c));
	/* A timeout at RCPT happens without pipelining too. */
	classify_reason(timeout, strlen(timeout), &c);
	assert_false(classify_is_pipelining_symptom(&c));
	classify_reason(body, strlen(body), &c);
	assert_false(classify_is_pipelining_symptom(&c));
}

static void test_server(void **state)
{
	const char *host, *addr;
	size_t hlen, alen;
	int port;
	const char *r = "delivery temporarily suspended: connect to mx.example[2001:db8::25]:2526: "
			"Connection refused";

	(void)state;
	assert_int_equal(classify_server(r, strlen(r), &host, &hlen, &addr, &alen, &port), 1);
	assert_int_equal(hlen, 10);
	assert_memory_equal(host, "mx.example", 10);
	assert_int_equal(alen, 12);
	assert_memory_equal(addr, "2001:db8::25", 12);
	assert_int_equal(port, 2526);
	r = "Address verification in progress";
	assert_int_equal(classify_server(r, strlen(r), &host, &hlen, &addr, &alen, &port), 0);
	r = "lost connection with [";
	assert_int_equal(classify_server(r, strlen(r), &host, &hlen, &addr, &alen, &port), 0);
}

/*
 * Issue 11, defect 2: a probe status line without "(reason)" hands the
 * classifier a NULL text of length 0; "NULL + 0" is undefined behaviour
 * (UBSan).  Directly and through the engine.
 */
static void test_no_reason(void **state)
{
	static const char *const lines[] = {
		"Nov 25 16:41:14 mta postfix/qmgr[1907]: 5E2C61020F4: "
		"from=<double-bounce@lab.test>, "
		"size=227, nrcpt=1 (queue active)",
		"Nov 25 16:41:14 mta postfix/smtp[1920]: 5E2C61020F4: to=<user@example.com>, "
		"relay=127.0.0.1[127.0.0.1]:2526, delay=0.11, dsn=4.4.2, status=undeliverable",
		"Nov 25 16:41:15 mta postfix/qmgr[1907]: 5E2C61020F5: "
		"from=<double-bounce@lab.test>, "
		"size=227, nrcpt=1 (queue active)",
		"Nov 25 16:41:15 mta postfix/smtp[1920]: 5E2C61020F5: to=<user2@example.com>, "
		"relay=127.0.0.1[127.0.0.1]:2526, delay=0.11, dsn=2.1.5, status=deliverable",
	};
	struct classification c;
	const char *host, *addr;
	size_t hlen, alen;
	int port;
	struct config *cf = config_new();
	struct collected got = { 0 };
	struct engine *e;

	(void)state;
	classify_reason(NULL, 0, &c);
	assert_int_equal(c.cls, FC_OTHER);
	classify_success(NULL, 0, &c);
	assert_int_equal(c.cls, FC_NONE);
	assert_int_equal(classify_server(NULL, 0, &host, &hlen, &addr, &alen, &port), 0);
	assert_int_equal(config_set(cf, "log_timezone", "UTC", NULL), 0);
	e = engine_create(cf, collect_alert, &got);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		engine_line(e, lines[i], strlen(lines[i]));
	engine_flush(e);
	assert_true(got.n >= 1);
	assert_string_equal(field_str(got.alert[0], "event"), "probe_failed");
	collected_clear(&got);
	engine_free(e);
	config_free(cf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_templates), cmocka_unit_test(test_reply_codes),
		cmocka_unit_test(test_success),   cmocka_unit_test(test_symptom),
		cmocka_unit_test(test_server),    cmocka_unit_test(test_no_reason),
	};

	return cmocka_run_group_tests_name("classify", tests, NULL, NULL);
}
