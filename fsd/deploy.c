/* deploy.c — faasfs deploy, sync and undeploy: a project's changes made all or none.
 *
 * The changes are manifest.c's steps, the same the tree's manifest.yaml
 * makes, in wskdeploy's order (packages, bindings, actions, sequences,
 * triggers and their feeds, rules, APIs). Nothing is changed before all of
 * them are known good as far as we can tell here: the project read (YAML
 * errors with their line and column, every function file there), and
 * every rule naming a trigger and an action that the project makes or the
 * namespace has.
 *
 * All or none: before the first change, each entity a change touches is
 * fetched, and what it was is kept (the cache's document, or that it was
 * not there). The changes are then made one after the other. When one is
 * refused (a 4xx: an unknown runtime, a sequence naming a missing action,
 * a quota), those already made are undone in reverse order: an entity that
 * was there is put back as it was (its document, PUT overwrite=true, a
 * rule's status after it), one that was not is deleted, a feed created for
 * a new trigger gets its DELETE. The namespace is then as it was, and the
 * error names the entity. (An API route made by createApi is not undone:
 * APIs come last, after everything else was made.)
 *
 * sync is a managed deploy that diffs: a change whose entity already reads
 * the same (all it sets, but whisk-managed's projectHash, which changes
 * with every edit of the manifest) is left out, and the entities the
 * namespace has with this project's whisk-managed annotation that the
 * project no longer names are deleted: rules, triggers (their feeds'
 * DELETE first), actions, then packages. Undone the same way on a failure.
 *
 * undeploy deletes what the project names and what carries its managed
 * annotation, in that order, all or none too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"

/* The fields a PUT of each kind takes back from a GET. */
static json_t *
putback(Ent *e)
{
	static const char *const fields[Nekind][5] = {
		[Eaction] = { "exec", "parameters", "limits", "annotations", "publish" },
		[Epackage] = { "parameters", "annotations", "publish", "binding" },
		[Etrigger] = { "parameters", "annotations", "limits" },
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
		if ((v = json_object_get(e->doc, fields[e->kind][i])) != NULL &&
		    !(json_is_object(v) && json_object_size(v) == 0 && strcmp(fields[e->kind][i], "binding") == 0))
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

/* An action's PUT body that also takes away the annotations from lacks
 * (those of the action as it is) that the body does not set. */
static void
annotations_drop(json_t *body, json_t *from)
{
	json_t *gone = annotations_gone(json_object_get(from, "annotations"), json_object_get(body, "annotations"));

	if (json_array_size(gone) > 0)
		json_object_set(body, "delAnnotations", gone);
	json_decref(gone);
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
	step_add(u, "PUT", kind, name, "overwrite=true", b);
	if (kind == Erule) {
		rule_of_doc(e->doc, &r);
		step_add(u, "POST", kind, name, NULL, json_pack("{s:s}", "status", r.status));
	}
	return u;
}

static int
skind(json_t *s)
{
	return (int)json_integer_value(json_object_get(s, "kind"));
}

static const char *
sname(json_t *s)
{
	return json_string_value(json_object_get(s, "name"));
}

static const char *
smethod(json_t *s)
{
	return json_string_value(json_object_get(s, "method"));
}

/* Does an earlier step than i touch the same entity? */
static int
touched_before(json_t *steps, size_t i)
{
	json_t *s = json_array_get(steps, i), *t;
	size_t j;

	for (j = 0; j < i; j++) {
		t = json_array_get(steps, j);
		if (skind(t) == skind(s) && strcmp(sname(t), sname(s)) == 0)
			return 1;
	}
	return 0;
}

/* The undoing of each step (an array of steps each), from the cache as it is before any is made. */
static json_t *
undos_of(json_t *steps)
{
	json_t *undos = json_array(), *s, *u;
	size_t i;
	Ent *t;

	json_array_foreach(steps, i, s)
	{
		if (skind(s) >= 0 && !touched_before(steps, i))
			u = restore(skind(s), sname(s), s);
		else if (skind(s) == -1 && ((t = ent_get(Etrigger, sname(s))) == NULL || t->doc == NULL))
			u = json_pack("[o]", json_pack("{s:i,s:s,s:s,s:O,s:o}", "kind", -1, "name", sname(s), "method",
			                               "POST", "path", json_object_get(s, "path"), "body",
			                               json_deep_copy(json_object_get(s, "body"))));
		else
			u = json_array();
		if (skind(s) == -1 && json_array_size(u) > 0)
			json_object_set_new(json_object_get(json_array_get(u, 0), "body"), "lifecycleEvent",
			                    json_string("DELETE"));
		json_array_append_new(undos, u);
	}
	return undos;
}

/* Undo the steps made, last first; 0, or the first failure's text appended to err. */
static int
undo(json_t *undos, const char *made, char *err, size_t errlen)
{
	char why[1024];
	json_t *s;
	size_t n = json_array_size(undos), i, j;
	int bad = 0;

	while (n-- > 0)
		if (made[n])
			json_array_foreach(json_array_get(undos, n), j,
			                   s) if (verb_step(s, why, sizeof why) < 0 && !bad++)
			{
				i = strlen(err);
				snprintf(err + i, errlen - i, "; and undoing it failed: %s", why);
			}
	return bad ? -EIO : 0;
}

/* Can s be made at once with its neighbours? A plain action's PUT or any
 * DELETE of an action: each its own entity, named by no other step
 * beside it (a sequence's PUT waits for its components). */
static int
beside(json_t *s)
{
	json_t *exec = json_object_get(json_object_get(s, "body"), "exec");

	if (skind(s) != Eaction)
		return 0;
	if (strcmp(smethod(s), "DELETE") == 0)
		return 1;
	return strcmp(smethod(s), "PUT") == 0 && exec && strcmp(jstr(json_object_get(exec, "kind")), "sequence") != 0;
}

/* Make steps in order, a run of independent ones at once; at the first
 * refusal, undo those made. */
static int
apply(json_t *steps, json_t *undos, char *err, size_t n)
{
	size_t len = json_array_size(steps), i = 0, j, k, l;
	char *made = ecalloc(len + 1, 1), why[1024];
	int *rcs = ecalloc(len + 1, sizeof *rcs), rc = 0;

	while (i < len && rc == 0) {
		for (j = i + 1; beside(json_array_get(steps, i)) && j < len && beside(json_array_get(steps, j)); j++)
			;
		rc = verb_steps(steps, i, j, rcs, why, sizeof why);
		for (k = i; k < j; k++)
			made[k] = rcs[k - i] == 0;
		i = j;
	}
	if (rc < 0) {
		snprintf(err, n, "%s", why);
		if (undo(undos, made, err, n) == 0) { /* a refused step changed nothing */
			l = strlen(err);
			snprintf(err + l, n - l, "; nothing was changed");
		}
	}
	free(made);
	free(rcs);
	return rc;
}

/* ---- checking ---- */

/* Is kind/name made by steps or in the namespace ("/ns/x" or "x")? */
static int
known(json_t *steps, int kind, const char *q)
{
	size_t nl = strlen(fs.ns), i;
	json_t *s;

	if (q[0] == '/') {
		if (strncmp(q + 1, fs.ns, nl) != 0 || q[nl + 1] != '/')
			return 1; /* another namespace's: the backend says */
		q += nl + 2;
	}
	json_array_foreach(steps, i, s) if (skind(s) == kind && strcmp(sname(s), q) == 0) return 1;
	return kind == Eaction ? action_ent(q) != NULL : ent_get(kind, q) != NULL;
}

static int
check(json_t *steps, char *err, size_t n)
{
	json_t *s, *b;
	size_t i;

	json_array_foreach(steps, i, s)
	{
		if (skind(s) != Erule || strcmp(smethod(s), "PUT") != 0)
			continue;
		b = json_object_get(s, "body");
		if (!known(steps, Etrigger, jstr(json_object_get(b, "trigger")))) {
			snprintf(err, n, "rule %s: no trigger %s in the project or the namespace", sname(s),
			         jstr(json_object_get(b, "trigger")));
			return -ENOENT;
		}
		if (!known(steps, Eaction, jstr(json_object_get(b, "action")))) {
			snprintf(err, n, "rule %s: no action %s in the project or the namespace", sname(s),
			         jstr(json_object_get(b, "action")));
			return -ENOENT;
		}
	}
	return 0;
}

/* ---- diffing (sync) ---- */

/* An annotations or parameters array as an object, without what the
 * backend adds by itself and whisk-managed's projectHash. */
static json_t *
kv_norm(json_t *arr, int annotations)
{
	json_t *o = kv_object(arr), *m, *kv;
	size_t i;

	if (annotations) {
		json_object_del(o, "exec");
		if (json_is_false(json_object_get(o, "provide-api-key")))
			json_object_del(o, "provide-api-key");
		if (json_is_object(m = json_object_get(o, "whisk-managed"))) {
			json_object_set_new(o, "whisk-managed", m = json_deep_copy(m));
			json_object_del(m, "projectHash");
		}
	} else
		json_array_foreach(arr, i, kv) if (json_is_true(json_object_get(kv, "init")))
		        json_object_set_new(o, jstr(json_object_get(kv, "key")), json_pack("{s:O}", "init", kv));
	return o;
}

static int
kv_same(json_t *a, json_t *b, int annotations)
{
	json_t *x = kv_norm(a, annotations), *y = kv_norm(b, annotations);
	int same = json_equal(x, y);

	json_decref(x);
	json_decref(y);
	return same;
}

/* A kind as given and as the backend keeps it ("nodejs:default" becomes the host's). */
static int
kind_same(const char *want, const char *have)
{
	const char *c = want ? strchr(want, ':') : NULL;

	if (want == NULL || have == NULL)
		return 0;
	if (c && strcmp(c, ":default") == 0)
		return strncmp(want, have, c - want + 1) == 0;
	return strcmp(want, have) == 0;
}

/* Does every field of want read the same in have? */
static int
fields_same(json_t *want, json_t *have)
{
	json_t *v, *h;
	const char *k;

	json_object_foreach(want, k, v)
	{
		h = json_object_get(have, k);
		if (strcmp(k, "version") == 0) /* ours, bumped by every change */
			continue;
		if (strcmp(k, "parameters") == 0 || strcmp(k, "annotations") == 0) {
			if (!kv_same(v, h, k[0] == 'a'))
				return 0;
		} else if (strcmp(k, "kind") == 0 && kind_same(json_string_value(v), json_string_value(h))) {
			continue;
		} else if (json_is_object(v)) {
			if (!fields_same(v, h))
				return 0;
		} else if (json_is_false(v) && h == NULL) {
			continue;
		} else if (!json_equal(v, h)) {
			return 0;
		}
	}
	return 1;
}

/* Would step s leave its entity as it is? */
static int
unchanged(json_t *s)
{
	json_t *b = json_object_get(s, "body"), *put;
	Ent *e = skind(s) >= 0 ? ent_get(skind(s), sname(s)) : NULL;
	Ruletext r;
	int same;

	if (e == NULL || e->doc == NULL)
		return 0;
	if (skind(s) == Erule && strcmp(smethod(s), "POST") == 0) {
		rule_of_doc(e->doc, &r);
		return strcmp(r.status, jstr(json_object_get(b, "status"))) == 0;
	}
	if (skind(s) == Erule) {
		put = putback(e);
		same = fields_same(b, put);
		json_decref(put);
		return same;
	}
	return fields_same(b, e->doc);
}

/* The configuration of trigger s names's feed: as the trigger's document
 * has it (a built-in feed's), or as the feed's READ gives it; or NULL. */
static json_t *
feed_config(json_t *s)
{
	Ent *t = ent_get(Etrigger, sname(s));
	json_t *have = t ? json_object_get(json_object_get(t->doc, "feed"), "config") : NULL, *read, *res = NULL;
	char err[512];

	if (json_is_object(have))
		return json_incref(have);
	read = json_deep_copy(json_object_get(s, "body"));
	json_object_set_new(read, "lifecycleEvent", json_string("READ"));
	if (verb_call("POST", jstr(json_object_get(s, "path")), read, &res, err, sizeof err) == 0)
		have = json_incref(json_object_get(res, "config"));
	json_decref(read);
	json_decref(res);
	return have;
}

/* Would feed step s (a CREATE) leave its feed configured as it is? (One
 * that hides a value, or does not say, is made again.) */
static int
feed_unchanged(json_t *s)
{
	json_t *want = json_deep_copy(json_object_get(s, "body")), *have = feed_config(s);
	int same;

	json_object_del(want, "lifecycleEvent");
	json_object_del(want, "triggerName");
	json_object_del(want, "authKey");
	same = json_is_object(have) && json_equal(want, have);
	json_decref(want);
	json_decref(have);
	return same;
}

/* Steps without those that change nothing (a feed's CREATE goes with its
 * trigger's PUT, and without it when its configuration reads the same). */
static json_t *
changes(json_t *steps, size_t *same)
{
	json_t *out = json_array(), *s;
	size_t i;
	int skipped = 0;

	json_array_foreach(steps, i, s)
	{
		if (skind(s) == -1 ? skipped && feed_unchanged(s) : (skipped = unchanged(s)) != 0) {
			++*same;
			continue;
		}
		json_array_append(out, s);
	}
	return out;
}

/* ---- removing ---- */

typedef struct Gone {
	json_t *steps;  /* the plan: what is named */
	json_t *dels;   /* the deletions, by kind */
	const char *by; /* the project whose managed entities go, or NULL */
	int sync;       /* keep what the plan names */
} Gone;

static int
named(json_t *steps, int kind, const char *name)
{
	json_t *s;
	size_t i;

	json_array_foreach(steps, i, s) if (skind(s) == kind && strcmp(sname(s), name) == 0) return 1;
	return 0;
}

/* The deletion of e, its feed's DELETE first. */
static void
del_add(json_t *dels, Ent *e)
{
	json_t *feed = json_object_get(e->doc, "feed"), *cfg;
	const char *fn = json_string_value(json_object_get(feed, "name"));

	if (e->kind == Etrigger && fn != NULL) {
		cfg = json_array();
		json_array_append_new(dels, feed_step(e->name, fn, "DELETE", cfg));
		json_decref(cfg);
	}
	step_add(dels, "DELETE", e->kind, e->name, NULL, NULL);
}

static void
gone1(Ent *e, void *arg)
{
	Gone *g = arg;
	const char *by = managed_by(e);
	int mine = g->by && by && strcmp(by, g->by) == 0, nm = named(g->steps, e->kind, e->name);

	if (g->sync ? mine && !nm : mine || nm)
		del_add(json_array_get(g->dels, e->kind), e);
}

/* Sequences before the actions they may name. */
static void
sequences_first(json_t *dels)
{
	json_t *seqs = json_array(), *rest = json_array(), *s;
	size_t i;
	Ent *e;

	json_array_foreach(dels, i, s)
	{
		e = ent_get(Eaction, sname(s));
		json_array_append(
		        e && strcmp(jstr(json_object_get(json_object_get(e->doc, "exec"), "kind")), "sequence") == 0
		                ? seqs
		                : rest,
		        s);
	}
	json_array_clear(dels);
	json_array_extend(dels, seqs);
	json_array_extend(dels, rest);
	json_decref(seqs);
	json_decref(rest);
}

/* The deletions of what by manages and, with sync, steps do not name
 * (without sync: and of what they name), rules first, packages last. */
static json_t *
removals(json_t *steps, const char *by, int sync)
{
	static const int order[] = { Erule, Etrigger, Eaction, Epackage };
	Gone g = { steps, json_pack("[[],[],[],[],[]]"), by, sync };
	json_t *out = json_array();
	size_t i;

	for (i = 0; i < sizeof order / sizeof order[0]; i++) {
		cache_each(order[i], gone1, &g);
		if (order[i] == Eaction)
			sequences_first(json_array_get(g.dels, Eaction));
		json_array_extend(out, json_array_get(g.dels, order[i]));
	}
	json_decref(g.dels);
	return out;
}

/* ---- the verbs ---- */

/* [kind, name] of every step's entity. */
static json_t *
entities_of(json_t *steps)
{
	json_t *ents = json_array(), *s;
	size_t i;

	json_array_foreach(steps, i, s) if (skind(s) >= 0)
	        json_array_append_new(ents, json_pack("[i,s]", skind(s), sname(s)));
	return ents;
}

/* Each PUT of an action that is there takes away the annotations the project no longer sets. */
static void
dropping(json_t *steps)
{
	json_t *s;
	size_t i;
	Ent *e;

	json_array_foreach(steps, i, s) if (skind(s) == Eaction && strcmp(smethod(s), "PUT") == 0 &&
	                                    (e = ent_get(Eaction, sname(s))) != NULL && e->doc != NULL)
	        annotations_drop(json_object_get(s, "body"), e->doc);
}

static int
run_all(json_t *steps, const char *verb, size_t same, char *err, size_t n)
{
	json_t *undos = undos_of(steps);
	int rc = apply(steps, undos, err, n);

	json_decref(undos);
	if (rc == 0)
		printf("%s: %zu change%s made, %zu unchanged\n", verb, json_array_size(steps),
		       json_array_size(steps) == 1 ? "" : "s", same);
	return rc;
}

/* Deploy the project, all or none; sync: only what changed, and remove what it no longer names. */
int
deploy(Project *p, int sync, char *err, size_t n)
{
	json_t *steps = json_array(), *ents, *todo;
	size_t same = 0;
	int rc;

	if ((rc = manifest_plan(p->m, steps, err, n)) < 0 || (rc = check(steps, err, n)) < 0) {
		json_decref(steps);
		return rc;
	}
	if (sync)
		verb_load_all();
	else {
		ents = entities_of(steps);
		verb_load(ents);
		json_decref(ents);
	}
	if (sync) {
		todo = changes(steps, &same);
		ents = removals(steps, p->name, 1);
		json_array_extend(todo, ents);
		json_decref(ents);
		json_decref(steps);
		steps = todo;
	}
	dropping(steps);
	rc = run_all(steps, sync ? "sync" : "deploy", same, err, n);
	json_decref(steps);
	return rc;
}

/* Delete what the project names (p may be NULL) and what name manages. */
int
undeploy(Project *p, const char *name, char *err, size_t n)
{
	json_t *steps = json_array(), *dels;
	int rc;

	if (p && (rc = manifest_plan(p->m, steps, err, n)) < 0) {
		json_decref(steps);
		return rc;
	}
	verb_load_all();
	dels = removals(steps, name, 0);
	json_decref(steps);
	rc = run_all(dels, "undeploy", 0, err, n);
	json_decref(dels);
	return rc;
}
