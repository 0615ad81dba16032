/* knative_fn.c — the Function resource (functions.faasfs.dev/v1): the backend as its controller.
 *
 * `kubectl apply -f function.yaml` deploys a function: the backend watches
 * the Functions of its namespace, and the ConfigMaps and Secrets they bind
 * parameters from, as informers do (list, then watch from the list's
 * resourceVersion; a watch that ends is started again, a lost version
 * lists again). Reconciling a Function:
 *
 *   1. its parameters: each a value, a ConfigMap key or a Secret key
 *      (parameters), or every key of one (parametersFrom); a value that
 *      reads as JSON is that JSON, else the text;
 *   2. the action of the same name in the namespace of FAASFS_FUNCTIONS_AUTH
 *      (uuid:key; default the guest credential, $FAASFS_AUTH or DATA/guest.auth)
 *      is created or updated through the backend's own REST API on its Unix
 *      socket, as any client would, so every rule of the API holds and the
 *      function is at once an OpenWhisk action, in the mount too; it is
 *      routed to the knative domain (annotation exec-domain) and its scale
 *      bounds and Function are annotations;
 *   3. its Knative Service is applied at once (knative_svc.c), labelled with
 *      the Function's name and generation;
 *   4. the status: observedGeneration, the action, the Service, and Ready
 *      Unknown until the Service says; the Services' watch then gives the
 *      URL and Ready True or False with Knative's reason.
 *
 * A changed ConfigMap or Secret reconciles the Functions bound to it, so
 * the next activation has the new values (a new action version, so a new
 * Service too: one runs what the action says). A deleted Function deletes
 * its action, and with it its Services.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "buf.h"
#include "fns.h"
#include "knative_int.h"
#include "log.h"

enum { INF_FN, INF_CM, INF_SECRET, INF_SVC, NINF, RETRY_MS = 1000 };

typedef struct Fnctl Fnctl;

typedef struct Informer {
	Fnctl *f;
	int which;
	char path[512]; /* the collection, with its selector */
	json_t *items;  /* name -> object */
	char rv[32];
	KubeWatch *w;
	uv_timer_t timer;
	int listing;
} Informer;

struct Fnctl {
	Domain *d;
	char via[1100]; /* "unix:DATA/api.sock" */
	char auth[600]; /* "Authorization: Basic ..." */
	char ns[256];   /* the OpenWhisk namespace of the credential: "_" */
	Informer inf[NINF];
	json_t *done; /* Function name -> the JSON text of what was last reconciled */
};

static void inf_list(Informer *in);
static void reconcile(Fnctl *f, const char *name, json_t *fn);

/* ---- status ---- */

static void
status_cb(KubeReply *r, void *arg)
{
	(void)arg;
	if (r->err || r->status >= 300)
		log_warn("knative: a Function's status: %s", r->message ? r->message : "?");
}

static void
status_patch(Fnctl *f, const char *name, json_t *status)
{
	char path[700], *text;
	json_t *body = json_pack("{s:o}", "status", status);

	snprintf(path, sizeof path, "/apis/faasfs.dev/v1/namespaces/%s/functions/%s/status", kube_namespace(f->d->k),
	         name);
	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	if (text)
		kube_request(f->d->k, "PATCH", path, "application/merge-patch+json", text, status_cb, f);
	free(text);
	json_decref(body);
}

static json_t *
ready(const char *status, const char *reason, const char *message)
{
	return json_pack("[{s:s,s:s,s:s,s:s}]", "type", "Ready", "status", status, "reason", reason ? reason : "",
	                 "message", message ? message : "");
}

static void
fn_failed(Fnctl *f, const char *name, json_int_t gen, const char *reason, const char *message)
{
	log_warn("knative: Function %s: %s: %s", name, reason, message);
	status_patch(f, name,
	             json_pack("{s:I,s:o}", "observedGeneration", gen, "conditions", ready("False", reason, message)));
}

/* ---- parameters ---- */

/* A ConfigMap's or Secret's value as a parameter: JSON when it reads as JSON. */
static json_t *
param_value(const char *text, size_t len)
{
	json_t *v = json_loadb(text, len, JSON_DECODE_ANY, NULL);

	return v ? v : json_stringn(text, len);
}

