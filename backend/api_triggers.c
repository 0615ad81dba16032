/* api_triggers.c — /namespaces/NS/triggers/NAME: triggers, and firing them.
 *
 * Firing records a trigger activation and starts the action of every
 * active rule on the trigger with the event: the trigger's parameters with
 * the payload over them (a JSON object, or a raw body as web-action fields,
 * params.c). Each rule's activation is committed as running, in the same
 * batch as the trigger's record, before 202 {"activationId"} answers, so
 * after a crash every fired rule is accounted for. No active rule: 204 and
 * no record (Triggers.scala). The trigger record's logs hold one JSON line
 * per rule: {"statusCode","success","activationId","rule","action"}.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fns.h"

static void trigger_put(api_req *ar, const char *name)
{
	json_t *body, *old, *doc, *limits;

	if (entity_put_begin(ar, "triggers", name, &body, &old))
		return;
	doc = entity_doc(ar->who.ns, name, old, body);
	limits = json_object_get(body, "limits");
	json_object_set_new(doc, "limits", json_is_object(limits) ? json_incref(limits) : json_object());
	entity_put_end(ar, "triggers", name, NULL, doc);
	json_decref(body);
	json_decref(old);
}

/* The rules on a trigger, as the trigger's "rules" map. */
static void add_rules(api_req *ar, json_t *doc, const char *name)
{
	json_t *list = NULL, *rules = json_object(), *r;
	size_t i;

	if (store_entity_list(ar->b->st, ar->who.ns, "rules", name, -1, 0, &list) == 0)
		json_array_foreach(list, i, r) {
			char key[2 * NAME_MAX_LEN + 2];
			snprintf(key, sizeof key, "%s/%s", ar->who.ns, jstr(json_object_get(r, "name")));
			json_object_set_new(rules, key, json_pack("{s:O, s:O}", "action", json_object_get(r, "action"), "status",
			                                          json_object_get(r, "status")));
		}
	json_decref(list);
	json_object_set_new(doc, "rules", rules);
}

/* The rule's action as a qualified name. */
static void rule_target(const json_t *rule, qname *q)
{
	const json_t *act = json_object_get(rule, "action");
	const char *path = jstr(json_object_get(act, "path")), *slash = strchr(path, '/');

	memset(q, 0, sizeof q[0]);
	snprintf(q->ns, sizeof q->ns, "%.*s", slash ? (int)(slash - path) : (int)strlen(path), path);
	if (slash)
		snprintf(q->pkg, sizeof q->pkg, "%s", slash + 1);
	snprintf(q->name, sizeof q->name, "%s", jstr(json_object_get(act, "name")));
}

typedef struct fire_ctx {
	http_req *req;
	char id[ACTID_LEN + 1];
} fire_ctx;

static void fire_committed(int err, const char *doc, void *arg)
{
	fire_ctx *f = arg;
	char hdr[96];

	(void)doc;
	snprintf(hdr, sizeof hdr, "x-openwhisk-activation-id: %s\r\n", f->id);
	if (err)
		api_error(f->req, 500, "The trigger activation could not be recorded.");
	else
		api_reply(f->req, 202, json_pack("{s:s}", "activationId", f->id), hdr);
	free(f);
}

/* Start the rule's action; a line for the trigger record's logs. */
static json_t *fire_rule(api_req *ar, const json_t *rule, json_t *event, const char *cause)
{
	char err[1024], rname[PATH_MAX_LEN + 1], aname[PATH_MAX_LEN + 1], *text;
	act_req rq = {0};
	activation *a;
	int status, rc;
	json_t *line;

	rq.who = &ar->who;
	rule_target(rule, &rq.target);
	rq.params = event;
	rq.cause = cause;
	qname_path(&rq.target, aname, sizeof aname);
	snprintf(rname, sizeof rname, "%s/%s", ar->who.ns, jstr(json_object_get(rule, "name")));
	rc = activation_start(ar->b, &rq, NULL, NULL, &a, &status, err, sizeof err);
	if (!rc)
		rc = activation_ack(a, NULL, NULL);
	line = rc ? json_pack("{s:i, s:b, s:s, s:s, s:s}", "statusCode", rc == -ENOENT ? 1 : 3, "success", 0, "error", err,
	                      "rule", rname, "action", aname)
	          : json_pack("{s:i, s:b, s:s, s:s, s:s}", "statusCode", 0, "success", 1, "activationId", a->id, "rule",
	                      rname, "action", aname);
	text = json_text(line, NULL);
	json_decref(line);
	line = json_string(text);
	free(text);
	return line;
}

static void trigger_fire(api_req *ar, const char *name, json_t *trig)
{
	json_t *rules = NULL, *r, *payload, *event;
	char path[PATH_MAX_LEN + 1];
	record rec;
	fire_ctx *f;
	size_t i;
	int active = 0;
	act_row row;

	if (api_payload(ar, &payload))
		return;
	if (store_entity_list(ar->b->st, ar->who.ns, "rules", name, -1, 0, &rules)) {
		json_decref(payload);
		return api_error(ar->req, 500, "The store could not be read.");
	}
	json_array_foreach(rules, i, r)
		active += strcmp(jstr(json_object_get(r, "status")), "active") == 0;
	if (!active) {
		json_decref(payload);
		json_decref(rules);
		return api_reply(ar->req, 204, NULL, NULL);
	}
	if (!(f = calloc(1, sizeof *f))) {
		json_decref(payload);
		json_decref(rules);
		return api_error(ar->req, 503, "Out of memory.");
	}
	f->req = ar->req;
	id_new(f->id);
	event = json_object();
	params_layer(event, NULL, json_object_get(trig, "parameters"));
	params_payload(event, payload);
	snprintf(path, sizeof path, "%s/%s", ar->who.ns, name);
	record_init(&rec, ar->who.ns, name, jstr(json_object_get(trig, "version")), f->id, NULL);
	record_annot_str(&rec, "path", path);
	json_array_foreach(rules, i, r)
		if (strcmp(jstr(json_object_get(r, "status")), "active") == 0)
			record_log(&rec, fire_rule(ar, r, event, f->id));
	record_set_response(&rec, RUN_SUCCESS, json_incref(event));
	row = (act_row){f->id, ar->who.ns, name, rec.start, rec.start, RUN_SUCCESS, path, rec.version,
	                record_text(&rec)};
	if (!row.doc || store_act_queue(ar->b->st, &row, fire_committed, f))
		fire_committed(-ENOMEM, NULL, f);
	record_clear(&rec);
	json_decref(event);
	json_decref(payload);
	json_decref(rules);
}

void api_triggers(api_req *ar)
{
	const char *m = ar->req->method, *name;
	json_t *doc;

	if (!(doc = entity_route(ar, "triggers", trigger_put, &name)))
		return;
	if (strcmp(m, "GET") == 0) {
		add_rules(ar, doc, name);
		api_reply(ar->req, 200, doc, NULL);
	} else if (strcmp(m, "DELETE") == 0) {
		entity_delete(ar, "triggers", name, doc);
	} else if (strcmp(m, "POST") == 0) {
		trigger_fire(ar, name, doc);
		json_decref(doc);
	} else {
		json_decref(doc);
		api_error(ar->req, 405, "Method not allowed.");
	}
}
