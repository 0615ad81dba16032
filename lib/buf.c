/* buf.c — growable byte buffers: room doubles, contents stay NUL-terminated. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"

/* Room for more bytes and the NUL after them; 0 or -ENOMEM. */
int
buf_reserve(Buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->n + more + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->n + more + 1)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

int
buf_add(Buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) < 0)
		return -ENOMEM;
	if (n > 0)
		memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

int
buf_str(Buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_printf(Buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, n) < 0)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, n + 1, fmt, ap);
	va_end(ap);
	b->n += n;
	return 0;
}

/* Write n bytes at offset off, growing with zeros as pwrite(2) does. */
int
buf_pwrite(Buf *b, const void *p, size_t n, size_t off)
{
	if (off > b->n) {
		if (buf_reserve(b, off - b->n) < 0)
			return -ENOMEM;
		memset(b->p + b->n, 0, off - b->n);
		b->n = off;
	}
	if (off + n > b->n && buf_reserve(b, off + n - b->n) < 0)
		return -ENOMEM;
	if (n > 0)
		memcpy(b->p + off, p, n);
	if (off + n > b->n)
		b->n = off + n;
	if (b->p)
		b->p[b->n] = '\0';
	return 0;
}

/* Drop the first n bytes. */
void
buf_consume(Buf *b, size_t n)
{
	if (n >= b->n) {
		b->n = 0;
	} else {
		memmove(b->p, b->p + n, b->n - n);
		b->n -= n;
	}
	if (b->p)
		b->p[b->n] = '\0';
}

void
buf_reset(Buf *b)
{
	b->n = 0;
	if (b->p)
		b->p[0] = '\0';
}

void
buf_free(Buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}
