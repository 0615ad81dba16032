/* base64.c — base64 encoding and a lenient decoding, for binary code and bodies.
 *
 * Encoding writes the standard alphabet with padding. Decoding takes what
 * the clients send: the standard or the URL-safe alphabet (+/ or -_), with
 * or without padding, broken into lines or not; '=' and white space are
 * skipped wherever they stand, anything else that is not base64 is -EINVAL.
 */
#include <errno.h>
#include "base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Append the encoding of n bytes; out ends NUL-terminated even when n is 0. */
void
base64_encode(const void *p, size_t n, Buf *out)
{
	const unsigned char *u = p;
	char *q;
	size_t i;
	unsigned v;

	buf_reserve(out, (n + 2) / 3 * 4);
	q = out->p + out->n;
	for (i = 0; i < n; i += 3) {
		v = (unsigned)u[i] << 16 | (i + 1 < n ? (unsigned)u[i + 1] << 8 : 0) | (i + 2 < n ? u[i + 2] : 0);
		*q++ = alphabet[v >> 18 & 63];
		*q++ = alphabet[v >> 12 & 63];
		*q++ = i + 1 < n ? alphabet[v >> 6 & 63] : '=';
		*q++ = i + 2 < n ? alphabet[v & 63] : '=';
	}
	*q = '\0';
	out->n = (size_t)(q - out->p);
}

/* The value of a digit of either alphabet, -1 for a skipped byte, -2 for junk. */
static int
digit(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	if (c == '=' || c == ' ' || c == '\t' || c == '\n' || c == '\r')
		return -1;
	return -2;
}

/* Append the decoding of n characters; 0 or -EINVAL. On error
 * out keeps what it held before. */
int
base64_decode(const char *s, size_t n, Buf *out)
{
	size_t i, start = out->n;
	unsigned acc = 0;
	int bits = 0, v;
	char *q;

	buf_reserve(out, n / 4 * 3 + 3);
	q = out->p + out->n;
	for (i = 0; i < n; i++) {
		if ((v = digit((unsigned char)s[i])) == -1)
			continue;
		if (v < 0) {
			out->n = start;
			out->p[start] = '\0';
			return -EINVAL;
		}
		acc = acc << 6 | (unsigned)v;
		if ((bits += 6) >= 8) {
			bits -= 8;
			*q++ = (char)(acc >> bits & 0xff);
		}
	}
	*q = '\0';
	out->n = (size_t)(q - out->p);
	return 0;
}
