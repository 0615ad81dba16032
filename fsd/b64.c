/* b64.c — base64, for binary action code (the REST API carries it so). */
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"

static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
b64_encode(const char *p, size_t n, Buf *out)
{
	size_t i;
	char q[4];

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)p[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)p[i + 2];
		q[0] = alpha[v >> 18 & 63];
		q[1] = alpha[v >> 12 & 63];
		q[2] = i + 1 < n ? alpha[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? alpha[v & 63] : '=';
		if (buf_add(out, q, 4) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int
val(int c)
{
	const char *s = c ? strchr(alpha, c) : NULL;

	return s ? (int)(s - alpha) : -1;
}

/* Decode, skipping white space; -EINVAL on anything else that is not base64. */
int
b64_decode(const char *p, size_t n, Buf *out)
{
	unsigned v = 0;
	int bits = 0, d;
	size_t i;
	char c;

	for (i = 0; i < n; i++) {
		if (p[i] == '=' )
			break;
		if (p[i] == '\n' || p[i] == '\r' || p[i] == ' ')
			continue;
		if ((d = val(p[i])) < 0)
			return -EINVAL;
		v = v << 6 | d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			c = v >> bits & 0xff;
			if (buf_add(out, &c, 1) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}
