/*
 * fuzz_milter - the milter callbacks through the seam, without libmilter.
 *
 * The input is a script for four interleaved sessions that share one
 * engine.  Its first byte chooses tagging and the tag header; then each
 * operation is one byte (low nibble: what, high nibble: which session)
 * followed by its arguments, strings ending at a NUL byte:
 *   0 negotiate   1 connect HOST ADDR   2 helo S   3 envfrom S (\001: none)
 *   4 envrcpt S   5 header NAME VALUE   6 eom   7 abort   8 close   9 data
 *   10 set macro BYTE VALUE   11 unset macro BYTE   12 log line S
 *   13 seam faults BYTE   14 tick BYTE   15 tagging on/off for new sessions
 * Seam faults (bit 0 setpriv, 1 addheader, 2 chgheader fail; bit 3: in
 * each callback, every allocation after the first (BYTE >> 4) fails) are
 * injected as a broken MTA or an exhausted heap would cause them.
 *
 * Invariants (a broken one aborts): a callback returns only CONTINUE,
 * NOREPLY or ACCEPT (never REJECT, TEMPFAIL or DISCARD: the milter fails
 * open); an added header has the configured name and a value of printable
 * ASCII, not empty, shorter than MILTER_TAG_MAX; a header is only ever
 * removed, never changed, and only the copies of the tag header the
 * client sent in this message, last first, all of them unless removal
 * failed; every alert passes fuzz_check_json; a callback never reaches
 * msg_fatal (the daemon would exit: class "oom" with FUZZ_KNOWN, which
 * then turns the allocation faults off); every session is freed by close.
 */
#include "alert.h"
#include "callbacks.h"
#include "config.h"
#include "diag.h"
#include "engine.h"
#include "fuzz_check.h"
#include "seam.h"
#include "xmem.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NCTX   4
#define NMACRO 8
#define STRMAX 2048

static const char *const macro_names[NMACRO] = {
	"{daemon_name}", "{rcpt_mailer}", "{rcpt_host}", "{rcpt_addr}", "i", "j", "_",
	"{client_addr}",
};

static const char *const headers[] = { "X-Probewatch-Verify", "X-Verify-Tag",
				       "X-Probewatch-Verify-Long-Header-Name" };

struct fctx {
	void *priv;
	char macro[NMACRO][STRMAX];
	int macro_set[NMACRO];
	char tagname[80];  /* the tag header the session took at negotiate */
	int forged;        /* copies of it the client sent in this message */
	int expect_remove; /* the next index chgheader must be asked to remove */
};

static struct fctx ctxs[NCTX];
static unsigned faults;
static int in_callback, allocs, oom_known, trace; /* FUZZ_TRACE=1: each step on stderr */
static jmp_buf fatal_env;

/* ---- the fake MTA side (seam.h) ---- */

static void *f_getpriv(SMFICTX *ctx)
{
	return ((struct fctx *)(void *)ctx)->priv;
}

static int f_setpriv(SMFICTX *ctx, void *priv)
{
	if (priv && (faults & 1))
		return MI_FAILURE;
	((struct fctx *)(void *)ctx)->priv = priv;
	return MI_SUCCESS;
}

static char *f_getsymval(SMFICTX *ctx, char *name)
{
	struct fctx *f = (struct fctx *)(void *)ctx;

	for (int i = 0; i < NMACRO; i++)
		if (f->macro_set[i] && strcmp(macro_names[i], name) == 0)
			return f->macro[i];
	return NULL;
}

static void broken(const char *what, const char *text)
{
	fuzz_fail("milter", what, text, strlen(text));
}

static int f_addheader(SMFICTX *ctx, char *name, char *value)
{
	struct fctx *f = (struct fctx *)(void *)ctx;
	size_t n;

	if (name == NULL || value == NULL)
		broken("addheader without a name or value", "");
	if (strcmp(name, f->tagname) != 0)
		broken("a header added under another name", name);
	n = strlen(value);
	if (n == 0 || n >= MILTER_TAG_MAX)
		broken("tag header empty or too long", value);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)value[i] < 0x20 || (unsigned char)value[i] >= 0x7f)
			broken("tag header not printable ASCII", value);
	if (trace)
		fprintf(stderr, "  added %s: %s\n", name, value);
	return faults & 2 ? MI_FAILURE : MI_SUCCESS;
}

