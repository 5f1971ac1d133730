/*
 * remedy - the administrator's fix for a relay that breaks on pipelining.
 *
 * remedy_pipelining() writes the remediation text for host[addr]: the
 * cidr: line for smtp_discard_ehlo_keyword_address_maps (or the
 * per-transport smtp_discard_ehlo_keywords), postfix reload, and flushing
 * the stale failures from the verify cache.  An address that is not a
 * plain IPv4 or IPv6 literal is never copied into the text.
 */
#ifndef PW_REMEDY_H
#define PW_REMEDY_H

#include <stddef.h>

/*
 * The verify cache the texts name: remedy_set_verify_map() (probewatch's
 * address_verify_map setting) before any thread starts; when that is empty,
 * remedy_verify_map() asks Postfix (postconf address_verify_map) the first
 * time it is needed, and falls back to Postfix's default map.  "-" means
 * Postfix's cache is off.
 */
void remedy_set_verify_map(const char *map);
const char *remedy_verify_map(void);

size_t remedy_pipelining(char *buf, size_t size, const char *addr, size_t alen);
/* The same in one short sentence, for the alert of each failed probe. */
size_t remedy_pipelining_short(char *buf, size_t size, const char *addr, size_t alen);
/*
 * For a server that takes mail for a sender's domain (a probe of sender
 * verification): that it is someone else's, the fix from this side (full
 * or short), and that telling its administrator is the reader's call.
 */
size_t remedy_sender_side(char *buf, size_t size, const char *addr, size_t alen, int full);
/* The cidr: table line for the address, e.g. "192.168.10.20/32 pipelining". */
size_t remedy_cidr_line(char *buf, size_t size, const char *addr, size_t alen);

#endif
