/* manifest.c — manifest.yaml: the namespace as a wskdeploy manifest, and applying one.
 *
 * Reading manifest.yaml gives every package, action (its code inline),
 * sequence, trigger and rule, in the shape of an OpenWhisk wskdeploy
 * manifest (apache/openwhisk-wskdeploy: parsers/yamlparser.go,
 * specification/html/spec_*.md): packages by name,
 * "default" for what is in no package; triggers and rules under default;
 * bindings as the dependencies of default; every map sorted by name. It
 * is lossless: written into an empty namespace it gives back the same
 * namespace, and reads back as the same text. For that, beyond what
 * wskdeploy reads (it refuses a field it does not know, so each is written
 * only when it is needed): binary code is inline base64 with "binary:
 * true"; an input that is init or would read as something else (a type
 * name, an object with "value") is {value: V, init: true}; an inactive
 * rule has "status: inactive"; a sequence its inputs. A sequence's own
 * limits, which govern none of its actions, are not kept.
 *
 * Writing one applies it, at close, like any document: everything it names
 * is made or updated (PUT overwrite=true) in the order wskdeploy uses —
 * packages, bindings, actions, sequences (each after those it names),
 * triggers, rules and their status — one after the other, each to be
 * what the text says (what an edit took out goes away: undo.c fits the
 * steps to the documents, fetched first), all or none: at the first
 * refusal those made are undone (undo.c, steps.c) and its text goes to err. Actions must carry their code
 * inline (`code: |`): a `function:` path names a file the file system
 * cannot read. A trigger with a feed is wskdeploy's `feed:` with the
 * feed's parameters as its `inputs` (a secret reads as "(hidden)"); applying
 * one puts the trigger with the feed's annotation, then invokes the feed's
 * CREATE with the inputs, as wskdeploy does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "dat.h"
#include "fns.h"
#include "limit.h"

/* ---- reading ---- */

/* The object under key (a package in packages, a section in a package),
 * made empty if missing. */
static json_t *
member(json_t *o, const char *key)
{
	json_t *m = json_object_get(o, key);

	if (m == NULL) {
		m = json_object();
		json_object_set_new(o, key, m);
	}
	return m;
}

/* The types wskdeploy's inputs name, and the zero value each stands for. */
static const char *const input_types[][2] = {
	{ "string", "\"\"" }, { "integer", "0" }, { "float", "0.0" }, { "boolean", "false" }, { "json", "{}" }
};

/* Would v, as an input's value, read back as something else? */
static int
input_ambiguous(json_t *v)
{
	static const char *const keys[] = { "value", "default", "type", "description", "required", "init" };
	size_t i;

	for (i = 0; json_is_object(v) && i < sizeof keys / sizeof keys[0]; i++)
		if (json_object_get(v, keys[i]))
			return 1;
	for (i = 0; json_is_string(v) && i < sizeof input_types / sizeof input_types[0]; i++)
		if (strcmp(json_string_value(v), input_types[i][0]) == 0)
			return 1;
	return 0;
}

/* Set key to an OpenWhisk key/value array as inputs, unless empty; drop is
 * a key left out (the backend's own). */
static void
setinputs(json_t *to, const char *key, json_t *arr, const char *drop)
{
	json_t *o = json_object(), *kv, *v;
	const char *k;
	size_t i;

	json_array_foreach(arr, i, kv)
	{
		k = json_string_value(json_object_get(kv, "key"));
		if (k == NULL || (v = json_object_get(kv, "value")) == NULL || (drop && strcmp(k, drop) == 0))
			continue;
		if (json_is_true(json_object_get(kv, "init")))
			json_object_set_new(o, k, json_pack("{s:O,s:b}", "value", v, "init", 1));
		else if (input_ambiguous(v))
			json_object_set_new(o, k, json_pack("{s:O}", "value", v));
		else
			json_object_set(o, k, v);
	}
	if (json_object_size(o) > 0)
		json_object_set(to, key, o);
	json_decref(o);
}

/* Set key to the object form of an annotations array, without drop, unless empty. */
static void
setannot(json_t *to, json_t *arr, const char *drop)
{
	json_t *o = kv_object(arr);

	if (drop)
		json_object_del(o, drop);
	if (json_object_size(o) > 0)
		json_object_set(to, "annotations", o);
	json_decref(o);
}

