/*
 * probewatch - the daemon: option parsing and start-up, nothing else.
 *
 * probewatch [-c FILE] [-o NAME=VALUE]... [-f] [-n]
 *   -c FILE   configuration (default /etc/probewatch/probewatch.conf)
 *   -o N=V    override one setting
 *   -f        stay in the foreground, diagnostics on standard error
 *   -n        check the configuration, say "configuration OK" or each problem
 * Start-up order: configuration, milter socket and pid file (as root),
 * privilege drop, then the threads that read input.  Signals: SIGTERM,
 * SIGHUP and SIGINT stop (libmilter's); SIGUSR1 reloads; SIGUSR2 writes a
 * probewatch_stats alert.
 */
#include "alert.h"
#include "cliconf.h"
#include "config.h"
#include "diag.h"
#include "httpd.h"
#include "milter.h"
#include "privs.h"
#include "remedy.h"
#include "runtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *render_metrics(void *rt, size_t *len)
{
	return runtime_metrics(rt, len);
}

static void usage(FILE *fp)
{
	fprintf(fp, "usage: probewatch [-c FILE] [-o NAME=VALUE]... [-f] [-n]\n"
		    "  -c FILE        configuration file (default " CONFIG_DEFAULT_PATH ")\n"
		    "  -o NAME=VALUE  override one setting\n"
		    "  -f             foreground, diagnostics on standard error\n"
		    "  -n             check the configuration and exit\n");
}

int main(int argc, char **argv)
{
	struct cliconf cc;
	int foreground = 0, check = 0, problems = 0, ch, rc, pidfd;
	struct config *cf;
	struct runtime *rt;
	struct metrics_httpd *metrics = NULL;
	struct runtime_reload reload;

	diag_init(argv[0]);
	cliconf_init(&cc, argc);
	while ((ch = getopt(argc, argv, CLICONF_OPTS "fnh")) != -1) {
		if (cliconf_option(&cc, ch, optarg))
			continue;
		switch (ch) {
		case 'f':
			foreground = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'h':
			usage(stdout);
			cliconf_free(&cc);
			return 0;
		default:
			usage(stderr);
			cliconf_free(&cc);
			return 1;
		}
	}
	if (optind < argc) {
		usage(stderr);
		cliconf_free(&cc);
		return 1;
	}
	cf = cliconf_load(&cc, &problems);
	if (check || problems) {
		if (problems)
			fprintf(stderr, "%d configuration problem%s\n", problems,
				problems > 1 ? "s" : "");
		else
			printf("configuration OK\n");
		config_free(cf);
		cliconf_free(&cc);
		return problems ? 1 : 0;
	}

	if (!foreground) {
		if (daemon(0, 0) < 0)
			msg_fatal("cannot become a daemon: %m");
		diag_use_syslog(config_str(cf, CF_SYSLOG_IDENT),
				(int)config_num(cf, CF_SYSLOG_FACILITY));
	}
	runtime_block_signals();
	alert_init();
	/* Before any thread: the verify cache the remediation texts name. */
	remedy_set_verify_map(config_str(cf, CF_ADDRESS_VERIFY_MAP));
	remedy_verify_map();
	if (milter_open(config_str(cf, CF_MILTER_SOCKET), config_str(cf, CF_USER),
			config_str(cf, CF_MILTER_SOCKET_GROUP),
			(unsigned)config_num(cf, CF_MILTER_SOCKET_MODE)) < 0)
		return 1;
	if ((pidfd = pidfile_create(config_str(cf, CF_PID_FILE))) < 0) {
		milter_close();
		return 1;
	}
	if (privs_drop(config_str(cf, CF_USER)) < 0) {
		pidfile_remove(config_str(cf, CF_PID_FILE), pidfd);
		milter_close();
		return 1;
	}
	reload.config_path = cc.path;
	reload.overrides = cc.overrides;
	reload.noverrides = cc.noverrides;
	if ((rt = runtime_create(cf, &reload)) == NULL || runtime_start(rt) < 0) {
		msg_error("cannot start");
		pidfile_remove(config_str(cf, CF_PID_FILE), pidfd);
		milter_close();
		return 1;
	}
	/* Metrics in libmicrohttpd's thread, started as the unprivileged user. */
	if (*config_str(cf, CF_METRICS_LISTEN) &&
	    (metrics = metrics_httpd_start(config_str(cf, CF_METRICS_LISTEN), render_metrics,
					   rt)) == NULL)
		msg_warn("going on without the metrics endpoint");
	msg_info("started: following %s, milter on %s, alerts to %s", config_str(cf, CF_LOG_SOURCE),
		 config_str(cf, CF_MILTER_SOCKET), config_str(cf, CF_ALERT_SINKS));
	rc = milter_run(rt);
	msg_info("stopping");
	metrics_httpd_stop(metrics);
	runtime_stop(rt);
	runtime_free(rt);
	pidfile_remove(config_str(cf, CF_PID_FILE), pidfd);
	config_free(cf);
	cliconf_free(&cc);
	return rc == 0 ? 0 : 1;
}
