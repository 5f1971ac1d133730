/*
 * test_fold - alert folding in a burst (fold.h): the threshold, the
 * window, the key, the first and last of what was folded, flush, the
 * kinds that never fold, the bound on keys, and the counters that make
 * alerts raised = sent one by one + folded.
 */
#include "testutil.h"

#include "fold.h"

#include <stdio.h>

#define OUT_MAX 512

struct out {
	size_t n;
	json_t *a[OUT_MAX];
	enum alert_severity sev[OUT_MAX];
};

static void take(void *ctx, char *json, size_t len, enum alert_severity sev)
{
	struct out *o = ctx;
	json_error_t err;

	assert_true(o->n < OUT_MAX);
	assert_true(len <= ALERT_BUDGET);
	assert_int_equal(strlen(json), len); /* no NUL inside */
	/* no raw control byte, DEL or C1 in any alert (JSON escapes C0, we replace the rest) */
	for (const unsigned char *p = (const unsigned char *)json; *p; p++) {
		assert_true(*p >= 0x20 && *p != 0x7f);
		assert_false(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f);
	}
	o->a[o->n] = json_loadb(json, len, 0, &err);
	assert_non_null(o->a[o->n]);
	o->sev[o->n] = sev;
	o->n++;
	free(json);
}

static void out_clear(struct out *o)
{
	for (size_t i = 0; i < o->n; i++)
		json_decref(o->a[i]);
	o->n = 0;
}

static size_t out_count(const struct out *o, const char *event)
{
	size_t n = 0;

	for (size_t i = 0; i < o->n; i++)
		n += strcmp(field_str(o->a[i], "event"), event) == 0;
	return n;
}

static json_t *out_find(const struct out *o, const char *event, size_t nth)
{
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(field_str(o->a[i], "event"), event) == 0 && nth-- == 0)
			return o->a[i];
	return NULL;
}

/* An alert as corr_alert builds one: the fields the key is made of. */
struct fake {
	const char *event, *host, *relay, *ip, *cls, *stage, *reason, *to, *from, *qid;
	time_t stamp; /* 0: STAMP0 */
	int port;
};

#define STAMP0 1795624874 /* 2026-11-25T16:41:14Z */

static void put(struct alert *a, const char *key, const char *text)
{
	alert_text(a, key, text, strlen(text), 1);
}

static enum fold_verdict fold_feed(struct fold *f, const struct fake *x, enum alert_severity sev,
				   time_t now)
{
	struct pftime t = { x->stamp ? x->stamp : STAMP0, 0, 0, 0 };
	const char *host = x->host ? x->host : "mta";
	struct alert *a = alert_new(x->event, sev, &t, host, strlen(host));
	enum fold_verdict v;
	size_t len;

	put(a, "postfix_queueid", x->qid ? x->qid : "CB1223A942");
	put(a, "postfix_to", x->to ? x->to : "user@example.com");
	if (x->from)
		put(a, "postfix_from", x->from);
	else
		alert_set_null(a, "postfix_from", 1);
	put(a, "postfix_relay_hostname", x->relay ? x->relay : "exchange.example.com");
	put(a, "postfix_relay_ip", x->ip ? x->ip : "192.168.10.20");
	alert_int(a, "postfix_relay_port", x->port ? x->port : 25, 0);
	put(a, "reason",
	    x->reason ? x->reason
		      : "lost connection with exchange.example.com[192.168.10.20] while sending "
			"RCPT TO");
	put(a, "failure_class", x->cls ? x->cls : "lost_connection");
	if (x->stage)
		put(a, "smtp_stage", x->stage);
	else
		alert_set_null(a, "smtp_stage", 0);
	alert_json(a, &len);
	v = fold_alert(f, a, now);
	alert_free(a);
	return v;
}

