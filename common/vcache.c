/*
 * vcache - read and clean Postfix's verify cache (see vcache.h).
 */
#include "vcache.h"
#include "diag.h"
#include "pfcmd.h"
#include "xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define LIST_MAX     (64u << 20) /* bytes of "postmap -s" output read */
#define LOCK_TIMEOUT 3           /* seconds before a map counts as locked */

static int build_postmap(char **argv, const char *confdir, const char *opt, const char *key,
			 const char *map)
{
	int n = 0;

	argv[n++] = "postmap";
	if (confdir && *confdir) {
		argv[n++] = "-c";
		argv[n++] = (char *)confdir;
	}
	argv[n++] = (char *)opt;
	if (key)
		argv[n++] = (char *)key;
	argv[n++] = (char *)map;
	argv[n] = NULL;
	return n;
}

/* "proxy:btree:/p" -> type "proxy:btree", path "/p". */
static int split_map(struct vcache *vc)
{
	const char *colon = strrchr(vc->map, ':');

	if (colon == NULL || colon == vc->map)
		return -1;
	snprintf(vc->type, sizeof(vc->type), "%.*s", (int)(colon - vc->map), vc->map);
	snprintf(vc->path, sizeof(vc->path), "%s", colon + 1);
	return 0;
}

static const char *base_type(const struct vcache *vc)
{
	return strncmp(vc->type, "proxy:", 6) == 0 ? vc->type + 6 : vc->type;
}

static int is_locking_type(const struct vcache *vc)
{
	return strcmp(vc->type, "btree") == 0 || strcmp(vc->type, "hash") == 0;
}

int vcache_blamed_relay(const char *text, char *host, size_t hsize, char *addr, size_t asize)
{
	static const char *const before[] = { "lost connection with ", "host ", "connect to ",
					      "conversation with " };

	for (size_t i = 0; i < sizeof(before) / sizeof(before[0]); i++) {
		const char *p = strstr(text, before[i]), *lb, *rb;

		if (p == NULL)
			continue;
		p += strlen(before[i]);
		lb = p + strcspn(p, "[ ");
		if (*lb != '[' || lb == p || (rb = strchr(lb, ']')) == NULL || rb - lb - 1 > 60)
			continue;
		snprintf(host, hsize, "%.*s", (int)(lb - p), p);
		snprintf(addr, asize, "%.*s", (int)(rb - lb - 1), lb + 1);
		return 1;
	}
	host[0] = addr[0] = 0;
	return 0;
}

/* One "KEY<tab>STATUS:PROBED:UPDATED:TEXT" line; 0 when it is not an entry. */
static int parse_line(char *line, struct vcache_entry *e)
{
	char *tab = strchr(line, '\t'), *p, *end;
	long v[3];

	if (tab == NULL)
		tab = strchr(line, ' ');
	if (tab == NULL || line[0] == '_')
		return 0; /* _LAST_CACHE_CLEANUP_COMPLETED_ and friends */
	*tab = 0;
	p = tab + 1;
	for (int i = 0; i < 3; i++) {
		v[i] = strtol(p, &end, 10);
		if (end == p || *end != ':')
			return 0;
		p = end + 1;
	}
	memset(e, 0, sizeof(*e));
	e->addr = xstrdup(line);
	e->status = (int)v[0];
	e->probed = (time_t)v[1];
	e->updated = (time_t)v[2];
	e->text = xstrdup(p);
	vcache_blamed_relay(e->text, e->relay_host, sizeof(e->relay_host), e->relay_addr,
			    sizeof(e->relay_addr));
	return 1;
}

static void parse_all(struct vcache *vc, char *out)
{
	size_t cap = 0;

	for (char *line = out, *nl; *line; line = nl) {
		struct vcache_entry e;

		nl = line + strcspn(line, "\n");
		if (*nl)
			*nl++ = 0;
		if (!parse_line(line, &e))
			continue;
		if (vc->n == cap) {
			cap = cap ? 2 * cap : 64;
			vc->v = xrealloc(vc->v, cap * sizeof(*vc->v));
		}
		vc->v[vc->n++] = e;
	}
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out;
	ssize_t n;

	if (in < 0)
		return -1;
	if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	close(in);
	return close(out) < 0 || n < 0 ? -1 : 0;
}

