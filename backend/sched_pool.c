/* sched_pool.c — containers for the scheduler: growing pools, caps and eviction, stem cells, idling out.
 *
 * Capacity counts every container that is not stopping: a retired container
 * gives its room back at once, though its process may take a moment to go.
 * Containers of a pool are kept most-recently-idle first, so runs go to the
 * same few containers and the others reach idle_ms and stop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pool.h"
#include "mem.h"

/* ---- lists ---- */

/* Take c off its pool's list or the stem cells' (its le_prev is NULL on none). */
static void
unlink_list(Container *c)
{
	if (!c->link.le_prev)
		return;
	LIST_REMOVE(c, link);
	c->link.le_prev = NULL;
}

static void
container_freed(uv_handle_t *h)
{
	free(h->data);
}

void
queue_append(Pool *p, Run *r)
{
	TAILQ_INSERT_TAIL(&p->queue, r, link);
	p->queued++;
	r->queued = 1;
}

void
queue_remove(Pool *p, Run *r)
{
	TAILQ_REMOVE(&p->queue, r, link);
	r->queued = 0;
	p->queued--;
}

/* ---- capacity ---- */

/* A start is over (the container is ready, or failed, or went): pools
 * that waited for one try again on the next loop turn. */
void
start_end(Container *c)
{
	Sched *s = c->s;

	if (!c->starting)
		return;
	c->starting = 0;
	s->starting--;
	if (!TAILQ_EMPTY(&s->later) && !s->closing) {
		s->later_at = sched_now_ms();
		uv_timer_start(&s->later_timer, sched_later_cb, 0, 0);
	}
}

static void
incoming_done(Container *c)
{
	if (c->incoming && c->pool)
		c->pool->incoming -= c->conc;
	c->incoming = 0;
}

static void
idle_cb(uv_timer_t *t)
{
	Container *c = t->data;

	log_debug("sched: %s idle, stopping", c->name);
	container_retire(c);
}

void
container_retire(Container *c)
{
	if (c->state == C_STOPPING)
		return;
	if (!c->pool)
		unlink_list(c); /* off the stem-cell list */
	c->state = C_STOPPING;
	cpool_account(c, -1);
	uv_timer_stop(&c->idle);
	incoming_done(c);
	start_end(c);
	c->ops->stop(c);
}

/* ---- making containers ---- */

static Container *
container_new(Sched *s, int di, const char *kind, int memory_mb, Pool *p)
{
	Container *c;
	int rc;

	c = ecalloc(1, sizeof *c);
	c->s = s;
	c->dom = s->doms[di].d;
	c->ops = s->doms[di].ops;
	c->id = ++s->next_id;
	snprintf(c->name, sizeof c->name, "c%u", c->id);
	snprintf(c->kind, sizeof c->kind, "%s", kind);
	c->memory_mb = memory_mb;
	c->pool = p;
	c->debug = p && p->debug_ms;
	c->cp = p ? p->cp : &s->cpools[0];
	c->cpu_millis = c->cp->cpu_millis;
	c->state = C_STARTING;
	c->born_ms = sched_now_ms();
	uv_timer_init(s->loop, &c->idle);
	c->idle.data = c;
	LIST_INSERT_HEAD(&s->all, c, all);
	cpool_account(c, 1);
	if ((rc = c->ops->start(c->dom, c)) < 0) {
		log_error("sched: cannot start a container for %s: %s", kind, strerror(-rc));
		LIST_REMOVE(c, all);
		cpool_account(c, -1);
		uv_close((uv_handle_t *)&c->idle, container_freed);
		return NULL;
	}
	c->starting = !c->ops->remote; /* a remote start takes none of our CPUs */
	s->starting += c->starting;
	return c;
}

static void
pool_take(Pool *p, Container *c, const char *origin)
{
	c->pool = p;
	c->origin = origin;
	c->conc = p->lim.concurrency;
	c->incoming = 1;
	if (p->ncont == 0)
		stem_fulfil(p->s, p->kind); /* a new action's first container: expected no more */
	p->incoming += c->conc;
	if (++p->ncont > p->peak)
		p->peak = p->ncont;
	LIST_INSERT_HEAD(&p->conts, c, link);
}

