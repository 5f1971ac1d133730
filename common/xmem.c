/*
 * xmem - must-succeed allocation helpers (see xmem.h).
 */
#include "xmem.h"
#include "diag.h"

#include <stdlib.h>
#include <string.h>

static int (*xmem_fail_hook)(size_t);

void xmem_set_fail_hook(int (*hook)(size_t size))
{
	xmem_fail_hook = hook;
}

static void *xmem_check(void *p, size_t size)
{
	if (p == NULL)
		msg_fatal("out of memory allocating %zu bytes", size);
	return p;
}

void *xmalloc(size_t size)
{
	if (xmem_fail_hook && xmem_fail_hook(size))
		return xmem_check(NULL, size);
	return xmem_check(malloc(size ? size : 1), size);
}

void *xcalloc(size_t n, size_t size)
{
	if (xmem_fail_hook && xmem_fail_hook(n * size))
		return xmem_check(NULL, n * size);
	return xmem_check(calloc(n ? n : 1, size ? size : 1), n * size);
}

void *xrealloc(void *ptr, size_t size)
{
	if (xmem_fail_hook && xmem_fail_hook(size))
		return xmem_check(NULL, size);
	return xmem_check(realloc(ptr, size ? size : 1), size);
}

char *xmemdup(const void *p, size_t len)
{
	char *s = xmalloc(len + 1);

	memcpy(s, p, len);
	s[len] = 0;
	return s;
}

char *xstrdup(const char *s)
{
	return xmemdup(s, strlen(s));
}

void *xtry_malloc(size_t size)
{
	if (xmem_fail_hook && xmem_fail_hook(size))
		return NULL;
	return malloc(size ? size : 1);
}

void *xtry_calloc(size_t n, size_t size)
{
	if (xmem_fail_hook && xmem_fail_hook(n * size))
		return NULL;
	return calloc(n ? n : 1, size ? size : 1);
}

char *xtry_strndup(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	char *d;

	if (xmem_fail_hook && xmem_fail_hook(n + 1))
		return NULL;
	if ((d = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}
