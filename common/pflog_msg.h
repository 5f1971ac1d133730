/*
 * pflog_msg - the message part of a Postfix log line (after "prog[pid]: ").
 *
 * Internal to the parser: pflog.c reads the header and calls
 * pflog_msg_parse() with the kind of daemon that wrote the line.
 */
#ifndef PW_PFLOG_MSG_H
#define PW_PFLOG_MSG_H

#include "pflog_event.h"

enum pflog_service {
	PFSVC_OTHER,    /* Postfix, but nothing to read */
	PFSVC_SMTP,     /* smtp, lmtp: deliveries, attempts, EHLO discards */
	PFSVC_DELIVERY, /* error, retry, local, virtual, pipe, discard */
	PFSVC_QMGR,
	PFSVC_SMTPD,
	PFSVC_PICKUP,
	PFSVC_BOUNCE,
};

/* Returns 1 and fills ev->kind and its fields if the message is an event. */
int pflog_msg_parse(enum pflog_service svc, const char *msg, size_t len, struct pflog_event *ev);

#endif
