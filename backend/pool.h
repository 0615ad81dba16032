/* pool.h — the scheduler's own types: a pool of containers and a queue per action, runs, stem cells. */
#ifndef FAAS_POOL_H
#define FAAS_POOL_H

#include <jansson.h>
#include <stdint.h>
#include <sys/queue.h>
#include <uv.h>

#include "domain.h"
#include "map.h"
#include "sched.h"
#include "scheduler.h"

enum {
	MAX_DOMAINS = 4,
	MAX_STEM_KINDS = 16,
	KILL_GRACE_MS = 1000, /* past the deadline before we kill the container */
	STEM_MEMORY_MB = 256,
	START_TRIES = 2, /* failed starts in a row before runs fail */
	MAX_CPOOLS = 16,
	DEF_START_MS = 100, /* what a start costs before one was measured */
	DEF_STEM_MS = 20,   /* what a stem cell's /init costs, likewise */
	STEM_WAIT_MS = 20,  /* work made ahead waits for sched_quiet at most this (default) */
};

typedef struct Run Run;

/* One activation, from sched_submit to done_cb. */
struct Run {
	TAILQ_ENTRY(Run) link; /* on its pool's queue, or on the done list */
	Sched *s;
	Pool *p;
	Container *c; /* while it runs */
	sched_done_cb cb;
	void *arg;
	char act_id[33];                                /* the activation's id */
	void (*line_cb)(const json_t *line, void *arg); /* run_spec's */
	char *value;                                    /* the parameters as JSON text; NULL: validate only */
	char *tail;                                     /* {"namespace":..,"activation_id":..,...} */
	int timeout_ms;
	int64_t deadline_ms; /* given by the caller, or 0 */
	int64_t deadline;    /* the one sent to the proxy */
	int64_t submit_ms;
	int64_t sent_ms;  /* given to its container */
	uint64_t sent_ns; /* likewise, uv_hrtime(): what the run took, to the microsecond */
	uv_timer_t timer; /* kills the container when the proxy overstays */
	int timer_on;
	int queued; /* on its pool's queue */
	int done;   /* on the scheduler's done list */
	RunResult res;
};

/* The containers and the queue of one action version (path@version). */
struct Pool {
	Sched *s;
	char *key; /* "guest/hello@0.0.3", in s->pools unless forgotten */
	char *path;
	char kind[64];
	int di;              /* index of its domain in s->doms */
	char *init_body;     /* the /init request */
	json_t *annotations; /* the action's, or NULL (a domain may read them) */
	int debug_ms;        /* its failed containers are held this long (annotation debug), or 0 */
	size_t init_len;
	RunLimits lim;
	TAILQ_HEAD(runq, Run) queue;
	int queued;
	LIST_HEAD(, Container) conts; /* every container given to this pool */
	int ncont;
	int peak;     /* the most containers it had at once */
	int incoming; /* slots of containers starting or initialising */
	int starving; /* on s->starving: waits for capacity */
	TAILQ_ENTRY(Pool) slink;
	int forgotten;   /* out of the table; goes when empty */
	int start_fails; /* containers in a row that did not start */
	const Scheduler *sch;
	Cpool *cp;
	int64_t run_us;       /* a run's time, dispatch to answer, moving average; 0: none yet */
	int64_t run_floor_us; /* what its quickest runs take lately (sched_policy.c) */
	uint64_t done_ns;     /* when a run of its last ended, uv_hrtime() */
	int start_ms;         /* its containers' start to ready, moving average; 0: none yet */
	int64_t age_grew;     /* when the queue's age last grew it */
	int later;            /* on s->later: waits to grow */
	TAILQ_ENTRY(Pool) llink;
};

typedef struct SchedDomain {
	const DomainOps *ops;
	Domain *d;
} SchedDomain;

struct Sched {
	uv_loop_t *loop;
	char *proxy_path, *run_dir;
	char *schedulers; /* "NAME" or "NS=NAME", space-separated, or NULL */
	SchedConfig cfg;  /* with defaults filled in */
	SchedDomain doms[MAX_DOMAINS];
	int ndoms;
	Map pools; /* by key */
	TAILQ_HEAD(poolq, Pool) starving;
	struct poolq later; /* pools that wait to grow: for a start to end, or for their queue to age */
	int nstarving, nlater;
	uv_timer_t later_timer;
	int64_t later_at; /* when later_timer fires, 0: not armed */
	int starting;     /* containers starting: born, not yet ready */
	int cpus;         /* the CPUs this process may run on */
	int start_ms;     /* a cold start to ready, moving average over all pools */
	int stem_ms;      /* a stem cell's /init, likewise */
	Cpool cpools[MAX_CPOOLS];
	int ncpools;
	LIST_HEAD(, Container) all; /* every container */
	int ncont;                  /* not stopping */
	int mem_mb;                 /* of containers not stopping */
	int nstopping;
	LIST_HEAD(, Container) stems; /* stem cells, starting or up */
	char *stem_kinds[MAX_STEM_KINDS];
	int stem_doms[MAX_STEM_KINDS];
	int stem_expect[MAX_STEM_KINDS]; /* more stem cells, for new actions of the kind yet to run */
	int stem_more[MAX_STEM_KINDS];   /* 1: one more, new actions of the kind came faster than one is made */
	uv_timer_t expect_timer;         /* then sheds them */
	uv_timer_t stem_timer;           /* a stem cell taken is replaced at sched_quiet or when this fires */
	int busy;                        /* an activation is in flight: from sched_submit to sched_quiet */
	int nstem_kinds;
	int stem_fails; /* stem cells in a row that did not start */
	unsigned next_id;
	uint64_t starts_cold, starts_stem, starts_warm;
	uint64_t evictions, deaths;
	struct runq done; /* runs to finish on the next loop turn */
	uv_idle_t done_idle;
	int closing;
	int handles; /* done_idle and the three timers not yet closed: s stays */
};

int64_t sched_now_ms(void);
void sched_maybe_release(Sched *s);
void sched_done_idle_cb(uv_idle_t *h);
void pool_unlink(Pool *p);
void pool_free(Pool *p);

/* sched_pool.c: containers, caps, stem cells */
void queue_append(Pool *p, Run *r);
void queue_remove(Pool *p, Run *r);
void pool_pump(Pool *p);
void pool_maybe_free(Pool *p);
void container_idle(Container *c);
void container_retire(Container *c);
int container_hold(Container *c, const char *id);
int pool_debug_ms(const json_t *annotations);
void sched_relieve(Sched *s);
Pool *pool_starved(Sched *s, Pool *p);
void pool_relieve(Pool *q);
void stem_fill(Sched *s);
void stem_fill_quiet(Sched *s);
int stem_kind_add(Sched *s, int di, const char *kind);
void stem_expect(Sched *s, int di, const char *kind);
void stem_fulfil(Sched *s, const char *kind);
void start_end(Container *c);
void pool_later(Pool *p, int64_t at);
void later_remove(Pool *p);
void sched_later_cb(uv_timer_t *t);

/* sched_run.c: one activation's life */
void run_dispatch(Run *r, Container *c);
void run_finish(Run *r);
void run_fail(Run *r, enum run_status st, const char *msg);
void run_fail_later(Run *r, enum run_status st, const char *msg);
void run_free(Run *r);
void pool_init_done(Container *c, int ok, const char *error);
void container_init(Container *c);

#endif
