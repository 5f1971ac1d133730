/*
 * fixplan - the remediation as a script for this Postfix (see fixplan.h).
 */
#include "fixplan.h"
#include "pfcmd.h"
#include "remedy.h"
#include "utf8.h"

#include <stddef.h>
#include <string.h>

void fixplan_ask_postfix(struct fixplan *p)
{
	static const struct {
		const char *name;
		size_t off;
	} want[] = {
		{ "config_directory", offsetof(struct fixplan, config_directory) },
		{ "smtp_discard_ehlo_keyword_address_maps",
		  offsetof(struct fixplan, discard_maps) },
		{ "address_verify_map", offsetof(struct fixplan, verify_map) },
	};

	p->asked = 1;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char *v = (char *)p + want[i].off;

		if (pfcmd_postconf(p->confdir, want[i].name, v, sizeof(p->config_directory)) < 0) {
			snprintf(p->why_not, sizeof(p->why_not), "%s", v);
			p->asked = 0;
			break;
		}
	}
	if (!p->asked) {
		/* Postfix's defaults, said as such in the plan. */
		snprintf(p->config_directory, sizeof(p->config_directory), "%s",
			 p->confdir && *p->confdir ? p->confdir : "/etc/postfix");
		p->discard_maps[0] = 0;
		snprintf(p->verify_map, sizeof(p->verify_map),
			 "btree:/var/lib/postfix/verify_cache");
	}
}

/* The first cidr: map among the comma/space-separated maps, into out. */
static int existing_cidr(const char *maps, char *out, size_t size)
{
	for (const char *m = maps; *m;) {
		size_t n;

		m += strspn(m, ", \t");
		n = strcspn(m, ", \t");
		if (n > 5 && strncmp(m, "cidr:", 5) == 0) {
			snprintf(out, size, "%.*s", (int)(n - 5), m + 5);
			return 1;
		}
		m += n;
	}
	return 0;
}

void fixplan_cidr_file(const struct fixplan *p, char *out, size_t size)
{
	if (!existing_cidr(p->discard_maps, out, size))
		snprintf(out, size, "%s/esmtp_access", p->config_directory);
}

static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* Print s between single quotes for sh; 0 (nothing printed) when it has unprintable bytes. */
static int sh_quote(FILE *fp, const char *s)
{
	if (!printable(s))
		return 0;
	fputc('\'', fp);
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", fp);
		else
			fputc(*s, fp);
	fputc('\'', fp);
	return 1;
}

/* "postfix", "postfix -c '/dir'" ... */
static void command(FILE *fp, const struct fixplan *p, const char *prog)
{
	fputs(prog, fp);
	if (p->confdir && *p->confdir) {
		fputs(" -c ", fp);
		sh_quote(fp, p->confdir);
	}
}

/* Text from the log in a comment: printable, one line. */
static void comment_text(FILE *fp, const char *s)
{
	char buf[300];
	size_t n = text_clean(s, strlen(s), buf, sizeof(buf), TEXT_NO_CONTROLS, NULL);

	fwrite(buf, 1, n, fp);
}

