/* fuzz-msg.c — libFuzzer target: fsd's splitting of what is written to invoke and trigger files (fsd/msg.c).
 *
 * The input is written in pieces (the first byte picks where to cut), as
 * cp or dd would, then flushed; every message handed out must be complete
 * JSON (when it says so) and lie inside the bytes written. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"

static size_t total;

static void
on_msg(const char *p, size_t n, int json, void *arg)
{
	json_t *v;

	(void)arg;
	if (n > total)
		abort();
	if (json) {
		if (!(v = json_loadb(p, n, JSON_DECODE_ANY, NULL))) {
			fprintf(stderr, "not JSON: [%.*s]\n", (int)n, p);
			abort();
		}
		json_decref(v);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Buf part = { 0 };
	char err[256];
	size_t cut, off = 0;
	int rc = 0;

	if (size < 1)
		return 0;
	cut = data[0] % 17 + 1;
	data++, size--;
	total = size;
	while (off < size && rc >= 0) {
		size_t n = size - off < cut ? size - off : cut;
		rc = msg_split(&part, (const char *)data + off, n, 0, on_msg, NULL, err, sizeof err);
		off += n;
	}
	if (rc >= 0)
		msg_split(&part, NULL, 0, 1, on_msg, NULL, err, sizeof err);
	buf_free(&part);
	return 0;
}
