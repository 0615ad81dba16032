/* names.c — what an entity may be called, which kinds exist, and limits in range.
 *
 * Pure functions: they read their arguments and write an error text a person
 * can act on; no I/O. The API layer turns -EINVAL into 400 with that text.
 *
 * Names follow OpenWhisk's rule (EntityPath.scala): a word character first
 * and last, word characters, '@', ' ', '.', '&' and '-' between, at most 256
 * in all. On top of it we refuse "..", so no name can ever be read as a path
 * step by a file system client, and we name the offending character in the
 * message instead of quoting a regular expression.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fns.h"

static int
isword(int c)
{
	return isascii(c) && (isalnum(c) || c == '_');
}

static int
isinner(int c)
{
	return isword(c) || (c && strchr("@ .&-", c));
}

/* The bytes of the UTF-8 character at s (1 for a byte that starts none). */
static int
utf8_len(const char *s)
{
	unsigned char c = (unsigned char)s[0];
	int k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1, i;

	for (i = 1; i < k; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			return 1;
	return k;
}

int
name_check(const char *s, char *err, size_t n)
{
	size_t len = strlen(s);
	size_t i;

	if (len == 0)
		return snprintf(err, n, "The name is empty."), -EINVAL;
	if (len > NAME_MAX_LEN)
		return snprintf(err, n, "The name is longer than %d characters.", NAME_MAX_LEN), -EINVAL;
	if (strchr(s, '/'))
		return snprintf(err, n, "The name '%s' is not valid: it contains '/'.", s), -EINVAL;
	if (strstr(s, ".."))
		return snprintf(err, n, "The name '%s' is not valid: it contains '..'.", s), -EINVAL;
	for (i = 0; i < len; i++)
		if (iscntrl((unsigned char)s[i]))
			return snprintf(err, n, "The name is not valid: it contains the control character 0x%02x.",
			                (unsigned char)s[i]),
			       -EINVAL;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return snprintf(err, n,
			                "The name '%s' is not valid: the character '%.*s' is not allowed: "
			                "a name is ASCII letters, digits, '_', '@', ' ', '.', '&' and '-', as in "
			                "OpenWhisk.",
			                s, utf8_len(s + i), s + i),
			       -EINVAL;
	if (!isword((unsigned char)s[0]) || !isinner((unsigned char)s[len - 1]) || (len > 1 && s[len - 1] == ' '))
		return snprintf(err, n,
		                "The name '%s' is not valid: it must start with a letter, digit or "
		                "'_' and not end with a space.",
		                s),
		       -EINVAL;
	for (i = 1; i < len; i++)
		if (!isinner((unsigned char)s[i]))
			return snprintf(err, n,
			                "The name '%s' is not valid: the character '%c' is not allowed "
			                "(letters, digits, '_', '@', ' ', '.', '&' and '-' are).",
			                s, s[i]),
			       -EINVAL;
	return 0;
}

/* Split "/ns/pkg/name", "/ns/name", "pkg/name" or "name" into q. A leading
 * slash means the first part is a namespace; "_" is the caller's. */
int
qname_parse(const char *path, const char *own_ns, Qname *q, char *err, size_t n)
{
	char buf[PATH_MAX_LEN + 1], *part[3], *save = NULL, *p;
	int k = 0, abs = path[0] == '/';

	if (strlen(path) > PATH_MAX_LEN)
		return snprintf(err, n, "The name '%.64s...' is too long.", path), -EINVAL;
	snprintf(buf, sizeof buf, "%s", path + abs);
	for (p = strtok_r(buf, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (k == 3)
			return snprintf(err, n, "The name '%s' has too many parts.", path), -EINVAL;
		part[k++] = p;
	}
	if (k == 0 || (abs && k == 1))
		return snprintf(err, n, "The name '%s' is not a valid entity name.", path), -EINVAL;
	if (!abs && k == 3)
		return snprintf(err, n, "The name '%s' has too many parts.", path), -EINVAL;
	memset(q, 0, sizeof *q);
	snprintf(q->ns, sizeof q->ns, "%s", abs && strcmp(part[0], "_") ? part[0] : own_ns);
	snprintf(q->name, sizeof q->name, "%s", part[k - 1]);
	if (k - abs == 2)
		snprintf(q->pkg, sizeof q->pkg, "%s", part[abs]);
	for (int i = 0; i < k; i++) {
		int rc = name_check(part[i], err, n);
		if (rc)
			return rc;
	}
	return 0;
}

/* "ns/pkg/name" or "ns/name". */
void
qname_path(const Qname *q, char *out, size_t n)
{
	if (q->pkg[0])
		snprintf(out, n, "%s/%s/%s", q->ns, q->pkg, q->name);
	else
		snprintf(out, n, "%s/%s", q->ns, q->name);
}

/* The name inside the namespace's table: "pkg/name" or "name". */
void
qname_key(const Qname *q, char *out, size_t n)
{
	if (q->pkg[0])
		snprintf(out, n, "%s/%s", q->pkg, q->name);
	else
		snprintf(out, n, "%s", q->name);
}

/* The kind that runs an action of the given kind: its family's, whatever
 * version or alias it names (python:3.11 runs as python:3, blackbox as
 * native), so that containers and stem cells are shared by the family.
 * Which kinds may be given is runtimes.c's business (kind_accept). */
static const struct kind_family {
	const char *family, *kind;
} families[] = {
	{ "python", "python:3" }, { "nodejs", "nodejs:20" },      { "bash", "bash" },         { "native", "native" },
	{ "blackbox", "native" }, { "actionloop", "actionloop" }, { "sequence", "sequence" },
};

const char *
kind_canonical(const char *kind)
{
	size_t n = strcspn(kind, ":");

	for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
		if (strlen(families[i].family) == n && strncmp(kind, families[i].family, n) == 0)
			return families[i].kind;
	return NULL;
}

/* OpenWhisk's Exec.isBinaryCode: trimmed, non-empty, a multiple of 4 long,
 * and nothing but base64. */
int
code_is_binary(const char *code)
{
	size_t b = 0, e = strlen(code), i, pad = 0;

	while (b < e && isspace((unsigned char)code[b]))
		b++;
	while (e > b && isspace((unsigned char)code[e - 1]))
		e--;
	if (e == b || (e - b) % 4)
		return 0;
	for (i = b; i < e; i++) {
		int c = (unsigned char)code[i];
		if (c == '=') {
			if (++pad > 2 || i < e - 2)
				return 0;
		} else if (pad || !(isalnum(c) || c == '+' || c == '/')) {
			return 0;
		}
	}
	return 1;
}
