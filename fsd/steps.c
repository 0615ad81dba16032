/* steps.c — a list of REST changes made one after the other, the cache told of each: manifest.yaml, mv of an action, crontab and the other feed tables.
 *
 * A step is {method, kind, name, query, body}: PUT or POST of an entity
 * (its answer, the entity, goes to the cache and the kernel), or DELETE
 * (the entity leaves them); or, with kind -1 and a path of its own
 * (feed_step), a feed's call for trigger name (which is fetched again
 * after). The first refusal stops the rest; its text, after what and the
 * entity's name, goes to the callback. A step may carry an undo, a step
 * that takes back what the steps before it made of one change (the
 * trigger made for a feed the feed then refuses, feedtab.c): it is made
 * when that step is refused, and the change is then refused as invalid
 * (-EINVAL) whatever the undo's answer. Given the undoing of each step
 * instead (undo.c: manifest.yaml), the steps made before the refused one
 * are undone, last first, every one tried.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"

typedef struct Run {
	json_t *steps;
	size_t next;
	json_t *undos; /* each step's undoing (an array of steps), or NULL */
	int undoing;   /* the refusal's -errno, while the undos run */
	int bad;       /* undos that failed */
	char *what;
	commit_cb cb;
	void *arg;
	char text[1024];
} Run;

int
step_kind(json_t *s)
{
	return (int)json_integer_value(json_object_get(s, "kind"));
}

const char *
step_name(json_t *s)
{
	return json_string_value(json_object_get(s, "name"));
}

const char *
step_method(json_t *s)
{
	return json_string_value(json_object_get(s, "method"));
}

/* A step; body is taken, and may be NULL. */
json_t *
step_new(const char *method, int kind, const char *name, const char *query, json_t *body)
{
	json_t *s = json_pack("{s:s,s:i,s:s,s:s}", "method", method, "kind", kind, "name", name, "query",
	                      query ? query : "");

	if (body != NULL)
		json_object_set_new(s, "body", body);
	return s;
}

/* Add a step to steps (a JSON array); body is taken, and may be NULL. */
void
step_add(json_t *steps, const char *method, int kind, const char *name, const char *query, json_t *body)
{
	json_array_append_new(steps, step_new(method, kind, name, query, body));
}

/* The call of feed's lifecycle event ("CREATE", "DELETE") for trigger
 * name, with params (a key/value array or an object, borrowed) as the
 * feed's arguments: a step of its own path, as wskdeploy and wsk make it. */
json_t *
feed_step(const char *name, const char *feed, const char *event, json_t *params)
{
	json_t *body = json_pack("{s:s,s:s,s:s}", "lifecycleEvent", event, "triggerName", "", "authKey", ""), *p;
	char path[1100];
	size_t i;

	json_object_set_new(body, "triggerName", json_sprintf("/_/%s", name));
	if (json_is_object(params))
		json_object_update(body, params);
	json_array_foreach(params, i, p)
	        json_object_set(body, json_string_value(json_object_get(p, "key")), json_object_get(p, "value"));
	/* /NS/PKG/NAME or PKG/NAME (ours): the action's path under /namespaces */
	if (feed[0] == '/')
		snprintf(path, sizeof path, "/namespaces/%.*s/actions/%s?blocking=true&result=true",
		         (int)strcspn(feed + 1, "/"), feed + 1, feed + 1 + strcspn(feed + 1, "/") + 1);
	else
		snprintf(path, sizeof path, "actions/%s?blocking=true&result=true", feed);
	return json_pack("{s:i,s:s,s:s,s:o,s:s,s:s}", "kind", -1, "name", name, "method", "POST", "body", body, "path",
	                 path, "feed", feed);
}

static void
run_end(Run *r, int err)
{
	size_t l = strlen(r->text);

	if (r->undoing) {
		err = r->undoing;
		if (r->bad == 0) /* a refused step changed nothing */
			snprintf(r->text + l, sizeof r->text - l, "; nothing was changed");
	}
	r->cb(r->arg, err, err < 0 ? r->text : NULL);
	json_decref(r->steps);
	json_decref(r->undos);
	free(r->what);
	free(r);
}