/* Each limit's name in OpenWhisk and in the manifest. */
static const char *const limit_names[][2] = { { "timeout", "timeout" },
	                                      { "memory", "memorySize" },
	                                      { "logs", "logSize" },
	                                      { "concurrency", "concurrentActivations" } };

/* Limits renamed to the manifest's names (in 0), or from them (in 1, whole
 * numbers only: a manifest is written by hand). */
static json_t *
limits_renamed(json_t *lim, int in)
{
	json_t *o = json_object(), *v;
	size_t i;

	for (i = 0; i < sizeof limit_names / sizeof limit_names[0]; i++) {
		v = json_object_get(lim, limit_names[i][in]);
		if (v && (!in || json_is_integer(v)))
			json_object_set(o, limit_names[i][!in], v);
	}
	return o;
}

/* d's limits in OpenWhisk's names, with the default of each it does not
 * name: a PUT merges limits into the action's, so one dropped from the
 * manifest would keep its old value. */
static json_t *
limits_in(json_t *d)
{
	json_t *o = limits_renamed(json_object_get(d, "limits"), 1);
	int i;

	for (i = 0; i < Nlimits; i++)
		if (json_object_get(o, limit_tab[i].key) == NULL)
			json_object_set_new(o, limit_tab[i].key, json_integer(limit_tab[i].def));
	return o;
}

/* A component as a sequence in package pkg ("" for none) names it: bare
 * in its own package, "pkg/name" in this namespace, else "/ns/...". */
static void
component_out(const char *q, const char *pkg, Buf *b)
{
	const char *l = localname(q), *slash = strchr(l, '/');
	size_t n = strlen(pkg);

	if (l == q)
		buf_printf(b, "%s", q);
	else if (n > 0 && strncmp(l, pkg, n) == 0 && l[n] == '/')
		buf_printf(b, "%s", l + n + 1);
	else if (n > 0 && slash == NULL)
		buf_printf(b, "%s", q);
	else
		buf_printf(b, "%s", l);
}

static json_t *
sequence_out(Ent *e, const char *pkg)
{
	json_t *c, *s;
	size_t i;
	Buf b = { 0 };

	json_array_foreach(json_object_get(json_object_get(e->doc, "exec"), "components"), i, c)
	{
		buf_printf(&b, "%s", i ? ", " : "");
		component_out(jstr(c), pkg, &b);
	}
	s = json_pack("{s:s}", "actions", b.p ? b.p : "");
	buf_free(&b);
	return s;
}

static void
action_out(Ent *e, void *arg)
{
	json_t *pkgs = arg, *exec = json_object_get(e->doc, "exec"), *a, *code;
	const char *slash = strchr(e->name, '/'), *kind = json_string_value(json_object_get(exec, "kind"));
	char pkg[512];

	if (e->doc == NULL || kind == NULL)
		return;
	snprintf(pkg, sizeof pkg, "%.*s", slash ? (int)(slash - e->name) : 0, e->name);
	if (strcmp(kind, "sequence") == 0) {
		a = sequence_out(e, pkg);
		json_object_set_new(member(member(pkgs, slash ? pkg : "default"), "sequences"),
		                    slash ? slash + 1 : e->name, a);
		setinputs(a, "inputs", json_object_get(e->doc, "parameters"), "_actions");
		setannot(a, json_object_get(e->doc, "annotations"), "exec");
		return;
	}
	code = json_object_get(exec, "code");
	a = json_pack("{s:s,s:o}", "runtime", kind, "code", code ? json_incref(code) : json_string(""));
	if (json_is_true(json_object_get(exec, "binary")))
		json_object_set_new(a, "binary", json_true());
	if (json_is_string(json_object_get(exec, "main")))
		json_object_set(a, "main", json_object_get(exec, "main"));
	json_object_set_new(member(member(pkgs, slash ? pkg : "default"), "actions"), slash ? slash + 1 : e->name, a);
	setinputs(a, "inputs", json_object_get(e->doc, "parameters"), NULL);
	json_object_set_new(a, "limits", limits_renamed(json_object_get(e->doc, "limits"), 0));
	setannot(a, json_object_get(e->doc, "annotations"), "exec");
}

