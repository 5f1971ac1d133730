/*
 * fuzz_engine - the whole engine over one log per input.
 *
 * The first four bytes choose the settings (pipelining threshold and
 * window, state_max_entries, log_timezone, reference time); the rest is
 * the log, split at newlines as probewatch-scan does.  Every alert is
 * checked (fuzz_check.h), then the engine is flushed and freed.
 */
#include "alert.h"
#include "config.h"
#include "diag.h"
#include "engine.h"
#include "fuzz_check.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const zones[] = {
	"UTC",
	"",
	"Europe/Berlin",
	"America/New_York",
	"Australia/Lord_Howe",
	"Asia/Kolkata",
	"CET-1CEST,M3.5.0,M10.5.0/3",
	"EST5EDT",
};

static void quiet(const char *level, const char *text)
{
	(void)level;
	(void)text;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	alert_init();
	diag_set_hook(quiet);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const windows[] = { "1", "30", "10m", "2h" };
	struct config *cf;
	struct engine *e;
	char v[32];
	const char *p, *end, *nl;

	if (size < 4)
		return 0;
	cf = config_new();
	snprintf(v, sizeof(v), "%d", 1 + data[0] % 4);
	config_set(cf, "pipelining_threshold", v, NULL);
	config_set(cf, "pipelining_window", windows[(data[0] >> 2) % 4], NULL);
	snprintf(v, sizeof(v), "%d", 16 + data[1] % 48);
	config_set(cf, "state_max_entries", v, NULL);
	config_set(cf, "state_max_age", data[1] & 0x80 ? "60" : "3d", NULL);
	config_set(cf, "log_timezone", zones[data[2] % (sizeof(zones) / sizeof(zones[0]))], NULL);
	e = engine_create(cf, fuzz_check_alert, NULL);
	/* 2026-11-25 plus up to 255 days: year-less stamps around New Year too. */
	engine_set_reference(e, (time_t)1764028800 + (time_t)data[3] * 86400);
	p = (const char *)data + 4;
	end = (const char *)data + size;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		engine_line(e, p, (size_t)(nl - p));
		p = nl + 1;
	}
	engine_flush(e);
	engine_free(e);
	config_free(cf);
	return 0;
}
