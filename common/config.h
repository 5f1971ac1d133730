/*
 * config - probewatch's settings: one table, its parser, checks and dumps.
 *
 * Every setting is a row of the table in config.c (name, type, default,
 * whether SIGUSR1 may change it, one line of help).  The file format is
 * "name = value" lines with '#' comments, shared by probewatch and
 * probewatch-scan; -o NAME=VALUE overrides go through config_set().
 * Problems are reported with msg_error() (file and line when known) and
 * counted; a bad value leaves the previous one in place.
 */
#ifndef PW_CONFIG_H
#define PW_CONFIG_H

#include <stdio.h>

enum config_key {
	CF_MILTER_SOCKET,
	CF_LOG_SOURCE,
	CF_STATE_FILE,
	CF_ALERT_SINKS,
	CF_SYSLOG_FACILITY,
	CF_SYSLOG_IDENT,
	CF_ALERT_CEE_COOKIE,
	CF_LOG_TIMEZONE,
	CF_PIPELINING_THRESHOLD,
	CF_PIPELINING_WINDOW,
	CF_STATE_MAX_ENTRIES,
	CF_STATE_MAX_AGE,
	CF_USER,
	CF_PID_FILE,
	CF_TAG_MESSAGES,
	CF_TAG_HEADER,
	CF_MILTER_SOCKET_MODE,
	CF_MILTER_SOCKET_GROUP,
	CF_PIPECHECK_ON_SUSPICION,
	CF_PIPECHECK_INTERVAL,
	CF_METRICS_LISTEN,
	CF_METRICS_FILE,
	CF_ADDRESS_VERIFY_MAP,
	CF_ALERT_FOLD_THRESHOLD,
	CF_ALERT_FOLD_WINDOW,
	CF_COUNT
};

enum config_type {
	CT_STRING,
	CT_PATH, /* absolute path, or "-" where the help allows it */
	CT_INT,
	CT_DURATION, /* seconds, or a number with s, m, h, d, w */
	CT_BOOL,     /* yes or no */
	CT_FACILITY, /* a syslog facility name */
	CT_SINKS,    /* comma list of syslog, stdout, file:/PATH */
	CT_TIMEZONE, /* empty, or a zone name such as Europe/Berlin */
	CT_HEADER,   /* a header field name */
	CT_MODE,     /* octal file permissions, 0 to 0777 */
	CT_LISTEN,   /* empty (off), or ADDRESS:PORT with an IPv4 or [IPv6] literal */
	CT_OPTPATH,  /* empty (off), or an absolute path */
};

struct config_def {
	const char *name;
	enum config_type type;
	const char *def;
	int reloadable;
	long min, max; /* CT_INT, CT_DURATION */
	const char *help;
};

#define CONFIG_DEFAULT_PATH "/etc/probewatch/probewatch.conf"

struct config;

struct config *config_new(void);
void config_free(struct config *cf);
struct config *config_copy(const struct config *cf);

/* Returns the number of problems; a missing file is one. */
int config_load_file(struct config *cf, const char *path);
/* The same from an open stream; path names it in messages.  The caller closes fp. */
int config_load_stream(struct config *cf, FILE *fp, const char *path);
/*
 * The file (*path; when NULL, CONFIG_DEFAULT_PATH if it exists, and *path
 * says so), then the -o overrides.  Returns the number of problems.
 */
int config_load(struct config *cf, const char **path, char *const *overrides, int noverrides);
/* "name=value" from -o; returns 0 or -1 after reporting the problem. */
int config_override(struct config *cf, const char *assignment);
int config_set(struct config *cf, const char *name, const char *value, const char *where);

const char *config_str(const struct config *cf, enum config_key key);
long config_num(const struct config *cf, enum config_key key); /* int, duration, bool */

const struct config_def *config_table(size_t *count);
void config_dump(const struct config *cf, FILE *fp);
void config_write_sample(FILE *fp);

/* The syslog(3) facility code of a name, -1 if unknown. */
int config_facility_code(const char *name);
/* A CT_LISTEN value split into its address literal and port; 0, or -1 if bad. */
int config_listen_split(const char *v, char *addr, size_t size, int *port);

#endif