/* The stamp an alert of that second has. */
static const char *stamp_text(time_t sec)
{
	static char buf[64];
	struct pftime t = { sec, 0, 0, 0 };

	pftime_format(&t, buf, sizeof(buf));
	return buf;
}

static const struct fake PF = { .event = "probe_failed", .stage = "rcpt" };

/* The first threshold alerts go out; then one notice, and the rest fold. */
static void test_threshold(void **state)
{
	struct out o = { 0 };
	struct fold *f = fold_create(3, 60, take, &o);
	struct fold_stats st;
	(void)state;

	for (int i = 0; i < 3; i++)
		assert_int_equal(fold_feed(f, &PF, SEV_WARNING, 100), FOLD_PASS);
	assert_int_equal(o.n, 0);
	assert_int_equal(fold_feed(f, &PF, SEV_WARNING, 101), FOLD_FOLDED);
	assert_int_equal(o.n, 1);
	json_t *n = o.a[0];
	assert_string_equal(field_str(n, "event"), "alerts_folding");
	assert_string_equal(field_str(n, "folded_event"), "probe_failed");
	assert_string_equal(field_str(n, "postfix_relay_hostname"), "exchange.example.com");
	assert_string_equal(field_str(n, "postfix_relay_ip"), "192.168.10.20");
	assert_int_equal(field_int(n, "postfix_relay_port"), 25);
	assert_string_equal(field_str(n, "failure_class"), "lost_connection");
	assert_string_equal(field_str(n, "smtp_stage"), "rcpt");
	assert_int_equal(field_int(n, "threshold"), 3);
	assert_int_equal(field_int(n, "window_seconds"), 60);
	assert_null(json_object_get(n, "folded")); /* a notice is not summed */
	assert_int_equal(fold_feed(f, &PF, SEV_WARNING, 102), FOLD_FOLDED);
	assert_int_equal(o.n, 1); /* one notice per key */
	fold_stats(f, &st);
	assert_int_equal(st.seen[FOLD_PROBE_FAILED], 5);
	assert_int_equal(st.folded[FOLD_PROBE_FAILED], 2);
	assert_int_equal(st.pending, 2);
	assert_int_equal(st.notices, 1);
	assert_int_equal(st.summaries, 0);
	assert_int_equal(st.keys, 1);
	out_clear(&o);
	fold_free(f);
}

/*
 * The window ends: one summary with the count, the first and last folded;
 * a busy key folds in the next window from its start, a calm one is
 * forgotten and its alerts go out one by one again.
 */
