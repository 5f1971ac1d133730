/*
 * pflog - turn one Postfix log line into a typed event (pflog_event.h).
 *
 * pflog_parse() reads the syslog header (optional <PRI>, timestamp, host,
 * program[pid]), decides whether the program is a Postfix daemon, and then
 * has pflog_msg recognise the few messages probewatch needs.  It copies
 * nothing: every pf_str in the event points into the caller's line, which
 * must stay unchanged while the event is used.  Any length and any bytes
 * are accepted; what is not understood is reported, never fatal.
 */
#ifndef PW_PFLOG_H
#define PW_PFLOG_H

#include "pflog_event.h"

#include <stddef.h>

struct pflog_parser;

struct pflog_parser *pflog_parser_create(const char *zone);
void pflog_parser_free(struct pflog_parser *p);
struct pfclock *pflog_parser_clock(struct pflog_parser *p);

/* The event is filled only when PFLOG_EVENT is returned. */
enum pflog_result pflog_parse(struct pflog_parser *p, const char *line, size_t len,
			      struct pflog_event *ev);

const char *pflog_kind_name(enum pflog_kind kind);
long pflog_pid(const struct pflog_event *ev);

#endif
