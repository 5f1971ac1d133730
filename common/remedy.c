/*
 * remedy - remediation text for the pipelining failure (see remedy.h).
 */
#include "remedy.h"
#include "pfcmd.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_VERIFY_MAP "btree:/var/lib/postfix/verify_cache"

static char verify_map[1024]; /* "" until known; "-" when the cache is off */
static pthread_once_t verify_map_once = PTHREAD_ONCE_INIT;

void remedy_set_verify_map(const char *map)
{
	snprintf(verify_map, sizeof(verify_map), "%s", map ? map : "");
}

/* Postfix's own answer, once; its default when postconf cannot say. */
static void ask_postfix(void)
{
	char v[sizeof(verify_map)];

	if (verify_map[0])
		return;
	if (pfcmd_postconf(NULL, "address_verify_map", v, sizeof(v)) < 0)
		snprintf(verify_map, sizeof(verify_map), "%s", DEFAULT_VERIFY_MAP);
	else
		snprintf(verify_map, sizeof(verify_map), "%s", v[0] ? v : "-");
}

const char *remedy_verify_map(void)
{
	pthread_once(&verify_map_once, ask_postfix);
	return verify_map;
}

/* How to drop the cached failures, for the map in use. */
static const char *cache_cleanup(char *buf, size_t size)
{
	const char *map = remedy_verify_map();

	if (strcmp(map, "-") == 0)
		snprintf(buf, size, "the verify cache is off: nothing to drop");
	else if (strncmp(map, "btree:", 6) == 0 || strncmp(map, "hash:", 5) == 0)
		snprintf(buf, size, "postfix stop; postmap -d ADDRESS %.900s; postfix start", map);
	else
		snprintf(buf, size, "postmap -d ADDRESS %.900s", map);
	return buf;
}

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

size_t remedy_pipelining(char *buf, size_t size, const char *addr, size_t alen)
{
	char line[96], cleanup[1024];
	int n;

	remedy_cidr_line(line, sizeof(line), addr, alen);
	n = snprintf(buf, size,
		     "Stop pipelining to this server: put '%s' in a cidr: table named by "
		     "smtp_discard_ehlo_keyword_address_maps (or set "
		     "smtp_discard_ehlo_keywords=pipelining on its transport), run postfix "
		     "reload, then drop the cached failures (%s); probewatch-scan --remediation "
		     "prints the exact commands.",
		     line, cache_cleanup(cleanup, sizeof(cleanup)));
	return n < 0 ? 0 : (size_t)n;
}

size_t remedy_pipelining_short(char *buf, size_t size, const char *addr, size_t alen)
{
	const char *map = remedy_verify_map();
	char line[96];
	int n;

	remedy_cidr_line(line, sizeof(line), addr, alen);
	if (strcmp(map, "-") == 0)
		n = snprintf(
			buf, size,
			"put '%s' in the cidr: table of smtp_discard_ehlo_keyword_address_maps, "
			"postfix reload",
			line);
	else
		n = snprintf(
			buf, size,
			"put '%s' in the cidr: table of smtp_discard_ehlo_keyword_address_maps, "
			"postfix reload, flush the verify cache %.900s",
			line, map);
	return n < 0 ? 0 : (size_t)n;
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
