/*
 * xmem - allocation that succeeds or ends the program cleanly.
 *
 * xmalloc, xcalloc, xrealloc, xstrdup and xmemdup never return NULL; on
 * exhaustion they call msg_fatal().  Callers free the result with free().
 * A test may install a failure hook (xmem_set_fail_hook) to make the next
 * allocations fail, which then reach msg_fatal's test jump.
 */
#ifndef PW_XMEM_H
#define PW_XMEM_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xmemdup(const void *p, size_t len); /* adds a terminating NUL */

/* Fallible versions for code that must go on without memory (the milter). */
void *xtry_malloc(size_t size);
void *xtry_calloc(size_t n, size_t size);
char *xtry_strndup(const char *s, size_t max);

/* For tests: return nonzero to make the allocation fail. */
void xmem_set_fail_hook(int (*hook)(size_t size));

#endif
