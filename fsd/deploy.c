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
 * not there); undo.c fits the steps to it (annotations taken away, an old
 * feed's DELETE, the feeds' calls last) and says how each is undone. The
 * changes are then made one after the other. When one is refused (a 4xx:
 * an unknown runtime, a sequence naming a missing action, a quota), those
 * already made are undone in reverse order. The namespace is then as it
 * was, and the error names the entity. (An API route made by createApi is
 * not undone: APIs come last, after everything else was made.)
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

	if (step_kind(s) != Eaction)
		return 0;
	if (strcmp(step_method(s), "DELETE") == 0)
		return 1;
	return strcmp(step_method(s), "PUT") == 0 && exec &&
	       strcmp(jstr(json_object_get(exec, "kind")), "sequence") != 0;
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
	json_array_foreach(steps, i, s) if (step_kind(s) == kind && strcmp(step_name(s), q) == 0) return 1;
	return kind == Eaction ? action_ent(q) != NULL : ent_get(kind, q) != NULL;
}

static int
check(json_t *steps, char *err, size_t n)
{
	json_t *s, *b;
	size_t i;

	json_array_foreach(steps, i, s)
	{
		if (step_kind(s) != Erule || strcmp(step_method(s), "PUT") != 0)
			continue;
		b = json_object_get(s, "body");
		if (!known(steps, Etrigger, jstr(json_object_get(b, "trigger")))) {
			snprintf(err, n, "rule %s: no trigger %s in the project or the namespace", step_name(s),
			         jstr(json_object_get(b, "trigger")));
			return -ENOENT;
		}
		if (!known(steps, Eaction, jstr(json_object_get(b, "action")))) {
			snprintf(err, n, "rule %s: no action %s in the project or the namespace", step_name(s),
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
	Ent *e = step_kind(s) >= 0 ? ent_get(step_kind(s), step_name(s)) : NULL;
	Ruletext r;
	int same;

	if (e == NULL || e->doc == NULL)
		return 0;
	if (step_kind(s) == Erule && strcmp(step_method(s), "POST") == 0) {
		rule_of_doc(e->doc, &r);
		return strcmp(r.status, jstr(json_object_get(b, "status"))) == 0;
	}
	if (step_kind(s) == Erule) {
		put = putback(e);
		same = fields_same(b, put);
		json_decref(put);
		return same;
	}
	return fields_same(b, e->doc) && !binding_dropped(e, b);
}

/* trigger's feed's READ (undo.c's feedread_cb): {config, status}, or NULL. */
static json_t *
feed_read(const char *trigger, const char *feed)
{
	json_t *read = feed_step(trigger, feed, "READ", NULL), *res = NULL, *st;
	char err[512];

	st = verb_call("POST", jstr(json_object_get(read, "path")), json_object_get(read, "body"), &res, err,
	               sizeof err) == 0 &&
	                     json_is_object(res)
	             ? json_incref(res)
	             : NULL;
	json_decref(read);
	json_decref(res);
	return st;
}

/* The configuration of the feed trigger s names has now, or NULL. */
static json_t *
feed_config(json_t *s)
{
	Ent *t = ent_get(Etrigger, step_name(s));
	json_t *st = t && t->doc ? feed_state(t, jstr(json_object_get(s, "feed")), feed_read) : NULL;
	json_t *cfg = json_incref(json_object_get(st, "config"));

	json_decref(st);
	return cfg;
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
		if (step_kind(s) == -1 ? skipped && feed_unchanged(s) : (skipped = unchanged(s)) != 0) {
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

	json_array_foreach(steps, i, s) if (step_kind(s) == kind && strcmp(step_name(s), name) == 0) return 1;
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
		e = ent_get(Eaction, step_name(s));
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

	json_array_foreach(steps, i, s) if (step_kind(s) >= 0)
	        json_array_append_new(ents, json_pack("[i,s]", step_kind(s), step_name(s)));
	return ents;
}

static int
run_all(json_t *steps, const char *verb, size_t same, char *err, size_t n)
{
	json_t *undos = undos_of(steps, feed_read);
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
	undo_fit(steps);
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
