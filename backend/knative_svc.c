/* knative_svc.c — the knative domain's Services: apply one per action version, wait until Ready, collect old ones.
 *
 * A Service is applied when its first container starts (or when a start
 * finds it failed: a new start tries again), then watched by name from the
 * resourceVersion of the apply's answer; a watch that ends (the server's
 * timeout, an ERROR such as 410 Gone) is started again, from a fresh GET
 * when the version was lost. READY_MS without a verdict is a failure.
 * sv_settle tells every container that waited on it. See domain_knative.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fns.h"
#include "knative_int.h"
#include "log.h"

static void watch_again(Ksv *sv);

static int
annot_int(json_t *a, const char *key)
{
	json_t *v = json_object_get(a, key);
	int64_t n = 0;

	if (json_is_integer(v))
		return (int)json_integer_value(v);
	return num_int(json_string_value(v), INT32_MIN, INT32_MAX, &n) == 0 ? (int)n : 0;
}

Ksv *
sv_find(Domain *d, const char *key)
{
	Ksv *sv;

	LIST_FOREACH(sv, &d->svcs, link)
		if (!sv->closing && strcmp(sv->key, key) == 0)
			return sv;
	return NULL;
}

/* The Service of key ("path@version") running init (a /init object, taken). */
Ksv *
sv_new_key(Domain *d, const char *key, const char *path, json_t *init)
{
	const char *at = strrchr(key, '@');
	Ksv *sv = ecalloc(1, sizeof *sv);

	if (!at || !init) {
		json_decref(init);
		free(sv);
		return NULL;
	}
	sv->key = estrdup(key);
	sv->path = estrdup(path);
	sv->version = estrdup(at + 1);
	sv->init = init;
	sv->d = d;
	ksvc_name(sv->path, sv->version, sv->name);
	uv_timer_init(d->loop, &sv->deadline);
	sv->deadline.data = sv;
	LIST_INSERT_HEAD(&d->svcs, sv, link);
	return sv;
}

Ksv *
sv_new(Domain *d, Pool *p)
{
	json_t *body = json_loadb(p->init_body, p->init_len, 0, NULL);
	json_t *init = json_incref(json_object_get(body, "value"));

	json_decref(body);
	return sv_new_key(d, p->key, p->path, init);
}

static void
sv_closed(uv_handle_t *h)
{
	Ksv *sv = h->data;

	json_decref(sv->init);
	free(sv->key);
	free(sv->path);
	free(sv->version);
	free(sv);
}

static void
deleted_cb(KubeReply *r, void *arg)
{
	char *name = arg;

	if (r->err || (r->status >= 300 && r->status != 404))
		log_warn("knative: cannot delete the Service %s: %s", name, r->message ? r->message : "?");
	else
		log_info("knative: deleted the Service %s", name);
	free(name);
}

static void
svc_delete(Domain *d, const char *name)
{
	char path[512], *copy = estrdup(name);

	snprintf(path, sizeof path, "/apis/serving.knative.dev/v1/namespaces/%s/services/%s", kube_namespace(d->k),
	         name);
	if (!copy || kube_request(d->k, "DELETE", path, "application/json", "{\"propagationPolicy\":\"Background\"}",
	                          deleted_cb, copy) < 0)
		free(copy);
}

/* sv goes when nothing uses it or waits on it. */
void
sv_maybe_free(Ksv *sv)
{
	if (!LIST_EMPTY(&sv->users) || sv->busy || sv->closing)
		return;
	if (sv->doomed && sv->d->k)
		svc_delete(sv->d, sv->name);
	sv->closing = 1;
	LIST_REMOVE(sv, link);
	uv_close((uv_handle_t *)&sv->deadline, sv_closed);
}

