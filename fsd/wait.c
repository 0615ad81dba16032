/* wait.c — callbacks waiting for one thing: an entity's document, an action's latest result, an activation, a held container's listing.
 *
 * Whoever starts the fetch keeps a Waitq beside what it fetches; each
 * request that needs it adds its callback, and the answer wakes them all.
 */
#include <stdlib.h>
#include "dat.h"
#include "fns.h"

/* Call fn(arg, err) when q is woken. */
void
wait_add(Waitq *q, void (*fn)(void *arg, int err), void *arg)
{
	Wait *w = emalloc(sizeof *w);

	w->fn = fn;
	w->arg = arg;
	SLIST_INSERT_HEAD(q, w, link);
}

/* Call every callback on q with err, the newest first. Those the callbacks
 * add meanwhile wait for the next wakeup. */
void
wait_wake(Waitq *q, int err)
{
	Wait *w = SLIST_FIRST(q), *next;

	SLIST_INIT(q);
	for (; w != NULL; w = next) {
		next = SLIST_NEXT(w, link);
		w->fn(w->arg, err);
		free(w);
	}
}
