/*
 * fuzz_check - the invariants every probewatch fuzz harness asserts.
 *
 * An alert is valid JSON (jansson parses it back to an object), stays
 * within ALERT_BUDGET bytes, and carries no raw control byte: nothing
 * below 0x20, no DEL, no C1 character (U+0080..U+009F, C2 80..C2 9F in
 * UTF-8).  A broken invariant aborts, which libFuzzer reports as a crash.
 *
 * FUZZ_KNOWN (environment) lists the classes of a known defect that is
 * being fixed elsewhere ("budget", "del", "c1"): those are reported once
 * on standard error instead of aborting, so fuzzing goes on past them.
 */
#ifndef PW_FUZZ_CHECK_H
#define PW_FUZZ_CHECK_H

#include "alert.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void fuzz_fail(const char *cls, const char *what, const char *json, size_t len)
{
	const char *known = getenv("FUZZ_KNOWN");
	static char said[64];

	if (known && strstr(known, cls)) {
		if (strstr(said, cls) == NULL && strlen(said) + strlen(cls) + 2 < sizeof(said)) {
			strcat(said, cls);
			strcat(said, " ");
			fprintf(stderr, "known defect (FUZZ_KNOWN): %s (%zu bytes): %.*s\n", what,
				len, (int)(len > 4000 ? 4000 : len), json);
		}
		return;
	}
	fprintf(stderr, "invariant broken: %s (%zu bytes): %.*s\n", what, len,
		(int)(len > 4000 ? 4000 : len), json);
	abort();
}

static inline void fuzz_check_json(const char *json, size_t len)
{
	json_error_t err;
	json_t *v;

	if (len > ALERT_BUDGET)
		fuzz_fail("budget", "over the alert budget", json, len);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)json[i];

		if (c < 0x20) {
			fprintf(stderr, "byte 0x%02x at offset %zu\n", c, i);
			fuzz_fail("c0", "raw control byte", json, len);
		}
		if (c == 0x7f)
			fuzz_fail("del", "raw DEL", json, len);
		if (c == 0xc2 && i + 1 < len && (unsigned char)json[i + 1] >= 0x80 &&
		    (unsigned char)json[i + 1] <= 0x9f)
			fuzz_fail("c1", "raw C1 control character", json, len);
	}
	v = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
	if (v == NULL || !json_is_object(v))
		fuzz_fail("json", "not a JSON object", json, len);
	json_decref(v);
}

/* A corr_emit_fn that renders and checks each alert. */
static inline void fuzz_check_alert(void *ctx, struct alert *a)
{
	size_t len;
	char *json = alert_render(a, &len);

	(void)ctx;
	if (json == NULL)
		abort();
	fuzz_check_json(json, len);
	free(json);
}

#endif
