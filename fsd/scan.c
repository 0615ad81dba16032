/* scan.c — members of JSON text found without parsing all of it.
 *
 * An activation record from the event stream is read for a few members (its
 * id, name, status, times, result) and kept as text; building it with
 * jansson cost more than the rest of an invocation. These find a member's
 * value as a span of the text; the text is the backend's, so they check its
 * structure only as far as they walk it.
 */
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"

static const char *
ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* The end of the string starting at p (its opening quote), or NULL. Quotes
 * are found with memchr (records carry long strings: code, logs, results); a
 * quote after an odd run of backslashes is escaped. */
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
js_end(const char *p, const char *e)
{
	int depth = 0;

	if (p >= e)
		return NULL;
	if (*p == '"')
		return strend(p, e);
	if (*p != '{' && *p != '[') {
		while (p < e && *p != ',' && *p != ']' && *p != '}' && *p != ' ' && *p != '\n' && *p != '\t' &&
		       *p != '\r')
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
 * keys[0..n-1] into v[i]..ve[i] (v[i] NULL when it has none); or, of the
 * array p..e (keys NULL), its element n into v[0]..ve[0]. 0, or -1 when p..e
 * is not such a thing or the element is not there.
 */
int
js_fields(const char *p, const char *e, const char *const *keys, size_t n, const char **v, const char **ve)
{
	const char *k = NULL, *kend = NULL, *val, *end;
	size_t i, idx = 0, klen;

	for (i = 0; keys && i < n; i++)
		v[i] = NULL;
	p = ws(p, e);
	if (p >= e || *p != (keys ? '{' : '['))
		return -1;
	for (p = ws(p + 1, e); p < e && *p != (keys ? '}' : ']'); p = ws(p + 1, e)) {
		if (keys) {
			if (*p != '"' || (kend = strend(p, e)) == NULL)
				return -1;
			k = p + 1;
			p = ws(kend, e);
			if (p >= e || *p != ':')
				return -1;
			p = ws(p + 1, e);
		}
		if ((end = js_end(p, e)) == NULL || end == p)
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
		p = ws(end, e);
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
