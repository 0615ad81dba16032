/* undo.c — a plan's steps fitted to the namespace as it is, and the steps that undo each.
 *
 * manifest.c plans the steps of a manifest from its text alone. Two
 * things need the namespace as it is (the cache's documents, fetched
 * first), so that what a manifest no longer says goes away:
 * an action's PUT adds the annotations it sets to those the action has
 * (the backend merges them, as OpenWhisk does), so those it no longer sets
 * go in the PUT's delAnnotations; and a trigger whose feed the manifest
 * changes or takes away gets its old feed's DELETE, or that feed (an
 * alarm) would go on firing it; and a package that was a binding and is
 * now named as a package of its own is sent an empty binding, or the PUT
 * would keep the binding. undo_fit adds those. Every other field is sent
 * whole by the plan (parameters, limits at their defaults), and so
 * replaced. undo_fit also moves
 * the feeds' calls (the old feeds' DELETE, then each CREATE) after every
 * other change the plan makes, before the APIs' routes and the deletions:
 * a feed's state (an alarm's schedule, when it last fired) cannot be put
 * back exactly as it was once changed, so a refusal anywhere before them
 * leaves every feed untouched.
 *
 * All or none (faasfs deploy and sync, the tree's manifest.yaml): the
 * steps that make what each step touches as it was again, from the cache
 * before any is made. An entity that was there is put back: its
 * document's fields, PUT overwrite=true, taking away annotations the step
 * added, and a rule's status; one that was not is deleted. A feed's CREATE
 * or DELETE on a trigger that had that feed is undone by the feed's CREATE
 * with its configuration as it was (and PAUSE if it was paused); a CREATE
 * on a trigger that had not, by its DELETE. A feed's configuration is the
 * trigger's document's (a built-in feed's) or what its READ gives (read,
 * when given); a secret hidden there cannot be put back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"

/* Is field k of a package's document v the binding of a plain package ({})? */
static int
is_unbound(const char *k, json_t *v)
{
	return strcmp(k, "binding") == 0 && json_object_size(v) == 0;
}

/* The fields a PUT of each kind takes back from a GET. */
json_t *
putback(Ent *e)
{
	static const char *const fields[Nekind][5] = {
		[Eaction] = { "exec", "parameters", "limits", "annotations", "publish" },
		[Epackage] = { "parameters", "annotations", "publish", "binding" },
		[Etrigger] = { "parameters", "annotations", "limits", "publish" },
	};
	json_t *b = json_object(), *v;
	Ruletext r;
	size_t i;

	if (e->kind == Erule) {
		rule_of_doc(e->doc, &r);
		json_object_set_new(b, "trigger", json_sprintf("/%s/%s", fs.ns, r.trigger));
		json_object_set_new(b, "action",
		                    r.action[0] == '/' ? json_string(r.action)
		                                       : json_sprintf("/%s/%s", fs.ns, r.action));
		json_object_set(b, "annotations", json_object_get(e->doc, "annotations"));
		return b;
	}
	for (i = 0; i < 5 && fields[e->kind][i]; i++)
		if ((v = json_object_get(e->doc, fields[e->kind][i])) != NULL && !is_unbound(fields[e->kind][i], v))
			json_object_set(b, fields[e->kind][i], v);
	return b;
}

/* The keys of annotations (a key/value array) that keep (another) lacks:
 * an action's PUT adds annotations to those it has, and takes away only
 * its delAnnotations. The backend's own exec, and a false
 * provide-api-key (what its absence means), are not taken away. */
static json_t *
annotations_gone(json_t *annotations, json_t *keep)
{
	json_t *have = kv_object(annotations), *want = kv_object(keep), *gone = json_array(), *v;
	const char *k;

	json_object_foreach(have, k, v) if (json_object_get(want, k) == NULL && strcmp(k, "exec") != 0 &&
	                                    !(strcmp(k, "provide-api-key") == 0 && json_is_false(v)))
	        json_array_append_new(gone, json_string(k));
	json_decref(have);
	json_decref(want);
	return gone;
}

/* An action's PUT body that also takes away the annotations of from (the
 * action as it is) that the body does not set. */
static void
annotations_drop(json_t *body, json_t *from)
{
	json_t *gone = annotations_gone(json_object_get(from, "annotations"), json_object_get(body, "annotations"));

	if (json_array_size(gone) > 0)
		json_object_set(body, "delAnnotations", gone);
	json_decref(gone);
}

/* Does package PUT body b make binding e a package of its own? (A PUT
 * without binding keeps the binding; an empty one takes it away.) */
int
binding_dropped(Ent *e, json_t *b)
{
	return e->kind == Epackage && json_object_get(b, "binding") == NULL &&
	       json_object_size(json_object_get(e->doc, "binding")) > 0;
}

/* The feed an annotations array names, or NULL. */
static const char *
feed_annotated(json_t *annotations)
{
	json_t *a;
	size_t i;

	json_array_foreach(annotations, i, a) if (strcmp(jstr(json_object_get(a, "key")), "feed") ==
	                                          0) return json_string_value(json_object_get(a, "value"));
	return NULL;
}

/* The feed trigger t has (its annotation, else its document's), or NULL. */
const char *
trigger_feed(Ent *t)
{
	const char *f;

	if (t == NULL || t->doc == NULL)
		return NULL;
	if ((f = feed_annotated(json_object_get(t->doc, "annotations"))) != NULL)
		return f;
	return json_string_value(json_object_get(json_object_get(t->doc, "feed"), "name"));
}

