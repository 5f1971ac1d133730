/*
 * config - the settings table and its parser (see config.h).
 */
#include "config.h"
#include "diag.h"
#include "journal.h"
#include "pftime.h"
#include "xmem.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <sys/types.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static const struct config_def config_defs[CF_COUNT] = {
	[CF_MILTER_SOCKET] = { "milter_socket", CT_STRING, "unix:/run/probewatch/probewatch.sock",
			       0, 0, 0,
			       "where the milter listens, in libmilter syntax (unix:PATH, "
			       "inet:PORT@HOST, inet6:PORT@HOST)" },
	[CF_LOG_SOURCE] = { "log_source", CT_PATH, "/var/log/mail.log", 0, 0, 0,
			    "the Postfix log to follow; - reads standard input; journal reads "
			    "the systemd journal, journal:/DIR a folder of journal files" },
	[CF_STATE_FILE] = { "state_file", CT_PATH, "/var/lib/probewatch/state", 0, 0, 0,
			    "where the read position in log_source is saved" },
	[CF_ALERT_SINKS] = { "alert_sinks", CT_SINKS, "syslog", 1, 0, 0,
			     "where alerts go: a comma list of syslog, stdout, file:/PATH" },
	[CF_SYSLOG_FACILITY] = { "syslog_facility", CT_FACILITY, "mail", 1, 0, 0,
				 "syslog facility of alerts and diagnostics" },
	[CF_SYSLOG_IDENT] = { "syslog_ident", CT_STRING, "probewatch", 1, 0, 0,
			      "syslog identifier of alerts and diagnostics" },
	[CF_ALERT_CEE_COOKIE] = { "alert_cee_cookie", CT_BOOL, "no", 1, 0, 0,
				  "prefix syslog alerts with @cee: for rsyslog's mmjsonparse" },
	[CF_LOG_TIMEZONE] = { "log_timezone", CT_TIMEZONE, "", 1, 0, 0,
			      "time zone of log timestamps without an offset; empty: the "
			      "system's" },
	[CF_PIPELINING_THRESHOLD] = { "pipelining_threshold", CT_INT, "2", 1, 1, 1000,
				      "pipelining-type probe failures per relay that raise "
				      "pipelining_suspected" },
	[CF_PIPELINING_WINDOW] = { "pipelining_window", CT_DURATION, "10m", 1, 1, 7 * 86400,
				   "the sliding window for pipelining_threshold" },
	[CF_STATE_MAX_ENTRIES] = { "state_max_entries", CT_INT, "100000", 1, 16, 100000000,
				   "most queue IDs, recipients and relays kept each; the oldest "
				   "go first" },
	[CF_STATE_MAX_AGE] = { "state_max_age", CT_DURATION, "3d", 1, 60, 365 * 86400,
			       "how long a probe verdict is kept to explain later rejects "
			       "(Postfix's address_verify_negative_expire_time)" },
	[CF_USER] = { "user", CT_STRING, "probewatch", 0, 0, 0,
		      "the unprivileged user the daemon runs as after start-up" },
	[CF_PID_FILE] = { "pid_file", CT_PATH, "/run/probewatch/probewatch.pid", 0, 0, 0,
			  "the daemon's process ID file" },
	[CF_TAG_MESSAGES] = { "tag_messages", CT_BOOL, "yes", 1, 0, 0,
			      "add tag_header to accepted mail for recipients whose latest "
			      "probe failed" },
	[CF_TAG_HEADER] = { "tag_header", CT_HEADER, "X-Probewatch-Verify", 1, 0, 0,
			    "the header that tags such mail (a copy sent by the client is "
			    "removed)" },
	[CF_MILTER_SOCKET_MODE] = { "milter_socket_mode", CT_MODE, "0660", 0, 0, 0777,
				    "permissions of a unix milter_socket (octal): the group may "
				    "connect, others not" },
	[CF_MILTER_SOCKET_GROUP] = { "milter_socket_group", CT_STRING, "", 0, 0, 0,
				     "group of a unix milter_socket (put postfix in it); empty: "
				     "the primary group of user" },
	[CF_PIPECHECK_ON_SUSPICION] = { "pipecheck_on_suspicion", CT_BOOL, "no", 1, 0, 0,
					"on pipelining_suspected, talk to that server as "
					"probewatch-pipecheck does and raise pipelining_confirmed "
					"or pipelining_not_confirmed" },
	[CF_PIPECHECK_INTERVAL] = { "pipecheck_interval", CT_DURATION, "1h", 1, 60, 7 * 86400,
				    "at most one such check per server in this time" },
	[CF_METRICS_LISTEN] = { "metrics_listen", CT_LISTEN, "", 0, 0, 0,
				"Prometheus metrics at http://ADDRESS:PORT/metrics (e.g. "
				"127.0.0.1:9478, [::1]:9478); empty: off" },
	[CF_METRICS_FILE] = { "metrics_file", CT_OPTPATH, "", 1, 0, 0,
			      "the same metrics written to this file every 15 s (atomically, for "
			      "node_exporter's textfile collector); empty: off" },
	[CF_ADDRESS_VERIFY_MAP] = { "address_verify_map", CT_STRING, "", 0, 0, 0,
				    "the verify cache that remediation texts name; empty: ask "
				    "Postfix (postconf address_verify_map), or its default" },
	[CF_ALERT_FOLD_THRESHOLD] = { "alert_fold_threshold", CT_INT, "10", 1, 0, 1000000,
				      "the daemon's alerts of one kind (host, event, relay, "
				      "failure "
				      "class and stage, reason) sent one by one per "
				      "alert_fold_window; "
				      "the rest are counted in one alerts_folded alert; 0: never "
				      "fold" },
	[CF_ALERT_FOLD_WINDOW] = { "alert_fold_window", CT_DURATION, "1m", 1, 1, 86400,
				   "the window of alert_fold_threshold, from a kind's first "
				   "alert" },
};

