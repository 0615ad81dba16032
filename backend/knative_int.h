/* knative_int.h — the knative execution domain's own types, shared by domain_knative.c (containers),
 * knative_svc.c (Services: apply, wait Ready, collect) and knative_call.c (runs). */
#ifndef FAAS_KNATIVE_INT_H
#define FAAS_KNATIVE_INT_H

#include <jansson.h>
#include <stdint.h>
#include <sys/queue.h>
#include <uv.h>

#include "domain.h"
#include "ksvc.h"
#include "kube.h"
#include "pool.h"

enum {
	READY_MS = 120000,     /* a Service must be Ready within this */
	DEF_COLD_MS = 60000,   /* retry a cold Knative's 502/503/504 this long */
	CALL_GRACE_MS = 60000, /* a run's transfer may outlast its limit by this */
	RESULT_MAX = 4 << 20,
};

enum { KS_APPLY, KS_WAIT, KS_READY, KS_FAILED };

typedef struct Kct Kct;
typedef struct Ksv Ksv;
typedef struct Kcall Kcall;

struct Domain {
	uv_loop_t *loop;
	Kube *k; /* NULL: no cluster; why says so */
	char why[300];
	char image[256]; /* with %s for the kind's family */
	char ingress[256];
	int cold_ms;
	LIST_HEAD(, Ksv) svcs;
	char desc[600];
	struct Fnctl *fn; /* the Functions' controller, or NULL (knative_fn.c) */
	int (*action_version)(void *arg, const char *path, char *out, size_t n); /* sched_config's */
	void *action_arg;
};

/* A Knative Service we use. */
struct Ksv {
	LIST_ENTRY(Ksv) link; /* on d->svcs */
	Domain *d;
	char name[KSVC_NAME_SIZE];
	char *key, *path, *version;
	json_t *init; /* the /init object, for a pod that asks */
	int state;
	char url[512];
	char why[700];
	LIST_HEAD(, Kct) users;
	KubeWatch *w;
	char rv[32];
	uv_timer_t deadline;
	int busy;   /* API requests or a watch in flight */
	int doomed; /* delete it when its last user goes */
	int closing;
};

struct Kct {
	Container *c;
	Domain *d;
	Ksv *sv;
	LIST_ENTRY(Kct) link; /* on sv->users */
	LIST_HEAD(, Kcall) calls;
	uv_timer_t later;
	int told;    /* container_up called */
	int waiting; /* to be told what its Service became (sv_settle) */
	int stopped;
	int err;
	char why[700];
};

struct Kcall {
	LIST_ENTRY(Kcall) link; /* on x->calls */
	Kct *x;
	domain_reply_cb cb;
	void *arg;
	char *run; /* the /run body */
	size_t len;
	long logs_limit;
	int with_init;
	int tries;
	int posting; /* a transfer is out (kube_post's callback will come) */
	int init;    /* an /init, answered on the next turn */
	int done;
	int64_t until; /* retry no longer than this */
	uv_timer_t timer;
};

/* knative_svc.c */
Ksv *sv_find(Domain *d, const char *key);
Ksv *sv_new(Domain *d, Pool *p);
Ksv *sv_new_key(Domain *d, const char *key, const char *path, json_t *init);
/* cp: the compute pool it runs on, or NULL (the default's, the cluster's nodes) */
void sv_apply(Ksv *sv, const char *kind, const RunLimits *lim, json_t *annotations, const Cpool *cp);
void sv_apply_pool(Ksv *sv, Pool *p);
void sv_settle(Ksv *sv, int state, const char *why);
void sv_maybe_free(Ksv *sv);
void knative_forget(Domain *d, const char *path);
void knative_sweep(Domain *d);

/* knative_fn.c */
struct Fnctl *fnctl_start(Domain *d, const char *socket_path);
void fnctl_stop(struct Fnctl *f);

/* knative_call.c */
int knative_call(Container *c, const char *path, char *body, size_t len, long logs_limit, domain_reply_cb cb,
                 void *arg);
void calls_cancel(Kct *x);
void later_closed(uv_handle_t *h);

/* domain_knative.c */
void x_tell(Kct *x);

#endif