static void test_window(void **state)
{
	struct out o = { 0 };
	struct fold *f = fold_create(2, 60, take, &o);
	struct fake x = PF;
	struct fold_stats st;
	json_t *s;
	(void)state;

	const char *to[] = { "a@example.com", "b@example.com", "c@example.com", "d@example.com",
			     "e@example.com" };
	for (int i = 0; i < 5; i++) {
		x.to = to[i];
		x.stamp = STAMP0 + i;
		x.qid = i == 2 ? "QID3" : "QIDX";
		x.from = i == 4 ? "address-verify@example.com" : "double-bounce@example.com";
		fold_feed(f, &x, SEV_WARNING, 1000 + i);
	}
	assert_int_equal(o.n, 1); /* the notice */
	fold_tick(f, 1059);
	assert_int_equal(o.n, 1); /* the window (from 1000) is not over */
	fold_tick(f, 1060);
	assert_int_equal(o.n, 2);
	s = o.a[1];
	assert_string_equal(field_str(s, "event"), "alerts_folded");
	assert_string_equal(field_str(s, "severity"), "warning");
	assert_string_equal(field_str(s, "host"), "mta");
	assert_string_equal(field_str(s, "folded_event"), "probe_failed");
	assert_int_equal(field_int(s, "folded"), 3);
	assert_int_equal(field_int(s, "alerts"), 5);
	assert_string_equal(field_str(s, "first_postfix_to"), "c@example.com");
	assert_string_equal(field_str(s, "last_postfix_to"), "e@example.com");
	assert_string_equal(field_str(s, "first_postfix_from"), "double-bounce@example.com");
	assert_string_equal(field_str(s, "last_postfix_from"), "address-verify@example.com");
	assert_string_equal(field_str(s, "first_postfix_queueid"), "QID3");
	assert_string_equal(field_str(s, "first_seen"), stamp_text(STAMP0 + 2));
	assert_string_equal(field_str(s, "last_seen"), stamp_text(STAMP0 + 4));
	assert_string_equal(field_str(s, "first_seen"), "2026-11-25T16:41:16+00:00");
	assert_string_equal(field_str(s, "reason"),
			    "lost connection with exchange.example.com[192.168.10.20] while "
			    "sending RCPT TO");
	assert_true(json_is_true(json_object_get(s, "still_folding")));
	/* 5 > 2 in that window: the next one folds from its first alert, without a notice. */
	x.to = "f@example.com";
	assert_int_equal(fold_feed(f, &x, SEV_WARNING, 1070), FOLD_FOLDED);
	assert_int_equal(o.n, 2);
	fold_tick(f, 1120);
	assert_int_equal(o.n, 3);
	s = o.a[2];
	assert_int_equal(field_int(s, "folded"), 1);
	assert_string_equal(field_str(s, "first_postfix_to"), "f@example.com");
	assert_string_equal(field_str(s, "last_postfix_to"), "f@example.com");
	assert_true(json_is_false(json_object_get(s, "still_folding")));
	/* calm: forgotten, one by one again */
	fold_stats(f, &st);
	assert_int_equal(st.keys, 0);
	assert_int_equal(fold_feed(f, &x, SEV_WARNING, 1130), FOLD_PASS);
	fold_stats(f, &st);
	assert_int_equal(st.seen[FOLD_PROBE_FAILED], 7);
	assert_int_equal(st.folded[FOLD_PROBE_FAILED], 4);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.summaries, 2);
	out_clear(&o);
	fold_free(f);
}

/* What makes a key: host, event, relay, port, class, stage, reason (<addresses> aside). */
static void test_keys(void **state)
{
	struct out o = { 0 };
	struct fold *f = fold_create(1, 60, take, &o);
	struct fake x;
	struct fold_stats st;
	(void)state;

	assert_int_equal(fold_feed(f, &PF, SEV_WARNING, 0), FOLD_PASS);
	x = PF;
	x.host = "mta2";
	assert_int_equal(fold_feed(f, &x, SEV_WARNING, 0), FOLD_PASS);
	x = PF;
	x.event = "recipient_rejected";
	assert_int_equal(fold_feed(f, &x, SEV_WARNING, 0), FOLD_PASS);
	x = PF;
	x.relay = "other.example.com";
	assert_int_equal(fold_feed(f, &x, SEV_WARNING, 0), FOLD_PASS);
	x = PF;
	x.ip = "192.168.10.21";
	assert_int_equal(fold_feed(f, &x, SEV_WARNING, 0), FOLD_PASS);
	x = PF;
	x.port = 2525;
	assert_int_equal(fold_feed(f, &x, SEV_WARNING, 0), FOLD_PASS);
	x = PF;
	x.cls = "timeout";
	assert_int_equal(fold_feed(f, &x, SEV_WARNING, 0), FOLD_PASS);
	x = PF;
	x.stage = "mail";
	assert_int_equal(fold_feed(f, &x, SEV_WARNING, 0), FOLD_PASS);
	x = PF;
	x.stage = NULL;
	assert_int_equal(fold_feed(f, &x, SEV_WARNING, 0), FOLD_PASS);
	x = PF;
	x.reason = "host exchange.example.com[192.168.10.20] said: 550 5.1.1 <a@example.com>: "
		   "User unknown (in reply to RCPT TO command)";
	assert_int_equal(fold_feed(f, &x, SEV_INFO, 0), FOLD_PASS);
	fold_stats(f, &st);
	assert_int_equal(st.keys, 10);
	assert_int_equal(o.n, 0);
	/* the same reason for another recipient is the same key: it folds */
	x.reason = "host exchange.example.com[192.168.10.20] said: 550 5.1.1 <b@example.com>: "
		   "User unknown (in reply to RCPT TO command)";
	x.to = "b@example.com";
	assert_int_equal(fold_feed(f, &x, SEV_INFO, 0), FOLD_FOLDED);
	/* and a recipient alone does not make a key */
	x = PF;
	x.to = "someone-else@example.com";
	assert_int_equal(fold_feed(f, &x, SEV_WARNING, 0), FOLD_FOLDED);
	fold_stats(f, &st);
	assert_int_equal(st.keys, 10);
	assert_int_equal(st.folded[FOLD_PROBE_FAILED], 2);
	/* the summary names the first alert's reason as it was */
	fold_flush(f);
	json_t *s = NULL;
	for (size_t i = 0; (s = out_find(&o, "alerts_folded", i)) != NULL; i++)
		if (strstr(field_str(s, "reason"), "User unknown"))
			break;
	assert_non_null(s);
	assert_non_null(strstr(field_str(s, "reason"), "<a@example.com>"));
	assert_string_equal(field_str(s, "first_postfix_to"), "b@example.com");
	out_clear(&o);
	fold_free(f);
}

