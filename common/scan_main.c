/*
 * probewatch-scan - run the detection engine over log files.
 *
 * probewatch-scan [-c FILE] [-o NAME=VALUE]... [--summary] [FILE...]
 * Reads the files in order ("-" or none: standard input) and prints one
 * JSON alert per line, or with --summary a report per relay.  Exit
 * status: 0 done, 2 an input or configuration problem (said on stderr).
 */
#include "config.h"
#include "diag.h"
#include "engine.h"
#include "lreader.h"
#include "summary.h"
#include "xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_BUFFER (1 << 20)
#define MAX_LINE    (64 * 1024)

struct scan {
	int summary;
};

static void print_alert(void *ctx, struct alert *a)
{
	struct scan *s = ctx;
	size_t len;
	char *json;

	if (s->summary)
		return;
	json = alert_render(a, &len);
	json[len] = '\n';
	fwrite(json, 1, len + 1, stdout);
	free(json);
}

static void usage(FILE *fp)
{
	fprintf(fp, "usage: probewatch-scan [-c FILE] [-o NAME=VALUE]... [--summary] [FILE...]\n"
		    "  -c FILE         configuration file (default " CONFIG_DEFAULT_PATH
		    " if it exists)\n"
		    "  -o NAME=VALUE   override one setting\n"
		    "  --summary       a report per relay instead of JSON alerts\n"
		    "  --settings      print the effective settings and exit\n"
		    "  --sample-config print the documented sample configuration and exit\n");
}

static void scan_fd(struct engine *e, int fd)
{
	struct lreader *r = lreader_create(fd, READ_BUFFER, MAX_LINE);
	const char *line;
	size_t len;
	enum lreader_status st;

	while ((st = lreader_next(r, &line, &len)) != LR_AGAIN) {
		if (st == LR_LINE)
			engine_line(e, line, len);
		else if (st == LR_OVERLONG)
			engine_count_overlong(e);
		else
			msg_fatal("read error: %s", strerror(errno));
	}
	st = lreader_finish(r, &line, &len);
	if (st == LR_LINE)
		engine_line(e, line, len);
	else if (st == LR_OVERLONG)
		engine_count_overlong(e);
	lreader_free(r);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "summary", no_argument, NULL, 'S' },
		{ "settings", no_argument, NULL, 'P' },
		{ "sample-config", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct scan s = { 0 };
	const char *cfpath = NULL;
	char **overrides = xcalloc((size_t)argc, sizeof(char *));
	int noverrides = 0, print_settings = 0, problems = 0, ch;
	struct config *cf;
	struct engine *e;
	int *fds;
	int nfiles;

	diag_init(argv[0]);
	while ((ch = getopt_long(argc, argv, "c:o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			cfpath = optarg;
			break;
		case 'o':
			overrides[noverrides++] = optarg;
			break;
		case 'S':
			s.summary = 1;
			break;
		case 'P':
			print_settings = 1;
			break;
		case 'C':
			config_write_sample(stdout);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	cf = config_new();
	problems = config_load(cf, &cfpath, overrides, noverrides);
	free(overrides);
	if (problems) {
		msg_error("%d configuration problem%s", problems, problems > 1 ? "s" : "");
		config_free(cf);
		return 2;
	}
	if (print_settings) {
		config_dump(cf, stdout);
		config_free(cf);
		return 0;
	}

	/* Open every input first: a missing file is an error before any output. */
	nfiles = argc - optind;
	fds = xcalloc(nfiles > 0 ? (size_t)nfiles : 1, sizeof(int));
	for (int i = 0; i < nfiles; i++) {
		const char *path = argv[optind + i];

		if (strcmp(path, "-") == 0) {
			fds[i] = 0;
		} else if ((fds[i] = open(path, O_RDONLY)) < 0) {
			msg_error("cannot open %s: %s", path, strerror(errno));
			for (int j = 0; j < i; j++)
				if (fds[j] > 0)
					close(fds[j]);
			free(fds);
			config_free(cf);
			return 2;
		}
	}

	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	e = engine_create(cf, print_alert, &s);
	if (nfiles == 0)
		scan_fd(e, 0);
	for (int i = 0; i < nfiles; i++) {
		struct stat st;

		/* A file's year-less stamps are not later than its last change. */
		if (i == 0 && fds[i] > 0 && fstat(fds[i], &st) == 0)
			engine_set_reference(e, st.st_mtime);
		scan_fd(e, fds[i]);
		if (fds[i] > 0)
			close(fds[i]);
	}
	if (s.summary)
		summary_print(stdout, e);
	engine_free(e);
	free(fds);
	config_free(cf);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		msg_error("error writing to standard output: %s", strerror(errno));
		return 2;
	}
	return 0;
}
