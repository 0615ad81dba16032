/* ksvc.c — a function version as a Knative Service: its name, its manifest, whether it is ready.
 *
 * The name: one Service per action version, "NS-NAME-VERSION-HASH" made of
 * Kubernetes' DNS-1035 characters, at most 57 long so that Knative's
 * revision names (NAME-00001) keep within 63; HASH (8 hex digits of the
 * whole "path@version") keeps two actions apart whose names fold alike.
 *
 * The manifest (server-side applied by domain_knative.c): the runtime image
 * of the kind's family with faasfs-proxy as its entry point; the function in
 * FAASFS_INIT (the /init object) when it is at most ENV_INIT_MAX bytes and
 * holds no secrets (those are never in a Service's spec), else
 * only its digest, and the backend gives the code with the first request a
 * pod answers "not initialized"; memory to resources (request and limit),
 * and so a compute pool's CPU, the pool itself to a node selector,
 * the timeout to timeoutSeconds (rounded up, at most Knative's 600), the
 * concurrency to containerConcurrency, and the scale bounds (annotations
 * "min-scale", "max-scale" of the action; min-scale 0 by default, so
 * Knative scales it to zero) to autoscaling.knative.dev annotations. Labels
 * say who made it and which action and version it runs, so old versions can
 * be found and collected.
 *
 * Ready, as knative/client's conventions say: the status has caught up
 * (observedGeneration == generation) and the Ready condition is "True";
 * "False" is a failure with its reason and message; anything else waits.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksvc.h"
#include "map.h"

enum {
	NAME_MAX_K = 57,
	ENV_INIT_MAX = 256 << 10,
	MAX_TIMEOUT_S = 600,
};

/* s folded into DNS-1035 characters, at most max of them, onto out. */
static size_t
fold(const char *s, char *out, size_t max)
{
	size_t n = 0;

	for (; *s && n < max; s++) {
		char c = (char)tolower((unsigned char)*s);
		if (!isalnum((unsigned char)c))
			c = '-';
		if (c == '-' && (n == 0 || out[n - 1] == '-'))
			continue;
		out[n++] = c;
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	return n;
}

void
ksvc_name(const char *path, const char *version, char out[KSVC_NAME_SIZE])
{
	char key[1024], body[NAME_MAX_K + 1];
	size_t n = 0;

	snprintf(key, sizeof key, "%s@%s", path, version);
	body[0] = 'f'; /* a letter first, whatever the namespace */
	n = 1;
	body[n++] = '-';
	n += fold(path, body + n, NAME_MAX_K - 9 - 6 - n);
	if (body[n - 1] != '-')
		body[n++] = '-';
	n += fold(version, body + n, NAME_MAX_K - 9 - n);
	while (n > 0 && body[n - 1] == '-')
		n--;
	body[n] = '\0';
	snprintf(out, KSVC_NAME_SIZE, "%.*s-%08x", NAME_MAX_K - 9, body,
	         str_hash32(key)); /* the bound said for the compiler */
}

/* The label value for an action: labels hold 63 characters of a few kinds. */
void
ksvc_action_label(const char *path, char out[KSVC_NAME_SIZE])
{
	char body[48];
	size_t n = fold(path, body, 40);

	body[n] = '\0';
	snprintf(out, KSVC_NAME_SIZE, "%s%s%08x", body, n ? "-" : "", str_hash32(path));
}

const char *
ksvc_family(const char *kind)
{
	if (strncmp(kind, "python", 6) == 0)
		return "python";
	if (strncmp(kind, "nodejs", 6) == 0)
		return "nodejs";
	return "native"; /* bash, native binaries, action loops */
}

static json_t *
env_var(const char *name, const char *value)
{
	return json_pack("{s:s,s:s}", "name", name, "value", value);
}

static json_t *
scale_annotations(const KsvcSpec *sp)
{
	json_t *a = json_object();
	char n[24];

	snprintf(n, sizeof n, "%d", sp->min_scale > 0 ? sp->min_scale : 0);
	json_object_set_new(a, "autoscaling.knative.dev/min-scale", json_string(n));
	if (sp->max_scale > 0) {
		snprintf(n, sizeof n, "%d", sp->max_scale);
		json_object_set_new(a, "autoscaling.knative.dev/max-scale", json_string(n));
	}
	json_object_set_new(a, "faasfs.dev/action", json_string(sp->path));
	return a;
}

/* Memory, and a compute pool's CPU, as both request and limit: what the
 * local domain enforces is what the pod is given. */
static json_t *
resources(const KsvcSpec *sp)
{
	char mem[24], cpu[24];
	json_t *r;

	snprintf(mem, sizeof mem, "%dMi", sp->memory_mb);
	r = json_pack("{s:{s:s},s:{s:s}}", "limits", "memory", mem, "requests", "memory", mem);
	if (sp->cpu_millis > 0) {
		snprintf(cpu, sizeof cpu, "%dm", sp->cpu_millis);
		json_object_set_new(json_object_get(r, "limits"), "cpu", json_string(cpu));
		json_object_set_new(json_object_get(r, "requests"), "cpu", json_string(cpu));
	}
	return r;
}

static json_t *
container(const KsvcSpec *sp)
{
	json_t *env = json_array(), *bare = json_deep_copy(sp->init);
	int secret = json_object_del(bare, "secrets") == 0; /* never in a Service's spec: sent with a run */
	char *init = json_dumps(bare, JSON_COMPACT), digest[24], name[512];

	snprintf(name, sizeof name, "/%s", sp->path);
	json_array_append_new(env, env_var("__OW_ACTION_NAME", name));
	json_array_append_new(env, env_var("__OW_ACTION_VERSION", sp->version));
	json_array_append_new(env, env_var("__OW_RUNTIME_PLATFORM", "knative"));
	json_decref(bare);
	if (init && strlen(init) <= ENV_INIT_MAX && !secret) {
		json_array_append_new(env, env_var("FAASFS_INIT", init));
	} else {
		snprintf(digest, sizeof digest, "%08x", init ? str_hash32(init) : 0);
		json_array_append_new(env, env_var("FAASFS_CODE_DIGEST", digest));
	}
	free(init);
	return json_pack("{s:s,s:s,s:[s,s],s:[{s:i,s:s}],s:o,s:o}", "name", "function", "image", sp->image, "args",
	                 "--kind", sp->kind, "ports", "containerPort", 8080, "name", "http1", "env", env, "resources",
	                 resources(sp));
}

json_t *
ksvc_manifest(const KsvcSpec *sp)
{
	char label[KSVC_NAME_SIZE];
	int timeout_s = (sp->timeout_ms + 999) / 1000;
	json_t *labels, *m;

	ksvc_action_label(sp->path, label);
	if (timeout_s > MAX_TIMEOUT_S)
		timeout_s = MAX_TIMEOUT_S;
	labels = json_pack("{s:s,s:s,s:s}", "app.kubernetes.io/managed-by", "faasfs", "faasfs.dev/action", label,
	                   "faasfs.dev/version", sp->version);
	m = json_pack("{s:s,s:s,s:{s:s,s:O,s:{s:s}},s:{s:{s:{s:O,s:o},s:{s:i,s:i,s:[o]}}}}", "apiVersion",
	              "serving.knative.dev/v1", "kind", "Service", "metadata", "name", sp->name, "labels", labels,
	              "annotations", "faasfs.dev/action", sp->path, "spec", "template", "metadata", "labels", labels,
	              "annotations", scale_annotations(sp), "spec", "containerConcurrency", sp->concurrency,
	              "timeoutSeconds", timeout_s, "containers", container(sp));
	if (m && sp->pool) /* the operator labels the pool's nodes so */
		json_object_set_new(json_object_get(json_object_get(json_object_get(m, "spec"), "template"), "spec"),
		                    "nodeSelector", json_pack("{s:s}", "faasfs.dev/pool", sp->pool));
	if (m && sp->function) { /* a Function's: its controller finds it by this */
		json_t *md = json_object_get(m, "metadata");
		char gen[24];
		snprintf(gen, sizeof gen, "%d", sp->function_generation);
		json_object_set_new(json_object_get(md, "labels"), "faasfs.dev/function", json_string(sp->function));
		json_object_set_new(json_object_get(md, "annotations"), "faasfs.dev/function-generation",
		                    json_string(gen));
	}
	json_decref(labels);
	return m;
}

static json_t *
condition(json_t *status, const char *type)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(status, "conditions"), i,
	                   c) if (json_is_string(json_object_get(c, "type")) &&
	                          strcmp(json_string_value(json_object_get(c, "type")), type) == 0) return c;
	return NULL;
}

int
ksvc_ready(json_t *obj, char *url, size_t ulen, char *why, size_t wlen, int cluster_local)
{
	json_t *st = json_object_get(obj, "status"), *md = json_object_get(obj, "metadata");
	json_t *ready = condition(st, "Ready");
	const char *s = json_string_value(json_object_get(ready, "status"));
	const char *u = json_string_value(json_object_get(st, "url"));
	const char *local = json_string_value(json_object_get(json_object_get(st, "address"), "url"));

	if (json_integer_value(json_object_get(st, "observedGeneration")) !=
	    json_integer_value(json_object_get(md, "generation")))
		return 0;
	if (s && strcmp(s, "False") == 0) {
		const char *reason = json_string_value(json_object_get(ready, "reason"));
		const char *msg = json_string_value(json_object_get(ready, "message"));

		snprintf(why, wlen, "%s: %s", reason ? reason : "not ready", msg ? msg : "");
		return -1;
	}
	if (!s || strcmp(s, "True") != 0 || !u)
		return 0;
	snprintf(url, ulen, "%s", cluster_local && local ? local : u);
	return 1;
}
