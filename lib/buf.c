/* buf.c — growable byte buffers: room doubles, contents stay NUL-terminated. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "mem.h"

/* Room for more bytes and the NUL after them (out of memory aborts). */
void
buf_reserve(Buf *b, size_t more)
{
	size_t cap;

	if (b->n + more + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 256;
	while (cap < b->n + more + 1)
		cap *= 2;
	b->p = erealloc(b->p, cap);
	b->cap = cap;
}

void
buf_add(Buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n > 0)
		memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = '\0';
}

void
buf_str(Buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* A format that vsnprintf refuses (a wide character it cannot convert)
 * adds nothing. */
void
buf_printf(Buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_reserve(b, n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, n + 1, fmt, ap);
	va_end(ap);
	b->n += n;
}

/* Write n bytes at offset off, growing with zeros as pwrite(2) does. */
void
buf_pwrite(Buf *b, const void *p, size_t n, size_t off)
{
	if (off > b->n) {
		buf_reserve(b, off - b->n);
		memset(b->p + b->n, 0, off - b->n);
		b->n = off;
	}
	if (off + n > b->n)
		buf_reserve(b, off + n - b->n);
	if (n > 0)
		memcpy(b->p + off, p, n);
	if (off + n > b->n)
		b->n = off + n;
	if (b->p)
		b->p[b->n] = '\0';
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
