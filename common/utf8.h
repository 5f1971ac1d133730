/*
 * utf8 - make untrusted bytes safe to put in a JSON string or a header.
 *
 * text_clean() copies at most 'cap' bytes of valid UTF-8: invalid or
 * truncated sequences and NUL become U+FFFD, and the copy never ends in the
 * middle of a character.  With TEXT_NO_CONTROLS every control character
 * (C0, DEL, C1) becomes '?' too, for header values and single-line output;
 * with TEXT_NO_DEL_C1 only DEL and C1 do, for JSON, which escapes C0 but
 * passes DEL and C1 through raw.
 */
#ifndef PW_UTF8_H
#define PW_UTF8_H

#include <stddef.h>

#define TEXT_NO_CONTROLS 1
/* DEL and C1 become '?', C0 is kept (JSON escapes it; terminals do not act on it there). */
#define TEXT_NO_DEL_C1 2

/* Returns the length written to out (out needs cap bytes, no NUL added). */
size_t text_clean(const char *in, size_t len, char *out, size_t cap, int flags, int *cut);

#endif
