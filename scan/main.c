/*
 * probewatch-scan - run the detection engine over log files.
 *
 * probewatch-scan [-c FILE] [-o NAME=VALUE]... [--summary | --remediation] [FILE...]
 * probewatch-scan --verify-cache [--relay HOST] [--flush-failed [--yes]] [MAP]
 * Reads the files in order ("-" or none: standard input) and prints one
 * JSON alert per line, or with --summary a report per relay, or with
 * --remediation the exact fix for each flagged relay (fixcmd.c).
 * --verify-cache lists (and cleans) Postfix's verify cache instead.
 * --postfix-config DIR names the Postfix instance (postconf -c).  Exit
 * status: 0 done, 1 a cache clean-up not done, 2 an input or
 * configuration problem (said on stderr).
 */
#define _XOPEN_SOURCE 700 /* strptime */
#include "cliconf.h"
#include "config.h"
#include "diag.h"
#include "engine.h"
#include "fixcmd.h"
#include "html.h"
#include "journal.h"
#include "lreader.h"
#include "remedy.h"
#include "summary.h"
#include "xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_BUFFER  (1 << 20)
#define MAX_LINE     (64 * 1024)
#define WRITE_BUFFER (1 << 20)
#define MAP_WINDOW   (8 << 20) /* of a regular file, mapped at a time */

struct scan {
	int summary;
	int remediation;
	const char *html; /* --html FILE */
};

static void print_alert(void *ctx, struct alert *a)
{
	struct scan *s = ctx;
	size_t len;
	const char *json;

	if (s->summary || s->remediation || s->html)
		return;
	/* Into stdio's large buffer: written in blocks, not per alert. */
	json = alert_json(a, &len);
	fwrite_unlocked(json, 1, len, stdout);
	putc_unlocked('\n', stdout);
}

/* Colours for a terminal, unless NO_COLOR says otherwise (no-color.org). */
static int colour_wanted(void)
{
	const char *no = getenv("NO_COLOR");

	return isatty(1) && (no == NULL || *no == 0);
}

/* "@EPOCH", "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]" or with a T, local time; µs. */
static int parse_when(const char *v, unsigned long long *usec)
{
	static const char *const formats[] = { "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
					       "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d" };
	struct tm tm;
	char *end;

	if (v[0] == '@') {
		long long sec = strtoll(v + 1, &end, 10);

		if (end == v + 1 || *end || sec < 0)
			return -1;
		*usec = (unsigned long long)sec * 1000000ULL;
		return 0;
	}
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(v, formats[i], &tm);
		if (end && *end == 0) {
			time_t t;

			tm.tm_isdst = -1;
			if ((t = mktime(&tm)) == (time_t)-1 || t < 0)
				return -1;
			*usec = (unsigned long long)t * 1000000ULL;
			return 0;
		}
	}
	return -1;
}

static void journal_line(void *ctx, const char *line, size_t len)
{
	engine_line(ctx, line, len);
}

static void journal_overlong(void *ctx)
{
	engine_count_overlong(ctx);
}

/* After the input: the reports asked for, on standard output. */
static void print_reports(const struct scan *s, const struct engine *e,
			  const struct fixcmd_opts *fo)
{
	if (s->summary)
		summary_print(stdout, e, colour_wanted());
	if (s->remediation)
		fixcmd_remediation(stdout, e, fo);
}

