/*
 * fixcmd - the verify cache and the remediation, for probewatch-scan (see
 * fixcmd.h).
 */
#include "fixcmd.h"
#include "diag.h"
#include "fixplan.h"
#include "pwlimits.h"
#include "relay.h"
#include "utf8.h"
#include "vcache.h"
#include "xmem.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void put_clean(FILE *fp, const char *s, size_t cap)
{
	char buf[600];
	size_t n = text_clean(s, strlen(s), buf, cap < sizeof(buf) ? cap : sizeof(buf),
			      TEXT_NO_CONTROLS, NULL);

	fwrite(buf, 1, n, fp);
}

static int selected(const struct vcache_entry *e, const char *relay)
{
	return vcache_entry_failed(e) && (relay == NULL || vcache_entry_blames(e, relay));
}

int fixcmd_verify_cache(FILE *fp, const struct fixcmd_opts *o)
{
	struct vcache vc;
	char err[1300];
	size_t shown = 0, removed = 0, failed = 0;

	if (vcache_read(&vc, o->confdir, o->map, err, sizeof(err)) < 0) {
		msg_error("%s", err);
		return 2;
	}
	fprintf(fp, "# %s%s: %zu entries\n", vc.map,
		vc.snapshot ? " (locked by Postfix's verify(8): read from a snapshot copy)" : "",
		vc.n);
	for (size_t i = 0; i < vc.n; i++) {
		const struct vcache_entry *e = &vc.v[i];
		char when[32] = "-";
		struct tm tm;

		if (!selected(e, o->relay))
			continue;
		if (e->updated > 0 && gmtime_r(&e->updated, &tm))
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		put_clean(fp, e->addr, 320);
		fprintf(fp, "\t%s\t", when);
		if (e->relay_host[0]) {
			put_clean(fp, e->relay_host, PW_HOST_MAX);
			fputc('[', fp);
			put_clean(fp, e->relay_addr, PW_IP_MAX);
			fputc(']', fp);
		} else {
			fputc('-', fp);
		}
		fputc('\t', fp);
		put_clean(fp, e->text, 500);
		fputc('\n', fp);
		shown++;
	}
	fprintf(fp, "# %zu failed %s%s%s\n", shown, shown == 1 ? "entry" : "entries",
		o->relay ? " blaming " : "", o->relay ? o->relay : "");
	if (!o->flush || shown == 0) {
		vcache_free(&vc);
		return 0;
	}
	if (!o->yes) {
		fprintf(fp, "# dry run: --yes removes %s\n", shown == 1 ? "it" : "them");
		vcache_free(&vc);
		return 0;
	}
	if (vcache_locked(&vc, o->confdir)) {
		msg_error("%s is locked by Postfix's verify(8) while Postfix runs: run 'postfix "
			  "stop', "
			  "this command again, then 'postfix start' (or see --remediation for the "
			  "commands)",
			  vc.map);
		vcache_free(&vc);
		return 1;
	}
	for (size_t i = 0; i < vc.n; i++) {
		if (!selected(&vc.v[i], o->relay))
			continue;
		if (vcache_remove(&vc, o->confdir, vc.v[i].addr, err, sizeof(err)) == 0) {
			removed++;
		} else {
			failed++;
			msg_error("%s", err);
		}
	}
	fprintf(fp, "# removed %zu, failed %zu\n", removed, failed);
	vcache_free(&vc);
	return failed ? 1 : 0;
}

/* A relay the remediation is for: flagged for pipelining, or a 221 taken as the RCPT reply. */
static int flagged(const struct relay *r)
{
	return r->flagged || r->pipelining_alerts || r->suspect_successes;
}

int fixcmd_remediation(FILE *fp, const struct engine *e, const struct fixcmd_opts *o)
{
	size_t nrelays, nflagged = 0;
	const struct relay **relays;
	struct vcache vc;
	char err[1300];
	int have_cache;

	relays = engine_relay_list(e, NULL, &nrelays);
	for (size_t i = 0; i < nrelays; i++)
		if (flagged(relays[i]))
			relays[nflagged++] = relays[i];
	if (nflagged == 0) {
		fprintf(fp, "# no server was flagged for pipelining: nothing to fix\n");
		free(relays);
		return 0;
	}
	have_cache = vcache_read(&vc, o->confdir, o->map, err, sizeof(err)) == 0;
	if (!have_cache)
		fprintf(fp, "# the verify cache could not be read: %s\n", err);
	for (size_t i = 0; i < nflagged; i++) {
		const struct relay *r = relays[i];
		struct fixplan p = { .host = r->host,
				     .addr = r->addr,
				     .port = r->port,
				     .transport = r->transport,
				     .confdir = o->confdir };
		const char **addrs = xcalloc(have_cache && vc.n ? vc.n : 1, sizeof(*addrs));
		size_t n = 0;

		fixplan_ask_postfix(&p);
		if (o->map && *o->map)
			snprintf(p.verify_map, sizeof(p.verify_map), "%s", o->map);
		for (size_t k = 0; have_cache && k < vc.n; k++)
			if (selected(&vc.v[k], r->addr[0] ? r->addr : r->host))
				addrs[n++] = vc.v[k].addr;
		if (!have_cache) {
			/* The recipients of its last pipelining failures, from the log. */
			free(addrs);
			addrs = xcalloc(RELAY_RECIPIENTS_MAX, sizeof(*addrs));
			n = relay_window_recipients(r, addrs, RELAY_RECIPIENTS_MAX);
		}
		p.addresses = addrs;
		p.naddresses = n;
		if (i > 0)
			fputc('\n', fp);
		fixplan_print(fp, &p);
		free(addrs);
	}
	if (have_cache)
		vcache_free(&vc);
	free(relays);
	return 0;
}
