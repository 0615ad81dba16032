/* msg.c — splitting what is written to invoke and trigger files into messages.
 *
 * A write(2) is not a message: cp and cat write 128 KiB at a time, dd
 * whatever it is told (a 300 KB cat arrives as 131072 + 131072 + 37856
 * bytes, dd bs=1M as one write). So the bytes
 * written to an invoke or trigger file go through msg_split, which keeps the
 * unparsed rest in a per-open buffer and hands each complete message to the
 * caller:
 *
 *   - text starting (after white space) with '{' or '[' is JSON; each
 *     complete JSON value is one message (so JSON Lines fire one event per
 *     line). A value cut short waits for the next write; a syntax error fails
 *     the write (EINVAL), so that even bash's echo reports it.
 *   - anything else is raw: the whole rest of the write is one message,
 *     passed to the backend as a web body.
 *
 * At flush (final), a value still incomplete is an error.
 */
#include <stdio.h>
#include <string.h>
#include "dat.h"
#include "fns.h"

/* The Content-Type a message goes to the backend with. */
const char *
msg_ctype(const char *p, size_t n, int json)
{
	if (json)
		return "application/json";
	return is_text(p, n) ? "text/plain; charset=utf-8" : "application/octet-stream";
}

static size_t
skipspace(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	return i;
}

/* One JSON value at p: its length, 0 if incomplete, -EINVAL if bad. */
static long
jsonvalue(const char *p, size_t n, int final, char *err, size_t errlen)
{
	json_error_t e;
	json_t *v = json_loadb(p, n, JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);

	if (v != NULL) {
		json_decref(v);
		/* jansson takes a NUL byte for the end of the text: "[2<NUL>]" passed */
		if (memchr(p, '\0', (size_t)e.position)) {
			snprintf(err, errlen, "bad JSON: a NUL byte at byte %d",
			         (int)((const char *)memchr(p, 0, n) - p));
			return -EINVAL;
		}
		return e.position;
	}
	if (json_error_code(&e) == json_error_premature_end_of_input && !final)
		return 0;
	snprintf(err, errlen, "bad JSON at byte %d: %s", e.position, js_fault(&e));
	return -EINVAL;
}

/*
 * Add n bytes to the open's unparsed rest and call cb for each complete
 * message. Returns the number of messages, or -EINVAL with err (the bad
 * input is dropped).
 */
int
msg_split(Buf *part, const char *data, size_t n, int final, msg_cb cb, void *arg, char *err, size_t errlen)
{
	int count = 0;

	if (n > 0)
		buf_add(part, data, n);
	for (;;) {
		size_t sp = skipspace(part->p, part->n);
		long len;

		if (sp == part->n) {
			buf_reset(part);
			return count;
		}
		if (part->p[sp] != '{' && part->p[sp] != '[') {
			cb(part->p, part->n, 0, arg);
			buf_reset(part);
			return count + 1;
		}
		len = jsonvalue(part->p + sp, part->n - sp, final, err, errlen);
		if (len < 0) {
			buf_reset(part);
			return len;
		}
		if (len == 0)
			return count;
		cb(part->p + sp, len, 1, arg);
		count++;
		buf_consume(part, sp + len);
	}
}
