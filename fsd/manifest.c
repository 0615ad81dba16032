/* manifest.c — manifest.yaml: the namespace as a wskdeploy manifest, and applying one.
 *
 * Reading manifest.yaml gives every package, action (its code inline),
 * sequence, trigger and rule, in the shape of an OpenWhisk wskdeploy
 * manifest (reference/openwhisk-protocols.md §6): packages by name,
 * "default" for what is in no package; triggers and rules under default;
 * bindings as the dependencies of default. Binary code is inline base64
 * with "binary: true", our addition.
 *
 * Writing one applies it, at close, like any document: everything it names
 * is made or updated (PUT overwrite=true) in the order wskdeploy uses —
 * packages, bindings, actions, sequences, triggers, rules — one after the
 * other, stopping at the first refusal, whose text goes to err. Actions
 * must carry their code inline (`code: |`): a `function:` path names a file
 * the file system cannot read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"

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

/* Set key to the object form of an OpenWhisk key/value array, unless empty. */
static void
setkv(json_t *to, const char *key, json_t *arr, int noexec)
{
	json_t *o = kv_object(arr);

	if (noexec)
		json_object_del(o, "exec");
	if (json_object_size(o) > 0)
		json_object_set(to, key, o);
	json_decref(o);
}

/* Each limit's name in OpenWhisk and in the manifest. */
static const char *const limit_names[][2] = { { "timeout", "timeout" }, { "memory", "memorySize" },
                                              { "logs", "logSize" }, { "concurrency", "concurrentActivations" } };

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

static json_t *
sequence_out(json_t *exec)
{
	json_t *c;
	size_t i;
	Buf b = {0};
	json_t *s;

	json_array_foreach(json_object_get(exec, "components"), i, c)
		buf_printf(&b, "%s%s", i ? ", " : "", localname(json_string_value(c) ?: ""));
	s = json_pack("{s:s}", "actions", b.p ? b.p : "");
	buf_free(&b);
	return s;
}

static void
action_out(Ent *e, void *arg)
{
	json_t *pkgs = arg, *exec = json_object_get(e->doc, "exec"), *a;
	const char *slash = strchr(e->name, '/'), *kind = json_string_value(json_object_get(exec, "kind"));
	char pkg[512];

	if (e->doc == NULL || kind == NULL)
		return;
	snprintf(pkg, sizeof pkg, "%.*s", slash ? (int)(slash - e->name) : 7, slash ? e->name : "default");
	if (strcmp(kind, "sequence") == 0) {
		json_object_set_new(member(member(pkgs, pkg), "sequences"), slash ? slash + 1 : e->name,
		                    sequence_out(exec));
		return;
	}
	a = json_pack("{s:s,s:O}", "runtime", kind, "code", json_object_get(exec, "code") ?: json_string(""));
	if (json_is_true(json_object_get(exec, "binary")))
		json_object_set_new(a, "binary", json_true());
	if (json_is_string(json_object_get(exec, "main")))
		json_object_set(a, "main", json_object_get(exec, "main"));
	setkv(a, "inputs", json_object_get(e->doc, "parameters"), 0);
	json_object_set_new(a, "limits", limits_renamed(json_object_get(e->doc, "limits"), 0));
	setkv(a, "annotations", json_object_get(e->doc, "annotations"), 1);
	json_object_set_new(member(member(pkgs, pkg), "actions"), slash ? slash + 1 : e->name, a);
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
		setkv(p, "inputs", json_object_get(e->doc, "parameters"), 0);
		json_object_set_new(member(member(pkgs, "default"), "dependencies"), e->name, p);
		return;
	}
	p = member(pkgs, e->name);
	setkv(p, "inputs", json_object_get(e->doc, "parameters"), 0);
	setkv(p, "annotations", json_object_get(e->doc, "annotations"), 0);
}

static void
trigger_out(Ent *e, void *arg)
{
	json_t *t = json_object();

	if (e->doc == NULL)
		return;
	setkv(t, "inputs", json_object_get(e->doc, "parameters"), 0);
	setkv(t, "annotations", json_object_get(e->doc, "annotations"), 0);
	json_object_set_new(member(member(arg, "default"), "triggers"), e->name, t);
}

static void
rule_out(Ent *e, void *arg)
{
	Ruletext r;

	if (e->doc == NULL)
		return;
	rule_of_doc(e->doc, &r);
	json_object_set_new(member(member(arg, "default"), "rules"), e->name,
	                    json_pack("{s:s,s:s}", "trigger", r.trigger, "action", r.action));
}

/* The manifest of everything, as YAML; -EAGAIN until every document is here. */
int
manifest_fill(Buf *b)
{
	json_t *m, *pkgs;
	int rc;

	if (!cache_all_fresh())
		return -EAGAIN;
	pkgs = json_object();
	member(pkgs, "default");
	cache_each(Epackage, package_out, pkgs);
	cache_each(Eaction, action_out, pkgs);
	cache_each(Etrigger, trigger_out, pkgs);
	cache_each(Erule, rule_out, pkgs);
	m = json_pack("{s:o}", "packages", pkgs);
	buf_printf(b, "# the namespace %s as a wskdeploy manifest; write one here to apply it\n",
	           fs.ns ? fs.ns : "");
	rc = json_to_yaml(m, b);
	json_decref(m);
	return rc;
}

