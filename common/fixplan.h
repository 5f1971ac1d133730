/*
 * fixplan - the exact fix for one server that breaks on pipelining, for
 * the administrator's own Postfix.
 *
 * fixplan_ask_postfix() reads what the fix depends on from the Postfix
 * instance in confdir (NULL: Postfix's default) with postconf:
 * config_directory, smtp_discard_ehlo_keyword_address_maps and
 * address_verify_map.  fixplan_print() writes the fix as a shell script
 * one can read and paste: the cidr: line appended to the cidr: table
 * that smtp_discard_ehlo_keyword_address_maps already names (or a new
 * one, added to the existing maps rather than replacing them), the
 * master.cf alternative for the whole transport (postconf -P), postfix
 * reload, the removal of the cached failures of the given addresses from
 * the real verify cache (Postfix stopped for btree:/hash:, live for
 * lmdb:), and how to check.  Everything taken from the log or the cache
 * is shell-quoted; an address with unprintable bytes is left out and
 * counted.  Without postconf's answers it says what it assumed.
 */
#ifndef PW_FIXPLAN_H
#define PW_FIXPLAN_H

#include <stddef.h>
#include <stdio.h>

struct fixplan {
	const char *host, *addr; /* the server, as Postfix logged it */
	int port;
	const char *transport; /* "relay", "smtp", or NULL/"" when unknown */
	const char *confdir;   /* the instance's -c folder, NULL for the default */
	/* filled by fixplan_ask_postfix() */
	int asked;         /* postconf answered */
	char why_not[256]; /* when it did not */
	char config_directory[1024];
	char discard_maps[1024];
	char verify_map[1024];
	/* the cached failures to remove */
	const char *const *addresses;
	size_t naddresses;
};

void fixplan_ask_postfix(struct fixplan *p);
void fixplan_print(FILE *fp, const struct fixplan *p);
/* The cidr: table file the plan appends to. */
void fixplan_cidr_file(const struct fixplan *p, char *out, size_t size);

#endif
