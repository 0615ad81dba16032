/* commit.c — checking staged documents as they are written, and committing them to the backend.
 *
 * A document file (an action's code, kind, main, params, annotations,
 * limits; a package's params, annotations, binding; a rule) is committed as
 * one PUT with overwrite=true, which merges the fields it names into the
 * entity (OpenWhisk's ApiUtils.scala putEntity, Actions.scala
 * updateWhiskAction). Code is sent with
 * validate=true: the backend initialises it in a fresh container first and
 * refuses it, with the interpreter's text, when that fails.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"

static int
object_check(const char *p, size_t n, int final, char *err, size_t len)
{
	json_error_t e;
	json_t *v = json_loadb(p, n, JSON_ALLOW_NUL, &e);

	if (v != NULL) {
		int ok = json_is_object(v);
		json_decref(v);
		if (!ok)
			snprintf(err, len, "want a JSON object");
		return ok ? 0 : -EINVAL;
	}
	if (!final && json_error_code(&e) == json_error_premature_end_of_input)
		return 0;
	snprintf(err, len, "bad JSON at line %d, column %d: %s", e.line, e.column, js_fault(&e));
	return -EINVAL;
}

/* The current rule, as the stage starts from: the document or nothing. */
static void
rule_base(Ent *e, Ruletext *r)
{
	memset(r, 0, sizeof *r);
	strcpy(r->status, "active");
	if (e != NULL && !e->staged && e->doc != NULL)
		rule_of_doc(e->doc, r);
}

/* The complete lines of a stage: up to its last newline. */
static size_t
lines(const char *p, size_t n)
{
	while (n > 0 && p[n - 1] != '\n')
		n--;
	return n;
}

int
check_rule(Node *node, const char *p, size_t n, char *err, size_t len)
{
	Ruletext r;
	int rc;

	rule_base(node_ent(node), &r);
	if ((rc = rule_parse(p, lines(p, n), &r, err, len)) < 0)
		return rc;
	if (r.trigger[0] && r.trigger[0] != '/' && ent_get(Etrigger, r.trigger) == NULL) {
		snprintf(err, len, "rule: no trigger '%s'", r.trigger);
		return -ENOENT;
	}
	if (r.action[0] && r.action[0] != '/' && ent_get(Eaction, r.action) == NULL) {
		snprintf(err, len, "rule: no action '%s'", r.action);
		return -ENOENT;
	}
	return 0;
}

/*
 * An action's kind or main, as far as a write can tell: one word, and no
 * kind that the action cannot take by this file (a sequence's components
 * are no file here; a sequence has no code for another kind). Whether the
 * backend runs the kind, and whether the code has the function, is known
 * only when it is tried, at close.
 */
int
check_exec_word(Node *n, const char *p, size_t len, char *err, size_t errlen)
{
	Ent *e = node_ent(n);
	const char *what = file_of(n->q)->arg, *kind;
	char word[256];
	size_t i = 0, w;

	len = lines(p, len);
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	for (w = i; w < len && p[w] != '\n' && p[w] != ' ' && p[w] != '\t'; w++)
		;
	snprintf(word, sizeof word, "%.*s", (int)(w - i), p + i);
	while (w < len && (p[w] == ' ' || p[w] == '\t' || p[w] == '\n'))
		w++;
	if (w < len) {
		snprintf(err, errlen, "%s: one word on one line", what);
		return -EINVAL;
	}
	if (strcmp(what, "kind") != 0 || word[0] == '\0' || e == NULL)
		return 0;
	kind = e->staged ? e->stagekind : json_string_value(json_object_get(json_object_get(e->doc, "exec"), "kind"));
	if (kind == NULL)
		kind = "";
	if (strcmp(word, "sequence") == 0 && strcmp(kind, "sequence") != 0) {
		snprintf(err, errlen,
		         "kind: an action becomes a sequence only with its components, "
		         "written as NAME.sequence (one action name a line), or through manifest.yaml or the REST API");
		return -EINVAL;
	}
	if (strcmp(word, "sequence") != 0 && strcmp(kind, "sequence") == 0) {
		snprintf(err, errlen, "kind: a sequence has no code to run as %s: make an action of that kind instead",
		         word);
		return -EINVAL;
	}
	return 0;
}

