/*
 * cstr - C strings made from log fields (struct pf_str).
 *
 * A field is copied capped at a limit (limits.h), and a NUL byte inside
 * it (a log may hold anything) becomes '?', so the C string says all that
 * was kept.  cstr_dup's result is freed with free().
 */
#ifndef PW_CSTR_H
#define PW_CSTR_H

#include "pflog_event.h"

#include <stddef.h>

/* Copy at most cap bytes of s into dst (which holds cap + 1); the length copied. */
size_t cstr_copy(char *dst, struct pf_str s, size_t cap);
/* The same in a new allocation (xmalloc). */
char *cstr_dup(struct pf_str s, size_t cap);

#endif