/* A configuration line's length limit, its newline not counted. */
#define CONFIG_LINE_MAX 4096

struct config {
	char *str[CF_COUNT];
	long num[CF_COUNT];
};

static const struct {
	const char *name;
	int code;
} facilities[] = {
	{ "mail", LOG_MAIL },     { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

int config_listen_split(const char *v, char *addr, size_t size, int *port)
{
	const char *colon = strrchr(v, ':'), *a = v;
	size_t alen;
	unsigned char bin[16];
	char *end;
	long p;

	if (colon == NULL)
		return -1;
	alen = (size_t)(colon - v);
	if (alen >= 2 && v[0] == '[' && v[alen - 1] == ']') {
		a = v + 1;
		alen -= 2;
	}
	if (alen == 0 || alen >= size)
		return -1;
	memcpy(addr, a, alen);
	addr[alen] = 0;
	if (inet_pton(a == v ? AF_INET : AF_INET6, addr, bin) != 1)
		return -1;
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (colon[1] == 0 || *end || errno || p < 1 || p > 65535)
		return -1;
	*port = (int)p;
	return 0;
}

int config_facility_code(const char *name)
{
	for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcmp(facilities[i].name, name) == 0)
			return facilities[i].code;
	return -1;
}

const struct config_def *config_table(size_t *count)
{
	*count = CF_COUNT;
	return config_defs;
}

static int find_key(const char *name)
{
	for (int i = 0; i < CF_COUNT; i++)
		if (strcmp(config_defs[i].name, name) == 0)
			return i;
	return -1;
}

static int parse_long(const char *s, long *out, const char **rest)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno)
		return -1;
	*rest = end;
	return 0;
}

/*
 * Control bytes (ESC, BEL, CR...) in a setting would reach terminals and
 * syslog through diagnostics and syslog_ident: no setting takes them
 * (blanks around the items of a sink list aside).
 */
static int has_control_n(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return 1;
	return 0;
}

static int has_control(const char *v)
{
	return has_control_n(v, strlen(v));
}

static int check_sinks(const char *v, char *why, size_t whylen)
{
	const char *p = v;

	if (*p == 0) {
		snprintf(why, whylen, "a comma list of syslog, stdout, file:/PATH");
		return -1;
	}
	while (*p) {
		size_t n = strcspn(p, ",");
		const char *e = p + n, *next = e;

		/* Blanks as sinks_create() trims them: spaces and tabs. */
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t)(e - p) == 6 && !memcmp(p, "syslog", 6))
			;
		else if ((size_t)(e - p) == 6 && !memcmp(p, "stdout", 6))
			;
		else if (e - p > 6 && !memcmp(p, "file:/", 6) && !has_control_n(p, (size_t)(e - p)))
			;
		else {
			snprintf(why, whylen,
				 "a comma list of syslog, stdout, file:/PATH ('%.*s' is none of "
				 "them)",
				 (int)(e - p > 100 ? 100 : e - p), p);
			return -1;
		}
		/* From the item's end: p moved past its leading blanks. */
		p = *next == ',' ? next + 1 : next;
	}
	return 0;
}