static void
package_out(Ent *e, void *arg)
{
	json_t *pkgs = arg, *p, *b = json_object_get(e->doc, "binding");
	const char *bn = json_string_value(json_object_get(b, "name"));
	const char *bns = json_string_value(json_object_get(b, "namespace"));
	char loc[512];

	if (e->doc == NULL)
		return;
	if (bn != NULL) {
		snprintf(loc, sizeof loc, "/%s/%s", bns ? bns : fs.ns, bn);
		p = json_pack("{s:s}", "location", loc);
		json_object_set_new(member(member(pkgs, "default"), "dependencies"), e->name, p);
	} else {
		p = member(pkgs, e->name);
		if (json_is_true(json_object_get(e->doc, "publish")))
			json_object_set_new(p, "public", json_true());
	}
	setinputs(p, "inputs", json_object_get(e->doc, "parameters"), NULL);
	setannot(p, json_object_get(e->doc, "annotations"), NULL);
}

static void
trigger_out(Ent *e, void *arg)
{
	json_t *t = json_object(), *feed, *params;

	if (e->doc == NULL)
		return;
	if ((feed = json_object_get(e->doc, "feed")) != NULL) {
		/* wskdeploy's form: the feed, and its parameters as the inputs */
		json_object_set(t, "feed", json_object_get(feed, "name"));
		params = kv_array(json_object_get(feed, "config"));
		setinputs(t, "inputs", params, NULL);
		json_decref(params);
	} else {
		setinputs(t, "inputs", json_object_get(e->doc, "parameters"), NULL);
	}
	setannot(t, json_object_get(e->doc, "annotations"), feed ? "feed" : NULL);
	json_object_set_new(member(member(arg, "default"), "triggers"), e->name, t);
}

static void
rule_out(Ent *e, void *arg)
{
	Ruletext r;
	json_t *t;

	if (e->doc == NULL)
		return;
	rule_of_doc(e->doc, &r);
	t = json_pack("{s:s,s:s}", "trigger", r.trigger, "action", r.action);
	if (strcmp(r.status, "active") != 0)
		json_object_set_new(t, "status", json_string(r.status));
	setannot(t, json_object_get(e->doc, "annotations"), NULL);
	json_object_set_new(member(member(arg, "default"), "rules"), e->name, t);
}

static int
bykey(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* o with its keys sorted, "default" first; depth more levels below sorted too. */
static json_t *
sorted(json_t *o, int depth)
{
	size_t n = json_object_size(o), i = 0;
	const char **keys = ecalloc(n + 1, sizeof *keys), *k;
	json_t *s = json_object(), *v;

	json_object_foreach(o, k, v) keys[i++] = k;
	qsort(keys, n, sizeof *keys, bykey);
	if ((v = json_object_get(o, "default")) != NULL)
		json_object_set(s, "default", v);
	for (i = 0; i < n; i++) {
		v = json_object_get(o, keys[i]);
		json_object_set_new(s, keys[i], depth > 0 && json_is_object(v) ? sorted(v, depth - 1) : json_incref(v));
	}
	free(keys);
	return s;
}

/* A package's fields in a fixed order, each section sorted by name. */
static json_t *
package_sorted(json_t *p)
{
	static const char *const fields[] = { "public",    "inputs",   "annotations", "dependencies", "actions",
		                              "sequences", "triggers", "rules",       "apis" };
	json_t *s = json_object(), *v;
	size_t i;

	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) /* apis: name, base, path, action */
		if ((v = json_object_get(p, fields[i])) != NULL)
			json_object_set_new(s, fields[i],
			                    i >= 3 ? sorted(v, strcmp(fields[i], "apis") ? 0 : 3) : json_incref(v));
	return s;
}

/* The entities a manifest is made of: those keep says yes to (all without keep). */
typedef struct Pick {
	json_t *pkgs;
	int (*keep)(Ent *e);
	void (*out)(Ent *e, void *arg);
} Pick;

static void
pick1(Ent *e, void *arg)
{
	Pick *p = arg;

	if (e->doc != NULL && (p->keep == NULL || p->keep(e)))
		p->out(e, p->pkgs);
}

/* The packages: map of the entities keep says yes to (all without keep),
 * and the APIs' routes to their actions, sorted; the documents must be
 * here (cache_all_fresh). */