static json_t *
ref_value(Fnctl *f, json_t *ref, int secret, char *why, size_t wlen)
{
	const char *name = json_string_value(json_object_get(ref, "name"));
	const char *key = json_string_value(json_object_get(ref, "key"));
	json_t *obj = json_object_get(f->inf[secret ? INF_SECRET : INF_CM].items, name ? name : "");
	const char *v = json_string_value(json_object_get(json_object_get(obj, "data"), key ? key : ""));
	Buf b = { 0 };
	json_t *out;

	if (!obj) {
		if (!json_is_true(json_object_get(ref, "optional")))
			snprintf(why, wlen, "%s %s not found", secret ? "Secret" : "ConfigMap", name ? name : "?");
		return NULL;
	}
	if (!v) {
		if (!json_is_true(json_object_get(ref, "optional")))
			snprintf(why, wlen, "%s %s has no key %s", secret ? "Secret" : "ConfigMap", name ? name : "?",
			         key ? key : "?");
		return NULL;
	}
	if (!secret)
		return param_value(v, strlen(v));
	if (base64_decode(v, strlen(v), &b) < 0) {
		snprintf(why, wlen, "Secret %s: key %s is not base64", name, key);
		return NULL;
	}
	out = param_value(b.p ? b.p : "", b.n);
	buf_free(&b);
	return out;
}

/* Every key of the ConfigMap or Secret src names, into params. */
static int
params_from(Fnctl *f, json_t *src, json_t *params, char *why, size_t wlen)
{
	json_t *cm = json_object_get(src, "configMapRef"), *ref = cm ? cm : json_object_get(src, "secretRef");
	const char *name = json_string_value(json_object_get(ref, "name")), *key;
	json_t *obj = json_object_get(f->inf[cm ? INF_CM : INF_SECRET].items, name ? name : ""), *v;

	if (!obj) {
		snprintf(why, wlen, "%s %s not found", cm ? "ConfigMap" : "Secret", name ? name : "?");
		return -ENOENT;
	}
	json_object_foreach(json_object_get(obj, "data"), key, v)
	{
		json_t *k = json_pack("{s:s,s:s}", "name", name, "key", key), *val = ref_value(f, k, !cm, why, wlen);
		json_decref(k);
		if (val)
			json_array_append_new(params, json_pack("{s:s,s:o}", "key", key, "value", val));
	}
	return 0;
}

/* The Function's parameters, as OpenWhisk's [{key, value}]; NULL with why. */
static json_t *
params_of(Fnctl *f, json_t *spec, char *why, size_t wlen)
{
	json_t *out = json_array(), *p, *v;
	size_t i;

	json_array_foreach(json_object_get(spec, "parametersFrom"), i,
	                   p) if (params_from(f, p, out, why, wlen) < 0) return json_decref(out),
	        NULL;
	json_array_foreach(json_object_get(spec, "parameters"), i, p)
	{
		const char *name = json_string_value(json_object_get(p, "name"));
		json_t *cm = json_object_get(p, "configMapKeyRef"), *sec = json_object_get(p, "secretKeyRef");
		why[0] = '\0';
		v = cm    ? ref_value(f, cm, 0, why, wlen)
		    : sec ? ref_value(f, sec, 1, why, wlen)
		          : json_incref(json_object_get(p, "value"));
		if (why[0])
			return json_decref(out), NULL;
		if (v && name)
			json_array_append_new(out, json_pack("{s:s,s:o}", "key", name, "value", v));
		else
			json_decref(v);
	}
	return out;
}

/* Does the Function take parameters from the ConfigMap (or Secret) name? */
static int
binds(json_t *fn, const char *name, int secret)
{
	json_t *spec = json_object_get(fn, "spec"), *p, *ref;
	const char *one = secret ? "secretKeyRef" : "configMapKeyRef", *all = secret ? "secretRef" : "configMapRef";
	size_t i;

	json_array_foreach(json_object_get(spec, "parameters"), i,
	                   p) if ((ref = json_object_get(p, one)) &&
	                          strcmp(jstr(json_object_get(ref, "name")), name) == 0) return 1;
	json_array_foreach(json_object_get(spec, "parametersFrom"), i,
	                   p) if ((ref = json_object_get(p, all)) &&
	                          strcmp(jstr(json_object_get(ref, "name")), name) == 0) return 1;
	return 0;
}

/* ---- the action ---- */

typedef struct Putreq {
	Fnctl *f;
	char name[254];
	json_int_t gen;
	json_t *fn; /* the Function */
} Putreq;

static void
annot(json_t *a, const char *key, json_t *value)
{
	if (value)
		json_array_append_new(a, json_pack("{s:s,s:o}", "key", key, "value", value));
}

