/* js_scan.c — JSON text checked, and members found in it, without building it.
 *
 * A warm /run in the proxy needs only to know that the body is a JSON
 * object and what its "deadline" is, and that the function's answer is an
 * object or array; the file server reads an activation record from the
 * event stream for a few members (id, name, status, times, result) and
 * keeps it as text. jansson would build a tree of allocations for each just
 * to throw it away, which cost more than the rest of an invocation.
 *
 * js_check is a recursive-descent checker that walks the text once and
 * allocates nothing. It follows RFC 8259 (no comments, no trailing commas,
 * strings of valid escapes without raw control characters; UTF-8 is not
 * checked here: the bytes pass through untouched). Nesting deeper than
 * MAXDEPTH is refused.
 *
 * js_fields and the rest walk text that is JSON (js_check passed it, or the
 * backend wrote it) to a member's value, as a span of the text; they check
 * its structure only as far as they walk it, and skip strings with memchr
 * (records carry long strings: code, logs, results).
 */
#include <stdlib.h>
#include <string.h>

#include "js.h"

#define MAXDEPTH 512

typedef struct Scan {
	const char *p, *end;
	int depth;
} Scan;

static int value(Scan *s);

static int
isws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *
skipws(const char *p, const char *e)
{
	while (p < e && isws(*p))
		p++;
	return p;
}

static void
ws(Scan *s)
{
	s->p = skipws(s->p, s->end);
}

static int
literal(Scan *s, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return -1;
	s->p += n;
	return 0;
}

static int
hex4(Scan *s)
{
	int i;

	for (i = 0; i < 4; i++, s->p++)
		if (s->p >= s->end || !strchr("0123456789abcdefABCDEF", *s->p) || *s->p == '\0')
			return -1;
	return 0;
}

static int
string(Scan *s)
{
	if (s->p >= s->end || *s->p != '"')
		return -1;
	for (s->p++; s->p < s->end; s->p++) {
		if (*s->p == '"') {
			s->p++;
			return 0;
		}
		if ((unsigned char)*s->p < 0x20)
			return -1;
		if (*s->p != '\\')
			continue;
		if (++s->p >= s->end)
			return -1;
		if (*s->p == 'u') {
			s->p++;
			if (hex4(s) < 0)
				return -1;
			s->p--;
		} else if (!strchr("\"\\/bfnrt", *s->p) || *s->p == '\0')
			return -1;
	}
	return -1;
}

static int
digits(Scan *s)
{
	const char *start = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > start ? 0 : -1;
}

static int
number(Scan *s)
{
	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (digits(s) < 0)
		return -1;
	if (s->p < s->end && *s->p == '.' && (s->p++, digits(s) < 0))
		return -1;
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		return digits(s);
	}
	return 0;
}

/* The members of an object or the elements of an array, after the opener. */
static int
members(Scan *s, char close, int keyed)
{
	ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		return 0;
	}
	for (;;) {
		if (keyed) {
			if (string(s) < 0)
				return -1;
			ws(s);
			if (s->p >= s->end || *s->p++ != ':')
				return -1;
		}
		if (value(s) < 0)
			return -1;
		ws(s);
		if (s->p >= s->end)
			return -1;
		if (*s->p == close) {
			s->p++;
			return 0;
		}
		if (*s->p++ != ',')
			return -1;
		ws(s);
	}
}

static int
value(Scan *s)
{
	int rc;

	ws(s);
	if (s->p >= s->end)
		return -1;
	switch (*s->p) {
	case '{':
	case '[':
		if (++s->depth > MAXDEPTH)
			return -1;
		s->p++;
		rc = members(s, s->p[-1] == '{' ? '}' : ']', s->p[-1] == '{');
		s->depth--;
		return rc;
	case '"': return string(s);
	case 't': return literal(s, "true");
	case 'f': return literal(s, "false");
	case 'n': return literal(s, "null");
	default: return number(s);
	}
}

/* The first byte of the one JSON value that p holds ('{', '[', '"', ...),
 * or -1 when p is not exactly one JSON value. */
int
js_check(const char *p, size_t len)
{
	Scan s = { p, p + len, 0 };

	if (value(&s) < 0)
		return -1;
	ws(&s);
	if (s.p != s.end)
		return -1;
	return (unsigned char)*skipws(p, s.end);
}

/* The end of the string starting at p (its opening quote), or NULL. A quote
 * after an odd run of backslashes is escaped. */
static const char *
strend(const char *p, const char *e)
{
	const char *q, *b;

	for (p++; p < e && (q = memchr(p, '"', e - p)) != NULL; p = q + 1) {
		for (b = q; b > p && b[-1] == '\\'; b--)
			;
		if ((q - b) % 2 == 0)
			return q + 1;
	}
	return NULL;
}

