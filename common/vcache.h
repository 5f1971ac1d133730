/*
 * vcache - Postfix's address verification cache (address_verify_map).
 *
 * verify(8) keeps each verified address as "STATUS:PROBED:UPDATED:TEXT"
 * (status 0 deliverable, 1 undeliverable for now, 2 undeliverable, 3 in
 * progress), failures too, for address_verify_negative_expire_time (3 days
 * by default): after a fix the poisoned entries keep refusing mail until
 * they expire or are removed.  vcache_read() lists the map's entries with
 * "postmap -s".  A btree: or hash: map is locked by verify(8) while
 * Postfix runs; it is then read from a snapshot copy of its file (said in
 * the result), never waited for.  vcache_remove() deletes entries with
 * "postmap -d" the way the map type allows: btree:/hash: only while
 * Postfix is stopped (it says so and changes nothing otherwise), lmdb:
 * live, proxy: through the proxy.  The relay an entry blames is taken
 * from its text when the text names one ("lost connection with H[A]",
 * "host H[A] said", "connect to H[A]:P", "conversation with H[A]").
 */
#ifndef PW_VCACHE_H
#define PW_VCACHE_H

#include <stddef.h>
#include <time.h>

struct vcache_entry {
	char *addr;
	int status;
	time_t probed, updated;
	char *text;
	char relay_host[256], relay_addr[64]; /* "" when the text names none */
};

struct vcache {
	char map[1024];  /* e.g. btree:/var/lib/postfix/verify_cache */
	char type[32];   /* btree, hash, lmdb, proxy:btree, ... */
	char path[1024]; /* the map's file name without suffix */
	int snapshot;    /* read from a copy: Postfix held the lock */
	struct vcache_entry *v;
	size_t n;
};

/*
 * map: NULL or "" for Postfix's address_verify_map (via postconf; an
 * empty one is "the cache is off").  0, or -1 with the reason in err.
 */
int vcache_read(struct vcache *vc, const char *confdir, const char *map, char *err, size_t errsize);
void vcache_free(struct vcache *vc);
/* A negative result: undeliverable now or for good. */
int vcache_entry_failed(const struct vcache_entry *e);
/* Does the entry blame this relay (host name or address, case-insensitive)? */
int vcache_entry_blames(const struct vcache_entry *e, const char *relay);
/* Whether Postfix holds the map's lock now (btree:/hash: only). */
int vcache_locked(const struct vcache *vc, const char *confdir);
/*
 * Delete one address.  0 done, -1 with the reason in err (a locked map is
 * not touched).
 */
int vcache_remove(const struct vcache *vc, const char *confdir, const char *addr, char *err,
		  size_t errsize);
/* Fill host[addr] from a probe's reason text; 0 when it names no relay. */
int vcache_blamed_relay(const char *text, char *host, size_t hsize, char *addr, size_t asize);

#endif
