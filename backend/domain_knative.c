/* domain_knative.c — the Knative execution domain: each action version a Knative Service in a cluster.
 *
 * A container here is the scheduler's handle on a Knative Service (ksvc.c
 * names and makes it), one Service per action version ("path@version", the
 * scheduler's pool): every container of a pool shares it, and Knative, not
 * we, decides how many pods serve it and scales them to zero when idle.
 *
 * start: the Service is server-side applied (fieldManager faasfs, forced:
 * we own what we wrote; fieldValidation=Strict: a field the cluster does not
 * know is an error, not silently dropped), then watched (by name, from the
 * answer's resourceVersion) until Ready; the container is up with the
 * Service's URL, or fails with what Kubernetes said (a refused body, a
 * revision that failed, READY_MS without an answer). Applying the Service
 * of a version also deletes the Services of the action's other versions
 * that no container of ours uses (garbage collection); sched_forget (the
 * action updated or deleted) deletes them all, each as its last user goes.
 *
 * call: an /init is answered at once, the code being in the Service
 * (FAASFS_INIT). A run is POSTed to the Service's URL through the proxy's
 * single entry point, {"activation": RUN}, with X-Faasfs-Logs: 1 so the
 * answer carries the run's log lines (proxy/capture.c). What a cold
 * Knative answers while it scales from zero (502, 503, 504 that are not the
 * proxy's own JSON answers, or a refused connection) is retried with
 * backoff for up to FAASFS_KNATIVE_COLD_MS; a pod that says "System not
 * initialized" (code too big for the environment) gets the init with the
 * run, once. FAASFS_KNATIVE_INGRESS=HOST:PORT connects there whatever the
 * URL's host (a cluster whose domain does not resolve from here, or the
 * tests' fake ingress); in a pod the cluster-local address.url is used.
 *
 * stop: the container's calls end with -ECANCELED, then container_down; the
 * Service stays (Knative scales it to zero) unless it was doomed.
 *
 * Every callback to the scheduler comes from a loop callback: what is
 * known at once in start, call or stop is told on the next turn.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fns.h"
#include "knative_int.h"
#include "log.h"

/* x is done with: its calls end, the scheduler hears it is down, x goes. */
static void
x_down(Kct *x)
{
	Container *c = x->c;
	Ksv *sv = x->sv;

	calls_cancel(x);
	if (sv) {
		LIST_REMOVE(x, link);
		x->sv = NULL;
	}
	c->priv = NULL;
	x->c = NULL;
	if (!x->told) {
		x->told = 1;
		container_up(c, x->err ? x->err : -ECANCELED, x->why[0] ? x->why : "stopped");
	}
	container_down(c, x->why[0] ? x->why : NULL);
	uv_close((uv_handle_t *)&x->later, later_closed);
	if (sv)
		sv_maybe_free(sv);
}

/* Tell the scheduler what became of x's Service. */
void
x_tell(Kct *x)
{
	Ksv *sv = x->sv;

	if (x->told || x->stopped || !sv || (sv->state != KS_READY && sv->state != KS_FAILED))
		return;
	if (sv->state == KS_READY) {
		x->told = 1;
		container_up(x->c, 0, NULL);
		return;
	}
	x->err = -EIO;
	snprintf(x->why, sizeof x->why, "%s", sv->why);
	x_down(x);
}

static void
later_cb(uv_timer_t *t)
{
	Kct *x = t->data;

	if (x->stopped)
		x_down(x);
	else if (x->err)
		x_down(x);
	else
		x_tell(x);
}