static json_t *
action_body(json_t *fn, json_t *params, json_int_t gen, const char *name)
{
	json_t *spec = json_object_get(fn, "spec"), *scale = json_object_get(spec, "scale");
	json_t *a = json_array(), *exec = json_object();
	static const char *const keys[] = { "kind", "code", "main", "binary" };
	size_t i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (json_object_get(spec, keys[i]))
			json_object_set(exec, keys[i], json_object_get(spec, keys[i]));

	annot(a, "exec-domain", json_string("knative"));
	annot(a, "faasfs.dev/function", json_string(name));
	annot(a, "faasfs.dev/generation", json_integer(gen));
	annot(a, "min-scale", json_incref(json_object_get(scale, "min")));
	annot(a, "max-scale", json_incref(json_object_get(scale, "max")));
	annot(a, "faasfs.dev/image", json_incref(json_object_get(spec, "image")));
	return json_pack("{s:o,s:o,s:o,s:O?}", "exec", exec, "parameters", params, "annotations", a, "limits",
	                 json_object_get(spec, "limits"));
}

/* The action is stored: apply its Service now, and say so. */
static void
put_cb(int err, long status, const char *body, size_t len, int logs, const char *errtext, void *arg)
{
	Putreq *p = arg;
	Fnctl *f = p->f;
	json_t *a = err ? NULL : json_loadb(body, len, 0, NULL), *ann = json_object(), *e;
	const char *ns = json_string_value(json_object_get(a, "namespace"));
	const char *version = json_string_value(json_object_get(a, "version"));
	json_t *spec = json_object_get(p->fn, "spec");
	const char *main = json_string_value(json_object_get(spec, "main"));
	RunLimits lim;
	char key[1200], path[600];
	size_t i;
	Ksv *sv;

	(void)logs;
	if (err || status != 200 || !ns || !version) {
		const char *why = err ? errtext : json_string_value(json_object_get(a, "error"));

		fn_failed(f, p->name, p->gen, "ActionRefused", why ? why : "?");
		goto out;
	}
	json_array_foreach(json_object_get(a, "annotations"), i, e)
	        json_object_set(ann, jstr(json_object_get(e, "key")), json_object_get(e, "value"));
	limits_to_run(json_object_get(a, "limits"), &lim);
	snprintf(path, sizeof path, "%s/%s", ns, p->name);
	snprintf(key, sizeof key, "%s@%s", path, version);
	if ((sv = sv_find(f->d, key)) ||
	    (sv = sv_new_key(f->d, key, path,
	                     json_pack("{s:s,s:s,s:O?,s:b,s:{},s:O?}", "name", p->name, "main", main ? main : "main",
	                               "code", json_object_get(spec, "code"), "binary",
	                               json_is_true(json_object_get(spec, "binary")), "env", "kind",
	                               json_object_get(spec, "kind"))))) {
		if (sv->state != KS_READY && !sv->busy)
			sv_apply(sv, jstr(json_object_get(spec, "kind")), &lim, ann, NULL);
		status_patch(f, p->name,
		             json_pack("{s:I,s:s,s:s,s:o}", "observedGeneration", p->gen, "action", path, "service",
		                       sv->name, "conditions",
		                       ready("Unknown", "Deploying", "the Knative Service is being made")));
		sv_maybe_free(sv);
	}
out:
	json_decref(ann);
	json_decref(a);
	json_decref(p->fn);
	free(p);
}

static void
deleted_cb(int err, long status, const char *body, size_t len, int logs, const char *errtext, void *arg)
{
	(void)body, (void)len, (void)logs, (void)arg;
	if (err || (status != 200 && status != 404))
		log_warn("knative: deleting a Function's action: %s", err ? errtext : "refused");
}

static void
action_call(Fnctl *f, const char *method, const char *name, json_t *body, Putreq *p)
{
	char url[600];
	const char *hdrs[] = { f->auth, NULL };
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

	snprintf(url, sizeof url, "http://localhost/api/v1/namespaces/_/actions/%s%s", name,
	         strcmp(method, "PUT") == 0 ? "?overwrite=true" : "");
	if (kube_post(f->d->k, method, url, f->via, hdrs, text, text ? strlen(text) : 0, 30000, p ? put_cb : deleted_cb,
	              p) < 0 &&
	    p) {
		json_decref(p->fn);
		free(p);
	}
}

