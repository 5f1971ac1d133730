/*
 * probes - the probes under way (see probes.h).
 */
#include "probes.h"
#include "cstr.h"
#include "htab.h"
#include "pwlimits.h"
#include "xmem.h"

#include <stdlib.h>
#include <string.h>

#define PROBES_QUEUE_TTL (6 * 3600) /* qmgr logs from= again on each retry */
#define PROBES_PROC_TTL  3600

/* An smtp process that logged "discarding EHLO keywords: PIPELINING". */
struct proc {
	int armed; /* for its next delivery */
	int conn;  /* for later deliveries over the same connection */
};

struct probes {
	struct htab *queue; /* host NUL queue-id -> probe_queue */
	struct htab *proc;  /* host NUL program[pid] -> proc */
};

static void queue_free(void *p)
{
	struct probe_queue *q = p;

	for (int i = 0; i < q->nattempts; i++) {
		free(q->attempt[i].host);
		free(q->attempt[i].addr);
	}
	free(q->attempt);
	free(q);
}

struct probes *probes_create(size_t max_entries)
{
	struct probes *t = xcalloc(1, sizeof(*t));

	t->queue = htab_create(max_entries, queue_free);
	t->proc = htab_create(max_entries, free);
	return t;
}

void probes_free(struct probes *t)
{
	if (t == NULL)
		return;
	htab_free(t->queue);
	htab_free(t->proc);
	free(t);
}

void probes_set_limit(struct probes *t, size_t max_entries)
{
	htab_set_limit(t->queue, max_entries);
	htab_set_limit(t->proc, max_entries);
}

void probes_expire(struct probes *t, time_t now)
{
	htab_expire(t->queue, now - PROBES_QUEUE_TTL);
	htab_expire(t->proc, now - PROBES_PROC_TTL);
}

void probes_counts(const struct probes *t, size_t *queue_ids, size_t *processes,
		   unsigned long *dropped)
{
	*queue_ids = htab_count(t->queue);
	*processes = htab_count(t->proc);
	*dropped = htab_dropped(t->queue) + htab_dropped(t->proc);
}

/* "host" NUL "item". */
static size_t make_key(char *key, struct pf_str host, const char *item, size_t len)
{
	size_t h = host.len > PW_HOST_MAX ? PW_HOST_MAX : host.len;

	if (len > PW_KEY_MAX - h - 1)
		len = PW_KEY_MAX - h - 1;
	memcpy(key, host.p, h);
	key[h] = 0;
	memcpy(key + h + 1, item, len);
	return h + 1 + len;
}

struct probe_queue *probes_find(struct probes *t, struct pf_str host, struct pf_str qid)
{
	char key[PW_KEY_MAX];

	return htab_find(t->queue, key, make_key(key, host, qid.p, qid.len));
}

struct probe_queue *probes_enter(struct probes *t, struct pf_str host, struct pf_str qid,
				 struct pf_str sender, time_t when)
{
	char key[PW_KEY_MAX];
	int created;
	void **slot =
		htab_upsert(t->queue, key, make_key(key, host, qid.p, qid.len), when, &created);
	struct probe_queue *old = created ? NULL : *slot;
	size_t slen = sender.len > PW_ADDR_MAX ? PW_ADDR_MAX : sender.len;
	struct probe_queue *q = xmalloc(sizeof(*q) + slen + 1);

	q->from_pickup = 0;
	q->nattempts = 0;
	q->attempt = NULL;
	if (old) {
		/* Take over what was known; the old entry goes. */
		q->from_pickup = old->from_pickup;
		q->nattempts = old->nattempts;
		q->attempt = old->attempt;
		free(old);
	}
	cstr_copy(q->sender, sender, slen);
	*slot = q;
	return q;
}

void probes_remove(struct probes *t, struct pf_str host, struct pf_str qid)
{
	char key[PW_KEY_MAX];

	htab_delete(t->queue, key, make_key(key, host, qid.p, qid.len));
}

/* "host" NUL "program[pid]" of an smtp process, as the line spells it. */
static size_t proc_key(char *key, const struct pflog_event *ev)
{
	/* program, '[', the pid's digits, ']': contiguous in the line */
	size_t n = (size_t)(ev->pid.p + ev->pid.len + 1 - ev->program.p);

	return make_key(key, ev->host, ev->program.p, n > PW_PROC_MAX ? PW_PROC_MAX : n);
}

int probes_pipelined(struct probes *t, const struct pflog_event *ev, int consume)
{
	char key[PW_KEY_MAX];
	struct proc *pr;
	int pipelined;

	if (htab_count(t->proc) == 0)
		return 1;
	if ((pr = htab_find(t->proc, key, proc_key(key, ev))) == NULL)
		return 1;
	pipelined = !(pr->armed || (pr->conn && ev->conn_use >= 2));
	if (consume) {
		if (pr->armed) {
			pr->armed = 0;
			pr->conn = 1;
		} else if (ev->conn_use < 2) {
			pr->conn = 0;
		}
	}
	return pipelined;
}

void probes_discard_ehlo(struct probes *t, const struct pflog_event *ev)
{
	char key[PW_KEY_MAX];
	size_t n;
	struct proc *pr;

	if (!ev->pipelining_discarded)
		return;
	n = proc_key(key, ev);
	if ((pr = htab_find(t->proc, key, n)) == NULL)
		pr = xcalloc(1, sizeof(*pr));
	pr->armed = 1;
	htab_enter(t->proc, key, n, pr, ev->time.sec);
}

struct probe_attempt *probes_attempt(struct probes *t, const struct pflog_event *ev)
{
	struct probe_queue *q = probes_find(t, ev->host, ev->queue_id);
	struct probe_attempt *a;

	if (q == NULL) {
		struct pf_str none = { "", 0 };

		q = probes_enter(t, ev->host, ev->queue_id, none, ev->time.sec);
	}
	if (q->nattempts >= PROBES_ATTEMPTS_MAX || ev->relay.kind != PFR_NET)
		return NULL;
	if (q->attempt == NULL)
		q->attempt = xcalloc(PROBES_ATTEMPTS_MAX, sizeof(*q->attempt));
	a = &q->attempt[q->nattempts++];
	a->host = cstr_dup(ev->relay.host, PW_HOST_MAX);
	a->addr = cstr_dup(ev->relay.addr, PW_IP_MAX);
	a->pipelined = probes_pipelined(t, ev, 0);
	return a;
}
