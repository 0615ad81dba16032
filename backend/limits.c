/* limits.c — an action's limits: defaults, merge on update, OpenWhisk's ranges.
 *
 * The REST shape is {"timeout": ms, "memory": MB, "logs": MB, "concurrency": n}.
 * On update, fields merge one by one (Actions.scala updateWhiskAction): a PUT
 * that names only the timeout keeps the old memory. Every value is checked
 * against its range (lib/limit.c, the table fsd shares) and a wrong one is
 * named in the error text.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fns.h"
#include "limit.h"

json_t *
limits_default(void)
{
	json_t *o = json_object();
	for (int i = 0; i < Nlimits; i++)
		json_object_set_new(o, limit_tab[i].key, json_integer(limit_tab[i].def));
	return o;
}

static int
limit_take(const Limit *d, json_t *v, json_t *out, char *err, size_t n)
{
	json_int_t x;

	if (!json_is_integer(v) && !(json_is_real(v) && json_real_value(v) == (json_int_t)json_real_value(v)))
		return snprintf(err, n, "The limit '%s' must be a whole number.", d->key), -EINVAL;
	x = json_is_integer(v) ? json_integer_value(v) : (json_int_t)json_real_value(v);
	if (x < d->lo || x > d->hi)
		return snprintf(err, n, "The %s limit %lld is out of range: it must be between %ld and %ld%s%s.",
		                d->key, (long long)x, d->lo, d->hi, d->words[0] ? " " : "", d->words),
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
		const Limit *d = limit_find(key);
		if (d == NULL) {
			if (strcmp(key, "instances") == 0)
				continue; /* accepted by OpenWhisk, no meaning here */
			rc = -EINVAL,
			snprintf(err, n, "Unknown limit '%s' (known: timeout, memory, logs, concurrency).", key);
			break;
		}
		if ((rc = limit_take(d, v, res, err, n)))
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
limits_to_run(const json_t *lim, RunLimits *rl)
{
	rl->timeout_ms = (int)json_integer_value(json_object_get(lim, "timeout"));
	rl->memory_mb = (int)json_integer_value(json_object_get(lim, "memory"));
	rl->logs_kb = (int)json_integer_value(json_object_get(lim, "logs")) * 1024;
	rl->concurrency = (int)json_integer_value(json_object_get(lim, "concurrency"));
	if (!rl->timeout_ms)
		rl->timeout_ms = limit_tab[Ltimeout].def;
	if (!rl->memory_mb)
		rl->memory_mb = limit_tab[Lmemory].def;
	if (!rl->concurrency)
		rl->concurrency = limit_tab[Lconcurrency].def;
}