static void
reconcile(Fnctl *f, const char *name, json_t *fn)
{
	json_int_t gen = json_integer_value(json_object_get(json_object_get(fn, "metadata"), "generation"));
	json_t *params, *body;
	char why[300] = "", *text;
	const char *last;
	Putreq *p;

	if (!(params = params_of(f, json_object_get(fn, "spec"), why, sizeof why))) {
		fn_failed(f, name, gen, "ParametersMissing", why);
		return;
	}
	body = action_body(fn, params, gen, name);
	text = body ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	last = json_string_value(json_object_get(f->done, name));
	if (text && (!last || strcmp(last, text) != 0) && (p = ecalloc(1, sizeof *p))) {
		json_object_set_new(f->done, name, json_string(text));
		p->f = f;
		p->gen = gen;
		p->fn = json_incref(fn);
		snprintf(p->name, sizeof p->name, "%s", name);
		action_call(f, "PUT", name, body, p);
	}
	free(text);
	json_decref(body);
}

/* ---- informers ---- */

static void
svc_changed(Fnctl *f, json_t *svc)
{
	json_t *md = json_object_get(svc, "metadata");
	const char *fn = json_string_value(json_object_get(json_object_get(md, "labels"), "faasfs.dev/function"));
	const char *gen = json_string_value(
	        json_object_get(json_object_get(md, "annotations"), "faasfs.dev/function-generation"));
	char url[512], why[600];
	int64_t g = 0;
	int rc;

	if (!fn || !(rc = ksvc_ready(svc, url, sizeof url, why, sizeof why, 0)))
		return;
	if (gen && num_int(gen, 0, INT64_MAX, &g) < 0)
		g = 0;
	if (rc > 0)
		status_patch(f, fn,
		             json_pack("{s:I,s:s,s:o}", "observedGeneration", (json_int_t)g, "url", url, "conditions",
		                       ready("True", "Ready", "")));
	else
		fn_failed(f, fn, g, "ServiceFailed", why);
}

static void
changed(Informer *in, const char *type, json_t *obj)
{
	Fnctl *f = in->f;
	const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name")), *k;
	json_t *fn;

	if (!name)
		return;
	if (strcmp(type, "DELETED") == 0) {
		json_object_del(in->items, name);
		if (in->which == INF_FN) {
			json_object_del(f->done, name);
			action_call(f, "DELETE", name, NULL, NULL);
		}
		return;
	}
	json_object_set(in->items, name, obj);
	if (in->which == INF_FN)
		reconcile(f, name, obj);
	else if (in->which == INF_SVC)
		svc_changed(f, obj);
	else
		json_object_foreach(f->inf[INF_FN].items, k, fn) if (binds(fn, name, in->which == INF_SECRET))
		        reconcile(f, k, fn);
}

static void
event_cb(const char *type, json_t *obj, void *arg)
{
	Informer *in = arg;
	const char *rv = json_string_value(json_object_get(json_object_get(obj, "metadata"), "resourceVersion"));

	if (strcmp(type, "ERROR") == 0) {
		in->rv[0] = '\0';
		return;
	}
	if (rv)
		snprintf(in->rv, sizeof in->rv, "%s", rv);
	if (strcmp(type, "BOOKMARK") != 0)
		changed(in, type, obj);
}

static void
timer_cb(uv_timer_t *t)
{
	inf_list(t->data);
}

static void
end_cb(KubeReply *r, void *arg)
{
	Informer *in = arg;

	in->w = NULL;
	uv_timer_start(&in->timer, timer_cb, r->err || !in->rv[0] ? RETRY_MS : 0, 0);
}

static void
watch(Informer *in)
{
	char path[700];

	snprintf(path, sizeof path, "%s%sresourceVersion=%s", in->path, strchr(in->path, '?') ? "&" : "?", in->rv);
	if (kube_watch_start(in->f->d->k, path, event_cb, end_cb, in, &in->w) < 0)
		uv_timer_start(&in->timer, timer_cb, RETRY_MS, 0);
}

static void
list_cb(KubeReply *r, void *arg)
{
	Informer *in = arg;
	json_t *item, *seen = json_object();
	const char *name;
	size_t i;
	void *tmp;

	in->listing = 0;
	if (r->err || r->status != 200) {
		log_debug("knative: list %s: %s", in->path, r->message ? r->message : "?");
		json_decref(seen);
		uv_timer_start(&in->timer, timer_cb, RETRY_MS, 0);
		return;
	}
	snprintf(in->rv, sizeof in->rv, "%s",
	         jstr(json_object_get(json_object_get(r->body, "metadata"), "resourceVersion")));
	json_array_foreach(json_object_get(r->body, "items"), i, item)
	{
		name = json_string_value(json_object_get(json_object_get(item, "metadata"), "name"));
		if (name)
			json_object_set(seen, name, json_true());
		changed(in, "ADDED", item);
	}
	json_object_foreach_safe(in->items, tmp, name, item) if (!json_object_get(seen, name))
	{
		json_incref(item);
		changed(in, "DELETED", item);
		json_decref(item);
	}
	json_decref(seen);
	watch(in);
}