json_t *
manifest_packages(int (*keep)(Ent *e))
{
	static void (*const outs[Nekind])(Ent *, void *) = {
		[Epackage] = package_out, [Eaction] = action_out, [Etrigger] = trigger_out, [Erule] = rule_out
	};
	static const int order[] = { Epackage, Eaction, Etrigger, Erule };
	Pick pick = { json_object(), keep, NULL };
	json_t *s, *p;
	const char *k;
	size_t i;

	member(pick.pkgs, "default");
	for (i = 0; i < sizeof order / sizeof order[0]; i++) {
		pick.out = outs[order[i]];
		cache_each(order[i], pick1, &pick);
	}
	manifest_apis_out(pick.pkgs, keep);
	s = sorted(pick.pkgs, 0);
	json_decref(pick.pkgs);
	json_object_foreach(s, k, p) json_object_set_new(s, k, package_sorted(p));
	return s;
}

/* The manifest of everything, as YAML; -EAGAIN until every document is here. */
int
manifest_fill(Buf *b)
{
	json_t *m;
	int rc;

	if (!cache_all_fresh())
		return -EAGAIN;
	m = json_pack("{s:o}", "packages", manifest_packages(NULL));
	buf_printf(b, "# the namespace %s as a wskdeploy manifest; write one here to apply it\n", fs.ns ? fs.ns : "");
	rc = json_to_yaml(m, b);
	json_decref(m);
	return rc;
}

/* ---- applying ---- */

typedef struct Apply {
	json_t *steps; /* for steps_run */
	json_t *seqs;  /* the sequences' steps, till they are put in order */
	char text[1024];
} Apply;

static void
step(Apply *a, int kind, const char *name, const char *method, json_t *body)
{
	step_add(a->steps, method, kind, name, strcmp(method, "PUT") == 0 ? "overwrite=true" : NULL, body);
}

/* wskdeploy inputs as a key/value array: a value, {value|default: v,
 * init: b}, a bare type name for its zero value, or {type: T, ...} for T's. */
static json_t *
inputs_in(json_t *in)
{
	json_t *arr = json_array(), *v, *x, *kv;
	const char *k;
	size_t i;
	int init, given;

	json_object_foreach(in, k, v)
	{
		kv = json_pack("{s:s}", "key", k);
		init = 0;
		given = (x = json_object_get(v, "value")) != NULL || (x = json_object_get(v, "default")) != NULL;
		if (given) {
			init = json_is_true(json_object_get(v, "init"));
			v = x;
		} else if (json_is_string(x = json_object_get(v, "type")))
			v = x;
		for (i = 0; !given && json_is_string(v) && i < sizeof input_types / sizeof input_types[0]; i++)
			if (strcmp(json_string_value(v), input_types[i][0]) == 0) {
				json_object_set_new(kv, "value", json_loads(input_types[i][1], JSON_DECODE_ANY, NULL));
				break;
			}
		if (json_object_get(kv, "value") == NULL)
			json_object_set(kv, "value", v);
		if (init)
			json_object_set_new(kv, "init", json_true());
		json_array_append_new(arr, kv);
	}
	return arr;
}

/* "/ns/pkg/name" for a name in package pkg ("default": none). */
static void
qual(const char *pkg, const char *name, char *out, size_t len)
{
	if (name[0] == '/')
		snprintf(out, len, "%s", name);
	else if (strcmp(pkg, "default") == 0 || strchr(name, '/'))
		snprintf(out, len, "/%s/%s", fs.ns, name);
	else
		snprintf(out, len, "/%s/%s/%s", fs.ns, pkg, name);
}

static void
entname(const char *pkg, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s%s%s", strcmp(pkg, "default") ? pkg : "", strcmp(pkg, "default") ? "/" : "", name);
}

/* body with d's version: as wskdeploy sends it (a YAML number as its text: 1.0 is "1.0"). */
static json_t *
versioned(json_t *d, json_t *body)
{
	json_t *v = json_object_get(d, "version");
	char *s;

	if (json_is_string(v))
		json_object_set(body, "version", v);
	else if (json_is_number(v) && (s = json_dumps(v, JSON_ENCODE_ANY)) != NULL) {
		json_object_set_new(body, "version", json_string(s));
		free(s);
	}
	return body;
}

/* An action's annotations with web: (or web-export:) as wskdeploy sets
 * them (webaction/webaction.go): true or yes, false or no, raw. */
