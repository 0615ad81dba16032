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
 * A pool of short runs (their floor, what the quickest take lately, under
 * --short-run) stays small: such a run is CPU, the round trip and a little
 * of the function's, so containers past the CPUs only share them. It has
 * one container a CPU as soon as runs wait, more only as the estimate and
 * the queue's age say, and at most SHORT_POOL_PER_CPU a CPU, unless none
 * of its runs has ended for SHORT_STALL_MS.
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

enum {
	SHORT_POOL_PER_CPU = 4, /* a pool of short runs has at most this many containers a CPU */
	FLOOR_RISE = 32,        /* a run's floor rises by at most 1/FLOOR_RISE a run */
	SHORT_STALL_MS = 1000,  /* no run of a short pool ended for this long: the bound gives way */
};

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

/* A moving average: the last value weighs 1/weight. */
static int64_t
average(int64_t avg, int64_t v, int weight)
{
	return avg ? (avg * (weight - 1) + v) / weight : v ? v : 1;
}

/* The average follows what runs take now, for the queue's estimate. The
 * floor is what the quickest take: it falls to a quicker run at once and
 * rises by at most 1/FLOOR_RISE with each slower one, so it says what a
 * run costs when it has the CPU, through a stall of the host or the odd
 * slow run (a collection, a slow input); runs that stay longer raise it
 * fivefold in some fifty. */
void
run_took(Pool *p, int64_t us)
{
	int64_t f = p->run_floor_us, rise = f / FLOOR_RISE + 1;

	p->run_us = average(p->run_us, us, 4);
	p->run_floor_us = !f || us < f ? (us ? us : 1) : us - f < rise ? us : f + rise;
	p->done_ns = uv_hrtime();
}

/* ---- the default ---- */

/* Are p's runs short (their floor under --short-run, FAASFS_SHORT_RUN_MS,
 * 2 ms)? A run that short is the round trip through the backend and the
 * proxy and a little of the function's own CPU: it cannot be waiting on
 * much. One that waits on I/O longer is not short. */
static int
short_runs(Pool *p)
{
	return p->run_floor_us > 0 && p->run_floor_us < (int64_t)p->s->cfg.short_run_ms * 1000;
}

/* Short runs, and the pool holds as many containers as they can use: more
 * than SHORT_POOL_PER_CPU a CPU would only share the CPUs, each run longer
 * and the backend busier (a few a CPU still hide the round trip's wait).
 * Unless none of its runs has ended for SHORT_STALL_MS: then they are not
 * all short (an input that makes one wait), and the queue's age decides.
 * Not less: a busy host stalls the backend itself for tens of ms. */
static int
short_full(Pool *p)
{
	return short_runs(p) && p->ncont >= SHORT_POOL_PER_CPU * p->s->cpus &&
	       uv_hrtime() - p->done_ns < (uint64_t)SHORT_STALL_MS * 1000000;
}

static int
default_grow(Pool *p, int64_t now, int64_t *again)
{
	Sched *s = p->s;
	int cost = sched_start_cost(p), ready = pool_ready_slots(p), slots = ready + p->incoming;
	int64_t age = now - TAILQ_FIRST(&p->queue)->submit_ms, run_us, wait_us;

	if (slots == 0)
		return 1;
	if (short_full(p)) {
		*again = -1; /* a run's end, or the next submitted, asks again */
		return 0;
	}
	if (short_runs(p) && p->ncont < s->cpus)
		return 1; /* one a CPU while runs wait */
	if (age >= cost && now - p->age_grew >= cost) {
		p->age_grew = now;
		return 1;
	}
	run_us = p->run_us ? p->run_us : (int64_t)cost * 1000;
	wait_us = (ready ? 0 : (int64_t)incoming_left(p, now, cost) * 1000) + p->queued * run_us / slots;
	if (wait_us > (int64_t)cost * 1000)
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
