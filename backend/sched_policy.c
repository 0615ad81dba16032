/* sched_policy.c — the schedulers: when a pool grows, which container runs next, what may be evicted.
 *
 * The default weighs a container that will be free soon against a start.
 * A start costs what starts took lately (a moving average of birth to
 * ready, over all pools and this pool's own; a stem cell's /init when one is
 * ready), more while other starts queue for the CPUs (the mechanism lets at
 * most --max-starts be under way). A run costs what this pool's runs took
 * lately. With R slots of ready containers, all busy, and I more on their
 * way, the last of Q queued runs gets a slot in about Q x run / (R + I),
 * plus, when none is ready yet, what the nearest incoming one still needs:
 * one more container is worth starting only when that is longer than a
 * start. An estimate can be wrong (a run much longer than the ones before
 * it), so the queue's age decides too: when the oldest queued run has
 * waited longer than a start would have taken, the pool grows by one, and
 * by one more each start's time that it keeps waiting.
 *
 * "reserved" keeps an action's containers for it on a compute pool of the
 * operator's (annotation "pool"): they are never stopped to make room for
 * another action nor for being idle, and grow as the default's. On the
 * default pool, where they would hold the whole host, it is the default.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "pool.h"

/* ---- estimates ---- */

int
pool_ready_slots(Pool *p)
{
	Container *c;
	int n = 0;

	LIST_FOREACH(c, &p->conts, link)
		if (c->state == C_READY)
			n += c->conc;
	return n;
}

/* A stem cell p could take now (one ready, of any kind, in its domain). */
static int
stem_ready(Pool *p)
{
	Container *c;

	if (p->cp != &p->s->cpools[0] || p->debug_ms)
		return 0;
	LIST_FOREACH(c, &p->s->stems, link)
		if (c->state == C_STEM && c->ops == p->s->doms[p->di].ops)
			return 1;
	return 0;
}

int
sched_start_cost(Pool *p)
{
	Sched *s = p->s;
	int ms;

	if (stem_ready(p))
		return s->stem_ms ? s->stem_ms : DEF_STEM_MS;
	ms = p->start_ms ? p->start_ms : s->start_ms ? s->start_ms : DEF_START_MS;
	/* starts beyond --max-starts wait for one to end */
	return ms + ms * s->starting / s->cfg.max_starts;
}

/* The least time one of p's incoming containers still needs, ms. */
static int
incoming_left(Pool *p, int64_t now, int cost)
{
	Container *c;
	int64_t left = cost;

	LIST_FOREACH(c, &p->conts, link)
		if (c->incoming && cost - (now - c->born_ms) < left)
			left = cost - (now - c->born_ms);
	return left > 0 ? (int)left : 0;
}

/* ---- the default ---- */

static int
default_grow(Pool *p, int64_t now, int64_t *again)
{
	int cost = sched_start_cost(p), ready = pool_ready_slots(p), slots = ready + p->incoming;
	int64_t age = now - TAILQ_FIRST(&p->queue)->submit_ms, run_ms, wait;

	if (slots == 0)
		return 1;
	if (age >= cost && now - p->age_grew >= cost) {
		p->age_grew = now;
		return 1;
	}
	run_ms = p->run_us ? (p->run_us + 999) / 1000 : cost;
	wait = (ready ? 0 : incoming_left(p, now, cost)) + (int64_t)p->queued * run_ms / slots;
	if (wait > cost)
		return 1;
	*again = (age >= cost ? p->age_grew : TAILQ_FIRST(&p->queue)->submit_ms) + cost;
	return 0;
}

/* The fresh one (just initialised, its first runs), else the busiest with
 * a free slot, so that runs go to as few containers as they can. */
static Container *
default_pick(Pool *p)
{
	Container *c, *best = NULL;

	LIST_FOREACH(c, &p->conts, link) {
		if (c->state != C_READY || c->inflight >= c->conc)
			continue;
		if (c->fresh)
			return c;
		if (!best || c->inflight > best->inflight)
			best = c;
	}
	return best;
}

static int
default_evictable(Container *c)
{
	(void)c;
	return 1;
}

static int
default_idle_ms(Pool *p)
{
	return p->s->cfg.idle_ms;
}

const Scheduler sched_default = {
	.name = "default",
	.grow = default_grow,
	.pick = default_pick,
	.evictable = default_evictable,
	.idle_ms = default_idle_ms,
};

/* ---- reserved ---- */

static int
reserved_evictable(Container *c)
{
	return c->cp == &c->s->cpools[0]; /* on its own pool it stays */
}

static int
reserved_idle_ms(Pool *p)
{
	return p->cp == &p->s->cpools[0] ? p->s->cfg.idle_ms : -1;
}

const Scheduler sched_reserved = {
	.name = "reserved",
	.grow = default_grow,
	.pick = default_pick,
	.evictable = reserved_evictable,
	.idle_ms = reserved_idle_ms,
};

/* ---- choosing ---- */

static const Scheduler *const schedulers[] = { &sched_default, &sched_reserved, NULL };

const Scheduler *
scheduler_find(const char *name)
{
	int i;

	for (i = 0; schedulers[i]; i++)
		if (strcmp(schedulers[i]->name, name) == 0)
			return schedulers[i];
	return NULL;
}

/* The scheduler --scheduler gives namespace ns ("NS=NAME"), else all ("NAME"), into buf. */
static const char *
ns_scheduler(const char *map, const char *ns, char *buf, size_t len)
{
	const char *p, *end, *eq, *all = NULL;
	size_t n = ns ? strlen(ns) : 0, alen = 0;

	for (p = map; p && *p; p = end) {
		p += strspn(p, " ,");
		end = p + strcspn(p, " ,");
		if (end == p)
			break;
		eq = memchr(p, '=', (size_t)(end - p));
		if (!eq) {
			all = p;
			alen = (size_t)(end - p);
		} else if (ns && (size_t)(eq - p) == n && strncmp(p, ns, n) == 0) {
			snprintf(buf, len, "%.*s", (int)(end - eq - 1), eq + 1);
			return buf;
		}
	}
	if (!all)
		return NULL;
	snprintf(buf, len, "%.*s", (int)alen, all);
	return buf;
}

const Scheduler *
scheduler_choose(Sched *s, const char *ns, json_t *annotations, char *err, size_t elen)
{
	json_t *a = annotations ? json_object_get(annotations, "scheduler") : NULL;
	const char *want = json_is_string(a) ? json_string_value(a) : NULL;
	const Scheduler *sch;
	char buf[64];

	if (a && !want) {
		snprintf(err, elen, "The annotation \"scheduler\" must be a string: default or reserved.");
		return NULL;
	}
	if (!want && !(want = ns_scheduler(s->schedulers, ns, buf, sizeof buf)))
		want = "default";
	if (!(sch = scheduler_find(want)))
		snprintf(err, elen, "There is no scheduler \"%.64s\": default or reserved.", want);
	return sch;
}

int
schedulers_check(const char *map, char *err, size_t elen)
{
	const char *p, *end, *eq;
	char name[64];

	for (p = map; p && *p; p = end) {
		p += strspn(p, " ,");
		end = p + strcspn(p, " ,");
		if (end == p)
			break;
		eq = memchr(p, '=', (size_t)(end - p));
		snprintf(name, sizeof name, "%.*s", (int)(end - (eq ? eq + 1 : p)), eq ? eq + 1 : p);
		if (!scheduler_find(name)) {
			snprintf(err, elen, "there is no scheduler \"%s\" (default, reserved)", name);
			return -EINVAL;
		}
	}
	return 0;
}