/* Only the per-message events fold; the rest always pass and are not counted. */
static void test_never_folded(void **state)
{
	struct out o = { 0 };
	struct fold *f = fold_create(1, 60, take, &o);
	struct fake x = PF;
	struct fold_stats st;
	static const char *const never[] = { "pipelining_suspected", "relay_recovered",
					     "pipelining_confirmed", "pipelining_not_confirmed",
					     "probewatch_stats",     "alerts_folded",
					     "alerts_folding",       "something_new" };
	(void)state;

	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		x.event = never[i];
		assert_false(fold_event_folds(never[i]));
		for (int k = 0; k < 20; k++)
			assert_int_equal(fold_feed(f, &x, SEV_CRITICAL, 0), FOLD_PASS);
	}
	assert_true(fold_event_folds("probe_failed"));
	assert_true(fold_event_folds("probe_suspect_success"));
	assert_true(fold_event_folds("recipient_rejected"));
	assert_true(fold_event_folds("sender_rejected"));
	fold_stats(f, &st);
	assert_int_equal(st.keys, 0);
	for (int k = 0; k < FOLD_EVENTS; k++)
		assert_int_equal(st.seen[k], 0);
	assert_int_equal(o.n, 0);
	fold_free(f);
}

/* Stop: every pending summary now, the window not over; nothing left. */
static void test_flush(void **state)
{
	struct out o = { 0 };
	struct fold *f = fold_create(2, 3600, take, &o);
	struct fake x = PF, y = PF;
	struct fold_stats st;
	unsigned long sum = 0, passed = 0;
	(void)state;

	y.event = "recipient_rejected";
	y.from = "sender@example.org";
	for (int i = 0; i < 50; i++) {
		passed += fold_feed(f, &x, SEV_WARNING, i) == FOLD_PASS;
		passed += fold_feed(f, &y, SEV_WARNING, i) == FOLD_PASS;
	}
	/* a key that never folded gives no summary */
	x.relay = "calm.example.com";
	passed += fold_feed(f, &x, SEV_WARNING, 10) == FOLD_PASS;
	assert_int_equal(passed, 5);
	assert_int_equal(out_count(&o, "alerts_folding"), 2);
	fold_flush(f);
	assert_int_equal(out_count(&o, "alerts_folded"), 2);
	for (size_t i = 0; i < o.n; i++)
		if (strcmp(field_str(o.a[i], "event"), "alerts_folded") == 0) {
			sum += (unsigned long)field_int(o.a[i], "folded");
			assert_true(json_is_false(json_object_get(o.a[i], "still_folding")));
		}
	assert_int_equal(sum, 96);
	assert_int_equal(passed + sum, 101);
	fold_stats(f, &st);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.keys, 0);
	assert_int_equal(st.seen[FOLD_PROBE_FAILED] + st.seen[FOLD_RECIPIENT_REJECTED], 101);
	assert_int_equal(st.folded[FOLD_PROBE_FAILED] + st.folded[FOLD_RECIPIENT_REJECTED], 96);
	assert_int_equal(st.summaries, 2);
	/* a second flush has nothing to say */
	fold_flush(f);
	assert_int_equal(out_count(&o, "alerts_folded"), 2);
	out_clear(&o);
	fold_free(f);
}

