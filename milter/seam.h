/*
 * seam - the smfi_* calls the callbacks make, through one table.
 *
 * milter.c fills it with libmilter's functions; the unit tests fill it
 * with fakes and drive the callbacks without an MTA (as OpenDKIM does
 * with its dkimf_* wrappers).
 */
#ifndef PW_SEAM_H
#define PW_SEAM_H

#include <libmilter/mfapi.h>

struct milter_seam {
	void *(*getpriv)(SMFICTX *ctx);
	int (*setpriv)(SMFICTX *ctx, void *priv);
	char *(*getsymval)(SMFICTX *ctx, char *name);
	int (*addheader)(SMFICTX *ctx, char *name, char *value);
	int (*chgheader)(SMFICTX *ctx, char *name, int index, char *value);
};

extern struct milter_seam milter_seam;

#endif
