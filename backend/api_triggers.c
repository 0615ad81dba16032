/* api_triggers.c — /namespaces/NS/triggers/NAME: triggers, and firing them over HTTP.
 *
 * A POST is fired by fire.c with the body as payload (a JSON object, or a
 * raw body as web-action fields, params.c); 202 {"activationId"} answers
 * once the trigger's record is committed, 204 when no rule is active.
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

static void fire_answer(int status, const char *id, void *arg)
{
	http_req *req = arg;
	char hdr[96];

	snprintf(hdr, sizeof hdr, "x-openwhisk-activation-id: %s\r\n", id);
	if (status != 202)
		api_error(req, 500, "The trigger activation could not be recorded.");
	else
		api_reply(req, 202, json_pack("{s:s}", "activationId", id), hdr);
}

static void trigger_post(api_req *ar, const char *name, json_t *trig)
{
	json_t *payload;
	int status;

	if (api_payload(ar, &payload))
		return;
	status = trigger_fire(ar->b, &ar->who, name, trig, payload, NULL, fire_answer, ar->req, NULL);
	json_decref(payload);
	if (status == 204)
		api_reply(ar->req, 204, NULL, NULL);
	else if (status)
		api_error(ar->req, status, status == 503 ? "Out of memory." : "The store could not be read.");
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
		feeds_forget(ar->b, ar->who.ns, name);
	} else if (strcmp(m, "POST") == 0) {
		trigger_post(ar, name, doc);
		json_decref(doc);
	} else {
		json_decref(doc);
		api_error(ar->req, 405, "Method not allowed.");
	}
}