static json_t *
web_in(json_t *d)
{
	static const char *const keys[] = { "web-export", "raw-http", "final" };
	json_t *w = json_object_get(d, "web"), *an = json_object_get(d, "annotations");
	const char *s = json_string_value(w ? w : (w = json_object_get(d, "web-export")));
	int on = json_is_true(w) || (s && (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0));
	int raw = s && strcasecmp(s, "raw") == 0;
	size_t i;

	an = json_is_object(an) ? json_copy(an) : json_object();
	if (w == NULL || json_is_null(w))
		return an;
	for (i = 0; i < 3; i++)
		json_object_del(an, keys[i]);
	json_object_set_new(an, "web-export", json_boolean(on || raw));
	json_object_set_new(an, "raw-http", json_boolean(raw));
	json_object_set_new(an, "final", json_boolean(on || raw));
	return an;
}

/* What an action and a sequence have alike: inputs, limits, annotations. */
static json_t *
action_body(json_t *d, json_t *exec)
{
	json_t *an = web_in(d), *ann;

	if (json_is_true(json_object_get(d, "conductor")))
		json_object_set_new(an, "conductor", json_true());
	ann = kv_array(an);
	json_decref(an);
	return versioned(d, json_pack("{s:o,s:o,s:o,s:o}", "exec", exec, "parameters",
	                              inputs_in(json_object_get(d, "inputs")), "limits", limits_in(d), "annotations",
	                              ann));
}

static int
action_in(Apply *a, const char *pkg, const char *name, json_t *d)
{
	json_t *code = json_object_get(d, "code"), *x;
	const char *rt = json_string_value(json_object_get(d, "runtime"));
	char full[1024];

	if (!json_is_string(code) || rt == NULL) {
		snprintf(a->text, sizeof a->text,
		         "manifest: action %s: give its code inline with "
		         "'code: |' and its 'runtime' (a 'function:' file cannot be read here)",
		         name);
		return -EINVAL;
	}
	x = json_pack("{s:s,s:O,s:b}", "kind", rt, "code", code, "binary", json_is_true(json_object_get(d, "binary")));
	if (json_is_string(json_object_get(d, "main")))
		json_object_set(x, "main", json_object_get(d, "main"));
	entname(pkg, name, full, sizeof full);
	step(a, Eaction, full, "PUT", action_body(d, x));
	return 0;
}

/* A sequence's step goes to a->seqs, with its qualified name, to be put in order. */
static int
sequence_in(Apply *a, const char *pkg, const char *name, json_t *d)
{
	json_t *acts = json_object_get(d, "actions"), *comps = json_array();
	char *list = json_is_string(acts) ? estrdup(json_string_value(acts)) : NULL, *s, *w, q[1024];
	char full[1024];

	for (s = list; s && (w = strsep(&s, ",")) != NULL;) {
		while (*w == ' ')
			w++;
		w[strcspn(w, " ")] = '\0';
		if (*w == '\0')
			continue;
		qual(pkg, w, q, sizeof q);
		json_array_append_new(comps, json_string(q));
	}
	free(list);
	if (json_array_size(comps) == 0) {
		json_decref(comps);
		snprintf(a->text, sizeof a->text, "manifest: sequence %s: 'actions: a, b, ...' is missing", name);
		return -EINVAL;
	}
	entname(pkg, name, full, sizeof full);
	qual("default", full, q, sizeof q);
	json_array_append_new(
	        a->seqs, json_pack("{s:s,s:s,s:o}", "name", full, "qname", q, "body",
	                           action_body(d, json_pack("{s:s,s:o}", "kind", "sequence", "components", comps))));
	return 0;
}

/* Does sequence s name one of seqs not yet made? */
static int
waits(json_t *s, json_t *seqs)
{
	json_t *c, *t;
	size_t i, j;

	json_array_foreach(json_object_get(json_object_get(json_object_get(s, "body"), "exec"), "components"), i, c)
	        json_array_foreach(seqs, j, t) if (t != s && json_equal(c, json_object_get(t, "qname"))) return 1;
	return 0;
}

/* The sequences as steps, each after the sequences it names (a cycle goes
 * as it is, for the backend to refuse). */
