/* limit.h — an action's limits: names, defaults and ranges in the REST API's units, the one table fsd (which checks what a person writes in limits) and the backend (which checks what any client sends, and runs by it) share. */
#ifndef FAAS_LIMIT_H
#define FAAS_LIMIT_H

/* The largest memory limit (MB): the backend's address-space cap for a function too. */
#define LIMIT_MEMORY_MAX 2048

enum { Ltimeout, Lmemory, Llogs, Lconcurrency, Nlimits };

typedef struct Limit {
	const char *key; /* its member in the REST API's "limits" */
	long def, lo, hi;
	const char *unit;  /* its unit as fsd's limits file prints it: "ms", "M", "" */
	const char *words; /* its unit in the backend's error text */
} Limit;

extern const Limit limit_tab[Nlimits];

const Limit *limit_find(const char *key);

#endif