/* The end of the value starting at p, or NULL. */
static const char *
valend(const char *p, const char *e)
{
	int depth = 0;

	if (p >= e)
		return NULL;
	if (*p == '"')
		return strend(p, e);
	if (*p != '{' && *p != '[') {
		while (p < e && *p != ',' && *p != ']' && *p != '}' && !isws(*p))
			p++;
		return p;
	}
	for (; p < e; p++) {
		if (*p == '"') {
			if ((p = strend(p, e)) == NULL)
				return NULL;
			p--;
		} else if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && --depth == 0)
			return p + 1;
	}
	return NULL;
}

/*
 * In one walk of the object p..e (keys != NULL), the values of its members
 * keys[0..n-1] into v[i]..ve[i] (v[i] NULL when it has none; of a key given
 * twice, the last, as jansson keeps); or, of the array p..e (keys NULL), its
 * element n into v[0]..ve[0]. 0, or -1 when p..e is not such a thing or the
 * element is not there.
 */
int
js_fields(const char *p, const char *e, const char *const *keys, size_t n, const char **v, const char **ve)
{
	const char *k = NULL, *kend = NULL, *val, *end;
	size_t i, idx = 0, klen;

	for (i = 0; keys && i < n; i++)
		v[i] = NULL;
	p = skipws(p, e);
	if (p >= e || *p != (keys ? '{' : '['))
		return -1;
	for (p = skipws(p + 1, e); p < e && *p != (keys ? '}' : ']'); p = skipws(p + 1, e)) {
		if (keys) {
			if (*p != '"' || (kend = strend(p, e)) == NULL)
				return -1;
			k = p + 1;
			p = skipws(kend, e);
			if (p >= e || *p != ':')
				return -1;
			p = skipws(p + 1, e);
		}
		if ((end = valend(p, e)) == NULL || end == p)
			return -1;
		val = p;
		if (keys == NULL && idx++ == n) {
			*v = val;
			*ve = end;
			return 0;
		}
		klen = kend ? (size_t)(kend - 1 - k) : 0;
		for (i = 0; keys && i < n; i++)
			if (strlen(keys[i]) == klen && memcmp(k, keys[i], klen) == 0) {
				v[i] = val;
				ve[i] = end;
			}
		p = skipws(end, e);
		if (p >= e || (*p != ',' && *p != (keys ? '}' : ']')))
			return -1;
		if (*p != ',')
			break;
	}
	return keys ? 0 : -1;
}

int
js_elem(const char *p, const char *e, size_t i, const char **v, const char **ve)
{
	return js_fields(p, e, NULL, i, v, ve);
}

/* In a JSON object (js_check passed it), the text of the top-level member
 * `key`: a string without its quotes (escapes left as they are), any other
 * value as it is. Returns the value's first byte ('"', '{', '[', a digit,
 * ...) or -1. */
int
js_member(const char *p, size_t len, const char *key, const char **val, size_t *vlen)
{
	const char *v, *ve;

	if (js_fields(p, p + len, &key, 1, &v, &ve) < 0 || v == NULL)
		return -1;
	*val = *v == '"' ? v + 1 : v;
	*vlen = (size_t)(ve - v) - (*v == '"' ? 2 : 0);
	return (unsigned char)*v;
}

/* The string v..ve (a value's span, v NULL for none) into out; 0, or -1 if it is not a string. */
int
js_strv(const char *v, const char *ve, char *out, size_t len)
{
	json_t *j;
	size_t n;

	if (v == NULL || *v != '"' || len == 0)
		return -1;
	if (memchr(v, '\\', ve - v) == NULL) {
		n = (size_t)(ve - v - 2) < len - 1 ? (size_t)(ve - v - 2) : len - 1;
		memcpy(out, v + 1, n);
		out[n] = '\0';
		return 0;
	}
	if ((j = json_loadb(v, ve - v, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL)) == NULL)
		return -1;
	n = strlen(json_string_value(j));
	n = n < len - 1 ? n : len - 1;
	memcpy(out, json_string_value(j), n);
	out[n] = '\0';
	json_decref(j);
	return 0;
}

/* The integer v..ve, or 0 when it is none (as json_integer_value). */
int64_t
js_intv(const char *v, const char *ve)
{
	const char *q;

	if (v == NULL || v == ve)
		return 0;
	for (q = *v == '-' ? v + 1 : v; q < ve; q++)
		if (*q < '0' || *q > '9')
			return 0;
	return strtoll(v, NULL, 10);
}
