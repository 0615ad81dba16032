/* httputil.c — small pure helpers of the HTTP server: headers, query
 * parameters, percent-decoding, status texts. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "http.h"

const char *
http_header_get(const HttpReq *r, const char *name)
{
	int i;

	for (i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t
http_url_decode(char *s, int plus_is_space)
{
	char *w = s;
	const char *r = s;

	while (*r) {
		if (*r == '%' && hexval(r[1]) >= 0 && hexval(r[2]) >= 0) {
			*w++ = (char)(hexval(r[1]) * 16 + hexval(r[2]));
			r += 3;
		} else if (*r == '+' && plus_is_space) {
			*w++ = ' ';
			r++;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

const char *
http_query_get(const HttpReq *r, const char *name, char *buf, size_t len)
{
	const char *p = r->query;
	size_t nlen = strlen(name);

	if (p == NULL || len == 0)
		return NULL;
	while (*p) {
		const char *end = strchr(p, '&');
		const char *eq;
		size_t seg = end ? (size_t)(end - p) : strlen(p);

		eq = memchr(p, '=', seg);
		if ((eq ? (size_t)(eq - p) : seg) == nlen && strncmp(p, name, nlen) == 0) {
			size_t vlen = eq ? seg - nlen - 1 : 0;
			if (vlen >= len)
				vlen = len - 1;
			memcpy(buf, eq ? eq + 1 : "", vlen);
			buf[vlen] = '\0';
			http_url_decode(buf, 1);
			return buf;
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	return NULL;
}