/* Read a locked btree:/hash: map from a copy of its file. */
static int read_snapshot(struct vcache *vc, const char *confdir, char *err, size_t errsize)
{
	char dir[] = "/tmp/probewatch-vcache-XXXXXX", file[1100], src[1100], map[1200];
	char *argv[8];
	struct pfcmd_result r;
	int rc = -1;

	if (mkdtemp(dir) == NULL) {
		diag_format(err, errsize, "cannot make a folder for the snapshot: %m");
		return -1;
	}
	snprintf(src, sizeof(src), "%s.db", vc->path);
	snprintf(file, sizeof(file), "%s/snapshot.db", dir);
	if (copy_file(src, file) < 0) {
		diag_format(err, errsize, "cannot copy %s: %m", src);
	} else {
		snprintf(map, sizeof(map), "%s:%s/snapshot", base_type(vc), dir);
		build_postmap(argv, confdir, "-s", NULL, map);
		if (pfcmd_run(argv, 30, LIST_MAX, &r) == PFCMD_OK) {
			parse_all(vc, r.out);
			vc->snapshot = 1;
			rc = 0;
		} else {
			snprintf(err, errsize, "postmap -s of the snapshot: %s", r.err);
		}
		free(r.out);
	}
	unlink(file);
	rmdir(dir);
	return rc;
}

int vcache_read(struct vcache *vc, const char *confdir, const char *map, char *err, size_t errsize)
{
	char *argv[8];
	struct pfcmd_result r;

	memset(vc, 0, sizeof(*vc));
	if (map && *map) {
		snprintf(vc->map, sizeof(vc->map), "%s", map);
	} else if (pfcmd_postconf(confdir, "address_verify_map", vc->map, sizeof(vc->map)) < 0) {
		snprintf(err, errsize, "%s", vc->map);
		return -1;
	}
	if (vc->map[0] == 0) {
		snprintf(
			err, errsize,
			"the verify cache is off (address_verify_map is empty): nothing is cached, "
			"nothing to clean");
		return -1;
	}
	if (split_map(vc) < 0) {
		snprintf(err, errsize, "'%s' is not a TYPE:NAME map", vc->map);
		return -1;
	}
	build_postmap(argv, confdir, "-s", NULL, vc->map);
	switch (pfcmd_run(argv, is_locking_type(vc) ? LOCK_TIMEOUT : 30, LIST_MAX, &r)) {
	case PFCMD_OK:
		parse_all(vc, r.out);
		free(r.out);
		return 0;
	case PFCMD_TIMEOUT:
		free(r.out);
		if (is_locking_type(vc))
			return read_snapshot(vc, confdir, err, errsize);
		snprintf(err, errsize, "postmap -s %s did not answer", vc->map);
		return -1;
	default:
		/* A cache not created yet is an empty one. */
		if (strstr(r.err, "No such file") != NULL) {
			free(r.out);
			return 0;
		}
		snprintf(err, errsize, "postmap -s %s: %s", vc->map, r.err[0] ? r.err : "failed");
		free(r.out);
		return -1;
	}
}

void vcache_free(struct vcache *vc)
{
	for (size_t i = 0; i < vc->n; i++) {
		free(vc->v[i].addr);
		free(vc->v[i].text);
	}
	free(vc->v);
	vc->v = NULL;
	vc->n = 0;
}

int vcache_entry_failed(const struct vcache_entry *e)
{
	return e->status == 1 || e->status == 2;
}

int vcache_entry_blames(const struct vcache_entry *e, const char *relay)
{
	return relay && *relay &&
	       ((e->relay_host[0] && strcasecmp(e->relay_host, relay) == 0) ||
		(e->relay_addr[0] && strcasecmp(e->relay_addr, relay) == 0));
}

int vcache_locked(const struct vcache *vc, const char *confdir)
{
	char *argv[8];
	struct pfcmd_result r;
	enum pfcmd_status st;

	if (!is_locking_type(vc))
		return 0;
	build_postmap(argv, confdir, "-q", "_LAST_CACHE_CLEANUP_COMPLETED_", vc->map);
	st = pfcmd_run(argv, LOCK_TIMEOUT, 4096, &r);
	free(r.out);
	return st == PFCMD_TIMEOUT;
}

int vcache_remove(const struct vcache *vc, const char *confdir, const char *addr, char *err,
		  size_t errsize)
{
	char *argv[8];
	struct pfcmd_result r;
	enum pfcmd_status st;

	build_postmap(argv, confdir, "-d", addr, vc->map);
	st = pfcmd_run(argv, is_locking_type(vc) ? LOCK_TIMEOUT : 30, 4096, &r);
	free(r.out);
	if (st == PFCMD_OK)
		return 0;
	if (st == PFCMD_TIMEOUT)
		snprintf(err, errsize, "%s is locked by Postfix's verify(8): stop Postfix first",
			 vc->map);
	else
		snprintf(err, errsize, "postmap -d %s: %s", addr, r.err[0] ? r.err : "failed");
	return -1;
}
