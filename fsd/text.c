/* text.c — the text forms of limits, rules, sequences and file names, parsed and printed. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"
#include "limit.h"

/* A number with an optional unit suffix, scaled to the key's unit. */
static int
limvalue(const Limit *l, const char *s, long *out)
{
	char *end;
	double v = strtod(s, &end);
	double scale = 1;

	if (end == s || v < 0)
		return -EINVAL;
	if (strcmp(l->unit, "ms") == 0) {
		if (*end == '\0' || strcmp(end, "ms") == 0)
			scale = 1;
		else if (strcmp(end, "s") == 0)
			scale = 1000;
		else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
			scale = 60000;
		else
			return -EINVAL;
	} else if (strcmp(l->unit, "M") == 0) {
		if (*end == '\0' || strcasecmp(end, "M") == 0 || strcasecmp(end, "MB") == 0)
			scale = 1;
		else if (strcasecmp(end, "K") == 0 || strcasecmp(end, "KB") == 0)
			scale = 1.0 / 1024;
		else if (strcasecmp(end, "G") == 0 || strcasecmp(end, "GB") == 0)
			scale = 1024;
		else
			return -EINVAL;
	} else if (*end != '\0') {
		return -EINVAL;
	}
	v *= scale;
	/* in range before the cast: (long)1e40 is undefined (found by tests/fuzz/fuzz-text) */
	if (!(v <= 1e15) || v != (long)v)
		return -EINVAL;
	*out = (long)v;
	return 0;
}

/*
 * Parse one line of a limits file ("timeout 30s") into the object lim.
 * Blank lines are fine. 0, or -EINVAL with the reason in err.
 */
int
limits_parse_line(const char *line, json_t *lim, char *err, size_t errlen)
{
	char key[32], val[64], extra[2];
	int n = sscanf(line, " %31s %63s %1s", key, val, extra);
	const Limit *l;
	long v;

	if (n <= 0)
		return 0;
	if (n != 2) {
		snprintf(err, errlen, "limits: want 'KEY VALUE', got '%s'", line);
		return -EINVAL;
	}
	if ((l = limit_find(key)) == NULL) {
		snprintf(err, errlen, "limits: unknown limit '%s' (timeout, memory, logs, concurrency)", key);
		return -EINVAL;
	}
	if (limvalue(l, val, &v) < 0) {
		snprintf(err, errlen, "limits: bad value '%s' for %s", val, key);
		return -EINVAL;
	}
	if (v < l->lo || v > l->hi) {
		snprintf(err, errlen, "limits: %s %s is out of range %ld..%ld%s", key, val, l->lo, l->hi, l->unit);
		return -EINVAL;
	}
	json_object_set_new(lim, key, json_integer(v));
	return 0;
}

/* Parse a whole limits text, line by line; 0 or -EINVAL with err. */
int
limits_parse(const char *text, size_t len, json_t *lim, char *err, size_t errlen)
{
	char line[256];
	size_t i = 0, j;
	int rc;

	while (i < len) {
		for (j = i; j < len && text[j] != '\n'; j++)
			;
		if (j - i >= sizeof line) {
			snprintf(err, errlen, "limits: line too long");
			return -EINVAL;
		}
		memcpy(line, text + i, j - i);
		line[j - i] = '\0';
		if ((rc = limits_parse_line(line, lim, err, errlen)) < 0)
			return rc;
		i = j + 1;
	}
	return 0;
}

/* Print limits as "key value" lines in the units people type. */
void
limits_format(json_t *lim, Buf *b)
{
	int i;

	for (i = 0; i < Nlimits; i++) {
		const Limit *l = &limit_tab[i];
		json_t *v = json_object_get(lim, l->key);
		long n;

		if (!json_is_integer(v))
			continue;
		n = json_integer_value(v);
		if (strcmp(l->unit, "ms") == 0 && n % 1000 == 0)
			buf_printf(b, "%s %lds\n", l->key, n / 1000);
		else
			buf_printf(b, "%s %ld%s\n", l->key, n, l->unit);
	}
}

static char *
nextword(char **sp)
{
	char *s = *sp, *w;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return NULL;
	w = s;
	while (*s && !isspace((unsigned char)*s))
		s++;
	if (*s)
		*s++ = '\0';
	*sp = s;
	return w;
}

