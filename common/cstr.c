/*
 * cstr - C strings from log fields (see cstr.h).
 */
#include "cstr.h"
#include "xmem.h"

#include <string.h>

size_t cstr_copy(char *dst, struct pf_str s, size_t cap)
{
	size_t n = s.len > cap ? cap : s.len;

	if (n)
		memcpy(dst, s.p, n);
	dst[n] = 0;
	if (memchr(dst, 0, n))
		for (size_t i = 0; i < n; i++)
			if (dst[i] == 0)
				dst[i] = '?';
	return n;
}

char *cstr_dup(struct pf_str s, size_t cap)
{
	size_t n = s.len > cap ? cap : s.len;
	char *d = xmalloc(n + 1);

	cstr_copy(d, s, n);
	return d;
}
