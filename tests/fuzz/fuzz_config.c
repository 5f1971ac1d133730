/*
 * fuzz_config - the configuration parser.
 *
 * The input is a configuration file (read through fmemopen); its first
 * line is also tried as a -o override.  Whatever was accepted must be
 * accepted again by a fresh configuration (the dump round-trips), and no
 * accepted string setting may carry a control byte.
 */
#include "config.h"
#include "diag.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(const char *level, const char *text)
{
	(void)level;
	(void)text;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	diag_set_hook(quiet);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cf, *again;
	const struct config_def *defs;
	size_t ndefs;
	FILE *fp;
	char first[256];
	const uint8_t *nl;

	if (size == 0)
		return 0;
	cf = config_new();
	fp = fmemopen((void *)data, size, "r");
	if (fp == NULL)
		abort();
	config_load_stream(cf, fp, "fuzz");
	fclose(fp);
	nl = memchr(data, '\n', size);
	if ((size_t)(nl ? nl - data : (long)size) < sizeof(first)) {
		size_t n = nl ? (size_t)(nl - data) : size;

		memcpy(first, data, n);
		first[n] = 0;
		config_override(cf, first);
	}
	defs = config_table(&ndefs);
	again = config_new();
	for (size_t i = 0; i < ndefs; i++) {
		const char *v = config_str(cf, (enum config_key)i);

		if (config_set(again, defs[i].name, v, "round trip") != 0 ||
		    config_num(again, (enum config_key)i) != config_num(cf, (enum config_key)i)) {
			fprintf(stderr, "%s = '%s' accepted once, not twice\n", defs[i].name, v);
			abort();
		}
		for (const char *p = v; *p; p++)
			if (((unsigned char)*p < 0x20 || *p == 0x7f) &&
			    !(*p == '\t' && i == CF_ALERT_SINKS)) { /* blanks between sinks */
				fprintf(stderr, "%s accepted a control byte\n", defs[i].name);
				abort();
			}
	}
	config_free(again);
	config_free(cf);
	return 0;
}