/*
 * A binding, as far as a write can tell: a package of this namespace that
 * exists, is not a binding itself and is not the package being bound.
 * One of another namespace is checked by the backend, at close.
 */
int
check_binding(Node *n, const char *p, size_t len, char *err, size_t errlen)
{
	char line[600], *s = line, *slash;
	Ent *e;

	len = lines(p, len);
	snprintf(line, sizeof line, "%.*s", (int)len, p);
	s[strcspn(s, "\n")] = '\0';
	while (isspace((unsigned char)*s))
		s++;
	s[strcspn(s, " \t")] = '\0';
	if (*s == '/' && (slash = strchr(s + 1, '/')) != NULL) {
		*slash = '\0';
		if (strcmp(s + 1, fs.ns) != 0 && strcmp(s + 1, "_") != 0)
			return 0;
		s = slash + 1;
	}
	if (*s == '\0')
		return 0;
	if (strcmp(s, n->ename) == 0) {
		snprintf(err, errlen, "binding: a package cannot bind itself");
		return -EINVAL;
	}
	if ((e = ent_get(Epackage, s)) == NULL) {
		snprintf(err, errlen, "binding: no package '%s'", s);
		return -ENOENT;
	}
	if (e->bindto != NULL) {
		snprintf(err, errlen, "binding: '%s' is a binding itself: bind the package it binds, %s", s, e->bindto);
		return -EINVAL;
	}
	return 0;
}

/* params, annotations, an API: a JSON object, as far as it has come. */
int
check_object(Node *n, const char *p, size_t len, char *err, size_t errlen)
{
	(void)n;
	return object_check(p, len, 0, err, errlen);
}

int
check_limits(Node *n, const char *p, size_t len, char *err, size_t errlen)
{
	json_t *lim = json_object();
	int rc = limits_parse(p, lines(p, len), lim, err, errlen);

	(void)n;
	json_decref(lim);
	return rc;
}

/* A one-word file (web, debug): the annotations its text sets (text.c), or err. */
typedef json_t *(*words_fn)(const char *text, size_t len, char *err, size_t errlen);

static int
word_check(words_fn words, const char *p, size_t len, char *err, size_t errlen)
{
	err[0] = '\0';
	json_decref(words(p, lines(p, len), err, errlen));
	return err[0] ? -EINVAL : 0;
}

int
check_web(Node *n, const char *p, size_t len, char *err, size_t errlen)
{
	(void)n;
	return word_check(web_annotations, p, len, err, errlen);
}

int
check_debug(Node *n, const char *p, size_t len, char *err, size_t errlen)
{
	(void)n;
	return word_check(debug_annotations, p, len, err, errlen);
}

/*
 * Check what an open staged so far; complete values and lines only. 0, or
 * -errno with the reason in err.
 */
int
stage_check(Open *o, char *err, size_t len)
{
	const File *f = file_of(o->node->q);

	return f->check ? f->check(o->node, o->stage.p ? o->stage.p : "", o->stage.n, err, len) : 0;
}

/* ---- commit ---- */

struct Cm {
	int q;
	int kind;
	char *ename;
	char *path; /* the node's path */
	Buf data;
	commit_cb cb;
	void *arg;
	Ruletext rule;
	char oldstatus[16];
	char text[512];
};

static void
cm_free(Cm *c)
{
	free(c->ename);
	free(c->path);
	buf_free(&c->data);
	free(c);
}

static void
cm_done(Cm *c, int err, const char *text)
{
	Ent *e = ent_get(c->kind, c->ename);

	if (e != NULL && err < 0)
		ent_seterr(e, text);
	c->cb(c->arg, err, text);
	cm_free(c);
}