void fixplan_print(FILE *fp, const struct fixplan *p)
{
	char line[128], file[1100];
	int locking =
		strncmp(p->verify_map, "btree:", 6) == 0 || strncmp(p->verify_map, "hash:", 5) == 0;
	size_t skipped = 0;

	remedy_cidr_line(line, sizeof(line), p->addr, p->addr ? strlen(p->addr) : 0);
	fixplan_cidr_file(p, file, sizeof(file));
	fputs("# Stop pipelining to ", fp);
	comment_text(fp, p->host ? p->host : "");
	fputc('[', fp);
	comment_text(fp, p->addr ? p->addr : "");
	fputs("]", fp);
	if (p->port > 0)
		fprintf(fp, ":%d", p->port);
	fputc('\n', fp);
	if (!p->asked)
		fprintf(fp, "# (postconf did not answer: %s; Postfix's defaults assumed)\n",
			p->why_not);
	fputs("# 1. the server's address in a cidr: table of EHLO keywords to discard\n", fp);
	fputs("grep -qxF ", fp);
	sh_quote(fp, line);
	fputc(' ', fp);
	sh_quote(fp, file);
	fputs(" 2>/dev/null || echo ", fp);
	sh_quote(fp, line);
	fputs(" >>", fp);
	sh_quote(fp, file);
	fputc('\n', fp);
	if (!existing_cidr(p->discard_maps, file, sizeof(file))) {
		char value[2200];

		fixplan_cidr_file(p, file, sizeof(file));
		if (p->discard_maps[0])
			snprintf(value, sizeof(value),
				 "smtp_discard_ehlo_keyword_address_maps = %s, cidr:%s",
				 p->discard_maps, file);
		else
			snprintf(value, sizeof(value),
				 "smtp_discard_ehlo_keyword_address_maps = cidr:%s", file);
		fputs(p->discard_maps[0] ? "# 2. main.cf: add the table to the maps already there\n"
					 : "# 2. main.cf: name the table\n",
		      fp);
		command(fp, p, "postconf");
		fputs(" -e ", fp);
		sh_quote(fp, value);
		fputc('\n', fp);
	} else {
		fputs("# 2. main.cf already names that table in "
		      "smtp_discard_ehlo_keyword_address_maps\n",
		      fp);
	}
	if (p->transport && *p->transport) {
		fprintf(fp, "#    or, for every server of the %s transport (master.cf):\n#    ",
			p->transport);
		command(fp, p, "postconf");
		fprintf(fp, " -P '%s/unix/smtp_discard_ehlo_keywords=pipelining'\n", p->transport);
	} else {
		fputs("#    or, for every server of its transport, in master.cf: "
		      "-o smtp_discard_ehlo_keywords=pipelining\n",
		      fp);
	}
	fputs("# 3. make Postfix read it\n", fp);
	command(fp, p, "postfix");
	fputs(" reload\n", fp);
	fputs("# 4. the failures in the verify cache keep refusing mail until they expire: remove "
	      "them\n",
	      fp);
	if (p->verify_map[0] == 0) {
		fputs("#    (the verify cache is off: nothing to remove)\n", fp);
	} else if (p->naddresses == 0) {
		fputs("#    (no cached failure blames this server in ", fp);
		comment_text(fp, p->verify_map);
		fputs(")\n", fp);
	} else {
		if (locking) {
			fputs("#    ", fp);
			comment_text(fp, p->verify_map);
			fputs(" is locked by verify(8) while Postfix runs: stop it for this\n", fp);
			command(fp, p, "postfix");
			fputs(" stop\n", fp);
		}
		for (size_t i = 0; i < p->naddresses; i++) {
			if (!printable(p->addresses[i])) {
				skipped++; /* never into a command line */
				continue;
			}
			command(fp, p, "postmap");
			fputs(" -d ", fp);
			sh_quote(fp, p->addresses[i]);
			fputc(' ', fp);
			sh_quote(fp, p->verify_map);
			fputc('\n', fp);
		}
		if (locking) {
			command(fp, p, "postfix");
			fputs(" start\n", fp);
		}
		if (skipped)
			fprintf(fp, "#    (%zu cached addresses with unprintable bytes left out)\n",
				skipped);
	}
	fputs("# 5. check: a new probe now runs without PIPELINING (the log says \"discarding "
	      "EHLO\n"
	      "#    keywords: PIPELINING\" and the probe ends status=deliverable), e.g.\n",
	      fp);
	fputs("#    sendmail -bv ", fp);
	comment_text(fp, p->naddresses ? p->addresses[0] : "user@domain");
	fputs("\n#    probewatch-pipecheck ", fp);
	comment_text(fp, p->addr ? p->addr : "");
	fputs(" keeps saying pipelining_broken until the server itself is fixed.\n", fp);
}