/* ---- applying ---- */

typedef struct Apply {
	json_t *steps;        /* [{kind, name, body}] */
	size_t next;
	commit_cb cb;
	void *arg;
	char text[1024];
} Apply;

static void
step(Apply *a, int kind, const char *name, json_t *body)
{
	json_array_append_new(a->steps, json_pack("{s:i,s:s,s:o}", "kind", kind, "name", name, "body", body));
}

/* wskdeploy inputs: a value, {value|default: v}, or a type name for its zero value. */
static json_t *
inputs_in(json_t *in)
{
	static const char *types[][2] = { { "string", "\"\"" }, { "integer", "0" }, { "float", "0.0" },
	                                  { "boolean", "false" }, { "json", "{}" } };
	json_t *o = json_object(), *v;
	const char *k;
	size_t i;

	json_object_foreach(in, k, v) {
		json_t *x = json_object_get(v, "value") ?: json_object_get(v, "default");
		if (x != NULL)
			v = x;
		for (i = 0; json_is_string(v) && i < 5; i++)
			if (strcmp(json_string_value(v), types[i][0]) == 0) {
				json_object_set_new(o, k, json_loads(types[i][1], JSON_DECODE_ANY, NULL));
				break;
			}
		if (json_object_get(o, k) == NULL)
			json_object_set(o, k, v);
	}
	v = kv_array(o);
	json_decref(o);
	return v;
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

static int
action_in(Apply *a, const char *pkg, const char *name, json_t *d)
{
	json_t *code = json_object_get(d, "code"), *x, *body, *ann;
	const char *rt = json_string_value(json_object_get(d, "runtime"));
	char full[1024];

	if (!json_is_string(code) || rt == NULL) {
		snprintf(a->text, sizeof a->text, "manifest: action %s: give its code inline with "
		         "'code: |' and its 'runtime' (a 'function:' file cannot be read here)", name);
		return -EINVAL;
	}
	x = json_pack("{s:s,s:O,s:b}", "kind", rt, "code", code, "binary",
	              json_is_true(json_object_get(d, "binary")));
	if (json_is_string(json_object_get(d, "main")))
		json_object_set(x, "main", json_object_get(d, "main"));
	ann = kv_array(json_object_get(d, "annotations"));
	if (json_is_true(json_object_get(d, "web")) || json_is_true(json_object_get(d, "web-export")))
		json_array_append_new(ann, json_pack("{s:s,s:b}", "key", "web-export", "value", 1));
	if (json_is_true(json_object_get(d, "conductor")))
		json_array_append_new(ann, json_pack("{s:s,s:b}", "key", "conductor", "value", 1));
	body = json_pack("{s:o,s:o,s:o,s:o}", "exec", x, "parameters", inputs_in(json_object_get(d, "inputs")),
	                 "limits", limits_renamed(json_object_get(d, "limits"), 1), "annotations", ann);
	entname(pkg, name, full, sizeof full);
	step(a, Eaction, full, body);
	return 0;
}

static int
sequence_in(Apply *a, const char *pkg, const char *name, json_t *d)
{
	json_t *acts = json_object_get(d, "actions"), *comps = json_array();
	char *list = json_is_string(acts) ? strdup(json_string_value(acts)) : NULL, *s, *w, q[1024];
	char full[1024];

	for (s = list; s && (w = strsep(&s, ",")) != NULL; ) {
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
	step(a, Eaction, full, json_pack("{s:{s:s,s:o}}", "exec", "kind", "sequence", "components", comps));
	return 0;
}

/* Pass 0: the package itself and the bindings it depends on. */
static int
package_defs(Apply *a, const char *pkg, json_t *d)
{
	json_t *v;
	const char *k;
	char ns[512];

	if (strcmp(pkg, "default") != 0)
		step(a, Epackage, pkg, json_pack("{s:o,s:o}", "parameters", inputs_in(json_object_get(d, "inputs")),
		     "annotations", kv_array(json_object_get(d, "annotations"))));
	json_object_foreach(json_object_get(d, "dependencies"), k, v) {
		const char *loc = json_string_value(json_object_get(v, "location")) ?: "";
		char *slash = strrchr(loc, '/');
		if (loc[0] != '/' || slash == loc) {
			snprintf(a->text, sizeof a->text, "manifest: dependency %s: location /NAMESPACE/PACKAGE", k);
			return -EINVAL;
		}
		snprintf(ns, sizeof ns, "%.*s", (int)(slash - loc - 1), loc + 1);
		step(a, Epackage, k, json_pack("{s:{s:s,s:s},s:o}", "binding", "namespace", ns, "name", slash + 1,
		     "parameters", inputs_in(json_object_get(v, "inputs"))));
	}
	return 0;
}

/* Pass 1: actions, then sequences of them. */
static int
package_actions(Apply *a, const char *pkg, json_t *d)
{
	json_t *v;
	const char *k;
	int rc = 0;

	json_object_foreach(json_object_get(d, "actions"), k, v)
		if (rc == 0)
			rc = action_in(a, pkg, k, v);
	json_object_foreach(json_object_get(d, "sequences"), k, v)
		if (rc == 0)
			rc = sequence_in(a, pkg, k, v);
	return rc;
}

/* Pass 2: triggers, then the rules that join them to actions. */
static int
package_events(Apply *a, const char *pkg, json_t *d)
{
	json_t *v;
	const char *k;
	char q1[1024], q2[1024];

	json_object_foreach(json_object_get(d, "triggers"), k, v) {
		if (json_object_get(v, "feed")) {
			snprintf(a->text, sizeof a->text, "manifest: trigger %s: feeds are not supported", k);
			return -EINVAL;
		}
		step(a, Etrigger, k, json_pack("{s:o,s:o}", "parameters", inputs_in(json_object_get(v, "inputs")),
		     "annotations", kv_array(json_object_get(v, "annotations"))));
	}
	json_object_foreach(json_object_get(d, "rules"), k, v) {
		const char *t = json_string_value(json_object_get(v, "trigger"));
		const char *ac = json_string_value(json_object_get(v, "action"));
		if (t == NULL || ac == NULL) {
			snprintf(a->text, sizeof a->text, "manifest: rule %s needs a trigger and an action", k);
			return -EINVAL;
		}
		qual("default", t, q1, sizeof q1);
		qual(pkg, ac, q2, sizeof q2);
		step(a, Erule, k, json_pack("{s:s,s:s}", "trigger", q1, "action", q2));
	}
	return 0;
}

static int (*const passes[])(Apply *, const char *, json_t *) = {
	package_defs, package_actions, package_events,
};

/* The steps of a manifest, in wskdeploy's order; -EINVAL with a->text. */
static int
plan(Apply *a, json_t *m)
{
	json_t *pkgs, *d;
	const char *k;
	int pass, rc = 0;

	if (json_is_object(json_object_get(m, "project")))
		m = json_object_get(m, "project");
	if (!json_is_object(pkgs = json_object_get(m, "packages"))) {
		snprintf(a->text, sizeof a->text, "manifest: no 'packages:' map");
		return -EINVAL;
	}
	for (pass = 0; pass < 3 && rc == 0; pass++)
		json_object_foreach(pkgs, k, d)
			if (rc == 0)
				rc = passes[pass](a, k, json_is_object(d) ? d : NULL);
	return rc;
}

static void
apply_free(Apply *a, int err)
{
	a->cb(a->arg, err, err < 0 ? a->text : NULL);
	json_decref(a->steps);
	free(a);
}

static void apply_next(Apply *a);

static void
applied(Resp *r, void *arg)
{
	Apply *a = arg;
	json_t *s = json_array_get(a->steps, a->next - 1);
	int kind = json_integer_value(json_object_get(s, "kind"));
	const char *name = json_string_value(json_object_get(s, "name"));
	Ent *e;

	if (r->err < 0) {
		snprintf(a->text, sizeof a->text, "manifest: %s: %s", name, r->text);
		apply_free(a, r->err);
		return;
	}
	if (json_is_object(resp_json(r)) && (e = ent_make(kind, name)) != NULL) {
		ent_update(e, resp_json(r), 1);
		notify_new(e);
	}
	if (kind == Erule)
		cache_stale(Etrigger);
	apply_next(a);
}

static void
apply_next(Apply *a)
{
	json_t *s = json_array_get(a->steps, a->next++);
	char *path;
	int rc;

	if (s == NULL) {
		apply_free(a, 0);
		return;
	}
	path = bk_path(json_integer_value(json_object_get(s, "kind")),
	               json_string_value(json_object_get(s, "name")), "overwrite=true");
	rc = path ? bk_json("PUT", path, json_object_get(s, "body"), applied, a) : -ENOMEM;
	free(path);
	if (rc < 0) {
		snprintf(a->text, sizeof a->text, "manifest: cannot reach the backend");
		apply_free(a, rc);
	}
}

/* Apply a manifest; cb(arg, 0) or cb(arg, -errno, text) when done, not if this fails. */
int
manifest_apply(const char *text, size_t len, commit_cb cb, void *arg, char *err, size_t errlen)
{
	Apply *a;
	json_t *m = yaml_to_json(text, len, err, errlen);
	int rc;

	if (m == NULL)
		return -EINVAL;
	if ((a = calloc(1, sizeof *a)) == NULL) {
		json_decref(m);
		return -ENOMEM;
	}
	a->steps = json_array();
	a->cb = cb;
	a->arg = arg;
	rc = plan(a, m);
	json_decref(m);
	if (rc < 0) {
		snprintf(err, errlen, "%s", a->text);
		json_decref(a->steps);
		free(a);
		return rc;
	}
	apply_next(a);
	return 0;
}