static void
sequences_in_order(Apply *a)
{
	json_t *s;
	size_t i, before;
	int stuck = 0;

	while ((before = json_array_size(a->seqs)) > 0) {
		for (i = 0; i < json_array_size(a->seqs);) {
			s = json_array_get(a->seqs, i);
			if (!stuck && waits(s, a->seqs)) {
				i++;
				continue;
			}
			step(a, Eaction, json_string_value(json_object_get(s, "name")), "PUT",
			     json_incref(json_object_get(s, "body")));
			json_array_remove(a->seqs, i);
		}
		stuck = json_array_size(a->seqs) == before;
	}
}

/* Pass 0: the package itself. */
static int
package_in(Apply *a, const char *pkg, json_t *d)
{
	if (strcmp(pkg, "default") != 0)
		step(a, Epackage, pkg, "PUT",
		     versioned(d, json_pack("{s:o,s:o,s:b}", "parameters", inputs_in(json_object_get(d, "inputs")),
		                            "annotations", kv_array(json_object_get(d, "annotations")), "publish",
		                            json_is_true(json_object_get(d, "public")))));
	return 0;
}

/* Pass 1: the bindings it depends on, once every package is made. */
static int
bindings_in(Apply *a, const char *pkg, json_t *d)
{
	json_t *v;
	const char *k;
	char ns[512];

	(void)pkg;
	json_object_foreach(json_object_get(d, "dependencies"), k, v)
	{
		const char *loc = jstr(json_object_get(v, "location"));
		char *slash = strrchr(loc, '/');
		if (loc[0] != '/' || slash == loc) {
			snprintf(a->text, sizeof a->text, "manifest: dependency %s: location /NAMESPACE/PACKAGE", k);
			return -EINVAL;
		}
		snprintf(ns, sizeof ns, "%.*s", (int)(slash - loc - 1), loc + 1);
		step(a, Epackage, k, "PUT",
		     json_pack("{s:{s:s,s:s},s:o,s:o}", "binding", "namespace", ns, "name", slash + 1, "parameters",
		               inputs_in(json_object_get(v, "inputs")), "annotations",
		               kv_array(json_object_get(v, "annotations"))));
	}
	return 0;
}

/* Pass 2: actions; sequences wait in a->seqs for all of them. */
static int
actions_in(Apply *a, const char *pkg, json_t *d)
{
	json_t *v;
	const char *k;
	int rc = 0;

	json_object_foreach(json_object_get(d, "actions"), k, v) if (rc == 0) rc = action_in(a, pkg, k, v);
	json_object_foreach(json_object_get(d, "sequences"), k, v) if (rc == 0) rc = sequence_in(a, pkg, k, v);
	return rc;
}

/* Pass 3: triggers, then the rules that join them to actions, and their status. */
/* A trigger with a feed, as wskdeploy makes one (createFeedAction): the
 * trigger with the feed's annotation, published, then the feed action's
 * CREATE with the inputs. */
static int
feed_in(Apply *a, const char *name, json_t *v)
{
	const char *feed = json_string_value(json_object_get(v, "feed"));
	json_t *ann, *in;

	if (feed == NULL || feed[0] == '\0' || strchr(feed, '?')) {
		snprintf(a->text, sizeof a->text, "manifest: trigger %s: feed must name the feed action", name);
		return -EINVAL;
	}
	ann = kv_array(json_object_get(v, "annotations"));
	json_array_append_new(ann, json_pack("{s:s,s:s}", "key", "feed", "value", feed));
	step(a, Etrigger, name, "PUT", json_pack("{s:[],s:o,s:b}", "parameters", "annotations", ann, "publish", 1));
	in = inputs_in(json_object_get(v, "inputs"));
	json_array_append_new(a->steps, feed_step(name, feed, "CREATE", in));
	json_decref(in);
	return 0;
}

