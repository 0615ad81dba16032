/* scheduler.h — schedulers and compute pools: the policies the scheduler's mechanism asks, and where containers go.
 *
 * Beside the domain table (domain.h: where and how containers live), a
 * Scheduler is a table of functions that says how an action's pool uses
 * them: whether to start one more container now or wait for a busy one to
 * come free, which ready container takes the next run, whether an idle
 * container may be stopped to make room for another action, and how long an
 * idle one stays. The mechanism (sched.c, sched_pool.c, sched_run.c) keeps
 * the caps, the bound on starts under way, the queues and the accounting,
 * and asks the action's Scheduler. One is chosen per action by its
 * annotation "scheduler", else per namespace (--scheduler NS=NAME), else
 * for all (--scheduler NAME), else "default" (sched_policy.c).
 *
 * A compute pool (Cpool) is a labelled share of the host: the CPU each of
 * its containers gets (a cgroup quota) and how many containers and
 * megabytes it holds at most (--pool NAME:cpu=CORES,containers=N,memory=MB).
 * Pool "default" is the host's caps and --cpu-limit. An action asks for a
 * pool by its annotation "pool", or for CPU by its annotation "cpu" (cores:
 * the first pool, in the order given, whose containers get at least that
 * much); sched_cpool.c.
 */
#ifndef FAAS_SCHEDULER_H
#define FAAS_SCHEDULER_H

#include <stdint.h>

#include "domain.h"

typedef struct Scheduler {
	const char *name; /* the annotation's value */
	/* Runs wait in p's queue beyond what its containers on their way will
	 * take, and none of its containers has a free slot: start one more now
	 * (1), or wait (0) for a busy one; then *again is when to ask again,
	 * ms since the epoch (0: when a start ends; -1: when one of its runs
	 * ends, and not before). */
	int (*grow)(Pool *p, int64_t now, int64_t *again);
	/* The ready container with a free slot to give p's next run to, or NULL. */
	Container *(*pick)(Pool *p);
	/* May c, idle, be stopped to make room for another action? */
	int (*evictable)(Container *c);
	/* How long an idle container of p stays before it stops, ms; -1: it stays. */
	int (*idle_ms)(Pool *p);
} Scheduler;

struct Cpool {
	char name[32];
	int cpu_millis;     /* each container's CPU quota, thousandths of a core; 0: none; -1: --cpu-limit */
	int max_containers; /* 0: only the host's cap */
	int max_memory_mb;  /* 0: only the host's cap */
	int ncont;          /* containers not stopping */
	int mem_mb;         /* their memory limits */
};

/* sched_policy.c */
const Scheduler *scheduler_find(const char *name);
/* Does every NAME of --scheduler's "NAME NS=NAME ..." exist? 0 or -EINVAL (err says which not). */
int schedulers_check(const char *map, char *err, size_t elen);
/* The action's: its annotation "scheduler", else its namespace's, else the default. */
const Scheduler *scheduler_choose(Sched *s, const char *ns, json_t *annotations, char *err, size_t elen);
/* Ms a new container of p would take to be ready: what starts took lately, more when starts queue. */
int sched_start_cost(Pool *p);
/* One of p's runs took us, dispatch to answer: the estimates learn it. */
void run_took(Pool *p, int64_t us);
/* Slots of p's ready containers. */
int pool_ready_slots(Pool *p);
extern const Scheduler sched_default, sched_reserved;

/* sched_cpool.c */
/* Parse "NAME:cpu=CORES,containers=N,memory=MB ..." into s's pools after "default". 0 or -EINVAL (err says why). */
int cpools_parse(Sched *s, const char *spec, char *err, size_t elen);
/* The pool an action asks for (annotations "pool", "cpu"), or NULL (err says why). */
Cpool *cpool_choose(Sched *s, json_t *annotations, char *err, size_t elen);
/* Is there room in cp and on the host for that many more containers and megabytes? */
int cpool_room(Sched *s, Cpool *cp, int containers, int memory_mb);
/* Is cp's own cap (not the host's) what leaves no room? */
int cpool_full(Cpool *cp, int containers, int memory_mb);
/* Count c in (sign 1) or out of (-1) its pool's and the host's use. */
void cpool_account(Container *c, int sign);

#endif