/* ---- stem cells ---- */

/* kind's index in s->stem_kinds, added if need be, or -1 (none kept). */
int
stem_kind_add(Sched *s, int di, const char *kind)
{
	int i;

	if (!s->doms[di].ops->stemcells || s->cfg.stemcells <= 0)
		return -1;
	for (i = 0; i < s->nstem_kinds; i++)
		if (strcmp(s->stem_kinds[i], kind) == 0)
			return i;
	if (s->nstem_kinds >= MAX_STEM_KINDS)
		return -1;
	s->stem_kinds[i] = estrdup(kind);
	s->stem_doms[i] = di;
	s->stem_expect[i] = 0;
	s->stem_more[i] = 0;
	s->nstem_kinds++;
	return i;
}

static int
stem_kind_index(Sched *s, const char *kind)
{
	int i;

	for (i = 0; i < s->nstem_kinds; i++)
		if (strcmp(s->stem_kinds[i], kind) == 0)
			return i;
	return -1;
}

static int
stem_expected(Sched *s)
{
	int i, n = 0;

	for (i = 0; i < s->nstem_kinds; i++)
		n += s->stem_expect[i];
	return n;
}

static int stem_count(Sched *s, const char *kind);

/* No new action has come for --idle: the stem cells beyond --stemcells go, as idle containers do. */
static void
expect_cb(uv_timer_t *t)
{
	Sched *s = t->data;
	Container *c, *cn;
	int i;

	for (i = 0; i < s->nstem_kinds; i++)
		s->stem_expect[i] = s->stem_more[i] = 0;
	for (c = LIST_FIRST(&s->stems); c; c = cn) {
		cn = LIST_NEXT(c, link);
		if (stem_count(s, c->kind) > s->cfg.stemcells) {
			log_debug("sched: %s: a stem cell for new actions not needed", c->name);
			container_retire(c);
		}
	}
}

/* A new action of kind is expected to run: one more stem cell of its kind,
 * within stemcells_new in all, until no new action has come for --idle. */
void
stem_expect(Sched *s, int di, const char *kind)
{
	int i = stem_kind_add(s, di, kind);

	if (i < 0 || stem_expected(s) >= s->cfg.stemcells_new)
		return;
	s->stem_expect[i]++;
	uv_timer_start(&s->expect_timer, expect_cb, (uint64_t)s->cfg.idle_ms, 0);
	stem_fill(s);
}

/* The first container of p, a new action's, found no stem cell of its
 * kind ready (d: the one it took, or NULL): new actions of the kind come
 * faster than a stem cell is replaced (made back to back, the next one
 * came while the replacement was still starting and waited for it: python
 * 30-115 ms, node 40-150), so one more of the kind is kept, until no new
 * action has come for --idle. A new action that finds one ready keeps
 * that time going. */
static void
stem_more(Pool *p, Container *d)
{
	Sched *s = p->s;
	int i;

	if (p->ncont > 0 || p->debug_ms || p->cp != &s->cpools[0] || (i = stem_kind_add(s, p->di, p->kind)) < 0)
		return;
	if (d && d->state != C_STARTING && strcmp(d->kind, p->kind) == 0) {
		if (s->stem_more[i])
			uv_timer_start(&s->expect_timer, expect_cb, (uint64_t)s->cfg.idle_ms, 0);
		return;
	}
	if (!s->stem_more[i])
		log_debug("sched: %s: new actions of kind %s come faster than its stem cells: one more", p->path,
		          p->kind);
	s->stem_more[i] = 1;
	uv_timer_start(&s->expect_timer, expect_cb, (uint64_t)s->cfg.idle_ms, 0);
}

/* A new action of kind took its first container: one expected fewer. */
void
stem_fulfil(Sched *s, const char *kind)
{
	int i = stem_kind_index(s, kind);

	if (i >= 0 && s->stem_expect[i] > 0)
		s->stem_expect[i]--;
}