static void
inf_list(Informer *in)
{
	if (in->listing || in->w)
		return;
	if (in->rv[0]) {
		watch(in);
		return;
	}
	if (kube_request(in->f->d->k, "GET", in->path, NULL, NULL, list_cb, in) == 0)
		in->listing = 1;
	else
		uv_timer_start(&in->timer, timer_cb, RETRY_MS, 0);
}

/* ---- starting ---- */

/* The credential: FAASFS_FUNCTIONS_AUTH, FAASFS_AUTH, or DATA/guest.auth. */
static int
credential(Fnctl *f, const char *socket_path)
{
	const char *v = getenv("FAASFS_FUNCTIONS_AUTH");
	char path[1100], line[512] = "", *slash;
	Buf b64 = { 0 };
	FILE *fp;

	if (!v || !*v)
		v = getenv("FAASFS_AUTH");
	if ((!v || !*v) && socket_path) {
		snprintf(path, sizeof path, "%s", socket_path);
		if ((slash = strrchr(path, '/')))
			snprintf(slash, sizeof path - (size_t)(slash - path), "/guest.auth");
		if ((fp = fopen(path, "re"))) {
			if (fgets(line, sizeof line, fp))
				line[strcspn(line, "\r\n")] = '\0';
			fclose(fp);
		}
		v = line;
	}
	if (!v || !*v)
		return -ENOENT;
	base64_encode(v, strlen(v), &b64);
	snprintf(f->auth, sizeof f->auth, "Authorization: Basic %s", b64.p);
	buf_free(&b64);
	return 0;
}

/* Start the controller when asked: FAASFS_FUNCTIONS=1, or in a pod unless 0. */
Fnctl *
fnctl_start(Domain *d, const char *socket_path)
{
	const char *v = getenv("FAASFS_FUNCTIONS");
	static const char *const what[NINF] = {
		"/apis/faasfs.dev/v1/namespaces/%s/functions", "/api/v1/namespaces/%s/configmaps",
		"/api/v1/namespaces/%s/secrets",
		"/apis/serving.knative.dev/v1/namespaces/%s/services?labelSelector=faasfs.dev%%2Ffunction"
	};
	Fnctl *f;
	int i;

	if (!d->k || !socket_path || (v ? strcmp(v, "1") != 0 : !kube_in_cluster(d->k)))
		return NULL;
	f = ecalloc(1, sizeof *f);
	f->d = d;
	snprintf(f->via, sizeof f->via, "unix:%s", socket_path);
	if (credential(f, socket_path) < 0) {
		log_error("knative: Functions: no credential for the API (FAASFS_FUNCTIONS_AUTH)");
		free(f);
		return NULL;
	}
	f->done = json_object();
	for (i = 0; i < NINF; i++) {
		Informer *in = &f->inf[i];
		in->f = f;
		in->which = i;
		in->items = json_object();
		snprintf(in->path, sizeof in->path, what[i], kube_namespace(d->k));
		uv_timer_init(d->loop, &in->timer);
		in->timer.data = in;
	}
	inf_list(&f->inf[INF_CM]); /* the bindings first: Functions need them */
	inf_list(&f->inf[INF_SECRET]);
	inf_list(&f->inf[INF_SVC]);
	uv_timer_start(&f->inf[INF_FN].timer, timer_cb, 200, 0);
	log_info("knative: the controller of Functions in namespace %s", kube_namespace(d->k));
	return f;
}

static void
closed(uv_handle_t *h)
{
	Informer *in = h->data;
	Fnctl *f = in->f;

	json_decref(in->items);
	if (in->which == NINF - 1) {
		json_decref(f->done);
		free(f);
	}
}

/* The kube client is closing (its watches end without callbacks). */
void
fnctl_stop(Fnctl *f)
{
	int i;

	if (!f)
		return;
	for (i = 0; i < NINF; i++)
		uv_close((uv_handle_t *)&f->inf[i].timer, closed);
}
