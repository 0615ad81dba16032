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

/* The end of the string starting at p (its opening quote), or NULL. */
static const char *
strend(const char *p, const char *e)
{
	for (p++; p < e; p++)
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
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
		while (p < e && strchr(",]} \t\r\n", *p) == NULL)
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
 * The i-th element of the array, or the value of member key of the object,
 * that is the text p..e: 0 and its span in *v..*ve, or -1.
 */
static int
js_find(const char *p, const char *e, const char *key, size_t i, const char **v, const char **ve)
{
	size_t klen = key ? strlen(key) : 0, n = 0;
	const char *k = NULL, *kend = NULL;

	p = ws(p, e);
	if (p >= e || *p != (key ? '{' : '['))
		return -1;
	for (p = ws(p + 1, e); p < e && *p != (key ? '}' : ']'); p = ws(p + 1, e)) {
		if (key) {
			if (*p != '"' || (kend = strend(p, e)) == NULL)
				return -1;
			k = p + 1;
			p = ws(kend, e);
			if (p >= e || *p != ':')
				return -1;
			p = ws(p + 1, e);
		}
		if ((*ve = js_end(p, e)) == NULL || *ve == p)
			return -1;
		*v = p;
		if (key ? (size_t)(kend - 1 - k) == klen && memcmp(k, key, klen) == 0 : n++ == i)
			return 0;
		p = ws(*ve, e);
		if (p >= e || (*p != ',' && *p != (key ? '}' : ']')))
			return -1;
		if (*p != ',')
			break;
	}
	return -1;
}

int
js_get(const char *p, const char *e, const char *key, const char **v, const char **ve)
{
	return js_find(p, e, key, 0, v, ve);
}

int
js_elem(const char *p, const char *e, size_t i, const char **v, const char **ve)
{
	return js_find(p, e, NULL, i, v, ve);
}

/* The string member key of object p..e into out; 0, or -1 if it is not a string. */
int
js_str(const char *p, const char *e, const char *key, char *out, size_t len)
{
	const char *v, *ve;
	json_t *j;
	size_t n;

	if (js_get(p, e, key, &v, &ve) < 0 || *v != '"' || len == 0)
		return -1;
	if (memchr(v, '\\', ve - v) == NULL) {
		n = (size_t)(ve - v - 2) < len - 1 ? (size_t)(ve - v - 2) : len - 1;
		memcpy(out, v + 1, n);
		out[n] = '\0';
		return 0;
	}
	if ((j = json_loadb(v, ve - v, JSON_DECODE_ANY, NULL)) == NULL)
		return -1;
	n = strlen(json_string_value(j));
	n = n < len - 1 ? n : len - 1;
	memcpy(out, json_string_value(j), n);
	out[n] = '\0';
	json_decref(j);
	return 0;
}

/* The integer member key of object p..e, or 0 (as json_integer_value). */
int64_t
js_int(const char *p, const char *e, const char *key)
{
	const char *v, *ve, *q;

	if (js_get(p, e, key, &v, &ve) < 0)
		return 0;
	for (q = *v == '-' ? v + 1 : v; q < ve; q++)
		if (*q < '0' || *q > '9')
			return 0;
	return strtoll(v, NULL, 10);
}