static void
stem_kind_drop(Sched *s, const char *kind)
{
	int i;

	for (i = 0; i < s->nstem_kinds; i++)
		if (strcmp(s->stem_kinds[i], kind) == 0) {
			log_warn("sched: stem cells of kind %s keep failing; not keeping them", kind);
			free(s->stem_kinds[i]);
			s->stem_kinds[i] = s->stem_kinds[--s->nstem_kinds];
			s->stem_doms[i] = s->stem_doms[s->nstem_kinds];
			s->stem_expect[i] = s->stem_expect[s->nstem_kinds];
			s->stem_more[i] = s->stem_more[s->nstem_kinds];
			return;
		}
}

static int
stem_count(Sched *s, const char *kind)
{
	Container *c;
	int n = 0;

	LIST_FOREACH(c, &s->stems, link)
		if (strcmp(c->kind, kind) == 0)
			n++;
	return n;
}

/* Is a stem cell of kind starting? */
static int
stem_starting(Sched *s, const char *kind)
{
	Container *c;

	LIST_FOREACH(c, &s->stems, link)
		if (c->state == C_STARTING && strcmp(c->kind, kind) == 0)
			return 1;
	return 0;
}

/* Start the stem cells each kind lacks. The one more of stem_more starts
 * once none of its kind is starting (container_up calls again): started
 * beside the replacement, it found no shell (the one there was taken by
 * the replacement, the next made after both), so it held the loop 16 ms
 * (sandbox, the zygote's fork) and the CPU with the replacement. */
void
stem_fill(Sched *s)
{
	Container *c;
	int i, n, base;

	if (s->closing || !TAILQ_EMPTY(&s->starving) || !TAILQ_EMPTY(&s->later))
		return; /* actions come first */
	for (i = 0; i < s->nstem_kinds; i++)
		for (n = stem_count(s, s->stem_kinds[i]), base = s->cfg.stemcells + s->stem_expect[i];
		     n < base + s->stem_more[i]; n++) {
			if (n >= base && stem_starting(s, s->stem_kinds[i]))
				break;
			if (!cpool_room(s, &s->cpools[0], 1, STEM_MEMORY_MB) || s->starting >= s->cfg.max_starts)
				return;
			if (!(c = container_new(s, s->stem_doms[i], s->stem_kinds[i], STEM_MEMORY_MB, NULL)))
				break;
			LIST_INSERT_HEAD(&s->stems, c, link);
		}
}

static void
stem_timer_cb(uv_timer_t *t)
{
	stem_fill(t->data);
}

/* The replacement of a stem cell a run took, or the next stem cell once
 * one is up: started when the backend has nothing in flight (at once, or
 * at sched_quiet, after the run's answer has gone out), or stem_wait_ms
 * (STEM_WAIT_MS, 20) from now at the latest: steady load has no gap.
 * Started at once, its start (a shell's Zgo, the proxy's exec and probe;
 * without shells the sandbox and the interpreter's start) ran beside the
 * run that took the stem cell and delayed its answer, on one CPU most of
 * all. */
void
stem_fill_quiet(Sched *s)
{
	if (!s->busy)
		stem_fill(s);
	else if (!s->closing && !uv_is_active((uv_handle_t *)&s->stem_timer))
		uv_timer_start(&s->stem_timer, stem_timer_cb, (uint64_t)s->cfg.stem_wait_ms, 0);
}

/* The one moment work made ahead waits for: the backend has nothing in
 * flight (invoke.c's final_committed, after the last answer went out).
 * Stem cells first, each from a shell and a network made ahead, then the
 * domains make theirs again. */
void
sched_quiet(Sched *s)
{
	int i;

	s->busy = 0;
	if (uv_is_active((uv_handle_t *)&s->stem_timer)) {
		uv_timer_stop(&s->stem_timer);
		stem_fill(s);
	}
	for (i = 0; i < s->ndoms; i++)
		if (s->doms[i].ops->quiet)
			s->doms[i].ops->quiet(s->doms[i].d);
}

