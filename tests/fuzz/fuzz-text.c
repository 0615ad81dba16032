/* fuzz-text.c — libFuzzer target: the limits and rule files' parsers (fsd/text.c) and the API's limits check (backend/limits.c).
 *
 * What parses must format back and parse again to the same; the limits a
 * file gives go through the backend's own check as they would in a PUT. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"

/* backend/limits.c */
json_t *limits_default(void);
int limits_merge(const json_t *old, json_t *in, json_t **out, char *err, size_t n);

/* The backend's merge of new limits into an action's, as a PUT does. */
static void
limits_backend(json_t *lim)
{
	json_t *old = limits_default(), *out = NULL;
	char err[256];

	if (limits_merge(old, json_is_object(lim) ? lim : NULL, &out, err, sizeof err) == 0 && !json_is_object(out))
		abort();
	json_decref(out);
	json_decref(old);
}

static void
limits_round(const char *p, size_t n)
{
	json_t *lim = json_object(), *again = json_object();
	char err[256];
	Buf b = { 0 };

	if (limits_parse(p, n, lim, err, sizeof err) == 0 && (limits_format(lim, &b), 1)) {
		if (limits_parse(b.p, b.n, again, err, sizeof err) != 0 || !json_equal(lim, again))
			abort();
		limits_backend(lim);
	}
	buf_free(&b);
	json_decref(lim);
	json_decref(again);
}

static void
rule_round(const char *p, size_t n)
{
	Ruletext r, again;
	char err[256];
	Buf b = { 0 };

	memset(&r, 0, sizeof r);
	strcpy(r.status, "active");
	again = r;
	if (rule_parse(p, n, &r, err, sizeof err) == 0 && r.trigger[0] && r.action[0] && (rule_format(&r, &b), 1)) {
		if (rule_parse(b.p, b.n, &again, err, sizeof err) != 0 || strcmp(r.trigger, again.trigger) ||
		    strcmp(r.action, again.action) || strcmp(r.status, again.status))
			abort();
	}
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *in = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);

	if (in)
		limits_backend(in); /* the "limits" of a PUT's body */
	json_decref(in);
	limits_round((const char *)data, size);
	rule_round((const char *)data, size);
	return 0;
}
