/* fuzz-json.c — libFuzzer target: the JSON text layer, its checker (lib/js_scan.c) and its writer (lib/js_text.c).
 *
 * jansson is the oracle: what it parses is JSON, so js_check must accept
 * it with the same first byte, and js_member must find what jansson
 * finds at the top of an object; what js_text writes must parse back to
 * the same value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "js.h"

static void
members(const char *p, size_t n, json_t *v)
{
	static const char *const keys[] = { "activation_id", "result", "value", "init", "" };
	const char *val;
	size_t vlen;
	size_t i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		int c = js_member(p, n, keys[i], &val, &vlen);
		if (c >= 0 && (val < p || val + vlen > p + n))
			abort();
		/* a key jansson sees once at the top must be found (duplicates: jansson keeps the last) */
		if (json_is_object(v) && json_object_get(v, keys[i]) && c < 0)
			abort();
	}
}

static void
write_back(json_t *v)
{
	size_t len = 0;
	char *text = js_text(v, &len);
	json_t *again;

	if (!text)
		return;
	if (!(again = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL)) || !json_equal(v, again))
		abort();
	json_decref(again);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	json_t *v = json_loadb(p, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	int c = js_check(p, size);

	if (v) {
		/* (jansson takes a NUL byte for the end of the text: "2<NUL>" is 2 to it) */
		if (c < 0 && !memchr(p, '\0', size))
			abort();
		write_back(v);
	}
	if (c == '{')
		members(p, size, v);
	json_decref(v);
	return 0;
}