static void
judge(Ksv *sv, json_t *obj)
{
	char why[600];
	int rc;
	const char *rv = json_string_value(json_object_get(json_object_get(obj, "metadata"), "resourceVersion"));

	if (rv)
		snprintf(sv->rv, sizeof sv->rv, "%s", rv);
	if (sv->state != KS_WAIT)
		return;
	rc = ksvc_ready(obj, sv->url, sizeof sv->url, why, sizeof why, kube_in_cluster(sv->d->k));
	if (rc > 0)
		sv_settle(sv, KS_READY, NULL);
	else if (rc < 0)
		sv_settle(sv, KS_FAILED, why);
}

static void
event_cb(const char *type, json_t *obj, void *arg)
{
	Ksv *sv = arg;
	char why[600];

	if (strcmp(type, "ERROR") == 0) {
		sv->rv[0] = '\0'; /* 410 Gone and the like: list again */
		return;
	}
	if (strcmp(type, "DELETED") == 0 && sv->state == KS_WAIT) {
		snprintf(why, sizeof why, "the Knative Service %s was deleted while it was starting", sv->name);
		sv_settle(sv, KS_FAILED, why);
		return;
	}
	judge(sv, obj);
	if (sv->state != KS_WAIT && sv->w)
		kube_watch_stop(sv->w);
}

static void
watch_end_cb(KubeReply *r, void *arg)
{
	Ksv *sv = arg;

	sv->w = NULL;
	sv->busy--;
	if (sv->state == KS_WAIT && r->err != -ECANCELED)
		watch_again(sv);
	sv_maybe_free(sv);
}

static void
got_cb(KubeReply *r, void *arg)
{
	Ksv *sv = arg;
	char why[700];

	sv->busy--;
	if (sv->state == KS_WAIT && r->err == 0 && r->status == 200) {
		judge(sv, r->body);
		if (sv->state == KS_WAIT)
			watch_again(sv);
	} else if (sv->state == KS_WAIT) {
		snprintf(why, sizeof why, "the Kubernetes API: %s", r->message ? r->message : "no answer");
		sv_settle(sv, KS_FAILED, why);
	}
	sv_maybe_free(sv);
}

/* Watch the Service from where we are; with no resourceVersion, get it first. */
static void
watch_again(Ksv *sv)
{
	char path[700];
	const char *ns = kube_namespace(sv->d->k);
	int rc;

	if (!sv->rv[0]) {
		snprintf(path, sizeof path, "/apis/serving.knative.dev/v1/namespaces/%s/services/%s", ns, sv->name);
		rc = kube_request(sv->d->k, "GET", path, NULL, NULL, got_cb, sv);
	} else {
		snprintf(path, sizeof path,
		         "/apis/serving.knative.dev/v1/namespaces/%s/"
		         "services?fieldSelector=metadata.name%%3D%s&resourceVersion=%s",
		         ns, sv->name, sv->rv);
		rc = kube_watch_start(sv->d->k, path, event_cb, watch_end_cb, sv, &sv->w);
	}
	if (rc < 0)
		sv_settle(sv, KS_FAILED, "cannot watch the Knative Service");
	else
		sv->busy++;
}

static void
deadline_cb(uv_timer_t *t)
{
	Ksv *sv = t->data;
	char why[300];

	snprintf(why, sizeof why, "the Knative Service %s was not Ready within %d s", sv->name, READY_MS / 1000);
	sv_settle(sv, KS_FAILED, why);
}

/* Of an action's Services (a list's items), delete all but keep: now
 * those nothing of ours uses; with doom_live, the others when their last
 * user goes (else those are left: made after the list was asked for). */
static void
collect_items(Domain *d, json_t *items, const char *keep, int doom_live)
{
	json_t *item;
	size_t i;
	Ksv *o;

	json_array_foreach(items, i, item)
	{
		const char *name = json_string_value(json_object_get(json_object_get(item, "metadata"), "name"));
		if (!name || (keep && strcmp(name, keep) == 0))
			continue;
		LIST_FOREACH(o, &d->svcs, link)
			if (!o->closing && strcmp(o->name, name) == 0)
				break;
		if (o && doom_live)
			o->doomed = 1;
		else if (!o)
			svc_delete(d, name);
	}
}

