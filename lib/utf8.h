/* utf8.h — checking UTF-8 text: one sequence, a whole buffer; scrubbing it. */
#ifndef FAAS_UTF8_H
#define FAAS_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at p (1..4; n > 0 bytes there), or 0
 * for a byte that starts none (overlong forms and surrogates included). */
size_t utf8_seq(const unsigned char *p, size_t n);
/* 1 when the n bytes at p are valid UTF-8. */
int utf8_valid(const char *p, size_t n);
/* Each byte of s that starts no valid sequence becomes '?', in place. */
void utf8_scrub(char *s);

#endif
