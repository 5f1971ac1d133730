/*
 * cliconf - the -c/-o options shared by the programs (see cliconf.h).
 */
#include "cliconf.h"

#include "xmem.h"

#include <stdlib.h>

void cliconf_init(struct cliconf *cc, int argc)
{
	cc->path = NULL;
	cc->overrides = xcalloc(argc > 0 ? (size_t)argc : 1, sizeof(char *));
	cc->noverrides = 0;
}

int cliconf_option(struct cliconf *cc, int ch, char *arg)
{
	switch (ch) {
	case 'c':
		cc->path = arg;
		return 1;
	case 'o':
		cc->overrides[cc->noverrides++] = arg;
		return 1;
	}
	return 0;
}

struct config *cliconf_load(struct cliconf *cc, int *problems)
{
	struct config *cf = config_new();

	*problems = config_load(cf, &cc->path, cc->overrides, cc->noverrides);
	return cf;
}

void cliconf_free(struct cliconf *cc)
{
	free(cc->overrides);
	cc->overrides = NULL;
	cc->noverrides = 0;
}
