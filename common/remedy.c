/*
 * remedy - remediation text for the pipelining failure (see remedy.h).
 */
#include "remedy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* 4 or 6 for an address literal, 0 for anything else. */
static int address_family(const char *addr, size_t alen, char *out, size_t outsize)
{
	unsigned char bin[16];

	if (alen == 0 || alen >= outsize || alen > 45)
		return 0;
	memcpy(out, addr, alen);
	out[alen] = 0;
	if (strncmp(out, "IPv6:", 5) == 0)
		memmove(out, out + 5, alen - 4);
	if (inet_pton(AF_INET, out, bin) == 1)
		return 4;
	if (inet_pton(AF_INET6, out, bin) == 1)
		return 6;
	return 0;
}

size_t remedy_cidr_line(char *buf, size_t size, const char *addr, size_t alen)
{
	char a[64];
	int fam = address_family(addr, alen, a, sizeof(a));
	int n;

	if (fam == 0)
		n = snprintf(buf, size, "SERVER-ADDRESS/32 pipelining");
	else
		n = snprintf(buf, size, "%s/%d pipelining", a, fam == 4 ? 32 : 128);
	return n < 0 ? 0 : (size_t)n;
}

/* The text around the cidr: line; fmt has one %s for it. */
static size_t remedy_with_line(char *buf, size_t size, const char *addr, size_t alen,
			       const char *fmt)
{
	char line[96];
	int n;

	remedy_cidr_line(line, sizeof(line), addr, alen);
	n = snprintf(buf, size, fmt, line);
	return n < 0 ? 0 : (size_t)n;
}

size_t remedy_pipelining(char *buf, size_t size, const char *addr, size_t alen)
{
	return remedy_with_line(
		buf, size, addr, alen,
		"Stop pipelining to this server: put '%s' in a cidr: table named by "
		"smtp_discard_ehlo_keyword_address_maps (or set "
		"smtp_discard_ehlo_keywords=pipelining on its transport), run postfix reload, "
		"then drop the cached failures (postfix stop; postmap -d ADDRESS "
		"btree:/var/lib/postfix/verify_cache; postfix start).");
}

size_t remedy_pipelining_short(char *buf, size_t size, const char *addr, size_t alen)
{
	return remedy_with_line(buf, size, addr, alen,
				"put '%s' in the cidr: table of "
				"smtp_discard_ehlo_keyword_address_maps, postfix reload, flush the "
				"verify cache");
}

size_t remedy_sender_side(char *buf, size_t size, const char *addr, size_t alen, int full)
{
	char fix[1024];
	int n;

	if (full)
		remedy_pipelining(fix, sizeof(fix), addr, alen);
	else
		remedy_pipelining_short(fix, sizeof(fix), addr, alen);
	n = snprintf(buf, size,
		     "This server takes mail for the sender's domain: a partner's or a "
		     "stranger's server, not yours. The fix from this side: %s%s Telling its "
		     "administrator is your call.",
		     fix, full ? "" : ".");
	return n < 0 ? 0 : (size_t)n;
}
