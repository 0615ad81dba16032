/* steps.c — a list of REST changes made one after the other, the cache told of each: manifest.yaml, mv of an action.
 *
 * A step is {method, kind, name, query, body}: PUT or POST of an entity
 * (its answer, the entity, goes to the cache and the kernel), or DELETE
 * (the entity leaves them); or, with kind -1 and a path of its own, a
 * feed's call for trigger name (which is fetched again after). The first refusal stops the rest; its text,
 * after what and the entity's name, goes to the callback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"

typedef struct Run {
	json_t *steps;
	size_t next;
	char *what;
	commit_cb cb;
	void *arg;
	char text[1024];
} Run;

/* Add a step to steps (a JSON array); body is taken, and may be NULL. */
void
step_add(json_t *steps, const char *method, int kind, const char *name, const char *query, json_t *body)
{
	json_t *s = json_pack("{s:s,s:i,s:s,s:s}", "method", method, "kind", kind, "name", name, "query",
	                      query ? query : "");

	if (body != NULL)
		json_object_set_new(s, "body", body);
	json_array_append_new(steps, s);
}

static void
run_end(Run *r, int err)
{
	r->cb(r->arg, err, err < 0 ? r->text : NULL);
	json_decref(r->steps);
	free(r->what);
	free(r);
}

static void run_next(Run *r);

static void
done1(Resp *resp, void *arg)
{
	Run *r = arg;
	json_t *s = json_array_get(r->steps, r->next - 1);
	int kind = json_integer_value(json_object_get(s, "kind"));
	const char *name = json_string_value(json_object_get(s, "name"));
	const char *method = json_string_value(json_object_get(s, "method"));
	Ent *e;

	if (resp->err < 0) {
		snprintf(r->text, sizeof r->text, "%s%s: %s", r->what, name, resp->text);
		run_end(r, resp->err);
		return;
	}
	if (kind < 0) {
		/* a feed's lifecycle call (manifest.c): its trigger is fetched again */
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
	}
	if (kind == Erule)
		cache_stale(Etrigger);
	run_next(r);
}

static void
run_next(Run *r)
{
	json_t *s = json_array_get(r->steps, r->next++);
	const char *q;
	char *path;
	int rc;

	if (s == NULL) {
		run_end(r, 0);
		return;
	}
	q = json_string_value(json_object_get(s, "query"));
	if (json_is_string(json_object_get(s, "path"))) /* not an entity's own */
		path = estrdup(json_string_value(json_object_get(s, "path")));
	else
		path = bk_path(json_integer_value(json_object_get(s, "kind")),
		               json_string_value(json_object_get(s, "name")), q && q[0] ? q : NULL);
	rc = bk_json(json_string_value(json_object_get(s, "method")), path, json_object_get(s, "body"), done1, r);
	free(path);
	if (rc < 0) {
		snprintf(r->text, sizeof r->text, "%scannot reach the backend", r->what);
		run_end(r, rc);
	}
}

/*
 * Make the changes of steps (taken) in order; cb(arg, 0, NULL) when all
 * are made, or cb(arg, -errno, text) at the first that is not.
 */
void
steps_run(json_t *steps, const char *what, commit_cb cb, void *arg)
{
	Run *r = ecalloc(1, sizeof *r);

	r->what = estrdup(what);
	r->steps = steps;
	r->cb = cb;
	r->arg = arg;
	run_next(r);
}