/* What trigger t's feed says of itself, {config, status}: the document's
 * (a built-in feed's), else read's (its READ), else NULL. */
json_t *
feed_state(Ent *t, const char *feed, feedread_cb read)
{
	json_t *f = json_object_get(t->doc, "feed");

	if (json_is_object(json_object_get(f, "config")))
		return json_incref(f);
	return read ? read(t->name, feed) : NULL;
}

/* Is s a step that ends the making: an API's route or a deletion (sync's, undeploy's)? */
static int
making_ends(json_t *s)
{
	return step_kind(s) == -2 || (step_kind(s) >= 0 && strcmp(step_method(s), "DELETE") == 0) ||
	       (step_kind(s) == -1 &&
	        strcmp(jstr(json_object_get(json_object_get(s, "body"), "lifecycleEvent")), "DELETE") == 0);
}

/* Add to steps what the namespace as it is asks beside them (see above),
 * and move the feeds' calls after every other change the plan makes. */
void
undo_fit(json_t *steps)
{
	json_t *feeds = json_array(), *s, *b;
	const char *was, *now;
	size_t i, at = 0;
	Ent *e;

	for (i = 0; i < json_array_size(steps);) {
		s = json_array_get(steps, i);
		if (making_ends(s))
			break;
		if (step_kind(s) == -1) {
			json_array_append(feeds, s);
			json_array_remove(steps, i);
			continue;
		}
		at = ++i;
		b = json_object_get(s, "body");
		if (strcmp(step_method(s), "PUT") != 0 || (e = ent_get(step_kind(s), step_name(s))) == NULL ||
		    e->doc == NULL)
			continue;
		if (e->kind == Eaction)
			annotations_drop(b, e->doc);
		if (binding_dropped(e, b))
			json_object_set_new(b, "binding", json_object());
		now = feed_annotated(json_object_get(b, "annotations"));
		if (e->kind == Etrigger && (was = trigger_feed(e)) != NULL && (now == NULL || strcmp(was, now) != 0))
			json_array_append_new(feeds, feed_step(e->name, was, "DELETE", NULL));
	}
	json_array_foreach(feeds, i, s) json_array_insert(steps, at + i, s);
	json_decref(feeds);
}

/* The steps that make entity kind/name as it is now again (gone, if it
 * is not here), after step s changed it. */
static json_t *
restore(int kind, const char *name, json_t *s)
{
	Ent *e = ent_get(kind, name);
	json_t *u = json_array(), *b;
	Ruletext r;

	if (e == NULL || e->doc == NULL) {
		step_add(u, "DELETE", kind, name, NULL, NULL);
		return u;
	}
	b = putback(e);
	if (kind == Eaction)
		annotations_drop(b, json_object_get(s, "body"));
	if (kind == Epackage && json_object_get(b, "binding") == NULL &&
	    json_object_size(json_object_get(json_object_get(s, "body"), "binding")) > 0)
		json_object_set_new(b, "binding", json_object()); /* it was a package of its own */
	step_add(u, "PUT", kind, name, "overwrite=true", b);
	if (kind == Erule) {
		rule_of_doc(e->doc, &r);
		step_add(u, "POST", kind, name, NULL, json_pack("{s:s}", "status", r.status));
	}
	return u;
}

/* The undoing of feed step s (a CREATE or DELETE), onto u. */
static void
feed_restore(json_t *s, feedread_cb read, json_t *u)
{
	Ent *t = ent_get(Etrigger, step_name(s));
	const char *feed = jstr(json_object_get(s, "feed")), *was = trigger_feed(t);
	const char *ev = jstr(json_object_get(json_object_get(s, "body"), "lifecycleEvent"));
	json_t *st, *cfg;

	if (was == NULL || strcmp(was, feed) != 0) { /* the trigger had not this feed */
		if (strcmp(ev, "CREATE") == 0)
			json_array_append_new(u, feed_step(step_name(s), feed, "DELETE", NULL));
		return;
	}
	if ((st = feed_state(t, was, read)) == NULL)
		return;
	if (json_is_object(json_object_get(st, "config"))) {
		cfg = kv_array(json_object_get(st, "config"));
		json_array_append_new(u, feed_step(t->name, was, "CREATE", cfg));
		json_decref(cfg);
		if (json_is_false(json_object_get(json_object_get(st, "status"), "active")))
			json_array_append_new(u, feed_step(t->name, was, "PAUSE", NULL));
	}
	json_decref(st);
}

/* Does an earlier step than i touch the same entity? */
static int
touched_before(json_t *steps, size_t i)
{
	json_t *s = json_array_get(steps, i), *t;
	size_t j;

	for (j = 0; j < i; j++) {
		t = json_array_get(steps, j);
		if (step_kind(t) == step_kind(s) && strcmp(step_name(t), step_name(s)) == 0)
			return 1;
	}
	return 0;
}

/* The undoing of each step (an array of steps each), from the cache as it
 * is before any is made; read: a feed's READ, or NULL. */
json_t *
undos_of(json_t *steps, feedread_cb read)
{
	json_t *undos = json_array(), *s, *u;
	size_t i;

	json_array_foreach(steps, i, s)
	{
		if (step_kind(s) >= 0)
			u = touched_before(steps, i) ? json_array() : restore(step_kind(s), step_name(s), s);
		else if (step_kind(s) == -1)
			feed_restore(s, read, u = json_array());
		else /* an API's route: not undone */
			u = json_array();
		json_array_append_new(undos, u);
	}
	return undos;
}