static int
list_action(Domain *d, const char *path, kube_cb cb, void *arg)
{
	char q[600], label[KSVC_NAME_SIZE];

	ksvc_action_label(path, label);
	snprintf(q, sizeof q,
	         "/apis/serving.knative.dev/v1/namespaces/%s/services?labelSelector=faasfs.dev%%2Faction%%3D%s",
	         kube_namespace(d->k), label);
	return kube_request(d->k, "GET", q, NULL, NULL, cb, arg);
}

/* Garbage collection: the action's Services of other versions. */
static void
collect_cb(KubeReply *r, void *arg)
{
	Ksv *sv = arg;

	sv->busy--;
	if (r->err == 0 && r->status == 200)
		collect_items(sv->d, json_object_get(r->body, "items"), sv->name, 1);
	sv_maybe_free(sv);
}

static void
collect(Ksv *sv)
{
	if (list_action(sv->d, sv->path, collect_cb, sv) == 0)
		sv->busy++;
}

static void
applied_cb(KubeReply *r, void *arg)
{
	Ksv *sv = arg;
	char why[700];

	sv->busy--;
	if (sv->state != KS_APPLY) {
		sv_maybe_free(sv);
		return;
	}
	if (r->err || r->status >= 300) {
		snprintf(why, sizeof why, "Kubernetes refused the Knative Service %s: %s", sv->name,
		         r->message ? r->message : "no answer");
		sv_settle(sv, KS_FAILED, why);
		sv_maybe_free(sv);
		return;
	}
	sv->state = KS_WAIT;
	sv->rv[0] = '\0';
	judge(sv, r->body);
	if (sv->state == KS_WAIT)
		watch_again(sv);
	collect(sv);
	sv_maybe_free(sv);
}

static json_t *
manifest(Ksv *sv, const char *kind, const RunLimits *lim, json_t *annotations, const Cpool *cp)
{
	int own_pool = cp && strcmp(cp->name, "default") != 0;
	Domain *d = sv->d;
	char image[512];
	const char *own = json_string_value(json_object_get(annotations, "faasfs.dev/image"));
	KsvcSpec sp = {
		.name = sv->name,
		.path = sv->path,
		.version = sv->version,
		.kind = kind,
		.image = image,
		.init = sv->init,
		.memory_mb = lim->memory_mb,
		.timeout_ms = lim->timeout_ms,
		.concurrency = lim->concurrency,
		.min_scale = annot_int(annotations, "min-scale"),
		.max_scale = annot_int(annotations, "max-scale"),
		.function = json_string_value(json_object_get(annotations, "faasfs.dev/function")),
		.function_generation = annot_int(annotations, "faasfs.dev/generation"),
		.pool = own_pool ? cp->name : NULL,
		.cpu_millis = own_pool && cp->cpu_millis > 0 ? cp->cpu_millis : 0,
	};

	snprintf(image, sizeof image, d->image, ksvc_family(kind));
	if (own && *own)
		snprintf(image, sizeof image, "%s", own);
	return ksvc_manifest(&sp);
}

/* Apply sv as the action version's kind, limits and annotations say. */
void
sv_apply(Ksv *sv, const char *kind, const RunLimits *lim, json_t *annotations, const Cpool *cp)
{
	char path[600], *text;
	json_t *m = manifest(sv, kind, lim, annotations, cp);

	sv->state = KS_APPLY;
	sv->why[0] = '\0';
	snprintf(path, sizeof path,
	         "/apis/serving.knative.dev/v1/namespaces/%s/services/"
	         "%s?fieldManager=faasfs&force=true&fieldValidation=Strict",
	         kube_namespace(sv->d->k), sv->name);
	text = m ? json_dumps(m, JSON_COMPACT) : NULL;
	json_decref(m);
	if (!text || kube_request(sv->d->k, "PATCH", path, "application/apply-patch+yaml", text, applied_cb, sv) < 0) {
		sv_settle(sv, KS_FAILED, "cannot reach the Kubernetes API");
	} else {
		sv->busy++;
		uv_timer_start(&sv->deadline, deadline_cb, READY_MS, 0);
	}
	free(text);
}