static int f_chgheader(SMFICTX *ctx, char *name, int index, char *value)
{
	struct fctx *f = (struct fctx *)(void *)ctx;

	if (value != NULL)
		broken("a header changed, not removed", value);
	if (name == NULL || strcasecmp(name, f->tagname) != 0)
		broken("a header removed that is not the tag header", name ? name : "");
	if (index != f->expect_remove || index < 1)
		broken("a header removed out of order or not sent by the client", name);
	f->expect_remove--;
	if (trace)
		fprintf(stderr, "  removed %s #%d\n", name, index);
	return faults & 4 ? MI_FAILURE : MI_SUCCESS;
}

struct milter_seam milter_seam = { f_getpriv, f_setpriv, f_getsymval, f_addheader, f_chgheader };

/* ---- the fake daemon side ---- */

static struct engine *engine;
static int tagging;
static const char *tag_header;

static void h_error(void *ctx)
{
	(void)ctx;
}

static void h_tag(void *ctx, int *tag, char *header, size_t size)
{
	(void)ctx;
	*tag = tagging;
	snprintf(header, size, "%s", tag_header);
}

/* The daemon side the callbacks are bound to (its engine: each input's). */
static struct milter_host host = { .count_error = h_error,
				   .tag_settings = h_tag,
				   .hostname = "mta.example.net" };

static void quiet(const char *level, const char *text)
{
	(void)level;
	(void)text;
}

static int fail_alloc(size_t size)
{
	(void)size;
	return in_callback && (faults & 8) && !oom_known && allocs++ >= (int)(faults >> 4);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *known = getenv("FUZZ_KNOWN");

	(void)argc;
	(void)argv;
	oom_known = known && strstr(known, "oom");
	trace = getenv("FUZZ_TRACE") != NULL;
	if (oom_known)
		fprintf(stderr, "known defect (FUZZ_KNOWN): oom; allocation faults not injected\n");
	alert_init();
	diag_set_hook(quiet);
	xmem_set_fail_hook(fail_alloc);
	return 0;
}

/* ---- the script ---- */

struct input {
	const uint8_t *p, *end;
};

static int get_byte(struct input *in)
{
	return in->p < in->end ? *in->p++ : 0;
}

/* A NUL-terminated string of the input, cut to STRMAX - 1 bytes. */
static char *get_str(struct input *in, char *buf)
{
	size_t n = 0;

	while (in->p < in->end && *in->p) {
		if (n < STRMAX - 1)
			buf[n++] = (char)*in->p;
		in->p++;
	}
	if (in->p < in->end)
		in->p++;
	buf[n] = 0;
	return buf;
}

static void returned(sfsistat r, const char *cb)
{
	if (trace)
		fprintf(stderr, "%s -> %d\n", cb, r);
	if (r != SMFIS_CONTINUE && r != SMFIS_NOREPLY && r != SMFIS_ACCEPT)
		broken("a callback answered other than CONTINUE, NOREPLY or ACCEPT", cb);
}

/* A callback's message is over: its forged count goes with it. */
static void message_over(struct fctx *f)
{
	f->forged = 0;
	f->expect_remove = 0;
}