static char *
trimmed(Cm *c)
{
	char *s = c->data.p ? c->data.p : "", *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* A tree's kind (src.c): the action's, unless the tree's top says another
 * family (a python tree made a node one). */
static const char *
tree_kind(Cm *c, const char *kind, const char *p, size_t n)
{
	char why[256];
	const char *told = kind_of_archive(p, n, why, sizeof why);

	(void)c;
	if (told == NULL || (strcspn(told, ":") == strcspn(kind, ":") && strncmp(told, kind, strcspn(kind, ":")) == 0))
		return kind;
	return told;
}

/* The exec of a code commit: the kind kept or guessed, the code as text or base64. */
static json_t *
code_exec(Cm *c, Ent *e)
{
	json_t *old = json_object_get(e->doc, "exec");
	const char *kind = e->staged ? e->stagekind : json_string_value(json_object_get(old, "kind"));
	const char *main = json_string_value(json_object_get(old, "main"));
	const char *p = c->data.p ? c->data.p : "";
	json_t *x;
	Buf b64 = { 0 };

	if (c->q == Qsrc && kind != NULL && is_archive(p, c->data.n))
		kind = tree_kind(c, kind, p, c->data.n);
	if (kind == NULL || strcmp(kind, "archive") == 0) {
		char why[256];
		if (is_archive(p, c->data.n) && (kind = kind_of_archive(p, c->data.n, why, sizeof why)) == NULL) {
			snprintf(c->text, sizeof c->text, "action %s: %s", c->ename, why);
			return NULL;
		}
		if (kind == NULL)
			kind = kind_of_code(p, c->data.n);
	}
	if (kind == NULL || strcmp(kind, "archive") == 0) {
		snprintf(c->text, sizeof c->text,
		         "cannot tell the kind of action %s: name the file "
		         "NAME.py, NAME.js or NAME.sh, make it an executable (ELF or #!), "
		         "or a zip or tar.gz with __main__.py, package.json, index.js or exec at its top",
		         c->ename);
		return NULL;
	}
	if (strcmp(kind, "sequence") == 0) {
		json_t *comps;
		if (components_parse(p, c->data.n, &comps, c->text, sizeof c->text) < 0)
			return NULL;
		return json_pack("{s:s,s:o}", "kind", "sequence", "components", comps);
	}
	x = json_pack("{s:s}", "kind", kind);
	if (is_text(p, c->data.n)) {
		json_object_set_new(x, "code", json_stringn(p, c->data.n));
		json_object_set_new(x, "binary", json_false());
	} else {
		base64_encode(p, c->data.n, &b64);
		json_object_set_new(x, "code", json_string(b64.p ? b64.p : ""));
		json_object_set_new(x, "binary", json_true());
		buf_free(&b64);
	}
	if (main)
		json_object_set_new(x, "main", json_string(main));
	return x;
}

/* The exec with one field (kind or main) changed, the code as stored. */
static json_t *
exec_with(Cm *c, Ent *e, const char *field)
{
	json_t *x = json_deep_copy(json_object_get(e->doc, "exec"));
	const char *v = trimmed(c);

	if (x == NULL || v[0] == '\0') {
		json_decref(x);
		snprintf(c->text, sizeof c->text, "%s: empty", field);
		return NULL;
	}
	json_object_set_new(x, field, json_string(v));
	return x;
}

static json_t *
object_of(Cm *c)
{
	const char *p = c->data.p ? c->data.p : "";
	json_t *v;

	if (trimmed(c)[0] == '\0')
		return json_object();
	if (object_check(p, strlen(p), 1, c->text, sizeof c->text) < 0)
		return NULL;
	v = json_loads(p, JSON_ALLOW_NUL, NULL);
	return v;
}

/* {"annotations": [...]} plus, for actions, the keys to delete. */
static json_t *
annot_body(Cm *c, Ent *e, json_t *obj)
{
	json_t *body = json_pack("{s:o}", "annotations", kv_array(obj));
	json_t *old = kv_object(json_object_get(e->doc, "annotations")), *v, *del = json_array();
	const char *k;

	json_object_foreach(old, k, v) if (json_object_get(obj, k) == NULL && strcmp(k, "exec") != 0)
	        json_array_append_new(del, json_string(k));
	if (c->kind == Eaction && json_array_size(del) > 0)
		json_object_set(body, "delAnnotations", del);
	json_decref(del);
	json_decref(old);
	return body;
}

static json_t *
binding_body(Cm *c)
{
	char *s = trimmed(c), *slash;

	if (*s == '\0')
		return json_pack("{s:{}}", "binding");
	if (*s == '/')
		s++;
	if ((slash = strchr(s, '/')) == NULL)
		return json_pack("{s:{s:s,s:s}}", "binding", "namespace", fs.ns, "name", s);
	*slash = '\0';
	return json_pack("{s:{s:s,s:s}}", "binding", "namespace", s, "name", slash + 1);
}

static void
qualify(const char *name, char *out, size_t len)
{
	if (name[0] == '/')
		snprintf(out, len, "%s", name);
	else
		snprintf(out, len, "/%s/%s", fs.ns, name);
}

json_t *
body_rule(Cm *c, Ent *e)
{
	char t[600], a[600];

	rule_base(e, &c->rule);
	snprintf(c->oldstatus, sizeof c->oldstatus, "%s", e->staged ? "active" : c->rule.status);
	if (rule_parse(c->data.p ? c->data.p : "", c->data.n, &c->rule, c->text, sizeof c->text) < 0)
		return NULL;
	if (!c->rule.trigger[0] || !c->rule.action[0]) {
		snprintf(c->text, sizeof c->text, "rule: a rule needs a trigger and an action");
		return NULL;
	}
	qualify(c->rule.trigger, t, sizeof t);
	qualify(c->rule.action, a, sizeof a);
	return json_pack("{s:s,s:s}", "trigger", t, "action", a);
}

/* The parameters obj as the backend's array. The file shows only keys and
 * values, so a key that was an init parameter (given to the runtime at
 * /init) stays one. */
static json_t *
params_array(json_t *obj, Ent *e)
{
	json_t *arr = kv_array(obj), *old = json_object_get(e->doc, "parameters"), *p, *q;
	size_t i, j;

	json_array_foreach(arr, i, p)
	        json_array_foreach(old, j, q) if (json_is_true(json_object_get(q, "init")) &&
	                                          json_equal(json_object_get(p, "key"), json_object_get(q, "key")))
	                json_object_set(p, "init", json_true());
	return arr;
}

/* ---- the bodies of the file table's rows (files.c): the PUT that commits c to e, or NULL with c->text ---- */

json_t *
body_code(Cm *c, Ent *e)
{
	json_t *x = code_exec(c, e);

	return x ? json_pack("{s:o}", "exec", x) : NULL;
}

/* kind or main (the row's arg) */
json_t *
body_exec(Cm *c, Ent *e)
{
	json_t *x = exec_with(c, e, file_of(c->q)->arg);

	return x ? json_pack("{s:o}", "exec", x) : NULL;
}

json_t *
body_params(Cm *c, Ent *e)
{
	json_t *x, *obj;

	if ((obj = object_of(c)) == NULL)
		return NULL;
	x = json_pack("{s:o}", "parameters", params_array(obj, e));
	json_decref(obj);
	return x;
}

json_t *
body_annot(Cm *c, Ent *e)
{
	json_t *x, *obj;

	if ((obj = object_of(c)) == NULL)
		return NULL;
	x = annot_body(c, e, obj);
	json_decref(obj);
	return x;
}

json_t *
body_limits(Cm *c, Ent *e)
{
	json_t *lim = json_deep_copy(json_object_get(e->doc, "limits"));

	if (lim == NULL)
		lim = json_object();
	if (limits_parse(c->data.p ? c->data.p : "", c->data.n, lim, c->text, sizeof c->text) < 0) {
		json_decref(lim);
		return NULL;
	}
	return json_pack("{s:o}", "limits", lim);
}

json_t *
body_binding(Cm *c, Ent *e)
{
	(void)e;
	return binding_body(c);
}

/* The OpenAPI document; the backend checks it whole. */
json_t *
body_api(Cm *c, Ent *e)
{
	json_t *obj;

	(void)e;
	if ((obj = object_of(c)) != NULL && json_object_size(obj) == 0)
		snprintf(c->text, sizeof c->text, "apis: want an OpenAPI 2 document"), json_decref(obj), obj = NULL;
	return obj;
}

static json_t *
word_body(Cm *c, words_fn words, const char *want)
{
	json_t *x;

	c->text[0] = '\0';
	x = words(c->data.p ? c->data.p : "", c->data.n, c->text, sizeof c->text);
	if (x == NULL && c->text[0] == '\0')
		snprintf(c->text, sizeof c->text, "%s", want);
	return x ? json_pack("{s:o}", "annotations", x) : NULL;
}

json_t *
body_web(Cm *c, Ent *e)
{
	(void)e;
	return word_body(c, web_annotations, "web: want true, raw or false");
}

json_t *
body_debug(Cm *c, Ent *e)
{
	(void)e;
	return word_body(c, debug_annotations, "debug: want true, false or seconds");
}

/* The PUT body that commits c to e, or NULL with c->text. */
static json_t *
body_of(Cm *c, Ent *e)
{
	const File *f = file_of(c->q);

	if (f->body == NULL) {
		snprintf(c->text, sizeof c->text, "this file cannot be written");
		return NULL;
	}
	return f->body(c, e);
}

static void
statused(Resp *r, void *arg)
{
	Cm *c = arg;
	Ent *e = ent_get(c->kind, c->ename);

	if (r->err == 0 && e != NULL)
		e->docver[0] = '\0'; /* the status lives in the document: fetch it again */
	cm_done(c, r->err, r->text);
}

static void
put_done(Resp *r, void *arg)
{
	Cm *c = arg;
	Ent *e;
	char *path, *slash;
	json_t *body;

	if (r->err < 0) {
		cm_done(c, r->err, r->text);
		return;
	}
	e = ent_make(c->kind, c->ename);
	ent_update(e, resp_json(r), json_is_object(resp_json(r)));
	ent_seterr(e, NULL);
	notify_changed(e);
	if (c->kind == Erule)
		cache_stale(Etrigger);
	if (c->q == Qalias && (slash = strrchr(c->path, '/')) != NULL) {
		*slash = '\0';
		notify_entry(c->path, slash + 1);
	}
	if (c->q != Qrule || strcmp(c->rule.status, c->oldstatus) == 0) {
		cm_done(c, 0, NULL);
		return;
	}
	path = bk_path(Erule, c->ename, NULL);
	body = json_pack("{s:s}", "status", c->rule.status);
	if (bk_json("POST", path, body, statused, c) < 0)
		cm_done(c, -EIO, "cannot change the rule's status");
	json_decref(body);
	free(path);
}

static void
loaded(void *arg, int err)
{
	Cm *c = arg;
	Ent *e = ent_get(c->kind, c->ename);
	json_t *body;
	char *path;
	int rc;

	if (err < 0 || e == NULL) {
		cm_done(c, err < 0 ? err : -ENOENT, err < 0 ? "cannot fetch the entity" : "it is gone");
		return;
	}
	if ((body = body_of(c, e)) == NULL) {
		cm_done(c, -EINVAL, c->text);
		return;
	}
	path = bk_path(c->kind, c->ename,
	               file_of(c->q)->flags & Fvalidate ? "overwrite=true&validate=true" : "overwrite=true");
	rc = bk_json("PUT", path, body, put_done, c);
	json_decref(body);
	free(path);
	if (rc < 0)
		cm_done(c, rc, "cannot reach the backend");
}

/* manifest.yaml: the whole namespace as one document (manifest.c). */
int
commit_manifest(Node *n, const char *data, size_t len, commit_cb cb, void *arg)
{
	char err[1024];
	int rc;

	(void)n;
	if ((rc = manifest_apply(data, len, cb, arg, err, sizeof err)) < 0)
		cb(arg, rc, err);
	return 0;
}

/*
 * Commit len bytes of data as the content of n. cb(arg, 0) or cb(arg,
 * -errno, text) runs when it is done; not if this returns -errno.
 */
int
commit(Node *n, const char *data, size_t len, commit_cb cb, void *arg)
{
	Ent *e = node_ent(n);
	Cm *c;
	int rc;

	if (file_of(n->q)->commit != NULL)
		return file_of(n->q)->commit(n, data, len, cb, arg);
	if (e == NULL)
		return -ENOENT;
	c = ecalloc(1, sizeof *c);
	c->q = n->q;
	c->kind = e->kind;
	c->cb = cb;
	c->arg = arg;
	c->ename = estrdup(e->name);
	c->path = estrdup(n->path);
	buf_add(&c->data, data, len);
	if ((rc = ent_load(e, loaded, c)) < 0)
		cm_free(c);
	return rc;
}