/* More keys than the table holds: the rest are counted under their event alone. */
static void test_overflow(void **state)
{
	struct out o = { 0 };
	struct fold *f = fold_create(1, 60, take, &o);
	struct fake x = PF;
	struct fold_stats st;
	char relay[64];
	unsigned long passed = 0;
	json_t *s;
	(void)state;

	for (int i = 0; i < FOLD_KEYS_MAX + 20; i++) {
		snprintf(relay, sizeof(relay), "mx%d.example.com", i);
		x.relay = relay;
		passed += fold_feed(f, &x, SEV_WARNING, 5) == FOLD_PASS;
	}
	/* FOLD_KEYS_MAX keys, one alert each, then one overflow key with threshold 1 */
	assert_int_equal(passed, FOLD_KEYS_MAX + 1);
	fold_stats(f, &st);
	assert_int_equal(st.keys, FOLD_KEYS_MAX + 1);
	assert_int_equal(st.overflows, 20);
	assert_int_equal(st.folded[FOLD_PROBE_FAILED], 19);
	fold_tick(f, 65);
	s = out_find(&o, "alerts_folded", 0);
	assert_non_null(s);
	assert_true(json_is_true(json_object_get(s, "key_overflow")));
	assert_null(json_object_get(s, "postfix_relay_hostname"));
	assert_int_equal(field_int(s, "folded"), 19);
	assert_string_equal(field_str(s, "first_postfix_to"), "user@example.com");
	assert_int_equal(out_count(&o, "alerts_folded"), 1);
	/* the windows are over: room again */
	fold_stats(f, &st);
	assert_int_equal(st.keys, 1); /* the overflow key was busy: it goes on folding */
	x.relay = "new.example.com";
	assert_int_equal(fold_feed(f, &x, SEV_WARNING, 70), FOLD_PASS);
	out_clear(&o);
	fold_free(f);
}

/* threshold 0 never folds; set to 0 while folding, what was folded is said. */
static void test_threshold_zero(void **state)
{
	struct out o = { 0 };
	struct fold *f = fold_create(0, 60, take, &o);
	struct fold_stats st;
	(void)state;

	for (int i = 0; i < 100; i++)
		assert_int_equal(fold_feed(f, &PF, SEV_WARNING, 0), FOLD_PASS);
	fold_stats(f, &st);
	assert_int_equal(st.seen[FOLD_PROBE_FAILED], 100);
	assert_int_equal(st.folded[FOLD_PROBE_FAILED], 0);
	assert_int_equal(st.keys, 0);
	fold_configure(f, 1, 60);
	assert_int_equal(fold_feed(f, &PF, SEV_WARNING, 0), FOLD_PASS);
	assert_int_equal(fold_feed(f, &PF, SEV_WARNING, 0), FOLD_FOLDED);
	fold_configure(f, 0, 60);
	assert_int_equal(fold_feed(f, &PF, SEV_WARNING, 1), FOLD_PASS);
	fold_tick(f, 1);
	assert_int_equal(out_count(&o, "alerts_folded"), 1);
	assert_int_equal(field_int(out_find(&o, "alerts_folded", 0), "folded"), 1);
	fold_stats(f, &st);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.keys, 0);
	out_clear(&o);
	fold_free(f);
}

