/* js.h — JSON text without jansson's trees: checking and reading members (js_scan.c), writing (js_text.c). */
#ifndef FAAS_JS_H
#define FAAS_JS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* js_scan.c: text checked or walked in place, nothing allocated */
int js_check(const char *p, size_t len);
int js_member(const char *p, size_t len, const char *key, const char **val, size_t *vlen);
int js_fields(const char *p, const char *e, const char *const *keys, size_t n, const char **v, const char **ve);
int js_elem(const char *p, const char *e, size_t i, const char **v, const char **ve);
int js_strv(const char *v, const char *ve, char *out, size_t len);
int64_t js_intv(const char *v, const char *ve);

/* js_text.c: text of a jansson value (numbers as written), and reading it */
char *js_text(const json_t *v, size_t *len);
char *js_text_pairs(const char *const *kv, size_t n, size_t *len);
int js_append(Buf *b, const json_t *v);
void js_append_string(Buf *b, const char *s);
void js_append_int(Buf *b, int64_t v);
json_t *js_read(const char *p, size_t n, size_t flags, char *err, size_t errn);
const char *js_fault(const json_error_t *je);
const char *jstr(const json_t *v);

#endif
