/* js_text.c — compact JSON text of a jansson value (json_dumps, but numbers as written), and reading it back.
 *
 * Why not json_dumps: jansson formats every integer with snprintf and, for
 * every object and array, prints the node's address with snprintf into a
 * hash table to detect cycles. A warm invoke serialises its /run body, its
 * activation record and its answer: about 90,000 instructions of the
 * backend's ~340,000 went there. Our values come from the parser or from
 * our own code and have no cycles, so a depth limit is guard enough; the
 * rest is one growing buffer. Strings, integers and key order come out as
 * jansson writes them (tests/unit/test-js.c compares the two).
 *
 * A real number is the one thing written otherwise. jansson prints %.17g,
 * so the 0.1 a function returned or a user gave came back as
 * 0.10000000000000001; here it is the shortest text that reads back as the
 * same double: what python's repr, JavaScript and Go write, and for any
 * number a person typed (with at most 15 significant digits) that number.
 * Every program writes JSON through here (the backend's API and records,
 * the file server's files, the proxy's /run lines), so a number crosses
 * them all unchanged.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "js.h"
#include "mem.h"

enum { TEXT_MAX_DEPTH = 2048 };

typedef struct Outbuf {
	char *s;
	size_t len, cap;
	int failed;
} Outbuf;

static int
grow(Outbuf *o, size_t more)
{
	size_t cap = o->cap ? o->cap : 1024; /* most records and answers fit */
	char *s;

	if (o->failed)
		return -1;
	while (cap < o->len + more + 1)
		cap *= 2;
	if (cap == o->cap)
		return 0;
	s = erealloc(o->s, cap);
	o->s = s;
	o->cap = cap;
	return 0;
}

static inline void
put(Outbuf *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap && grow(o, n))
		return;
	memcpy(o->s + o->len, s, n);
	o->len += n;
}

static inline void
putc1(Outbuf *o, char c)
{
	if (o->len + 2 > o->cap && grow(o, 1))
		return;
	o->s[o->len++] = c;
}

/* A string with jansson's escapes: \" \\ \b \f \n \r \t, other controls as
 * \u00XX. Runs of plain bytes are copied whole. */
static void
put_string(Outbuf *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, run = 0;
	char esc[6] = { '\\', 'u', '0', '0' };

	putc1(o, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *e;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(o, s + run, i - run);
		run = i + 1;
		e = c == '"'    ? "\\\""
		    : c == '\\' ? "\\\\"
		    : c == '\b' ? "\\b"
		    : c == '\f' ? "\\f"
		    : c == '\n' ? "\\n"
		    : c == '\r' ? "\\r"
		    : c == '\t' ? "\\t"
		                : NULL;
		if (e) {
			put(o, e, 2);
		} else {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			put(o, esc, 6);
		}
	}
	put(o, s + run, n - run);
	putc1(o, '"');
}

static void
put_integer(Outbuf *o, json_int_t v)
{
	char buf[24], *p = buf + sizeof buf;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	put(o, p, (size_t)(buf + sizeof buf - p));
}

/* The shortest of %.15g, %.16g and %.17g that reads back as v: 15
 * significant digits always pick the shortest form when one that short
 * exists, as every normal double is within a tenth of a unit in the 15th
 * digit of it (a subnormal, with fewer digits to it, tries from 1). Then as jansson's
 * jsonp_dtostr: ".0" when it looks like an integer, no '+' and no leading
 * zeros in the exponent. */
static void
put_real(Outbuf *o, double v)
{
	char buf[64], *e, *start, *end;
	int n = -1;

	if (!isfinite(v)) {
		o->failed = 1;
		return;
	}
	for (int prec = v != 0 && fabs(v) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
		n = snprintf(buf, sizeof buf, "%.*g", prec, v);
		if (n < 0 || n >= (int)sizeof buf - 3) {
			o->failed = 1;
			return;
		}
		if (strtod(buf, NULL) == v)
			break;
	}
	if (strspn(buf, "0123456789-") == (size_t)n) {
		memcpy(buf + n, ".0", 3);
		n += 2;
	}
	if ((e = strchr(buf, 'e'))) {
		start = e + 1;
		end = start + 1;
		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start) {
			memmove(start, end, (size_t)(buf + n - end) + 1);
			n -= (int)(end - start);
		}
	}
	put(o, buf, (size_t)n);
}

static void put_value(Outbuf *o, const json_t *v, int depth);

static void
put_object(Outbuf *o, const json_t *v, int depth)
{
	void *it = json_object_iter((json_t *)v);

	putc1(o, '{');
	for (int first = 1; it; it = json_object_iter_next((json_t *)v, it), first = 0) {
		if (!first)
			putc1(o, ',');
		put_string(o, json_object_iter_key(it), json_object_iter_key_len(it));
		putc1(o, ':');
		put_value(o, json_object_iter_value(it), depth + 1);
	}
	putc1(o, '}');
}

static void
put_array(Outbuf *o, const json_t *v, int depth)
{
	size_t n = json_array_size(v);

	putc1(o, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			putc1(o, ',');
		put_value(o, json_array_get(v, i), depth + 1);
	}
	putc1(o, ']');
}

