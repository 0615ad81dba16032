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
};

typedef struct run run;

/* One activation, from sched_submit to done_cb. */
struct run {
	TAILQ_ENTRY(run) link; /* on its pool's queue, or on the done list */
	sched *s;
	pool *p;
	container *c; /* while it runs */
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
	uv_timer_t timer; /* kills the container when the proxy overstays */
	int timer_on;
	int queued; /* on its pool's queue */
	int done;   /* on the scheduler's done list */
	run_result res;
};

/* The containers and the queue of one action version (path@version). */
struct pool {
	sched *s;
	char *key; /* "guest/hello@0.0.3", in s->pools unless forgotten */
	char *path;
	char kind[64];
	int di;              /* index of its domain in s->doms */
	char *init_body;     /* the /init request */
	json_t *annotations; /* the action's, or NULL (a domain may read them) */
	int debug_ms;        /* its failed containers are held this long (annotation debug), or 0 */
	size_t init_len;
	run_limits lim;
	TAILQ_HEAD(runq, run) queue;
	int queued;
	LIST_HEAD(, container) conts; /* every container given to this pool */
	int ncont;
	int incoming; /* slots of containers starting or initialising */
	int starving; /* on s->starving: waits for capacity */
	TAILQ_ENTRY(pool) slink;
	int forgotten;   /* out of the table; goes when empty */
	int start_fails; /* containers in a row that did not start */
	const Scheduler *sch;
	Cpool *cp;
	int64_t run_us;   /* a run's time, moving average; 0: none yet */
	int start_ms;     /* its containers' start to ready, moving average; 0: none yet */
	int64_t age_grew; /* when the queue's age last grew it */
	int later;        /* on s->later: waits to grow */
	TAILQ_ENTRY(pool) llink;
};

typedef struct sched_domain {
	const domain_ops *ops;
	domain *d;
} sched_domain;

struct sched {
	uv_loop_t *loop;
	char *proxy_path, *run_dir;
	char *schedulers; /* "NAME" or "NS=NAME", space-separated, or NULL */
	sched_config cfg; /* with defaults filled in */
	sched_domain doms[MAX_DOMAINS];
	int ndoms;
	Map pools; /* by key */
	TAILQ_HEAD(poolq, pool) starving;
	struct poolq later; /* pools that wait to grow: for a start to end, or for their queue to age */
	int nstarving, nlater;
	uv_timer_t later_timer;
	int64_t later_at; /* when later_timer fires, 0: not armed */
	int starting;     /* containers starting: born, not yet ready */
	int start_ms;     /* a cold start to ready, moving average over all pools */
	int stem_ms;      /* a stem cell's /init, likewise */
	Cpool cpools[MAX_CPOOLS];
	int ncpools;
	LIST_HEAD(, container) all; /* every container */
	int ncont;                  /* not stopping */
	int mem_mb;                 /* of containers not stopping */
	int nstopping;
	LIST_HEAD(, container) stems; /* stem cells, starting or up */
	char *stem_kinds[MAX_STEM_KINDS];
	int stem_doms[MAX_STEM_KINDS];
	int stem_expect[MAX_STEM_KINDS]; /* more stem cells, for new actions of the kind yet to run */
	uv_timer_t expect_timer;         /* then sheds them */
	int nstem_kinds;
	int stem_fails; /* stem cells in a row that did not start */
	unsigned next_id;
	uint64_t starts_cold, starts_stem, starts_warm;
	uint64_t evictions, deaths;
	struct runq done; /* runs to finish on the next loop turn */
	uv_idle_t done_idle;
	int closing;
	int handles; /* done_idle, later_timer and expect_timer not yet closed: s stays */
};

int64_t sched_now_ms(void);
void sched_maybe_release(sched *s);
void sched_done_idle_cb(uv_idle_t *h);
void pool_unlink(pool *p);
void pool_free(pool *p);

/* sched_pool.c: containers, caps, stem cells */
void queue_append(pool *p, run *r);
void queue_remove(pool *p, run *r);
void pool_pump(pool *p);
void pool_maybe_free(pool *p);
void container_idle(container *c);
void container_retire(container *c);
int container_hold(container *c, const char *id);
int pool_debug_ms(const json_t *annotations);
void sched_relieve(sched *s);
pool *pool_starved(sched *s, pool *p);
void pool_relieve(pool *q);
void stem_fill(sched *s);
int stem_kind_add(sched *s, int di, const char *kind);
void stem_expect(sched *s, int di, const char *kind);
void stem_fulfil(sched *s, const char *kind);
void start_end(container *c);
void pool_later(pool *p, int64_t at);
void later_remove(pool *p);
void sched_later_cb(uv_timer_t *t);

/* sched_run.c: one activation's life */
void run_dispatch(run *r, container *c);
void run_finish(run *r);
void run_fail(run *r, enum run_status st, const char *msg);
void run_fail_later(run *r, enum run_status st, const char *msg);
void run_free(run *r);
void pool_init_done(container *c, int ok, const char *error);
void container_init(container *c);

#endif
