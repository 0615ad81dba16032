/* base64.h — base64 (RFC 4648) onto the end of a Buf. */
#ifndef FAAS_BASE64_H
#define FAAS_BASE64_H

#include <stddef.h>
#include "buf.h"

void base64_encode(const void *p, size_t n, Buf *out);
int base64_decode(const char *s, size_t n, Buf *out);

#endif