/* Validate and convert; 0 on success with *num set, else why says what is allowed. */
static int config_convert(const struct config_def *d, const char *v, long *num, char *why,
			  size_t whylen)
{
	const char *rest;
	long n;

	*num = 0;
	switch (d->type) {
	case CT_STRING:
		if (has_control(v) || strlen(v) > 1000) {
			snprintf(why, whylen, "at most 1000 characters without control characters");
			return -1;
		}
		return 0;
	case CT_PATH:
		if (strcmp(v, "-") == 0 && d == &config_defs[CF_LOG_SOURCE])
			return 0;
		if (d == &config_defs[CF_LOG_SOURCE] &&
		    (strcmp(v, "journal") == 0 || strncmp(v, "journal:/", 9) == 0)) {
			if (journal_available())
				return 0;
			snprintf(why, whylen,
				 "a file: this probewatch was built without libsystemd, so it "
				 "cannot read the journal");
			return -1;
		}
		if (v[0] != '/' || strlen(v) > 1000 || has_control(v)) {
			snprintf(why, whylen, "an absolute path without control characters%s",
				 d == &config_defs[CF_LOG_SOURCE] ? " or -" : "");
			return -1;
		}
		return 0;
	case CT_INT:
		if (parse_long(v, &n, &rest) || *rest || n < d->min || n > d->max) {
			snprintf(why, whylen, "a whole number from %ld to %ld", d->min, d->max);
			return -1;
		}
		*num = n;
		return 0;
	case CT_DURATION:
		if (parse_long(v, &n, &rest) == 0) {
			long mult = 1;

			switch (*rest) {
			case 0:
			case 's':
				break;
			case 'm':
				mult = 60;
				break;
			case 'h':
				mult = 3600;
				break;
			case 'd':
				mult = 86400;
				break;
			case 'w':
				mult = 7 * 86400;
				break;
			default:
				mult = 0;
			}
			if (mult && (*rest == 0 || rest[1] == 0) && n <= d->max / mult &&
			    n * mult >= d->min) {
				*num = n * mult;
				return 0;
			}
		}
		snprintf(why, whylen, "a duration from %lds to %lds (e.g. 90s, 10m, 2h, 3d)",
			 d->min, d->max);
		return -1;
	case CT_BOOL:
		if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1")) {
			*num = 1;
			return 0;
		}
		if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
			return 0;
		snprintf(why, whylen, "yes or no");
		return -1;
	case CT_FACILITY:
		if ((*num = config_facility_code(v)) >= 0)
			return 0;
		snprintf(why, whylen, "one of mail, daemon, user, local0 to local7");
		return -1;
	case CT_SINKS:
		return check_sinks(v, why, whylen);
	case CT_HEADER:
		if (*v && strlen(v) <= 64 &&
		    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
			    strlen(v))
			return 0;
		snprintf(why, whylen, "a header name of letters, digits, '-' and '_' (at most 64)");
		return -1;
	case CT_MODE: {
		char *end;

		errno = 0;
		n = strtol(v, &end, 8);
		if (*v >= '0' && *v <= '7' && *end == 0 && errno == 0 && n >= d->min &&
		    n <= d->max) {
			*num = n;
			return 0;
		}
		snprintf(why, whylen, "octal permissions from 0 to 0777 (e.g. 0660)");
		return -1;
	}
	case CT_LISTEN: {
		char addr[64];
		int port;

		if (*v == 0 || config_listen_split(v, addr, sizeof(addr), &port) == 0)
			return 0;
		snprintf(why, whylen,
			 "empty, or ADDRESS:PORT with an IPv4 or [IPv6] address (e.g. "
			 "127.0.0.1:9478)");
		return -1;
	}
	case CT_OPTPATH:
		if (*v == 0 || (v[0] == '/' && strlen(v) <= 1000 && !has_control(v)))
			return 0;
		snprintf(why, whylen, "empty, or an absolute path");
		return -1;
	case CT_TIMEZONE:
		if (pftime_zone_valid(v) == 0)
			return 0;
		snprintf(why, whylen,
			 "empty, UTC, a zone under /usr/share/zoneinfo (e.g. Europe/Berlin) or a "
			 "POSIX TZ string");
		return -1;
	}
	return -1;
}

int config_set(struct config *cf, const char *name, const char *value, const char *where)
{
	int k = find_key(name);
	char why[200];
	long num;

	if (k < 0) {
		msg_error("%s%sunknown setting '%.100s'", where ? where : "", where ? ": " : "",
			  name);
		return -1;
	}
	if (config_convert(&config_defs[k], value, &num, why, sizeof(why)) < 0) {
		msg_error("%s%sbad value '%.100s' for %s: expected %s", where ? where : "",
			  where ? ": " : "", value, name, why);
		return -1;
	}
	free(cf->str[k]);
	cf->str[k] = xstrdup(value);
	cf->num[k] = num;
	return 0;
}