/* Step s is made: the cache and the kernel are told. */
static void
took(json_t *s, Resp *resp)
{
	int kind = json_integer_value(json_object_get(s, "kind"));
	const char *name = json_string_value(json_object_get(s, "name"));
	const char *method = json_string_value(json_object_get(s, "method"));
	Ent *e;

	if (kind < 0) {
		/* a feed's lifecycle call: its trigger is fetched again */
		if ((e = ent_get(Etrigger, name)) != NULL)
			e->docver[0] = '\0';
	} else if (strcmp(method, "DELETE") == 0) {
		cache_deleted(kind, name);
		if ((e = ent_get(kind, name)) != NULL) {
			notify_gone(e);
			ent_drop(e);
		}
	} else if (json_is_object(resp_json(resp)) && (e = ent_make(kind, name)) != NULL) {
		ent_update(e, resp_json(resp), 1);
		notify_new(e);
		notify_changed(e);
		if (kind == Etrigger) /* the answer does not say its feed: fetched again */
			e->docver[0] = '\0';
	}
	if (kind == Erule)
		cache_stale(Etrigger);
}

/* Send step s; its answer goes to fn. */
static int
send1(Run *r, json_t *s, bk_cb fn)
{
	const char *q = json_string_value(json_object_get(s, "query"));
	char *path;
	int rc;

	if (json_is_string(json_object_get(s, "path"))) /* not an entity's own */
		path = estrdup(json_string_value(json_object_get(s, "path")));
	else
		path = bk_path(json_integer_value(json_object_get(s, "kind")),
		               json_string_value(json_object_get(s, "name")), q && q[0] ? q : NULL);
	rc = bk_json(json_string_value(json_object_get(s, "method")), path, json_object_get(s, "body"), fn, r);
	free(path);
	return rc;
}

static void
undone(Resp *resp, void *arg)
{
	Run *r = arg;
	json_t *u = json_object_get(json_array_get(r->steps, r->next - 1), "undo");

	if (resp->err == 0)
		took(u, resp);
	run_end(r, -EINVAL);
}

static void run_next(Run *r);

/* Step r->next - 1 was refused, its text in r->text: undo those before it, last first. */
static void
undo_start(Run *r, int err)
{
	json_t *all = json_array();
	size_t i = r->next - 1;

	while (i-- > 0)
		json_array_extend(all, json_array_get(r->undos, i));
	json_decref(r->steps);
	r->steps = all;
	r->next = 0;
	r->undoing = err;
	run_next(r);
}

/* An undo that failed: said after the refusal's text, and the rest go on. */
static void
undo_failed(Run *r, const char *name, const char *why)
{
	size_t l = strlen(r->text);

	if (r->bad++ == 0)
		snprintf(r->text + l, sizeof r->text - l, "; and undoing it failed: %s: %s", name, why);
	run_next(r);
}

static void
done1(Resp *resp, void *arg)
{
	Run *r = arg;
	json_t *s = json_array_get(r->steps, r->next - 1), *u = json_object_get(s, "undo");

	if (resp->err < 0 && r->undoing) {
		undo_failed(r, step_name(s), resp->text);
		return;
	}
	if (resp->err < 0) {
		snprintf(r->text, sizeof r->text, "%s%s: %s", r->what, json_string_value(json_object_get(s, "name")),
		         resp->text);
		if (r->undos != NULL)
			undo_start(r, resp->err);
		else if (u == NULL || send1(r, u, undone) < 0)
			run_end(r, resp->err);
		return;
	}
	took(s, resp);
	run_next(r);
}

static void
run_next(Run *r)
{
	json_t *s = json_array_get(r->steps, r->next++);
	int rc;

	if (s == NULL) {
		run_end(r, 0);
		return;
	}
	if ((rc = send1(r, s, done1)) < 0 && r->undoing)
		undo_failed(r, step_name(s), "cannot reach the backend");
	else if (rc < 0) {
		snprintf(r->text, sizeof r->text, "%s%s: cannot reach the backend", r->what,
		         json_string_value(json_object_get(s, "name")));
		run_end(r, rc);
	}
}

/*
 * Make the changes of steps (taken) in order; cb(arg, 0, NULL) when all
 * are made, or cb(arg, -errno, text) at the first that is not, after the
 * undoing of those made before it when undos (taken, may be NULL) gives
 * each step's (undo.c).
 */
void
steps_run_undo(json_t *steps, json_t *undos, const char *what, commit_cb cb, void *arg)
{
	Run *r = ecalloc(1, sizeof *r);

	r->what = estrdup(what);
	r->steps = steps;
	r->undos = undos;
	r->cb = cb;
	r->arg = arg;
	run_next(r);
}

void
steps_run(json_t *steps, const char *what, commit_cb cb, void *arg)
{
	steps_run_undo(steps, NULL, what, cb, arg);
}