static int
events_in(Apply *a, const char *pkg, json_t *d)
{
	json_t *v;
	const char *k;
	char q1[1024], q2[1024];

	json_object_foreach(json_object_get(d, "triggers"), k, v)
	{
		if (json_object_get(v, "feed")) {
			if (feed_in(a, k, v) < 0)
				return -EINVAL;
			continue;
		}
		step(a, Etrigger, k, "PUT",
		     json_pack("{s:o,s:o}", "parameters", inputs_in(json_object_get(v, "inputs")), "annotations",
		               kv_array(json_object_get(v, "annotations"))));
	}
	json_object_foreach(json_object_get(d, "rules"), k, v)
	{
		const char *t = json_string_value(json_object_get(v, "trigger"));
		const char *ac = json_string_value(json_object_get(v, "action"));
		const char *st = json_string_value(json_object_get(v, "status"));
		if (st == NULL)
			st = "active";
		if (t == NULL || ac == NULL || (strcmp(st, "active") != 0 && strcmp(st, "inactive") != 0)) {
			snprintf(a->text, sizeof a->text,
			         "manifest: rule %s needs a trigger, an action and "
			         "maybe a status, active or inactive",
			         k);
			return -EINVAL;
		}
		qual("default", t, q1, sizeof q1);
		qual(pkg, ac, q2, sizeof q2);
		step(a, Erule, k, "PUT",
		     json_pack("{s:s,s:s,s:o}", "trigger", q1, "action", q2, "annotations",
		               kv_array(json_object_get(v, "annotations"))));
		step(a, Erule, k, "POST", json_pack("{s:s}", "status", st));
	}
	return 0;
}

/* The routes of apis: (manifest_apis.c), once the actions are made. */
static int
apis_in(Apply *a, const char *pkg, json_t *d)
{
	json_t *apis = json_object_get(d, "apis");

	if (apis != NULL && !json_is_object(apis)) {
		snprintf(a->text, sizeof a->text, "manifest: %s: apis: want a map of API names", pkg);
		return -EINVAL;
	}
	return apis && manifest_apis_in(pkg, apis, a->steps, a->text, sizeof a->text) < 0 ? -EINVAL : 0;
}

static int (*const passes[])(Apply *, const char *, json_t *) = {
	package_in, bindings_in, actions_in, events_in, apis_in,
};

/* The steps of a manifest, in wskdeploy's order; -EINVAL with a->text. */
static int
plan(Apply *a, json_t *m)
{
	json_t *pkgs, *d;
	const char *k;
	size_t pass;
	int rc = 0;

	if (json_is_object(json_object_get(m, "project")))
		m = json_object_get(m, "project");
	if (!json_is_object(pkgs = json_object_get(m, "packages"))) {
		snprintf(a->text, sizeof a->text, "manifest: no 'packages:' map");
		return -EINVAL;
	}
	for (pass = 0; pass < sizeof passes / sizeof passes[0] && rc == 0; pass++) {
		if (passes[pass] == events_in)
			sequences_in_order(a);
		json_object_foreach(pkgs, k, d) if (rc == 0) rc = passes[pass](a, k, json_is_object(d) ? d : NULL);
	}
	return rc;
}

/* The steps of manifest m, in wskdeploy's order, onto steps (see
 * steps.c); 0, or -EINVAL with why in err. */
int
manifest_plan(json_t *m, json_t *steps, char *err, size_t errlen)
{
	Apply a = { steps, json_array(), "" };
	int rc = plan(&a, m);

	if (rc < 0)
		snprintf(err, errlen, "%s", a.text);
	json_decref(a.seqs);
	return rc;
}

typedef struct Applying {
	json_t *steps;
	commit_cb cb;
	void *arg;
} Applying;

/* Every document is here: the steps fitted to them, made all or none (undo.c). */
static void
apply_loaded(void *arg, int err)
{
	Applying *ap = arg;

	if (err < 0) {
		ap->cb(ap->arg, err, "manifest: the namespace's documents cannot be fetched; nothing was changed");
		json_decref(ap->steps);
	} else {
		undo_fit(ap->steps);
		steps_run_undo(ap->steps, undos_of(ap->steps, NULL), "manifest: ", ap->cb, ap->arg);
	}
	free(ap);
}

/* Apply a manifest; cb(arg, 0) or cb(arg, -errno, text) when done, not if this fails. */
int
manifest_apply(const char *text, size_t len, commit_cb cb, void *arg, char *err, size_t errlen)
{
	json_t *m = yaml_to_json(text, len, err, errlen), *steps = json_array();
	int rc = m == NULL ? -EINVAL : manifest_plan(m, steps, err, errlen);
	Applying *ap;

	json_decref(m);
	if (rc < 0) {
		json_decref(steps);
		return rc;
	}
	ap = ecalloc(1, sizeof *ap);
	*ap = (Applying){ steps, cb, arg };
	return cache_load_all(apply_loaded, ap);
}
