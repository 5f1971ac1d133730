/*
 * reject - the reject record (see reject.h).
 */
#include "reject.h"
#include "pwlimits.h"
#include "xmem.h"

#include <stdlib.h>
#include <string.h>

void reject_from_event(struct reject_info *r, const struct pflog_event *ev)
{
	memset(r, 0, sizeof(*r));
	r->when = ev->time;
	r->host = ev->host;
	r->queue_id = ev->queue_id;
	r->client_host = ev->client_host;
	r->client_addr = ev->client_addr;
	r->helo = ev->helo;
	r->from = ev->from;
	r->rcpt = ev->rcpt;
	r->enhanced = ev->enhanced;
	r->reason = ev->reason;
	r->code = ev->code;
	r->reject_warning = ev->reject_warning;
	r->from_log = 1;
	if (ev->sender_reject) {
		/* The reply names the sender; the recipient is the envelope's to=. */
		r->sender = 1;
		r->at_mail = ev->reject_at_mail;
		r->from = ev->rcpt;
		r->rcpt = ev->to;
	}
}

void reject_set(struct pf_str *field, const char *s)
{
	field->p = s ? s : "";
	field->len = strnlen(field->p, PW_ADDR_MAX);
}

static size_t capped(const struct pf_str *f)
{
	return f->len > PW_REASON_MAX ? PW_REASON_MAX : f->len;
}

struct reject_copy *reject_copy_new(const struct reject_info *r)
{
	size_t total = sizeof(struct reject_copy);
	struct reject_copy *c;
	char *b;

#define REJECT_FIELD_SIZE(name) total += capped(&r->name);
	REJECT_TEXT_FIELDS(REJECT_FIELD_SIZE)
#undef REJECT_FIELD_SIZE
	if ((c = xtry_malloc(total + 1)) == NULL)
		return NULL;
	c->r = *r;
	c->arrived = 0;
	b = (char *)(c + 1);
	/* The copy's fields point into the text behind it, in the list's order. */
#define REJECT_FIELD_COPY(name)                                                                    \
	c->r.name.len = capped(&r->name);                                                          \
	if (c->r.name.len)                                                                         \
		memcpy(b, r->name.p, c->r.name.len);                                               \
	c->r.name.p = b;                                                                           \
	b += c->r.name.len;
	REJECT_TEXT_FIELDS(REJECT_FIELD_COPY)
#undef REJECT_FIELD_COPY
	return c;
}

void reject_copy_free(struct reject_copy *c)
{
	free(c);
}

void reject_merge(struct reject_info *out, const struct reject_info *log,
		  const struct reject_info *milter)
{
	*out = *log;
	out->from_milter = 1;
	out->daemon_name = milter->daemon_name;
	if (PF_STR_EQ(log->queue_id, "NOQUEUE") && milter->queue_id.len)
		out->queue_id = milter->queue_id;
	if (log->helo.len == 0)
		out->helo = milter->helo;
	if (log->client_host.len == 0)
		out->client_host = milter->client_host;
}