static void op(struct input *in, int what, struct fctx *f)
{
	SMFICTX *ctx = (SMFICTX *)(void *)f;
	static char a[STRMAX], b[STRMAX];
	unsigned long pf0, pf1, pf2, pf3;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr *sa;
	char *argv[2] = { a, NULL };
	int had = f->priv != NULL, i;

	switch (what) {
	case 0:
		returned(callbacks_desc.xxfi_negotiate(ctx, 0x1ff, 0x1fffff, 0, 0, &pf0, &pf1, &pf2,
						       &pf3),
			 "negotiate");
		if (f->priv)
			snprintf(f->tagname, sizeof(f->tagname), "%s", tag_header);
		break;
	case 1:
		get_str(in, a);
		get_str(in, b);
		memset(&sin, 0, sizeof(sin));
		memset(&sin6, 0, sizeof(sin6));
		sa = NULL;
		sin.sin_family = AF_INET;
		sin6.sin6_family = AF_INET6;
		if (inet_pton(AF_INET, b, &sin.sin_addr) == 1)
			sa = (struct sockaddr *)&sin;
		else if (inet_pton(AF_INET6, b, &sin6.sin6_addr) == 1)
			sa = (struct sockaddr *)&sin6;
		returned(callbacks_desc.xxfi_connect(ctx, a, sa), "connect");
		break;
	case 2:
		returned(callbacks_desc.xxfi_helo(ctx, get_str(in, a)), "helo");
		break;
	case 3:
		get_str(in, a);
		returned(callbacks_desc.xxfi_envfrom(ctx, a[0] == 1 ? NULL : argv), "envfrom");
		if (f->priv)
			message_over(f);
		break;
	case 4:
		get_str(in, a);
		returned(callbacks_desc.xxfi_envrcpt(ctx, a[0] == 1 ? NULL : argv), "envrcpt");
		break;
	case 5:
		get_str(in, a);
		get_str(in, b);
		returned(callbacks_desc.xxfi_header(ctx, a, b), "header");
		if (f->priv && strcasecmp(a, f->tagname) == 0)
			f->forged++;
		break;
	case 6:
		f->expect_remove = f->forged;
		returned(callbacks_desc.xxfi_eom(ctx), "eom");
		if (had && f->expect_remove != 0 && !(faults & 4))
			broken("a forged tag header left in the message", f->tagname);
		message_over(f);
		break;
	case 7:
		returned(callbacks_desc.xxfi_abort(ctx), "abort");
		message_over(f);
		break;
	case 8:
		returned(callbacks_desc.xxfi_close(ctx), "close");
		if (f->priv)
			broken("close left the session behind", "");
		message_over(f);
		f->tagname[0] = 0;
		break;
	case 9:
		returned(callbacks_desc.xxfi_data(ctx), "data");
		break;
	case 10:
		i = get_byte(in) % NMACRO;
		get_str(in, f->macro[i]);
		f->macro_set[i] = 1;
		break;
	case 11:
		f->macro_set[get_byte(in) % NMACRO] = 0;
		break;
	case 12:
		get_str(in, a);
		engine_line(engine, a, strlen(a));
		break;
	case 13:
		faults = (unsigned)get_byte(in);
		break;
	case 14:
		engine_tick(engine, time(NULL) + get_byte(in));
		break;
	default:
		tagging = !tagging;
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, data + size };
	struct config *cf;
	int first;

	if (size < 1)
		return 0;
	first = get_byte(&in);
	tagging = !(first & 1);
	tag_header = headers[(first >> 1) % 3];
	faults = 0;
	memset(ctxs, 0, sizeof(ctxs));
	cf = config_new();
	config_set(cf, "log_timezone", "UTC", NULL);
	config_set(cf, "state_max_entries", "64", NULL);
	engine = engine_create(cf, fuzz_check_alert, NULL);
	engine_set_reference(engine, (time_t)1764028800);
	/* As the daemon runs it: a milter's reject waits in the engine's inbox
	 * for the log side (a log line or a tick), not built in the callback. */
	engine_set_threaded(engine, 1);
	host.engine = engine;
	callbacks_bind(&host);
	diag_set_fatal_jump(&fatal_env);
	if (setjmp(fatal_env) != 0) {
		fuzz_fail("oom", "msg_fatal in a milter callback (the daemon would exit)",
			  diag_last_fatal(), strlen(diag_last_fatal()));
		abort(); /* known or not, the engine cannot go on after it */
	}
	while (in.p < in.end) {
		int b = get_byte(&in);

		in_callback = (b & 15) <= 9;
		allocs = 0;
		op(&in, b & 15, &ctxs[(b >> 4) % NCTX]);
		in_callback = 0;
	}
	/* libmilter closes every connection at the end. */
	faults = 0;
	for (int i = 0; i < NCTX; i++)
		op(&in, 8, &ctxs[i]);
	diag_set_fatal_jump(NULL);
	engine_flush(engine);
	engine_free(engine);
	config_free(cf);
	return 0;
}