/* A stem cell for p: a ready one of its kind, else the oldest of its kind
 * still starting, which is nearer ready than a container started now: actions
 * made one after the other come faster than a stem cell is replaced;
 * else a ready one of any kind (the proxy takes its kind from /init), which
 * still starts its own interpreter there: node's in a python stem cell
 * took 120-140 ms, where node's own starting one was up in 30. Only
 * for a pool's first container, and only one of its kind: a burst that
 * grows a pool took stem cell after stem cell as each was started, and
 * they came up one by one where cold containers start side by side (p99 at
 * 16 connections went from 8 ms to 400 ms); one of another kind would
 * still pay for starting its own interpreter. */
static Container *
stem_take(Pool *p)
{
	Container *c, *any = NULL, *starting = NULL;

	if (p->cp != &p->s->cpools[0])
		return NULL; /* stem cells are the default pool's */
	LIST_FOREACH(c, &p->s->stems, link) {
		if (c->ops != p->s->doms[p->di].ops)
			continue;
		if (c->state == C_STARTING && p->ncont == 0 && strcmp(c->kind, p->kind) == 0 &&
		    (!starting || c->born_ms <= starting->born_ms))
			starting = c; /* the list is newest first */
		if (c->state != C_STEM)
			continue;
		if (strcmp(c->kind, p->kind) == 0)
			return c;
		any = any ? any : c;
	}
	return starting ? starting : any;
}

int
sched_busy(Sched *s)
{
	return s->busy;
}

/* Does p's domain run its containers elsewhere (domain.h)? */
static int
remote(Pool *p)
{
	return p->s->doms[p->di].ops->remote;
}

/* ---- eviction ---- */

/* An idle container to stop for p: of p's compute pool when that pool's
 * own cap is what leaves no room; never one its scheduler keeps. */
static Container *
victim(Sched *s, Pool *p, int own)
{
	Container *c, *best = NULL;

	LIST_FOREACH(c, &s->all, all) {
		if (c->pool == p || c->state == C_STOPPING || (own && c->cp != p->cp) || c->ops->remote)
			continue;
		if (c->pool && !c->pool->sch->evictable(c))
			continue;
		if (c->state == C_STEM && !best)
			best = c;
		if (c->state == C_READY && c->inflight == 0 &&
		    (!best || best->state == C_STEM || c->idle_since < best->idle_since))
			best = c;
	}
	return best;
}

static int
make_room(Sched *s, Pool *p, int containers, int memory_mb)
{
	Container *c;

	if (remote(p))
		return 0; /* its containers take none of the host's room */
	while (!cpool_room(s, p->cp, containers, memory_mb)) {
		if (!(c = victim(s, p, cpool_full(p->cp, containers, memory_mb))))
			return -EAGAIN;
		log_debug("sched: evicting %s to make room for %s", c->name, p->path);
		s->evictions++;
		container_retire(c);
	}
	return 0;
}

static void
starve(Pool *p)
{
	if (p->starving)
		return;
	p->starving = 1;
	TAILQ_INSERT_TAIL(&p->s->starving, p, slink); /* first come, first served */
	p->s->nstarving++;
}

static void
starving_remove(Pool *p)
{
	if (!p->starving)
		return;
	TAILQ_REMOVE(&p->s->starving, p, slink);
	p->s->nstarving--;
	p->starving = 0;
}

/* The first pool other than p that waits for room with no container at all. */
Pool *
pool_starved(Sched *s, Pool *p)
{
	Pool *q;

	TAILQ_FOREACH(q, &s->starving, slink)
		if (q != p && q->ncont == 0)
			return q;
	return NULL;
}

/* Let q, which waited for room, try again before the others. */
void
pool_relieve(Pool *q)
{
	starving_remove(q);
	pool_pump(q);
}

