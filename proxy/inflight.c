/* inflight.c — activations in flight, found by id (a hash table); by deadline they are in lib/heap.
 *
 * With an action that takes many activations at once, one node process may
 * hold ten thousand of them. Every answer names its activation by id, every
 * run sent and every answer may move the earliest deadline, and none of that
 * may cost more when more are in flight: a walk of the in-flight list on each
 * of them makes the proxy's work grow with the square of the crowd (at
 * 10,000 in flight it burnt a whole CPU matching ids by strcmp).
 *
 * Idtab: the acts that carry an id (queued or sent), chained through
 * Act.hnext in a power-of-two table of buckets that doubles when the chains
 * average one act. An act keeps its id's hash, so a lookup compares strings
 * only on a full hash match, and growing does not hash again. The table holds
 * pointers into acts it does not own; act.c adds an act when it is made and
 * takes it out before freeing it. It is not lib/map: it looks up the id
 * where it stands in an answer line (no copy to end it with a NUL), adds
 * with no allocation, and an id sent twice finds its newest act until that
 * one goes. Add, find and remove of 10,000 acts cost 0.7-1.6 µs an act here
 * against 3.1-4.0 through lib/map (a throwaway loop over inflight.o and
 * libfaas.a, taskset -c 0, load average 21).
 *
 * By deadline: the acts sent to a process that have one are in its Heap
 * (lib/heap.c) through Act.hn, so one can leave from the middle when its
 * answer comes. The process's one timer is set to the top (proc.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"

/* FNV-1a, 32 bits: ids are short, and only their bucket and a quick
 * inequality test come of it. */
static uint32_t
id_hash(const char *p, size_t len)
{
	uint32_t h = 2166136261u;

	while (len-- > 0)
		h = (h ^ (unsigned char)*p++) * 16777619u;
	return h;
}

static void
idtab_grow(Idtab *t)
{
	size_t size = t->size ? t->size * 2 : 256, i;
	Act **b = ecalloc(size, sizeof *b), *a, *next;

	for (i = 0; i < t->size; i++)
		for (a = t->b[i]; a; a = next) {
			next = a->hnext;
			a->hnext = b[a->hash & (size - 1)];
			b[a->hash & (size - 1)] = a;
		}
	free(t->b);
	t->b = b;
	t->size = size;
}

/* The act whose id is the len bytes at id, or NULL. */
Act *
idtab_get(Idtab *t, const char *id, size_t len)
{
	uint32_t h = id_hash(id, len);
	Act *a;

	if (t->size == 0)
		return NULL;
	for (a = t->b[h & (t->size - 1)]; a; a = a->hnext)
		if (a->hash == h && a->idlen == len && memcmp(a->id, id, len) == 0)
			return a;
	return NULL;
}

/* Add a, by a->id (whose length is a->idlen). */
void
idtab_add(Idtab *t, Act *a)
{
	Act **b;

	if (t->count >= t->size)
		idtab_grow(t);
	a->hash = id_hash(a->id, a->idlen);
	b = &t->b[a->hash & (t->size - 1)];
	a->hnext = *b;
	*b = a;
	a->intab = 1;
	t->count++;
}

void
idtab_del(Idtab *t, Act *a)
{
	Act **pp;

	if (!a->intab)
		return;
	for (pp = &t->b[a->hash & (t->size - 1)]; *pp; pp = &(*pp)->hnext)
		if (*pp == a) {
			*pp = a->hnext;
			a->hnext = NULL;
			a->intab = 0;
			t->count--;
			return;
		}
}

void
idtab_free(Idtab *t)
{
	free(t->b);
	memset(t, 0, sizeof *t);
}
