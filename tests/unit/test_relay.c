/*
 * test_relay - the relay table: which relay a line names, with and
 * without a port, under eviction, and what a look-up costs (issue 11,
 * defect 7: a relay logged without a port was found by walking the
 * whole table, so N such lines cost N * N / 2).
 */
#include "testutil.h"

#include "relay.h"

#include <stdio.h>

static const struct pftime when0 = { 1000, 0, 0, 0 };

static struct relay *get(struct relay_table *t, const char *mta, const char *host, const char *addr,
			 int port)
{
	return relay_get(t, mta, strlen(mta), host, strlen(host), addr, strlen(addr), port, &when0);
}

static void test_port_less_takes_the_relay_of_its_address(void **state)
{
	struct relay_table *t = relay_table_create(100);
	struct relay *a25, *a2526, *none, *b;

	(void)state;
	a25 = get(t, "mta", "mx", "192.0.2.1", 25);
	a2526 = get(t, "mta", "mx", "192.0.2.1", 2526);
	assert_ptr_not_equal(a25, a2526);
	/* Without a port: the relay of that host and address used last. */
	assert_ptr_equal(get(t, "mta", "mx", "192.0.2.1", 0), a2526);
	assert_ptr_equal(get(t, "mta", "mx", "192.0.2.1", 25), a25);
	assert_ptr_equal(get(t, "mta", "mx", "192.0.2.1", 0), a25);
	assert_int_equal(relay_table_count(t), 2);
	/* Another MTA, another address or another name is another relay. */
	b = get(t, "mta2", "mx", "192.0.2.1", 0);
	assert_ptr_not_equal(b, a25);
	assert_int_equal(b->port, 0);
	assert_ptr_not_equal(get(t, "mta", "mx", "192.0.2.2", 0), a25);
	assert_ptr_not_equal(get(t, "mta", "mx2", "192.0.2.1", 0), a25);
	/* A relay known only without a port is found again as itself. */
	none = get(t, "mta", "lone", "192.0.2.9", 0);
	assert_ptr_equal(get(t, "mta", "lone", "192.0.2.9", 0), none);
	/* ... and a port-less relay that exists is taken before one with a port. */
	assert_ptr_equal(get(t, "mta2", "mx", "192.0.2.1", 0), b);
	get(t, "mta2", "mx", "192.0.2.1", 25);
	assert_ptr_equal(get(t, "mta2", "mx", "192.0.2.1", 0), b);
	relay_table_free(t);
}

/* What the table held before: the walk, newest first, that relay_get used to do. */
struct newest {
	const char *mta, *host, *addr;
	const struct relay *port_less, *with_port;
};

static void note_relay(const struct relay *r, void *ctx)
{
	struct newest *n = ctx;

	if (strcmp(r->mta, n->mta) || strcmp(r->host, n->host) || strcmp(r->addr, n->addr))
		return;
	/* oldest first: the last one seen is the newest */
	if (r->port == 0)
		n->port_less = r;
	else
		n->with_port = r;
}

/*
 * Random lines over a few hosts, addresses and ports in a table of 8:
 * relays are dropped all the time, and each answer is the one the walk
 * over the table would give (ASan: nothing left dangling).
 */
static void test_port_less_under_eviction(void **state)
{
	struct relay_table *t = relay_table_create(8);
	uint32_t x = 7;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		char host[16], addr[16];
		int port;
		struct newest n;
		struct relay *r;

		x = x * 1103515245 + 12345;
		snprintf(host, sizeof(host), "h%u", (x >> 8) % 4);
		snprintf(addr, sizeof(addr), "192.0.2.%u", (x >> 12) % 3);
		port = (x >> 16) % 3 == 0 ? 0 : 25 + (int)((x >> 20) % 3);
		n = (struct newest){ "mta", host, addr, NULL, NULL };
		relay_walk(t, note_relay, &n);
		r = get(t, "mta", host, addr, port);
		assert_string_equal(r->host, host);
		assert_string_equal(r->addr, addr);
		if (port != 0)
			assert_int_equal(r->port, port);
		else if (n.port_less)
			assert_ptr_equal(r, n.port_less);
		else if (n.with_port)
			assert_ptr_equal(r, n.with_port);
		else
			assert_int_equal(r->port, 0);
		assert_true(relay_table_count(t) <= 8);
	}
	relay_table_set_limit(t, 2);
	assert_int_equal(relay_table_count(t), 2);
	relay_table_free(t);
}

/*
 * The cost, counted rather than timed: 20,000 servers logged without a
 * port (each new, then each again), and as many with a port each followed
 * by a line without one.  A bounded number of look-ups per line; the
 * walk over the table made that 200 million.
 */
static void test_port_less_lookup_cost(void **state)
{
	enum {
		N = 20000
	};
	struct relay_table *t = relay_table_create(4 * N);
	unsigned long before;
	char host[32], addr[32];

	(void)state;
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < N; i++) {
			snprintf(host, sizeof(host), "mx%d.example", i);
			snprintf(addr, sizeof(addr), "10.%d.%d.1", i / 256, i % 256);
			assert_int_equal(get(t, "mta", host, addr, 0)->port, 0);
		}
	assert_int_equal(relay_table_count(t), N);
	assert_true(relay_table_lookups(t) <= 2 * 2 * N);
	before = relay_table_lookups(t);
	for (int i = 0; i < N; i++) {
		struct relay *r;

		snprintf(host, sizeof(host), "smtp%d.example", i);
		snprintf(addr, sizeof(addr), "10.%d.%d.2", i / 256, i % 256);
		r = get(t, "mta", host, addr, 25);
		assert_ptr_equal(get(t, "mta", host, addr, 0), r);
	}
	assert_int_equal(relay_table_count(t), 2 * N);
	assert_true(relay_table_lookups(t) - before <= 2 * 2 * N);
	relay_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_less_takes_the_relay_of_its_address),
		cmocka_unit_test(test_port_less_under_eviction),
		cmocka_unit_test(test_port_less_lookup_cost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