void
sv_apply_pool(Ksv *sv, Pool *p)
{
	sv_apply(sv, p->kind, &p->lim, p->annotations, p->cp);
}

void
sv_settle(Ksv *sv, int state, const char *why)
{
	Kct *x;
	int again = 1;

	uv_timer_stop(&sv->deadline);
	sv->state = state;
	if (why)
		snprintf(sv->why, sizeof sv->why, "%s", why);
	if (state == KS_FAILED)
		log_error("knative: %s: %s", sv->key, sv->why);
	else
		log_info("knative: %s is Ready at %s", sv->key, sv->url);
	if (sv->w)
		kube_watch_stop(sv->w);
	LIST_FOREACH(x, &sv->users, link)
		x->waiting = !x->told && !x->stopped;
	while (again) { /* telling one may stop others or start new ones: start over */
		again = 0;
		LIST_FOREACH(x, &sv->users, link)
			if (x->waiting) {
				x->waiting = 0;
				x_tell(x);
				again = 1;
				break;
			}
	}
}

static void
forget_cb(KubeReply *r, void *arg)
{
	Domain *d = arg;

	if (r->err == 0 && r->status == 200)
		collect_items(d, json_object_get(r->body, "items"), NULL, 0);
	else
		log_warn("knative: cannot list an action's Services: %s", r->message ? r->message : "?");
}

/* An action updated or deleted: every Service of it goes, each when unused
 * (an update's new version makes its own on its first run). */
void
knative_forget(Domain *d, const char *path)
{
	Ksv *sv;

	if (!d->k)
		return;
	LIST_FOREACH(sv, &d->svcs, link)
		if (strcmp(sv->path, path) == 0)
			sv->doomed = 1;
	list_action(d, path, forget_cb, d);
}

/* Is Service item of a version the backend no longer has (its action
 * updated or deleted while the backend was away)? */
static int
stale(Domain *d, json_t *item)
{
	json_t *md = json_object_get(item, "metadata");
	const char *path = json_string_value(json_object_get(json_object_get(md, "annotations"), "faasfs.dev/action"));
	const char *version = json_string_value(json_object_get(json_object_get(md, "labels"), "faasfs.dev/version"));
	char cur[64];

	if (!path || !version)
		return 0; /* not one of an action's */
	if (d->action_version(d->action_arg, path, cur, sizeof cur) < 0)
		return 1;
	return strncmp(cur, version, strcspn(version, "+")) != 0 || cur[strcspn(version, "+")] != '\0';
}

static void
sweep_cb(KubeReply *r, void *arg)
{
	Domain *d = arg;
	json_t *item, *old = json_array();
	size_t i;

	if (r->err || r->status != 200) {
		log_warn("knative: cannot list our Services to collect those of versions gone: %s",
		         r->message ? r->message : "no answer");
		json_decref(old);
		return;
	}
	json_array_foreach(json_object_get(r->body, "items"), i, item) if (stale(d, item)) json_array_append(old, item);
	if (json_array_size(old))
		log_info("knative: %zu Services of versions updated or deleted while the backend was away go",
		         json_array_size(old));
	collect_items(d, old, NULL, 1);
	json_decref(old);
}

/* At start: every Service we made (label managed-by faasfs) of an action
 * version the store no longer has is deleted, as collect() would have done
 * had the backend been up when the version went. The namespace is this
 * backend's: another's Services there would be taken for gone ones. */
void
knative_sweep(Domain *d)
{
	char q[300];

	if (!d->k || !d->action_version)
		return;
	snprintf(q, sizeof q,
	         "/apis/serving.knative.dev/v1/namespaces/%s/"
	         "services?labelSelector=app.kubernetes.io%%2Fmanaged-by%%3Dfaasfs",
	         kube_namespace(d->k));
	if (kube_request(d->k, "GET", q, NULL, NULL, sweep_cb, d) < 0)
		log_warn("knative: cannot list our Services to collect those of versions gone");
}
