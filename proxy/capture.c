/* capture.c — an activation's log lines in its answer, for callers that cannot read our stdout.
 *
 * Locally the backend reads the proxy's stdout and stderr. In a Knative pod
 * those go to the cluster's logs, out of the backend's reach, so a request
 * with the header "X-Faasfs-Logs: 1" asks for the run's log lines in the
 * answer: the reply then carries "X-Faasfs-Logs: 1" too, and its body is
 * {"logs":[LINE...],"body":TEXT}, TEXT the answer it would have had. A line
 * is OpenWhisk's "2026-11-27T10:00:00.123456Z stdout: text", stamped as the
 * proxy passed it on. What is logged is still written to stdout and stderr.
 *
 * While any capturing activation is in flight, every line is kept; one
 * that ends takes the lines since it began (with several at once, each sees
 * every line of its time, as OpenWhisk's logs of a concurrent container do),
 * and the lines go when no capturing activation is left.
 */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include "dat.h"
#include "fns.h"
#include "js.h"
#include "utf8.h"

static void
cap_line(Proxy *px, int to, const char *p, size_t len)
{
	struct timeval tv;
	struct tm tm;
	char stamp[48];
	Buf b = { 0 };

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	buf_str(&b, stamp);
	buf_printf(&b, ".%06ldZ %s: ", (long)tv.tv_usec, to == 1 ? "stdout" : "stderr");
	buf_add(&b, px->cappart[to].p, px->cappart[to].n);
	buf_add(&b, p, len);
	utf8_scrub(b.p); /* a line is JSON text: bytes that are not UTF-8 become '?' */
	json_array_append_new(px->cap, json_string(b.p));
	buf_free(&b);
	px->cappart[to].n = 0;
}

/* len bytes written to fd `to`: keep its whole lines. */
void
capture_out(Proxy *px, int to, const char *p, size_t len)
{
	const char *nl;

	if (px->capturing == 0 || px->cap == NULL)
		return;
	while (len > 0 && (nl = memchr(p, '\n', len)) != NULL) {
		cap_line(px, to, p, (size_t)(nl - p));
		len -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	if (len > 0)
		buf_add(&px->cappart[to], p, len);
}

/* Does req ask for its logs? Then the act keeps its place in the lines. */
void
capture_begin(Proxy *px, Act *a, HttpReq *req)
{
	const char *v = http_header_get(req, "X-Faasfs-Logs");

	if (v == NULL || strcmp(v, "1") != 0)
		return;
	if (px->cap == NULL && (px->cap = json_array()) == NULL)
		return;
	a->capture = 1;
	a->capfrom = json_array_size(px->cap);
	px->capturing++;
}

/* The act's answer with its lines, as new text with *len; NULL when it
 * did not ask (or out of memory: the answer then goes as it is). */
char *
capture_end(Proxy *px, Act *a, const char *body, size_t blen, size_t *len)
{
	json_t *o, *lines;
	char *text = NULL;
	size_t i;

	if (!a->capture)
		return NULL;
	a->capture = 0;
	lines = json_array();
	for (i = a->capfrom; lines && i < json_array_size(px->cap); i++)
		json_array_append(lines, json_array_get(px->cap, i));
	o = json_pack("{s:o?,s:s%}", "logs", lines, "body", body, blen);
	if (o)
		text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (--px->capturing == 0)
		json_array_clear(px->cap);
	if (text)
		*len = strlen(text);
	return text;
}
