/*
 * callbacks - what probewatch does in an SMTP session, as a milter.
 *
 * It asks Postfix for rejected recipients too (SMFIP_RCPT_REJ) and for
 * nothing it does not use (no body, no unknown commands, no end of
 * headers), and answers every step it takes part in, so that Postfix never
 * waits on TCP's delayed ACK for a reply it was told not to expect.  A
 * recipient refused as an unverified or undeliverable address becomes,
 * joined with the log's line for it, one recipient_rejected alert with the
 * session's client, HELO and sender; a RCPT refused because the sender is
 * ("Sender address rejected:" in {rcpt_addr}) one sender_rejected alert.
 * Postfix tells a milter nothing of a sender refused at MAIL
 * (smtpd_delay_reject = no, a 5xx verdict): that one comes from the log
 * alone.  When Postfix accepts a message whose sender's or recipients'
 * latest probe failed, one tag header names them; a header of that name
 * sent by the client is removed first, with tagging off and after a fault
 * of ours too.  It never rejects, delays or changes mail otherwise, and on
 * any fault of its own it accepts the message and counts the fault.
 */
#ifndef PW_CALLBACKS_H
#define PW_CALLBACKS_H

#include "engine.h"

#include <libmilter/mfapi.h>

/*
 * What the callbacks need from the daemon.  The callbacks ask the engine
 * only through its milter side (engine.h), which never waits behind the
 * log; count_error, count_session and tag_settings must not either.
 */
struct milter_host {
	struct engine *engine;
	void (*count_error)(void *ctx);
	void (*tag_settings)(void *ctx, int *tag, char *header, size_t size);
	void *ctx;
	char hostname[256];               /* the MTA's name in milter-only alerts */
	void (*count_session)(void *ctx); /* each connection Postfix opens; may be NULL */
};

#define MILTER_JOIN_GRACE 3   /* seconds a reject waits for the log's line, and back */
#define MILTER_TAG_MAX    900 /* bytes of tag header value */

void callbacks_bind(const struct milter_host *host);
extern struct smfiDesc callbacks_desc;

#endif
