/* api_rules.c — /namespaces/NS/rules/NAME: rules join a trigger to an action.
 *
 * A rule names its trigger and action as "/ns/name", "name" or
 * {"path","name"}; both must exist when it is made (400 "rule requires a
 * valid trigger and a valid action"). It answers them as {path, name}.
 * A new rule is active; POST {"status":"active"|"inactive"} switches it.
 * The store indexes a rule by its trigger (ref), which is how a firing
 * finds its rules.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fns.h"

/* A rule's trigger or action from the body, as a qualified name. */
static int
rule_ref(ApiReq *ar, json_t *v, Qname *q, char *err, size_t n)
{
	char path[PATH_MAX_LEN + 2];

	if (json_is_object(v)) {
		snprintf(path, sizeof path, "/%s/%s", jstr(json_object_get(v, "path")),
		         jstr(json_object_get(v, "name")));
		return qname_parse(path, ar->who.ns, q, err, n);
	}
	if (!json_is_string(v))
		return snprintf(err, n, "rule requires a valid trigger and a valid action"), -EINVAL;
	return qname_parse(json_string_value(v), ar->who.ns, q, err, n);
}

static json_t *
path_name(const Qname *q)
{
	char path[2 * NAME_MAX_LEN + 2];

	snprintf(path, sizeof path, "%s%s%s", q->ns, q->pkg[0] ? "/" : "", q->pkg);
	return json_pack("{s:s, s:s}", "path", path, "name", q->name);
}

/* Trigger and action of the body (or the old rule), both checked to exist. */
static int
rule_parts(ApiReq *ar, json_t *body, json_t *old, json_t **trig, json_t **act, char *err, size_t n)
{
	json_t *t = json_object_get(body, "trigger"), *a = json_object_get(body, "action"), *tdoc = NULL;
	Qname tq, aq;
	Resolved r;
	int status;

	t = t ? t : json_object_get(old, "trigger");
	a = a ? a : json_object_get(old, "action");
	if (rule_ref(ar, t, &tq, err, n) || rule_ref(ar, a, &aq, err, n))
		return -EINVAL;
	if (strcmp(tq.ns, ar->who.ns) || tq.pkg[0] || store_entity_get(ar->b->st, tq.ns, "triggers", tq.name, &tdoc) ||
	    action_resolve(ar->b, &ar->who, &aq, &r, &status, err, n)) {
		json_decref(tdoc);
		return snprintf(err, n, "rule requires a valid trigger and a valid action"), -EINVAL;
	}
	json_decref(tdoc);
	resolved_free(&r);
	*trig = path_name(&tq);
	*act = path_name(&aq);
	return 0;
}

static void
rule_put(ApiReq *ar, const char *name)
{
	json_t *body, *old, *doc, *trig, *act, *st;
	char err[1024];

	if (entity_put_begin(ar, "rules", name, &body, &old))
		return;
	if (rule_parts(ar, body, old, &trig, &act, err, sizeof err)) {
		api_error(ar->req, 400, "%s", err);
	} else {
		doc = entity_doc(ar->who.ns, name, old, body);
		json_object_del(doc, "parameters");
		st = json_object_get(old, "status");
		json_object_set_new(doc, "status", st ? json_incref(st) : json_string("active"));
		json_object_set_new(doc, "trigger", trig);
		json_object_set_new(doc, "action", act);
		entity_put_end(ar, "rules", name, jstr(json_object_get(trig, "name")), doc);
	}
	json_decref(body);
	json_decref(old);
}

static void
rule_state(ApiReq *ar, const char *name, json_t *doc)
{
	json_t *body;
	const char *want;

	if (api_body_object(ar, &body)) {
		json_decref(doc);
		return;
	}
	want = jstr(json_object_get(body, "status"));
	if (strcmp(want, "active") && strcmp(want, "inactive")) {
		api_error(ar->req, 400, "The status must be \"active\" or \"inactive\".");
	} else if (strcmp(want, jstr(json_object_get(doc, "status"))) == 0) {
		api_reply(ar->req, 200, json_incref(doc), NULL);
	} else {
		json_object_set_new(doc, "status", json_string(want));
		json_object_set_new(doc, "updated", json_integer(now_ms()));
		entity_put_end(ar, "rules", name, jstr(json_object_get(json_object_get(doc, "trigger"), "name")),
		               json_incref(doc));
	}
	json_decref(body);
	json_decref(doc);
}

void
api_rules(ApiReq *ar)
{
	const char *m = ar->req->method, *name;
	json_t *doc;

	if (!(doc = entity_route(ar, "rules", rule_put, &name)))
		return;
	if (strcmp(m, "GET") == 0) {
		api_reply(ar->req, 200, doc, NULL);
	} else if (strcmp(m, "POST") == 0) {
		rule_state(ar, name, doc);
	} else if (strcmp(m, "DELETE") == 0) {
		json_object_set_new(doc, "status", json_string("inactive"));
		entity_delete(ar, "rules", name, doc);
	} else {
		json_decref(doc);
		api_error(ar->req, 405, "Method not allowed.");
	}
}
