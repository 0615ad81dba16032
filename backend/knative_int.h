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

typedef struct kct kct;
typedef struct ksv ksv;
typedef struct kcall kcall;

struct domain {
	uv_loop_t *loop;
	kube *k; /* NULL: no cluster; why says so */
	char why[300];
	char image[256]; /* with %s for the kind's family */
	char ingress[256];
	int cold_ms;
	LIST_HEAD(, ksv) svcs;
	char desc[600];
	struct fnctl *fn; /* the Functions' controller, or NULL (knative_fn.c) */
	int (*action_version)(void *arg, const char *path, char *out, size_t n); /* sched_config's */
	void *action_arg;
};

/* A Knative Service we use. */
struct ksv {
	LIST_ENTRY(ksv) link; /* on d->svcs */
	domain *d;
	char name[KSVC_NAME_SIZE];
	char *key, *path, *version;
	json_t *init; /* the /init object, for a pod that asks */
	int state;
	char url[512];
	char why[700];
	LIST_HEAD(, kct) users;
	kube_watch *w;
	char rv[32];
	uv_timer_t deadline;
	int busy;   /* API requests or a watch in flight */
	int doomed; /* delete it when its last user goes */
	int closing;
};

struct kct {
	container *c;
	domain *d;
	ksv *sv;
	LIST_ENTRY(kct) link; /* on sv->users */
	LIST_HEAD(, kcall) calls;
	uv_timer_t later;
	int told;    /* container_up called */
	int waiting; /* to be told what its Service became (sv_settle) */
	int stopped;
	int err;
	char why[700];
};

struct kcall {
	LIST_ENTRY(kcall) link; /* on x->calls */
	kct *x;
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
ksv *sv_find(domain *d, const char *key);
ksv *sv_new(domain *d, pool *p);
ksv *sv_new_key(domain *d, const char *key, const char *path, json_t *init);
void sv_apply(ksv *sv, const char *kind, const run_limits *lim, json_t *annotations);
void sv_apply_pool(ksv *sv, pool *p);
void sv_settle(ksv *sv, int state, const char *why);
void sv_maybe_free(ksv *sv);
void knative_forget(domain *d, const char *path);
void knative_sweep(domain *d);

/* knative_fn.c */
struct fnctl *fnctl_start(domain *d, const char *socket_path);
void fnctl_stop(struct fnctl *f);

/* knative_call.c */
int knative_call(container *c, const char *path, char *body, size_t len, long logs_limit, domain_reply_cb cb,
                 void *arg);
void calls_cancel(kct *x);
void later_closed(uv_handle_t *h);

/* domain_knative.c */
void x_tell(kct *x);

#endif
