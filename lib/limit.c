/* limit.c — an action's limits: the one table of their ranges (limit.h), OpenWhisk's. */
#include <string.h>

#include "limit.h"

const Limit limit_tab[Nlimits] = {
	[Ltimeout] = { "timeout", 60000, 100, 300000, "ms", "milliseconds" },
	[Lmemory] = { "memory", 256, 128, LIMIT_MEMORY_MAX, "M", "megabytes" },
	[Llogs] = { "logs", 10, 0, 10, "M", "megabytes" },
	[Lconcurrency] = { "concurrency", 1, 1, 10000, "", "" }, /* OpenWhisk: 500; one node process holds 10,000 */
};

/* The limit named key, or NULL. */
const Limit *
limit_find(const char *key)
{
	int i;

	for (i = 0; i < Nlimits; i++)
		if (strcmp(limit_tab[i].key, key) == 0)
			return &limit_tab[i];
	return NULL;
}
