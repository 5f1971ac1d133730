/*
 * utf8 - validating copy of untrusted text (see utf8.h).
 *
 * Follows RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF.
 */
#include "utf8.h"

#include <stdint.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p, or 0 if it is not one. */
static size_t utf8_seq(const unsigned char *p, size_t len)
{
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return len >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (len < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F))
			return 0;
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (len < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
		    (p[3] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))
			return 0;
		return 4;
	}
	return 0;
}

size_t text_clean(const char *in, size_t len, char *out, size_t cap, int flags, int *cut)
{
	static const char replacement[] = "\xEF\xBF\xBD";
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, o = 0;

	if (cut)
		*cut = 0;
	/* Most text is printable ASCII: copy the longest such prefix at once. */
	{
		size_t lim = len < cap ? len : cap;

		/* Eight bytes at a time: none below 0x20, none at 0x7f or above. */
		for (; i + 8 <= lim; i += 8) {
			uint64_t w;

			memcpy(&w, p + i, 8);
			if (((w - 0x2020202020202020ULL) | (w + 0x0101010101010101ULL) | w) &
			    0x8080808080808080ULL)
				break;
		}
		while (i < lim && p[i] >= 0x20 && p[i] < 0x7f)
			i++;
	}
	if (i)
		memcpy(out, in, i);
	o = i;
	while (i < len) {
		size_t n = utf8_seq(p + i, len - i);
		const char *src = (const char *)p + i;
		size_t outn = n;

		if (n == 0 || p[i] == 0) {
			src = replacement;
			outn = 3;
			n = 1;
		} else if ((flags & TEXT_NO_CONTROLS) &&
			   (p[i] < 0x20 || p[i] == 0x7F ||
			    (n == 2 && p[i] == 0xC2 && p[i + 1] < 0xA0))) {
			src = "?";
			outn = 1;
		} else if ((flags & TEXT_NO_DEL_C1) &&
			   (p[i] == 0x7F || (n == 2 && p[i] == 0xC2 && p[i + 1] < 0xA0))) {
			src = "?";
			outn = 1;
		}
		if (o + outn > cap) {
			if (cut)
				*cut = 1;
			break;
		}
		memcpy(out + o, src, outn);
		o += outn;
		i += n;
	}
	return o;
}
