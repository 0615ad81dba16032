/* api_triggers.c — /namespaces/NS/triggers/NAME: triggers, and firing them over HTTP.
 *
 * GET adds, besides OpenWhisk's "rules", our "feed" (its name, config and
 * status, feeds.c) and "fires" (the last five, newest first).
 *
 * A POST is fired by fire.c with the body as payload (a JSON object, a
 * raw body as web-action fields, params.c, or a CloudEvent, cloudevents.c);
 * 202 {"activationId"} answers once the trigger's record is committed, 204
 * when no rule is active. A batch of CloudEvents is one fire an event,
 * answered with {"activationIds"} once all are committed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fns.h"

enum { FIRES_SHOWN = 5 };

static void
trigger_put(ApiReq *ar, const char *name)
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
static void
add_rules(ApiReq *ar, json_t *doc, const char *name)
{
	json_t *list = NULL, *rules = json_object(), *r;
	size_t i;

	if (store_entity_list(ar->b->st, ar->who.ns, "rules", name, -1, 0, &list) == 0)
		json_array_foreach(list, i, r)
		{
			char key[2 * NAME_MAX_LEN + 2];
			snprintf(key, sizeof key, "%s/%s", ar->who.ns, jstr(json_object_get(r, "name")));
			json_object_set_new(rules, key,
			                    json_pack("{s:O, s:O}", "action", json_object_get(r, "action"), "status",
			                              json_object_get(r, "status")));
		}
	json_decref(list);
	json_object_set_new(doc, "rules", rules);
}

typedef struct FiresCtx {
	HttpReq *req;
	json_t *ids;
	int pending; /* fires not yet committed, and one for the loop starting them */
	int status;  /* 202, or the first failure */
	int batch;
	char why[160]; /* a 429's reason */
} FiresCtx;

static void
fires_done(FiresCtx *c)
{
	char hdr[96];

	if (--c->pending)
		return;
	if (c->status != 202 && c->status != 204) {
		api_error(c->req, c->status,
		          c->status == 404   ? "The requested resource does not exist."
		          : c->status == 429 ? c->why
		          : c->status == 503 ? "Out of memory."
		                             : "The trigger activation could not be recorded.");
	} else if (!json_array_size(c->ids)) {
		api_reply(c->req, 204, NULL, NULL);
	} else {
		snprintf(hdr, sizeof hdr, "x-openwhisk-activation-id: %s\r\n",
		         json_string_value(json_array_get(c->ids, 0)));
		api_reply(c->req, 202,
		          c->batch ? json_pack("{s:O}", "activationIds", c->ids)
		                   : json_pack("{s:O}", "activationId", json_array_get(c->ids, 0)),
		          hdr);
	}
	json_decref(c->ids);
	free(c);
}

static void
fire_committed(int status, const char *id, void *arg)
{
	FiresCtx *c = arg;

	(void)id;
	if (status != 202 && c->status == 202)
		c->status = status;
	fires_done(c);
}

/* Fire trigger `name` (trig: its entity, or NULL) with each of events
 * (stolen), and answer req once every record is committed: 202
 * {"activationId"}, or {"activationIds"} for a batch; 204 when no rule
 * is active. annot: the records' annotations (fire.c). */
void
trigger_fire_http(Backend *b, HttpReq *req, const Caller *who, const char *name, const json_t *trig, json_t *events,
                  int batch, const json_t *annot)
{
	FiresCtx *c = ecalloc(1, sizeof *c);
	char id[ACTID_LEN + 1];
	json_t *ev;
	size_t i;
	int status;

	if (!c) {
		json_decref(events);
		api_error(req, 503, "Out of memory.");
		return;
	}
	c->req = req;
	c->ids = json_array();
	c->pending = 1;
	c->status = 202;
	c->batch = batch;
	json_array_foreach(events, i, ev)
	{
		c->pending++;
		status = trigger_fire(b, who, name, trig, ev, annot, fire_committed, c, id);
		if (status == 0) {
			json_array_append_new(c->ids, json_string(id));
			continue;
		}
		c->pending--;
		if (status != 204)
			c->status = status;
		if (status == 429)
			snprintf(c->why, sizeof c->why, "%s", quota_refusal());
		break;
	}
	json_decref(events);
	fires_done(c);
}

static void
trigger_post(ApiReq *ar, const char *name, json_t *trig)
{
	const char *ctype = http_header_get(ar->req, "Content-Type");
	json_t *events;

	if (api_events(ar, &events))
		return;
	trigger_fire_http(ar->b, ar->req, &ar->who, name, trig, events,
	                  ctype && strncasecmp(ctype, "application/cloudevents-batch+json", 34) == 0, NULL);
}

/* The trigger's feed (feeds.c) and its last fires, newest first:
 * {"activationId", "start", "due"}, for the tree and curious clients. */
static void
add_feed(ApiReq *ar, json_t *doc, const char *name)
{
	json_t *feed = feed_describe(ar->b, ar->who.ns, name), *list = NULL, *fires = json_array(), *r, *a;
	size_t i, k;

	if (feed)
		json_object_set_new(doc, "feed", feed);
	if (store_act_list(ar->b->st, ar->who.ns, name, 0, 0, FIRES_SHOWN * 2, 0, &list) == 0)
		json_array_foreach(list, i, r)
		{
			json_t *due = NULL, *kind = NULL;
			json_array_foreach(json_object_get(r, "annotations"), k, a)
			{
				const char *key = jstr(json_object_get(a, "key"));
				if (strcmp(key, "due") == 0)
					due = json_object_get(a, "value");
				else if (strcmp(key, "kind") == 0)
					kind = a;
			}
			if (kind || json_array_size(fires) == FIRES_SHOWN) /* an action's record of the same name */
				continue;
			a = json_pack("{s:O, s:o}", "activationId", json_object_get(r, "activationId"), "start",
			              feed_iso(json_integer_value(json_object_get(r, "start"))));
			if (due)
				json_object_set_new(a, "due", feed_iso(json_integer_value(due)));
			json_array_append_new(fires, a);
		}
	json_decref(list);
	json_object_set_new(doc, "fires", fires);
}

void
api_triggers(ApiReq *ar)
{
	const char *m = ar->req->method, *name;
	json_t *doc;
	int rc;

	if (strcmp(m, "POST") == 0 && ar->nseg == 1) { /* a fire only reads the trigger: the store's own, not a copy */
		if (!entity_name_ok(ar, ar->seg[0]))
			return;
		if ((rc = store_entity_peek(ar->b->st, ar->who.ns, "triggers", ar->seg[0], &doc)))
			api_error(ar->req, rc == -ENOENT ? 404 : 500,
			          rc == -ENOENT ? "The requested resource does not exist."
			                        : "The store could not be read.");
		else
			trigger_post(ar, ar->seg[0], doc);
		json_decref(doc);
		return;
	}
	if (!(doc = entity_route(ar, "triggers", trigger_put, &name)))
		return;
	if (strcmp(m, "GET") == 0) {
		add_rules(ar, doc, name);
		add_feed(ar, doc, name);
		api_reply(ar->req, 200, doc, NULL);
	} else if (strcmp(m, "DELETE") == 0) {
		entity_delete(ar, "triggers", name, doc);
		feeds_forget(ar->b, ar->who.ns, name);
	} else {
		json_decref(doc);
		api_error(ar->req, 405, "Method not allowed.");
	}
}
