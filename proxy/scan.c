/* scan.c — checking JSON text without building it, for the warm path.
 *
 * A warm /run needs only to know that the body is a JSON object and what
 * its "deadline" is, and that the function's answer is an object or array.
 * jansson would build a tree of allocations for each just to throw it away;
 * this recursive-descent checker walks the text once and allocates nothing.
 * It follows RFC 8259 (no comments, no trailing commas, strings of valid
 * escapes without raw control characters; UTF-8 is not checked here: the
 * bytes pass through untouched). Nesting deeper than MAXDEPTH is refused.
 */
#include <string.h>
#include "dat.h"
#include "fns.h"

#define MAXDEPTH 512

typedef struct Scan {
	const char *p, *end;
	int depth;
} Scan;

static int value(Scan *s);

static void
ws(Scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
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
json_scan(const char *p, size_t len)
{
	Scan s = { p, p + len, 0 };

	if (value(&s) < 0)
		return -1;
	ws(&s);
	if (s.p != s.end)
		return -1;
	s.p = p;
	ws(&s);
	return (unsigned char)*s.p;
}

/* In a valid JSON object, the text of the top-level member `key`: a string
 * without its quotes (escapes left as they are), any other value as it is.
 * Returns the value's first byte ('"', '{', '[', a digit, ...) or -1. */
int
json_member(const char *p, size_t len, const char *key, const char **val, size_t *vlen)
{
	Scan s = { p, p + len, 0 };
	size_t klen = strlen(key);
	const char *k, *kend, *v;

	ws(&s);
	if (s.p >= s.end || *s.p++ != '{')
		return -1;
	for (ws(&s); s.p < s.end && *s.p == '"'; ws(&s)) {
		k = s.p + 1;
		if (string(&s) < 0)
			return -1;
		kend = s.p - 1;
		ws(&s);
		s.p++; /* ':' */
		ws(&s);
		v = s.p;
		if (value(&s) < 0)
			return -1;
		if ((size_t)(kend - k) == klen && memcmp(k, key, klen) == 0) {
			*val = *v == '"' ? v + 1 : v;
			*vlen = (size_t)(s.p - v) - (*v == '"' ? 2 : 0);
			return (unsigned char)*v;
		}
		ws(&s);
		if (s.p < s.end && *s.p == ',')
			s.p++;
	}
	return -1;
}
