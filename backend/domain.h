/* domain.h — execution domains: where a container lives and how the scheduler talks to it.
 *
 * A domain is a table of function pointers, like SQLite's VFS: the scheduler
 * decides which container runs what and when; the domain makes containers
 * exist, carries /init and /run to them and collects their logs. The local
 * domain (domain_local.c) runs faasfs-proxy processes in sandboxes on this
 * host. A Knative domain fits the same table: start = make sure the
 * function's Knative Service exists (one per function, with stemcells = 0 so
 * the scheduler never asks for a container before it knows the code: a
 * container has its pool, and so its /init request, before start), call =
 * POST to the Service's URL through the proxy's single entry point (an
 * /init is then answered at once, the code being in the Service), stop =
 * forget the Service (Knative scales it to zero by itself).
 *
 * Every callback a domain makes is from a loop callback, never from inside
 * the call that started the operation.
 */
#ifndef FAAS_DOMAIN_H
#define FAAS_DOMAIN_H

#include <jansson.h>
#include <stdint.h>
#include <sys/queue.h>
#include <uv.h>

#include "sched.h"

typedef struct Container Container;
typedef struct Domain Domain;
typedef struct Pool Pool;
typedef struct Cpool Cpool;

typedef struct DomainReply {
	int err;          /* 0: an HTTP answer came; else -errno: lost,
	                           -EFBIG (answer too long), -ECANCELED (stopped) */
	int status;       /* HTTP status when err == 0 */
	const char *body; /* NUL-terminated, valid during the callback */
	size_t len;
	json_t *logs; /* a run's log lines (borrowed), or NULL */
} DomainReply;

typedef void (*domain_reply_cb)(Container *c, DomainReply *r, void *arg);

typedef struct DomainOps {
	const char *name; /* "local", "knative": the value of the annotation "exec-domain" */
	int stemcells;    /* 1: containers may start before their code is known */
	int remote;       /* 1: its containers run elsewhere (a cluster): they take none of this host's
	                     capacity (containers, memory, starts at once), and stopping one frees none */
	int (*open)(uv_loop_t *loop, const SchedConfig *cfg, Domain **out, char *err, size_t elen);
	void (*close)(Domain *d);
	/* What isolation the domain gives, for the log and metrics. */
	const char *(*describe)(Domain *d);
	/* Start c (c->kind, c->memory_mb, c->cpu_millis). The domain then calls container_up()
	 * once, and container_down() when c is gone for good. 0 or -errno. */
	int (*start)(Domain *d, Container *c);
	/* POST body (ownership passes) to "/init" or "/run". For a run,
	 * logs_limit >= 0 collects its log lines up to that many bytes. cb runs
	 * once. 0 or -errno (then cb does not run). */
	int (*call)(Container *c, const char *path, char *body, size_t len, long logs_limit, domain_reply_cb cb,
	            void *arg);
	/* Change c's memory limit (a stem cell given to an action). 0 or -errno. */
	int (*resize)(Container *c, int memory_mb);
	/* Kill c: calls in flight end with an error, then container_down(). */
	void (*stop)(Container *c);
	/* Did c run out of memory? (for a clearer error) */
	int (*oom)(Container *c);
	/* The backend stops: end every container now, synchronously, and
	 * leave nothing behind; callbacks may still come if the loop runs. */
	void (*shutdown)(Domain *d);
	/* The action at path was updated or deleted (sched_forget): what the
	 * domain keeps of it beyond containers may go. NULL: nothing. */
	void (*forget)(Domain *d, const char *path);
	/* c's working directory on this host, for a held container; NULL: none. */
	const char *(*workdir)(Container *c);
	/* The backend has no activation in flight, and the last one's answer
	 * has gone out (sched_quiet): work the domain makes ahead may start
	 * now. NULL: it makes none. */
	void (*quiet)(Domain *d);
} DomainOps;

enum cstate {
	C_STARTING, /* asked the domain to start it */
	C_STEM,     /* up, no code yet: a stem cell */
	C_INIT,     /* /init sent */
	C_READY,    /* initialised: takes runs up to conc at once */
	C_STOPPING, /* stop asked, waiting for container_down */
	C_HELD,     /* a failed activation's, kept for inspection (sched_hold.c) */
};

struct Container {
	/* set by the scheduler before start; read by the domain */
	Domain *dom;
	const DomainOps *ops;
	unsigned id;
	char name[32]; /* "c17", for logs */
	char kind[64];
	int memory_mb;
	int debug;      /* its proxy logs verbosely to proxy.log in its working directory */
	int cpu_millis; /* its CPU quota in thousandths of a core, 0 none; -1: the host's --cpu-limit */
	void *priv;     /* the domain's */

	/* the scheduler's */
	Sched *s;
	enum cstate state;
	Pool *pool; /* NULL for a stem cell */
	Cpool *cp;  /* the compute pool it lives in */
	int inflight;
	int conc;
	const char *origin; /* "cold" or "stemcell" */
	int64_t init_start_ms;
	uint64_t init_start_ns; /* likewise, uv_hrtime(): init_ms is rounded up, never 0 (0 says warm) */
	int init_ms;
	int fresh;    /* initialised, not yet given its first runs */
	int incoming; /* counted in its pool's incoming slots */
	int init_timed_out;
	int starting; /* counted in the scheduler's starts under way */
	int64_t born_ms;
	int64_t idle_since;
	char held[33];      /* C_HELD: the failed activation's id */
	int64_t held_until; /* and when the hold ends, ms since epoch */
	uv_timer_t idle;
	LIST_ENTRY(Container) link; /* on its pool's list or the stem-cell list */
	LIST_ENTRY(Container) all;  /* on the scheduler's list of all */
};

/* The scheduler's side, for domains. why: a person-readable reason or NULL. */
void container_up(Container *c, int err, const char *why);
void container_down(Container *c, const char *why);
/* A log line of a run as it comes (run_arg: the arg of its /run call), for
 * a domain that sees lines before the run ends. */
void run_log_line(void *run_arg, const json_t *line);

extern const DomainOps domain_local_ops;
extern const DomainOps domain_knative_ops;

#endif
