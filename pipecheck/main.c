/*
 * probewatch-pipecheck - does this SMTP server break on pipelining?
 *
 * probewatch-pipecheck [-p PORT] [--helo NAME] [--from ADDR] [--timeout SECS]
 *                      [--no-tls] [--json] HOST_OR_IP RCPT
 * Options and start-up only; the check is common/pipecheck.c.  Exit
 * status: 0 ok, 1 pipelining_broken, 2 usage or connection error, 3 the
 * other verdicts.
 */
#include "diag.h"
#include "pipecheck.h"

#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *fp)
{
	fprintf(fp, "usage: probewatch-pipecheck [-p PORT] [--helo NAME] [--from ADDR] "
		    "[--timeout SECS] [--no-tls] [--json] HOST_OR_IP RCPT\n"
		    "  -p, --port PORT    SMTP port (default 25)\n"
		    "  --helo NAME        name sent with EHLO (default localhost)\n"
		    "  --from ADDR        MAIL FROM address (default empty: <>)\n"
		    "  --timeout SECS     limit for each step (default 10)\n"
		    "  --no-tls           do not use STARTTLS even when offered\n"
		    "  --json             one JSON document instead of the report\n"
		    "It sends MAIL FROM, RCPT TO, RSET and QUIT pipelined, as Postfix's address\n"
		    "verification probe does, then one at a time; never DATA.\n");
}

/* An SMTP argument must not carry a line break or the brackets around it. */
static int bad_arg(const char *s, size_t max)
{
	return strlen(s) > max || strpbrk(s, "\r\n<> ") != NULL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "helo", required_argument, NULL, 'H' },
		{ "from", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "no-tls", no_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pipecheck_opts o = { .port = 25, .helo = "localhost", .from = "", .timeout = 10 };
	struct pipecheck_result *r;
	int c, json = 0, status;
	char *end;

	diag_init(argv[0]);
	while ((c = getopt_long(argc, argv, "p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.port = (int)strtol(optarg, &end, 10);
			if (*end || o.port <= 0 || o.port > 65535) {
				fprintf(stderr, "probewatch-pipecheck: bad port '%s'\n", optarg);
				return 2;
			}
			break;
		case 'H':
			o.helo = optarg;
			break;
		case 'f':
			o.from = optarg;
			break;
		case 't':
			o.timeout = strtod(optarg, &end);
			if (*end || !(o.timeout > 0 && o.timeout <= 600)) {
				fprintf(stderr,
					"probewatch-pipecheck: bad timeout '%s' (0 to 600 s)\n",
					optarg);
				return 2;
			}
			break;
		case 'T':
			o.no_tls = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	o.host = argv[optind];
	o.rcpt = argv[optind + 1];
	if (bad_arg(o.helo, 255) || *o.helo == 0 || bad_arg(o.from, 320) || bad_arg(o.rcpt, 320) ||
	    *o.rcpt == 0 || strlen(o.host) > 255) {
		fprintf(stderr, "probewatch-pipecheck: the HELO name and the addresses must be "
				"plain (no spaces, brackets or line breaks)\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	r = pipecheck_run(&o);
	if (json) {
		json_t *j = pipecheck_json(r, &o);

		json_dumpf(j, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(j);
	} else {
		pipecheck_print(stdout, r, &o);
	}
	status = pipecheck_exit_status(r->verdict);
	pipecheck_free(r);
	return status;
}