/* --journal / --journal-file: the same engine over the journal's records. */
static int scan_journal(struct scan *s, struct config *cf, const struct fixcmd_opts *fo,
			char *const *files, unsigned long long since, unsigned long long until,
			int extra_args)
{
	char err[600];
	struct journal *j;
	struct engine *e;

	if (extra_args || s->html) {
		msg_error("--journal reads no log files%s",
			  s->html ? " (and has no --html yet)" : "");
		return 2;
	}
	if ((j = journal_open("journal", files, err, sizeof(err))) == NULL) {
		msg_error("%s", err);
		return 2;
	}
	if (since ? journal_seek_time(j, since) < 0
		  : journal_seek(j, NULL, 1, err, sizeof(err)) < 0) {
		msg_error("cannot seek in the journal");
		journal_close(j);
		return 2;
	}
	journal_set_until(j, until);
	setvbuf(stdout, NULL, _IOFBF, WRITE_BUFFER);
	e = engine_create(cf, print_alert, s);
	engine_count_only(e, s->summary);
	journal_read(j, journal_line, journal_overlong, e, 0);
	print_reports(s, e, fo);
	engine_free(e);
	journal_close(j);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		msg_error("error writing to standard output: %m");
		return 2;
	}
	return 0;
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: probewatch-scan [-c FILE] [-o NAME=VALUE]... [--summary | --remediation] "
		"[FILE...]\n"
		"       probewatch-scan --verify-cache [--relay HOST] [--flush-failed [--yes]] "
		"[MAP]\n"
		"  -c FILE         configuration file (default " CONFIG_DEFAULT_PATH
		" if it exists)\n"
		"  -o NAME=VALUE   override one setting\n"
		"  --summary       a report per relay instead of JSON alerts\n"
		"  --remediation   the exact fix, as a script, for each relay flagged for "
		"pipelining\n"
		"  --verify-cache  list the failed entries of Postfix's verify cache "
		"(address_verify_map, or MAP)\n"
		"  --relay HOST    only the entries that blame this server (name or address)\n"
		"  --flush-failed  remove those entries (a dry run without --yes)\n"
		"  --postfix-config DIR  the Postfix instance's configuration folder "
		"(postconf -c)\n"
		"  --settings      print the effective settings and exit\n"
		"  --sample-config print the documented sample configuration and exit\n");
}

/*
 * A file that shrinks while it is mapped (copytruncate) makes the pages
 * past its new end raise SIGBUS: the rest of the file is gone, as a read
 * would have found, and the scan of it stops there.
 */
static sigjmp_buf scan_bus;
static volatile sig_atomic_t scan_bus_armed;
static const char *volatile scan_window; /* mapped now */
static volatile size_t scan_window_len;

static void scan_on_sigbus(int sig)
{
	if (scan_bus_armed)
		siglongjmp(scan_bus, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * The lines of a regular file through a moving read-only mapping: the
 * kernel copies nothing, and at most MAP_WINDOW bytes of the file are
 * mapped at once (memory stays bounded).  Lines are split as lreader does:
 * a line longer than MAX_LINE is counted once as overlong, an unterminated
 * last line is a line unless it is too long, and a file that grows while
 * it is read is read on.  Returns 0, having read nothing, when the input
 * cannot be mapped (a pipe, a terminal): then read(2) it is.
 */
static int scan_windows(struct engine *e, int fd)
{
	long pg = sysconf(_SC_PAGESIZE);
	off_t start = lseek(fd, 0, SEEK_CUR), base, size;
	int skipping = 0;
	struct stat st;

	if (pg <= 0 || start < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	for (size = st.st_size; start < size;) {
		size_t len;
		const char *m, *p, *end, *nl;

		base = start - start % pg;
		len = size - base > MAP_WINDOW ? MAP_WINDOW : (size_t)(size - base);
		m = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, base);
		if (m == MAP_FAILED) {
			if (start == 0 && !skipping)
				return 0;
			msg_fatal("cannot map the input: %m");
		}
		scan_window_len = len;
		scan_window = m;
		p = m + (start - base);
		end = m + len;
		while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			size_t n = (size_t)(nl - p);

			if (skipping || n > MAX_LINE)
				engine_count_overlong(e);
			else
				engine_line(e, p, n);
			skipping = 0;
			p = nl + 1;
		}
		start = base + (p - m);
		if (end - p > MAX_LINE && !skipping) {
			/* Too long to be a log line: find its end. */
			skipping = 1;
		}
		if (skipping)
			start = base + (off_t)len;
		if (base + (off_t)len == size && fstat(fd, &st) == 0 && st.st_size > size) {
			size = st.st_size; /* grown meanwhile: read on */
		} else if (base + (off_t)len == size) {
			/* The end: an unterminated last line, counted as overlong if too long. */
			if (skipping || (size_t)(end - p) > MAX_LINE)
				engine_count_overlong(e);
			else if (p < end)
				engine_line(e, p, (size_t)(end - p));
			start = size;
		}
		scan_window = NULL;
		munmap((void *)m, len);
	}
	return 1;
}

static int scan_mapped(struct engine *e, int fd)
{
	struct sigaction sa, old;
	int done;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = scan_on_sigbus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(scan_bus, 1)) {
		scan_bus_armed = 0;
		if (scan_window)
			munmap((void *)scan_window, scan_window_len);
		scan_window = NULL;
		sigaction(SIGBUS, &old, NULL);
		msg_warn("the input shrank while it was read: the rest of it is gone");
		return 1;
	}
	scan_bus_armed = 1;
	done = scan_windows(e, fd);
	scan_bus_armed = 0;
	sigaction(SIGBUS, &old, NULL);
	return done;
}

