/*
 * pwlimits - the bytes probewatch keeps of each kind of log or SMTP field
 * (not <limits.h>: -Icommon would hide the system header behind it).
 *
 * One table, so that the places that store a field and the places that
 * compare it agree: a host name is kept with PW_HOST_MAX bytes by the
 * correlator, so a comparison with a stored host cuts at PW_HOST_MAX too.
 * Fields longer than their limit are cut, never rejected.
 */
#ifndef PW_PWLIMITS_H
#define PW_PWLIMITS_H

#define PW_HOST_MAX        255  /* a host name (syslog host, relay, client, HELO) */
#define PW_IP_MAX          64   /* an IPv4 or IPv6 address as text */
#define PW_ADDR_MAX        320  /* an e-mail address (RFC 5321: 64 + 1 + 255) */
#define PW_LISTED_ADDR_MAX 255  /* an address in an alert's list (recipients) */
#define PW_QUEUE_ID_MAX    64   /* a Postfix queue ID (long IDs are 16 or so) */
#define PW_DSN_MAX         32   /* dsn=4.4.2 */
#define PW_STATUS_MAX      40   /* status=undeliverable */
#define PW_REASON_MAX      1000 /* a reason or reply text */
#define PW_PROC_MAX        250  /* program[pid] of an smtp process */
#define PW_KEY_MAX         600  /* a table key: host NUL item, or a recipient */
#define PW_SERVICE_MAX     64   /* a master.cf service ({daemon_name}) */

#endif