struct config *config_new(void)
{
	struct config *cf = xcalloc(1, sizeof(*cf));

	for (int i = 0; i < CF_COUNT; i++)
		if (config_set(cf, config_defs[i].name, config_defs[i].def, "built-in default"))
			msg_fatal("bad built-in default for %s", config_defs[i].name);
	return cf;
}

struct config *config_copy(const struct config *cf)
{
	struct config *c = xcalloc(1, sizeof(*c));

	for (int i = 0; i < CF_COUNT; i++) {
		c->str[i] = xstrdup(cf->str[i]);
		c->num[i] = cf->num[i];
	}
	return c;
}

void config_free(struct config *cf)
{
	if (cf == NULL)
		return;
	for (int i = 0; i < CF_COUNT; i++)
		free(cf->str[i]);
	free(cf);
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

int config_load_file(struct config *cf, const char *path)
{
	FILE *fp = fopen(path, "r");
	int problems;

	if (fp == NULL) {
		msg_error("cannot open configuration file %s: %m", path);
		return 1;
	}
	problems = config_load_stream(cf, fp, path);
	fclose(fp);
	return problems;
}

int config_load_stream(struct config *cf, FILE *fp, const char *path)
{
	char *buf = NULL, where[1200];
	size_t cap = 0;
	ssize_t got;
	int problems = 0, lineno = 0;

	/* getline(3): the real length, NUL bytes and all, one line at a time. */
	while ((got = getline(&buf, &cap, fp)) >= 0) {
		size_t n = (size_t)got;
		char *eq, *name, *value;

		lineno++;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		if (n && buf[n - 1] == '\n')
			buf[--n] = 0;
		if (memchr(buf, 0, n)) {
			msg_error("%s: a NUL byte in the line", where);
			problems++;
			continue;
		}
		if (n >= CONFIG_LINE_MAX) {
			msg_error("%s: line too long", where);
			problems++;
			continue;
		}
		name = trim(buf);
		if (*name == 0 || *name == '#')
			continue;
		if ((eq = strchr(name, '=')) == NULL) {
			msg_error("%s: expected 'name = value'", where);
			problems++;
			continue;
		}
		*eq = 0;
		value = trim(eq + 1);
		name = trim(name);
		if (config_set(cf, name, value, where) < 0)
			problems++;
	}
	if (ferror(fp)) {
		msg_error("error reading %s: %m", path);
		problems++;
	}
	free(buf);
	return problems;
}

int config_load(struct config *cf, const char **path, char *const *overrides, int noverrides)
{
	int problems = 0;

	if (*path == NULL && access(CONFIG_DEFAULT_PATH, F_OK) == 0)
		*path = CONFIG_DEFAULT_PATH;
	if (*path)
		problems += config_load_file(cf, *path);
	for (int i = 0; i < noverrides; i++)
		problems += config_override(cf, overrides[i]) < 0;
	return problems;
}

int config_override(struct config *cf, const char *assignment)
{
	const char *eq = strchr(assignment, '=');
	char name[128];
	size_t n;

	if (eq == NULL || eq == assignment || (size_t)(eq - assignment) >= sizeof(name)) {
		msg_error("-o %.100s: expected NAME=VALUE", assignment);
		return -1;
	}
	n = (size_t)(eq - assignment);
	memcpy(name, assignment, n);
	name[n] = 0;
	return config_set(cf, trim(name), eq + 1, "-o");
}

const char *config_str(const struct config *cf, enum config_key key)
{
	return cf->str[key];
}

long config_num(const struct config *cf, enum config_key key)
{
	return cf->num[key];
}

void config_dump(const struct config *cf, FILE *fp)
{
	for (int i = 0; i < CF_COUNT; i++)
		fprintf(fp, "%s = %s\n", config_defs[i].name, cf->str[i]);
}

void config_write_sample(FILE *fp)
{
	fputs("# probewatch.conf - settings of probewatch and probewatch-scan.\n"
	      "#\n"
	      "# Format: one 'name = value' per line; '#' starts a comment.\n"
	      "# Every setting is shown with its default.  Settings marked\n"
	      "# 'restart' are read at start-up only; the others change on SIGUSR1.\n"
	      "# This file is generated from the table in common/config.c.\n",
	      fp);
	for (int i = 0; i < CF_COUNT; i++) {
		const struct config_def *d = &config_defs[i];

		fprintf(fp, "\n# %s (%s)\n#%s = %s\n", d->help,
			d->reloadable ? "reload" : "restart", d->name, d->def);
	}
}