static void scan_fd(struct engine *e, int fd)
{
	struct lreader *r = lreader_create(fd, READ_BUFFER, MAX_LINE);
	const char *line;
	size_t len;
	enum lreader_status st;

	if (scan_mapped(e, fd)) {
		lreader_free(r);
		return;
	}
	while ((st = lreader_next(r, &line, &len)) != LR_AGAIN) {
		if (st == LR_LINE)
			engine_line(e, line, len);
		else if (st == LR_OVERLONG)
			engine_count_overlong(e);
		else
			msg_fatal("read error: %m");
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
		{ "remediation", no_argument, NULL, 'M' },
		{ "html", required_argument, NULL, 'H' },
		{ "journal", no_argument, NULL, 'J' },
		{ "journal-file", required_argument, NULL, 'j' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "verify-cache", no_argument, NULL, 'V' },
		{ "relay", required_argument, NULL, 'R' },
		{ "flush-failed", no_argument, NULL, 'F' },
		{ "yes", no_argument, NULL, 'Y' },
		{ "postfix-config", required_argument, NULL, 'D' },
		{ "settings", no_argument, NULL, 'P' },
		{ "sample-config", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct scan s = { 0 };
	struct fixcmd_opts fo = { 0 };
	int verify_cache = 0, journal = 0, njfiles = 0;
	char **jfiles = xcalloc((size_t)argc + 1, sizeof(char *));
	unsigned long long since = 0, until = 0;
	int rc;
	struct cliconf cc;
	int print_settings = 0, problems = 0, ch;
	struct config *cf;
	struct engine *e;
	int *fds;
	int nfiles;

	diag_init(argv[0]);
	cliconf_init(&cc, argc);
	while ((ch = getopt_long(argc, argv, CLICONF_OPTS "h", longopts, NULL)) != -1) {
		if (cliconf_option(&cc, ch, optarg))
			continue;
		switch (ch) {
		case 'S':
			s.summary = 1;
			break;
		case 'M':
			s.remediation = 1;
			break;
		case 'H':
			s.html = optarg;
			break;
		case 'J':
			journal = 1;
			break;
		case 'j':
			journal = 1;
			jfiles[njfiles++] = optarg;
			break;
		case 's':
		case 'u':
			if (parse_when(optarg, ch == 's' ? &since : &until) < 0) {
				msg_error("--%s: '%s' is not a time (YYYY-MM-DD[ HH:MM[:SS]] or "
					  "@EPOCH)",
					  ch == 's' ? "since" : "until", optarg);
				rc = 2;
				goto args_done;
			}
			break;
		case 'V':
			verify_cache = 1;
			break;
		case 'R':
			fo.relay = optarg;
			break;
		case 'F':
			fo.flush = 1;
			break;
		case 'Y':
			fo.yes = 1;
			break;
		case 'D':
			fo.confdir = optarg;
			break;
		case 'P':
			print_settings = 1;
			break;
		case 'C':
			config_write_sample(stdout);
			rc = 0;
			goto args_done;
		case 'h':
			usage(stdout);
			rc = 0;
			goto args_done;
		default:
			usage(stderr);
			rc = 2;
			goto args_done;
		}
	}
	if (0) {
	args_done:
		cliconf_free(&cc);
		free(jfiles);
		return rc;
	}
	cf = cliconf_load(&cc, &problems);
	cliconf_free(&cc);
	if (problems) {
		msg_error("%d configuration problem%s", problems, problems > 1 ? "s" : "");
		config_free(cf);
		free(jfiles);
		return 2;
	}
	remedy_set_verify_map(config_str(cf, CF_ADDRESS_VERIFY_MAP));
	if (print_settings) {
		config_dump(cf, stdout);
		config_free(cf);
		free(jfiles);
		return 0;
	}
	if (verify_cache || fo.flush || fo.relay) {
		free(jfiles);
		if (!verify_cache || argc - optind > 1) {
			usage(stderr);
			config_free(cf);
			return 2;
		}
		fo.map = argc > optind ? argv[optind] : NULL;
		rc = fixcmd_verify_cache(stdout, &fo);
		config_free(cf);
		return fflush(stdout) == EOF ? 2 : rc;
	}

	if ((since || until) && !journal) {
		msg_error("--since and --until are for --journal and --journal-file");
		config_free(cf);
		free(jfiles);
		return 2;
	}
	if (journal) {
		rc = scan_journal(&s, cf, &fo, njfiles ? jfiles : NULL, since, until,
				  optind < argc);

		free(jfiles);
		config_free(cf);
		return rc;
	}
	free(jfiles);
	/* Open every input first: a missing file is an error before any output. */
	nfiles = argc - optind;
	fds = xcalloc(nfiles > 0 ? (size_t)nfiles : 1, sizeof(int));
	for (int i = 0; i < nfiles; i++) {
		const char *path = argv[optind + i];

		if (strcmp(path, "-") == 0) {
			fds[i] = 0;
		} else if ((fds[i] = open(path, O_RDONLY)) < 0) {
			msg_error("cannot open %s: %m", path);
			for (int j = 0; j < i; j++)
				if (fds[j] > 0)
					close(fds[j]);
			free(fds);
			config_free(cf);
			return 2;
		}
	}

	FILE *html = NULL;

	if (s.html && (html = fopen(s.html, "w")) == NULL) {
		msg_error("cannot write %s: %m", s.html);
		for (int i = 0; i < nfiles; i++)
			if (fds[i] > 0)
				close(fds[i]);
		free(fds);
		config_free(cf);
		return 2;
	}
	setvbuf(stdout, NULL, _IOFBF, WRITE_BUFFER);
	e = engine_create(cf, print_alert, &s);
	/* The reports count alerts: none is built (--remediation reads the windows). */
	engine_count_only(e, s.summary || s.html);
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
	print_reports(&s, e, &fo);
	if (html) {
		char sources[1024] = "";
		size_t at = 0;

		for (int i = 0; i < nfiles && at + 2 < sizeof(sources); i++)
			at += (size_t)snprintf(sources + at, sizeof(sources) - at, "%s%s",
					       i ? ", " : "", argv[optind + i]);
		html_report(html, e, nfiles ? sources : "standard input");
		if (fclose(html) == EOF) {
			msg_error("error writing %s: %m", s.html);
			engine_free(e);
			free(fds);
			config_free(cf);
			return 2;
		}
	}
	engine_free(e);
	free(fds);
	config_free(cf);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		msg_error("error writing to standard output: %m");
		return 2;
	}
	return 0;
}