/* Pools waited for room: let them try again. */
void
sched_relieve(Sched *s)
{
	Pool *p;
	int n = s->nstarving; /* a pass over those waiting now: a pump may put one back */

	while (n-- > 0 && (p = TAILQ_FIRST(&s->starving))) {
		starving_remove(p);
		pool_pump(p);
		pool_maybe_free(p); /* its runs may have failed meanwhile */
	}
	stem_fill(s);
}

static void
fail_queue(Pool *p, const char *msg)
{
	Run *r;

	while ((r = TAILQ_FIRST(&p->queue))) {
		queue_remove(p, r);
		run_fail_later(r, RUN_WHISK_ERROR, msg);
	}
}

/* One more container for p: a stem cell of its kind, else a new one. */
static int
pool_grow(Pool *p)
{
	Sched *s = p->s;
	Container *c;
	int more;

	if (p->lim.memory_mb > s->cfg.max_memory_mb && !remote(p)) {
		fail_queue(p, "The action's memory limit is more than this host gives all its containers.");
		return -E2BIG;
	}
	c = p->debug_ms ? NULL : stem_take(p); /* a debug action's proxy logs from its start */
	stem_more(p, c);
	if (c) {
		int starting = c->state == C_STARTING;
		more = p->lim.memory_mb - c->memory_mb;
		if (!starting)
			c->state = C_INIT; /* not a victim while room is made for it */
		if (more > 0 && make_room(s, p, 0, more) < 0) {
			if (!starting)
				c->state = C_STEM;
			starve(p);
			return -EAGAIN;
		}
		unlink_list(c);
		cpool_account(c, -1);
		c->memory_mb = p->lim.memory_mb;
		cpool_account(c, 1);
		if (c->ops->resize(c, c->memory_mb) < 0)
			log_warn("sched: %s: cannot set its memory limit to %d MB", c->name, c->memory_mb);
		snprintf(c->kind, sizeof c->kind, "%s", p->kind); /* it may be a stem cell of another kind */
		pool_take(p, c, "stemcell");
		if (!starting)             /* else container_up inits it, now that it has a pool */
			container_init(c); /* its replacement starts after the init: no contention */
		return 0;
	}
	if (s->starting >= s->cfg.max_starts && !remote(p)) {
		pool_later(p, 0); /* the CPUs are busy starting others: after one of them */
		return -EAGAIN;
	}
	if (make_room(s, p, 1, p->lim.memory_mb) < 0) {
		starve(p);
		return -EAGAIN;
	}
	if (!(c = container_new(s, p->di, p->kind, p->lim.memory_mb, p))) {
		fail_queue(p, "The scheduler could not start a container for the action.");
		return -EIO;
	}
	pool_take(p, c, "cold");
	return 0;
}

/* ---- pools that wait to grow ---- */

void
later_remove(Pool *p)
{
	if (!p->later)
		return;
	TAILQ_REMOVE(&p->s->later, p, llink);
	p->s->nlater--;
	p->later = 0;
}

/* p waits to grow until a start ends, or until at (ms since the epoch, 0: no time). */
void
pool_later(Pool *p, int64_t at)
{
	Sched *s = p->s;
	int64_t now;

	if (!p->later) {
		p->later = 1;
		TAILQ_INSERT_TAIL(&s->later, p, llink);
		s->nlater++;
	}
	if (at && (!s->later_at || at < s->later_at)) {
		now = sched_now_ms();
		s->later_at = at;
		uv_timer_start(&s->later_timer, sched_later_cb, (uint64_t)(at > now ? at - now : 0), 0);
	}
}

/* A start ended, or a queue grew old: every waiting pool tries again, first come first. */
void
sched_later_cb(uv_timer_t *t)
{
	Sched *s = t->data;
	Pool *p;
	int n = s->nlater; /* likewise */

	s->later_at = 0;
	while (n-- > 0 && (p = TAILQ_FIRST(&s->later))) {
		later_remove(p);
		pool_pump(p);
		pool_maybe_free(p);
	}
	if (TAILQ_EMPTY(&s->later))
		stem_fill(s);
}

