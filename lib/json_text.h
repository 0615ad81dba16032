/* json_text.h — JSON text of a jansson value, numbers as written, and reading it (json_text.c), for every program. */
#ifndef FAAS_JSON_TEXT_H
#define FAAS_JSON_TEXT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

char *json_text(const json_t *v, size_t *len);
char *json_text_pairs(const char *const *kv, size_t n, size_t *len);
int json_append(Buf *b, const json_t *v);
int json_append_string(Buf *b, const char *s);
int json_append_int(Buf *b, int64_t v);
json_t *json_read(const char *p, size_t n, size_t flags, char *err, size_t errn);
const char *json_fault(const json_error_t *je);
void utf8_scrub(char *s);
const char *jstr(const json_t *v);

#endif