/* The summary is as severe as the worst folded alert; the notice as its alert. */
static void test_severity(void **state)
{
	struct out o = { 0 };
	struct fold *f = fold_create(1, 60, take, &o);
	struct fake x = PF;
	(void)state;

	x.event = "probe_suspect_success";
	fold_feed(f, &x, SEV_INFO, 0);
	fold_feed(f, &x, SEV_INFO, 0);
	fold_feed(f, &x, SEV_CRITICAL, 0);
	fold_feed(f, &x, SEV_WARNING, 0);
	fold_flush(f);
	assert_int_equal(o.n, 2);
	assert_int_equal(o.sev[0], SEV_INFO);
	assert_string_equal(field_str(o.a[1], "severity"), "critical");
	assert_int_equal(o.sev[1], SEV_CRITICAL);
	out_clear(&o);
	fold_free(f);
}

/* Hostile text from the log is cleaned and escaped in the summary, within budget. */
static void test_hostile(void **state)
{
	struct out o = { 0 };
	struct fold *f = fold_create(1, 60, take, &o);
	struct fake x = PF;
	char big[600];
	json_t *s;
	(void)state;

	memset(big, 'r', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	x.to = "evil\x01\"}\n@example.com\x7f";
	x.reason = big;
	x.relay = "relay\x1b[31m";
	fold_feed(f, &x, SEV_WARNING, 0);
	x.from = "\xc2\x85sender"; /* C1 NEL */
	fold_feed(f, &x, SEV_WARNING, 0);
	fold_flush(f);
	s = out_find(&o, "alerts_folded", 0);
	assert_non_null(s);
	assert_int_equal(field_int(s, "folded"), 1);
	/* C0 escaped by jansson and read back as it was; DEL and C1 replaced */
	assert_string_equal(field_str(s, "first_postfix_to"), "evil\x01\"}\n@example.com?");
	assert_string_equal(field_str(s, "postfix_relay_hostname"), "relay\x1b[31m");
	assert_string_equal(field_str(s, "first_postfix_from"), "?sender");
	assert_true(strlen(field_str(s, "reason")) <= ALERT_FIELD_MAX);
	out_clear(&o);
	fold_free(f);
}

/*
 * Fields as long as an alert that fits can carry them, nine of them in a
 * summary: it stays within budget, the least needed dropped first.
 */
static void test_budget(void **state)
{
	struct out o = { 0 };
	struct fold *f = fold_create(1, 60, take, &o);
	struct fake x = PF;
	char text[201];
	json_t *s;
	(void)state;

	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = 0;
	x.to = x.from = x.qid = x.reason = x.relay = x.host = text;
	fold_feed(f, &x, SEV_WARNING, 0);
	fold_feed(f, &x, SEV_WARNING, 0);
	fold_feed(f, &x, SEV_WARNING, 0);
	fold_flush(f); /* take() checks every alert against ALERT_BUDGET */
	s = out_find(&o, "alerts_folded", 0);
	assert_non_null(s);
	assert_true(json_is_true(json_object_get(s, "truncated")));
	assert_int_equal(field_int(s, "folded"), 2);
	assert_non_null(json_object_get(s, "folded_event"));
	assert_non_null(json_object_get(s, "postfix_relay_hostname"));
	assert_null(json_object_get(s, "first_postfix_queueid")); /* dropped first */
	out_clear(&o);
	fold_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threshold),      cmocka_unit_test(test_window),
		cmocka_unit_test(test_keys),           cmocka_unit_test(test_never_folded),
		cmocka_unit_test(test_flush),          cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_threshold_zero), cmocka_unit_test(test_severity),
		cmocka_unit_test(test_hostile),        cmocka_unit_test(test_budget),
	};

	alert_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