static int
ruleline(char *line, Ruletext *r, char *err, size_t errlen)
{
	char *a = nextword(&line), *b = nextword(&line), *c = nextword(&line);

	if (a == NULL)
		return 0;
	if (b == NULL || c != NULL)
		goto bad;
	if (strcmp(a, "trigger") == 0)
		snprintf(r->trigger, sizeof r->trigger, "%s", b);
	else if (strcmp(a, "action") == 0)
		snprintf(r->action, sizeof r->action, "%s", b);
	else if (strcmp(a, "status") == 0) {
		if (strcmp(b, "active") != 0 && strcmp(b, "inactive") != 0) {
			snprintf(err, errlen, "rule: status is 'active' or 'inactive', not '%s'", b);
			return -EINVAL;
		}
		snprintf(r->status, sizeof r->status, "%s", b);
	} else {
		snprintf(r->trigger, sizeof r->trigger, "%s", a);
		snprintf(r->action, sizeof r->action, "%s", b);
	}
	return 0;
bad:
	snprintf(err, errlen,
	         "rule: want 'TRIGGER ACTION' or 'trigger T', 'action A', "
	         "'status active|inactive' lines");
	return -EINVAL;
}

/*
 * Parse a rule's text: "TRIGGER ACTION" on one line, or "trigger T",
 * "action A", "status active|inactive" lines. Fields not given stay as they
 * were in r. 0 or -EINVAL with err.
 */
int
rule_parse(const char *text, size_t len, Ruletext *r, char *err, size_t errlen)
{
	char *copy = estrndup(text, len), *s, *line;
	int rc = 0;

	for (s = copy; rc == 0 && (line = strsep(&s, "\n")) != NULL;)
		rc = ruleline(line, r, err, errlen);
	free(copy);
	return rc;
}

void
rule_format(const Ruletext *r, Buf *b)
{
	buf_printf(b, "trigger %s\naction %s\nstatus %s\n", r->trigger, r->action, r->status);
}

/*
 * A sequence's components as text: one a line, as the caller would name
 * them: "name" or "pkg/name" in this namespace (ns), "/ns/pkg/name" in
 * another. components_parse reads that back (blank lines and lines
 * starting with # are skipped), qualified: "/_/name" for the caller's.
 */
void
components_format(const json_t *comps, const char *ns, Buf *b)
{
	size_t i, n = strlen(ns);
	json_t *c;

	json_array_foreach(comps, i, c)
	{
		const char *q = json_string_value(c) ? json_string_value(c) : "";
		if (q[0] == '/' && strncmp(q + 1, ns, n) == 0 && q[n + 1] == '/')
			q += n + 2;
		else if (strncmp(q, "/_/", 3) == 0)
			q += 3;
		buf_printf(b, "%s\n", q);
	}
}

int
components_parse(const char *p, size_t len, json_t **out, char *err, size_t errlen)
{
	const char *end = p + len, *nl;
	json_t *a = json_array();
	char q[1024];

	for (; p < end; p = nl + 1) {
		const char *s = p, *e;
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		for (e = nl; e > s && isspace((unsigned char)e[-1]); e--)
			;
		while (s < e && isspace((unsigned char)*s))
			s++;
		if (s == e || *s == '#')
			continue;
		if (memchr(s, ' ', e - s) || memchr(s, '\t', e - s) || e - s > 800) {
			snprintf(err, errlen, "sequence: one action name a line, not '%.*s'",
			         (int)(e - s > 200 ? 200 : e - s), s);
			json_decref(a);
			return -EINVAL;
		}
		snprintf(q, sizeof q, "%s%.*s", *s == '/' ? "" : "/_/", (int)(e - s), s);
		json_array_append_new(a, json_string(q));
	}
	if (json_array_size(a) == 0) {
		snprintf(err, errlen, "sequence: no components: write the actions it runs, one name a line");
		json_decref(a);
		return -EINVAL;
	}
	*out = a;
	return 0;
}

/* File name extensions and the kinds they make. */
static const struct {
	const char *ext;
	const char *kind;
} kindtab[] = {
	{ ".py", "python:3" },        { ".js", "nodejs:default" }, /* the backend makes it the node this host runs */
	{ ".mjs", "nodejs:default" }, { ".sh", "bash" },
	{ ".sequence", "sequence" }, /* the text is the components, one a line */
	{ ".zip", "archive" },       /* told from the content (archive.c) */
	{ ".tar.gz", "archive" },     { ".tgz", "archive" },
};

/* The i-th extension an action's file may have (NAME.EXT), or NULL past the last. */
const char *
action_ext(size_t i)
{
	return i < sizeof kindtab / sizeof kindtab[0] ? kindtab[i].ext : NULL;
}

/*
 * If name ends in a known extension, the kind it makes and the length of
 * the action name before it; NULL otherwise.
 */
