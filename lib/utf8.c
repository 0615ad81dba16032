/* utf8.c — checking UTF-8 text (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF). */
#include <string.h>

#include "utf8.h"

size_t
utf8_seq(const unsigned char *p, size_t n)
{
	size_t len, i;

	if (p[0] < 0x80)
		return 1;
	len = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 && p[0] < 0xf0 ? 3 : p[0] >= 0xc2 && p[0] < 0xe0 ? 2 : 0;
	if (len == 0 || len > n)
		return 0;
	for (i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if (len == 3 && ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0)))
		return 0;
	if (len == 4 && ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90)))
		return 0;
	return len;
}

int
utf8_valid(const char *p, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if ((k = utf8_seq((const unsigned char *)p + i, n - i)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

/* Make s (NUL-terminated) valid UTF-8 in place, each byte that is not part
 * of a valid sequence becoming '?', so that a text quoting what a user
 * sent can always be written as JSON. */
void
utf8_scrub(char *s)
{
	size_t n = strlen(s), i = 0, k;

	while (i < n) {
		if ((k = utf8_seq((const unsigned char *)s + i, n - i)) == 0) {
			s[i++] = '?';
			continue;
		}
		i += k;
	}
}