static void
put_value(Outbuf *o, const json_t *v, int depth)
{
	if (depth > TEXT_MAX_DEPTH || !v) {
		o->failed = 1;
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT: put_object(o, v, depth); break;
	case JSON_ARRAY: put_array(o, v, depth); break;
	case JSON_STRING: put_string(o, json_string_value(v), json_string_length(v)); break;
	case JSON_INTEGER: put_integer(o, json_integer_value(v)); break;
	case JSON_REAL: put_real(o, json_real_value(v)); break;
	case JSON_TRUE: put(o, "true", 4); break;
	case JSON_FALSE: put(o, "false", 5); break;
	case JSON_NULL: put(o, "null", 4); break;
	}
}

/* The buffer as a NUL-terminated string (its length in *len), or NULL. */
static char *
finish(Outbuf *o, size_t *len)
{
	if (!o->failed && grow(o, 0) == 0) {
		o->s[o->len] = 0;
		if (len)
			*len = o->len;
		return o->s;
	}
	free(o->s);
	return NULL;
}

/* The text of v (any type), malloc'd and NUL-terminated, its length in
 * *len if len is not NULL; NULL when v is not writable (a NaN, too deep). */
char *
js_text(const json_t *v, size_t *len)
{
	Outbuf o = { 0 };

	put_value(&o, v, 0);
	return finish(&o, len);
}

/* The js_append* functions write into a Buf what js_text writes into
 * its own buffer, so a text made of parts (an activation record, an event
 * line) is written once, in one buffer. js_append returns 0, or -EINVAL
 * for a value that cannot be written (and then leaves b's text as it was). */
static int
append_end(Outbuf *o, Buf *b)
{
	int ok = !o->failed && grow(o, 0) == 0;

	b->p = o->s; /* grow may have moved it, even on failure */
	b->cap = o->cap;
	if (ok)
		b->n = o->len;
	if (b->p)
		b->p[b->n] = 0;
	return ok ? 0 : -EINVAL;
}

int
js_append(Buf *b, const json_t *v)
{
	Outbuf o = { b->p, b->n, b->cap, 0 };

	put_value(&o, v, 0);
	return append_end(&o, b);
}

void
js_append_string(Buf *b, const char *s)
{
	Outbuf o = { b->p, b->n, b->cap, 0 };

	put_string(&o, s, strlen(s));
	append_end(&o, b);
}

void
js_append_int(Buf *b, int64_t v)
{
	Outbuf o = { b->p, b->n, b->cap, 0 };

	put_integer(&o, v);
	append_end(&o, b);
}

/* {"k1":"v1",...} from n pairs of strings in kv (key, value, key, value...),
 * a pair whose value is NULL left out: a small object written without
 * building one (a /run body's tail is made this way per activation). */
char *
js_text_pairs(const char *const *kv, size_t n, size_t *len)
{
	Outbuf o = { 0 };
	int first = 1;

	putc1(&o, '{');
	for (size_t i = 0; i < n; i++) {
		const char *k = kv[2 * i], *v = kv[2 * i + 1];

		if (!v)
			continue;
		if (!first)
			putc1(&o, ',');
		first = 0;
		put_string(&o, k, strlen(k));
		putc1(&o, ':');
		put_string(&o, v, strlen(v));
	}
	putc1(&o, '}');
	return finish(&o, len);
}

/* What jansson found wrong with a text, in words for the person who wrote
 * it: never jansson's own text, which names its flags and internals. */
const char *
js_fault(const json_error_t *je)
{
	switch (json_error_code(je)) {
	case json_error_out_of_memory: return "out of memory";
	case json_error_stack_overflow: return "it nests deeper than 2048 levels";
	case json_error_invalid_utf8: return "it is not UTF-8";
	case json_error_premature_end_of_input: return "it ends before the JSON value does";
	case json_error_end_of_input_expected: return "more follows the JSON value";
	case json_error_null_character: return "it holds a NUL byte";
	case json_error_null_byte_in_key: return "an object's key holds \\u0000";
	case json_error_duplicate_key: return "an object has a key twice";
	case json_error_numeric_overflow: return "a number is too large (an integer must fit in 64 bits)";
	default: return "it is not valid JSON";
	}
}

/* The JSON value of the n bytes at p (a NUL in a string is data, as in
 * OpenWhisk); NULL with what is wrong and where in err (at most errn
 * bytes) when it is not JSON. flags are jansson's decoding flags. */
json_t *
js_read(const char *p, size_t n, size_t flags, char *err, size_t errn)
{
	json_error_t je;
	json_t *v = json_loadb(p, n, flags | JSON_ALLOW_NUL, &je);

	if (!v && err && errn)
		snprintf(err, errn, "%s (line %d, column %d)", js_fault(&je), je.line, je.column);
	return v;
}

/* A string's text, or "" for anything else (NULL too). */
const char *
jstr(const json_t *v)
{
	const char *s = json_string_value(v);

	return s ? s : "";
}
