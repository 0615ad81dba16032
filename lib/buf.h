/* buf.h — a growable byte buffer, NUL-terminated after every change. */
#ifndef FAAS_BUF_H
#define FAAS_BUF_H

#include <stddef.h>

/* Zero-initialised ({0}) it is empty; p stays NULL until the first byte. */
typedef struct Buf {
	char *p;
	size_t n;   /* bytes held, not counting the NUL after them */
	size_t cap; /* bytes allocated */
} Buf;

void buf_reserve(Buf *b, size_t more);
void buf_add(Buf *b, const void *p, size_t n);
void buf_str(Buf *b, const char *s);
void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_pwrite(Buf *b, const void *p, size_t n, size_t off);
void buf_consume(Buf *b, size_t n);
void buf_reset(Buf *b);
void buf_free(Buf *b);

#endif
