/* limits.c — an action's limits: defaults, merge on update, OpenWhisk's ranges.
 *
 * The REST shape is {"timeout": ms, "memory": MB, "logs": MB, "concurrency": n}.
 * On update, fields merge one by one (Actions.scala updateWhiskAction): a PUT
 * that names only the timeout keeps the old memory. Every value is checked
 * against its range and a wrong one is named in the error text.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fns.h"

static const struct limit_def {
	const char *key;
	int def, min, max;
	const char *unit;
} defs[] = {
	{ "timeout", 60000, 100, 300000, "milliseconds" },
	{ "memory", 256, 128, 2048, "megabytes" },
	{ "logs", 10, 0, 10, "megabytes" },
	{ "concurrency", 1, 1, 500, "" },
};
enum { NDEFS = sizeof defs / sizeof defs[0] };

json_t *
limits_default(void)
{
	json_t *o = json_object();
	for (int i = 0; i < NDEFS; i++)
		json_object_set_new(o, defs[i].key, json_integer(defs[i].def));
	return o;
}

static int
limit_take(const struct limit_def *d, json_t *v, json_t *out, char *err, size_t n)
{
	json_int_t x;

	if (!json_is_integer(v) && !(json_is_real(v) && json_real_value(v) == (json_int_t)json_real_value(v)))
		return snprintf(err, n, "The limit '%s' must be a whole number.", d->key), -EINVAL;
	x = json_is_integer(v) ? json_integer_value(v) : (json_int_t)json_real_value(v);
	if (x < d->min || x > d->max)
		return snprintf(err, n, "The %s limit %lld is out of range: it must be between %d and %d%s%s.", d->key,
		                (long long)x, d->min, d->max, d->unit[0] ? " " : "", d->unit),
		       -EINVAL;
	json_object_set_new(out, d->key, json_integer(x));
	return 0;
}

/* Merge `in` (may be NULL) over `old` (may be NULL: defaults) into *out. */
int
limits_merge(const json_t *old, json_t *in, json_t **out, char *err, size_t n)
{
	json_t *res = old ? json_deep_copy(old) : limits_default();
	const char *key;
	json_t *v;
	int rc = 0;

	if (in && !json_is_object(in))
		rc = -EINVAL, snprintf(err, n, "The limits must be a JSON object.");
	json_object_foreach(in && !rc ? in : NULL, key, v)
	{
		int i;
		for (i = 0; i < NDEFS && strcmp(defs[i].key, key); i++)
			;
		if (i == NDEFS) {
			if (strcmp(key, "instances") == 0)
				continue; /* accepted by OpenWhisk, no meaning here */
			rc = -EINVAL,
			snprintf(err, n, "Unknown limit '%s' (known: timeout, memory, logs, concurrency).", key);
			break;
		}
		if ((rc = limit_take(&defs[i], v, res, err, n)))
			break;
	}
	if (rc) {
		json_decref(res);
		return rc;
	}
	*out = res;
	return 0;
}

void
limits_to_run(const json_t *lim, run_limits *rl)
{
	rl->timeout_ms = (int)json_integer_value(json_object_get(lim, "timeout"));
	rl->memory_mb = (int)json_integer_value(json_object_get(lim, "memory"));
	rl->logs_kb = (int)json_integer_value(json_object_get(lim, "logs")) * 1024;
	rl->concurrency = (int)json_integer_value(json_object_get(lim, "concurrency"));
	if (!rl->timeout_ms)
		rl->timeout_ms = defs[0].def;
	if (!rl->memory_mb)
		rl->memory_mb = defs[1].def;
	if (!rl->concurrency)
		rl->concurrency = 1;
}