void
pool_pump(Pool *p)
{
	int64_t again = 0;
	Run *r;
	Container *c;

	if (p->s->closing)
		return;
	while ((r = TAILQ_FIRST(&p->queue))) {
		if ((c = p->sch->pick(p))) {
			queue_remove(p, r);
			run_dispatch(r, c);
			continue;
		}
		if (p->queued <= p->incoming)
			break;
		if (!p->sch->grow(p, sched_now_ms(), &again)) {
			if (again >= 0) /* a busy container will be free sooner than a new one */
				pool_later(p, again);
			break;
		}
		if (pool_grow(p) < 0)
			break;
	}
}

void
pool_maybe_free(Pool *p)
{
	if (p->ncont == 0 && p->queued == 0 && p->incoming == 0 && !p->starving)
		pool_free(p);
}

/* c has nothing to do: another pool may need its room, else it waits idle_ms. */
void
container_idle(Container *c)
{
	Pool *p = c->pool;
	Sched *s = p->s;

	int ms;

	if (c->state != C_READY || c->inflight > 0)
		return;
	if (p->forgotten || s->closing ||
	    (!TAILQ_EMPTY(&s->starving) && TAILQ_EMPTY(&p->queue) && p->sch->evictable(c))) {
		container_retire(c);
		sched_relieve(s);
		return;
	}
	c->idle_since = sched_now_ms();
	unlink_list(c);
	LIST_INSERT_HEAD(&p->conts, c, link);
	if ((ms = p->sch->idle_ms(p)) < 0)
		return; /* its scheduler keeps it */
	log_debug("sched: %s idle; stops in %d ms", c->name, ms);
	uv_timer_start(&c->idle, idle_cb, (uint64_t)ms, 0);
}

/* ---- what domains tell us ---- */

void
container_up(Container *c, int err, const char *why)
{
	Sched *s = c->s;

	if (c->state == C_STOPPING)
		return;
	if (err < 0 || !c->pool)
		start_end(c); /* a stem cell's start ends when it is up; an action's when it is ready */
	if (err < 0) {
		/* Once may be bad luck (its port taken meanwhile): container_down
		 * then starts another. Twice in a row, it is not. */
		log_error("sched: %s (%s) did not start: %s", c->name, c->kind, why ? why : strerror(-err));
		if (c->pool) {
			incoming_done(c);
			if (++c->pool->start_fails >= START_TRIES) {
				char msg[1024];
				snprintf(msg, sizeof msg, "The action's container could not start%s%s",
				         why ? ": " : ".", why ? why : "");
				fail_queue(c->pool, msg);
			}
		} else if (++s->stem_fails >= START_TRIES) {
			stem_kind_drop(s, c->kind);
		}
		return;
	}
	log_debug("sched: %s (%s) up in %lld ms", c->name, c->kind, (long long)(sched_now_ms() - c->born_ms));
	if (!c->pool) {
		s->stem_fails = 0;
		c->state = C_STEM;
		if (!TAILQ_EMPTY(&s->starving))
			sched_relieve(s); /* and fills stem cells */
		else
			stem_fill_quiet(s); /* its start's place is free: the next stem cell, once quiet */
		return;
	}
	container_init(c);
}

void
container_down(Container *c, const char *why)
{
	Sched *s = c->s;
	Pool *p = c->pool;

	log_debug("sched: %s gone", c->name);
	if (c->state != C_STOPPING) {
		s->deaths++;
		log_warn("sched: %s (%s) went away: %s", c->name, p ? p->path : c->kind, why ? why : "");

		cpool_account(c, -1);
		incoming_done(c);
		start_end(c);
	}
	unlink_list(c);
	LIST_REMOVE(c, all);
	if (p)
		p->ncont--;
	uv_close((uv_handle_t *)&c->idle, container_freed);
	if (p && !s->closing)
		pool_pump(p); /* replaces it when runs wait */
	if (p)
		pool_maybe_free(p);
	if (!s->closing)
		sched_relieve(s);
	sched_maybe_release(s);
}
