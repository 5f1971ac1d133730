/*
 * engine_mem - the engine's memory over a long log, for tests/bench/engine-mem.
 *
 * engine_mem [-o NAME=VALUE]... < mail.log
 * Feeds every line of standard input to one engine (as probewatch-scan
 * does; alerts are rendered and dropped) and prints, every million lines
 * and at the end, one line
 *   lines N rss_kb R queue_ids Q recipients C relays L dropped D alerts A
 * (rss_kb: VmRSS now; dropped: entries evicted by state_max_entries),
 * then "peak_rss_kb P" (getrusage).  Exit 1 when a table holds more than
 * state_max_entries.
 */
#include "alert.h"
#include "config.h"
#include "corr.h"
#include "diag.h"
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static unsigned long alerts;

static void drop(void *ctx, struct alert *a)
{
	size_t len;
	char *json = alert_render(a, &len);

	(void)ctx;
	free(json);
	alerts++;
}

static long rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *fp = fopen("/proc/self/status", "r");

	while (fp && fgets(line, sizeof(line), fp))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = atol(line + 6);
	if (fp)
		fclose(fp);
	return kb;
}

static int report(const struct engine *e, size_t max)
{
	struct corr_counts c;

	corr_counts(engine_corr(e), &c);
	printf("lines %lu rss_kb %ld queue_ids %zu recipients %zu relays %zu dropped %lu alerts "
	       "%lu\n",
	       engine_stats(e)->lines, rss_kb(), c.queue_ids, c.recipients, c.relays, c.dropped,
	       alerts);
	fflush(stdout);
	return c.queue_ids > max || c.recipients > max || c.relays > max;
}

int main(int argc, char **argv)
{
	struct config *cf = config_new();
	struct engine *e;
	struct rusage ru;
	char *line = NULL;
	size_t cap = 0, max;
	ssize_t n;
	int over = 0;

	alert_init();
	for (int i = 1; i + 1 < argc; i += 2) {
		char *eq = strchr(argv[i + 1], '=');

		if (strcmp(argv[i], "-o") != 0 || eq == NULL) {
			fprintf(stderr, "usage: engine_mem [-o NAME=VALUE]... < log\n");
			return 2;
		}
		*eq = 0;
		if (config_set(cf, argv[i + 1], eq + 1, NULL) < 0) {
			fprintf(stderr, "engine_mem: bad setting %s\n", argv[i + 1]);
			return 2;
		}
	}
	max = (size_t)config_num(cf, CF_STATE_MAX_ENTRIES);
	e = engine_create(cf, drop, NULL);
	while ((n = getline(&line, &cap, stdin)) > 0) {
		if (line[n - 1] == '\n')
			n--;
		engine_line(e, line, (size_t)n);
		if (engine_stats(e)->lines % 1000000 == 0)
			over |= report(e, max);
	}
	engine_flush(e);
	over |= report(e, max);
	getrusage(RUSAGE_SELF, &ru);
	printf("peak_rss_kb %ld\n", ru.ru_maxrss);
	free(line);
	engine_free(e);
	config_free(cf);
	return over;
}