static int
knative_start(Domain *d, Container *c)
{
	Kct *x = ecalloc(1, sizeof *x);
	Ksv *sv;

	x->c = c;
	x->d = d;
	c->priv = x;
	uv_timer_init(d->loop, &x->later);
	x->later.data = x;
	if (!d->k) {
		x->err = -ENOTCONN;
		snprintf(x->why, sizeof x->why, "the knative execution domain is not available: %s", d->why);
	} else if (!c->pool) {
		x->err = -EINVAL;
		snprintf(x->why, sizeof x->why, "the knative execution domain has no stem cells");
	} else if (!(sv = sv_find(d, c->pool->key)) && !(sv = sv_new(d, c->pool))) {
		x->err = -EINVAL;
		snprintf(x->why, sizeof x->why, "the action's key or /init has no Service to run it");
	} else {
		x->sv = sv;
		LIST_INSERT_HEAD(&sv->users, x, link);
		if (sv->state == KS_FAILED || (sv->state == KS_APPLY && !sv->busy))
			sv_apply_pool(sv, c->pool); /* a new start tries again */
	}
	uv_timer_start(&x->later, later_cb, 0, 0);
	return 0;
}

static void
knative_stop(Container *c)
{
	Kct *x = c->priv;

	if (!x || x->stopped)
		return;
	x->stopped = 1;
	uv_timer_start(&x->later, later_cb, 0, 0);
}

/* FAASFS_KNATIVE_IMAGE: at most one %s (the kind's family), no other %. */
static void
image_format(Domain *d)
{
	const char *v = getenv("FAASFS_KNATIVE_IMAGE"), *p;
	int n = 0;

	if (!v || !*v)
		v = "localhost/faasfs/%s:latest";
	for (p = strchr(v, '%'); p; p = strchr(p + 1, '%'))
		n += p[1] == 's' ? 1 : 100;
	if (n > 1)
		v = "localhost/faasfs/%s:latest";
	snprintf(d->image, sizeof d->image, "%s", v);
}

static int
knative_open(uv_loop_t *loop, const SchedConfig *cfg, Domain **out, char *err, size_t elen)
{
	const char *v = getenv("FAASFS_KNATIVE_COLD_MS");
	int64_t cold = DEF_COLD_MS;
	Domain *d;
	int rc;

	if (v && *v && (num_int(v, 0, INT32_MAX, &cold) < 0))
		return snprintf(err, elen, "FAASFS_KNATIVE_COLD_MS=%s is not a number of milliseconds", v), -EINVAL;
	d = ecalloc(1, sizeof *d);
	d->loop = loop;
	image_format(d);
	if ((v = getenv("FAASFS_KNATIVE_INGRESS")))
		snprintf(d->ingress, sizeof d->ingress, "%s", v);
	d->cold_ms = cold > 0 ? (int)cold : DEF_COLD_MS;
	if ((rc = kube_open(loop, &d->k, d->why, sizeof d->why)) < 0) {
		d->k = NULL;
		snprintf(d->desc, sizeof d->desc, "no cluster (%s)", d->why);
	} else {
		snprintf(d->desc, sizeof d->desc, "Knative Services in namespace %s of %s, image %s%s%s",
		         kube_namespace(d->k), kube_server(d->k), d->image, d->ingress[0] ? ", ingress " : "",
		         d->ingress);
		d->fn = fnctl_start(d, cfg->socket_path);
		d->action_version = cfg->action_version;
		d->action_arg = cfg->action_arg;
		knative_sweep(d);
	}
	*out = d;
	return 0;
}

static const char *
knative_describe(Domain *d)
{
	return d->desc;
}

static int
knative_resize(Container *c, int memory_mb)
{
	(void)c;
	(void)memory_mb;
	return 0; /* a Service's memory is fixed by its version */
}

static int
knative_oom(Container *c)
{
	(void)c;
	return 0;
}

/* The backend stops: the Services stay with the cluster (scaled to zero). */
static void
knative_shutdown(Domain *d)
{
	Ksv *sv;

	LIST_FOREACH(sv, &d->svcs, link)
		if (sv->w)
			kube_watch_stop(sv->w);
}

static void
knative_close(Domain *d)
{
	fnctl_stop(d->fn);
	kube_close(d->k);
	free(d);
}

const DomainOps domain_knative_ops = {
	.name = "knative",
	.stemcells = 0,
	.remote = 1,
	.open = knative_open,
	.close = knative_close,
	.describe = knative_describe,
	.start = knative_start,
	.call = knative_call,
	.resize = knative_resize,
	.stop = knative_stop,
	.oom = knative_oom,
	.shutdown = knative_shutdown,
	.forget = knative_forget,
};
