/* sched_hold.c — a failed activation's container kept for inspection, when its action asks (annotation debug).
 *
 * An action annotated debug=true (or a number of seconds, at most an hour)
 * gets containers of its own, never stem cells, whose proxy logs verbosely
 * to proxy.log in its working directory (domain_local.c). When one of its
 * activations fails and the proxy answered (the function raised, crashed,
 * returned an error; not a container that died or overstayed), the
 * container is held: it takes no more runs and is not evicted, for the
 * hold's time (10 minutes for true) or until released, then it stops as any
 * other. An action has at most one held container: a new failure releases
 * the one before, so a failing action cannot fill the host. Only domains
 * with working directories (the local one) hold.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "pool.h"

enum { HOLD_DEFAULT_MS = 600000, HOLD_MAX_MS = 3600000 };

/* How long p's failed containers are held, from its annotation debug; 0 for none. */
int
pool_debug_ms(const json_t *annotations)
{
	json_t *v = json_object_get(annotations, "debug");
	double s;

	if (json_is_true(v))
		return HOLD_DEFAULT_MS;
	if (!json_is_number(v) || (s = json_number_value(v)) <= 0)
		return 0;
	return s * 1000 > HOLD_MAX_MS ? HOLD_MAX_MS : (int)(s * 1000);
}

static Container *
held(Sched *s, const char *id)
{
	Container *c;

	LIST_FOREACH(c, &s->all, all)
		if (c->state == C_HELD && strcmp(c->held, id) == 0)
			return c;
	return NULL;
}

static void
hold_over(uv_timer_t *t)
{
	Container *c = t->data;

	log_info("sched: %s: the hold of activation %s's container is over", c->name, c->held);
	container_retire(c);
}

/* Hold c for activation id (its run failed); 0, or -errno when it cannot be. */
int
container_hold(Container *c, const char *id)
{
	Pool *p = c->pool;
	Container *o;

	if (!p || !p->debug_ms || !c->ops->workdir || !c->ops->workdir(c) || c->state != C_READY || c->inflight)
		return -EPERM;
	LIST_FOREACH(o, &c->s->all, all)
		if (o->state == C_HELD && o->pool == p)
			container_retire(o);
	c->state = C_HELD;
	snprintf(c->held, sizeof c->held, "%s", id);
	c->held_until = sched_now_ms() + p->debug_ms;
	uv_timer_stop(&c->idle);
	uv_timer_start(&c->idle, hold_over, (uint64_t)p->debug_ms, 0);
	log_info("sched: %s: activation %s failed; its container is held %d s for inspection", c->name, id,
	         p->debug_ms / 1000);
	return 0;
}

int
sched_held(Sched *s, const char *id, char *workdir, size_t n, int64_t *until)
{
	Container *c = held(s, id);

	if (!c)
		return -ENOENT;
	snprintf(workdir, n, "%s", c->ops->workdir(c));
	*until = c->held_until;
	return 0;
}

int
sched_unhold(Sched *s, const char *id)
{
	Container *c = held(s, id);

	if (!c)
		return -ENOENT;
	log_info("sched: %s: activation %s's container released", c->name, id);
	container_retire(c);
	return 0;
}