const char *
kind_of_name(const char *name, size_t *baselen)
{
	size_t n = strlen(name), i;

	for (i = 0; i < sizeof kindtab / sizeof kindtab[0]; i++) {
		size_t e = strlen(kindtab[i].ext);
		if (n > e && strcmp(name + n - e, kindtab[i].ext) == 0) {
			*baselen = n - e;
			return kindtab[i].kind;
		}
	}
	return NULL;
}

/* The kind of extension-less code: an executable if ELF or #!. */
const char *
kind_of_code(const char *p, size_t n)
{
	if (n >= 4 && memcmp(p, "\177ELF", 4) == 0)
		return "native";
	if (n >= 2 && memcmp(p, "#!", 2) == 0)
		return "native";
	return NULL;
}

/*
 * Scratch names: editors' and sed's temporaries, kept in memory only.
 * Dot files, "~", ".swp", ".swx" and ".tmp" endings, sed -i's "sedXXXXXX"
 * and vim's all-digit probe ("4913").
 */
int
is_scratch_name(const char *name)
{
	size_t n = strlen(name), i;
	static const char *ends[] = { "~", ".swp", ".swx", ".tmp" };

	if (name[0] == '.')
		return 1;
	for (i = 0; i < sizeof ends / sizeof ends[0]; i++) {
		size_t e = strlen(ends[i]);
		if (n >= e && strcmp(name + n - e, ends[i]) == 0)
			return 1;
	}
	if (n == 9 && strncmp(name, "sed", 3) == 0) {
		for (i = 3; i < 9 && isalnum((unsigned char)name[i]); i++)
			;
		if (i == 9)
			return 1;
	}
	for (i = 0; i < n && isdigit((unsigned char)name[i]); i++)
		;
	return n > 0 && i == n;
}

/* True if s is n bytes of valid UTF-8 text without NULs. */
int
is_text(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t k, len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		if (c == 0 || len == 0 || i + len > n)
			return 0;
		for (k = 1; k < len; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

/* Trim *text's white space at both ends; its length left. */
static size_t
trim(const char **text, size_t *len)
{
	while (*len > 0 && isspace((unsigned char)**text))
		(*text)++, (*len)--;
	while (*len > 0 && isspace((unsigned char)(*text)[*len - 1]))
		(*len)--;
	return *len;
}

/*
 * The annotations a web file's text sets, as `wsk action update --web`
 * does: "true" (or "yes") web-export and final, "raw" raw-http too,
 * "false" (or "no") none. Blank text is NULL without an error (nothing
 * yet); anything else is NULL with err.
 */
json_t *
web_annotations(const char *text, size_t len, char *err, size_t errlen)
{
	static const struct {
		const char *word;
		int web, raw;
	} tab[] = {
		{ "true", 1, 0 }, { "yes", 1, 0 }, { "raw", 1, 1 }, { "false", 0, 0 }, { "no", 0, 0 },
	};
	size_t i;

	if (trim(&text, &len) == 0)
		return NULL;
	for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (strlen(tab[i].word) == len && strncmp(text, tab[i].word, len) == 0)
			return json_pack("[{s:s,s:b},{s:s,s:b},{s:s,s:b}]", "key", "web-export", "value", tab[i].web,
			                 "key", "raw-http", "value", tab[i].raw, "key", "final", "value", tab[i].web);
	snprintf(err, errlen, "web: want true, raw or false, got '%.*s'", (int)(len > 64 ? 64 : len), text);
	return NULL;
}

/*
 * The annotation a debug file's text sets: "true" (or "yes") debug true,
 * a number of seconds from 1 to 3600 that number, "false" (or "no") debug
 * false. Blank text is NULL without an error; anything else is NULL with err.
 */
json_t *
debug_annotations(const char *text, size_t len, char *err, size_t errlen)
{
	char word[16], *end;
	long secs;

	if (trim(&text, &len) == 0)
		return NULL;
	snprintf(word, sizeof word, "%.*s", (int)(len < sizeof word ? len : sizeof word - 1), text);
	secs = strtol(word, &end, 10);
	if (len < sizeof word && (!strcmp(word, "true") || !strcmp(word, "yes")))
		return json_pack("[{s:s,s:b}]", "key", "debug", "value", 1);
	if (len < sizeof word && (!strcmp(word, "false") || !strcmp(word, "no")))
		return json_pack("[{s:s,s:b}]", "key", "debug", "value", 0);
	if (len < sizeof word && isdigit((unsigned char)word[0]) && *end == '\0' && secs >= 1 && secs <= 3600)
		return json_pack("[{s:s,s:I}]", "key", "debug", "value", (json_int_t)secs);
	snprintf(err, errlen, "debug: want true, false or seconds from 1 to 3600, got '%.*s'",
	         (int)(len > 64 ? 64 : len), text);
	return NULL;
}
