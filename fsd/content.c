/* content.c — what reading an entity's files gives: code, kind, params, limits, rules... */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"

/* OpenWhisk's [{"key":k,"value":v}] as an object {k: v}; new reference. */
json_t *
kv_object(json_t *arr)
{
	json_t *o = json_object(), *kv;
	size_t i;

	json_array_foreach(arr, i, kv)
	{
		const char *k = json_string_value(json_object_get(kv, "key"));
		json_t *v = json_object_get(kv, "value");
		if (k && v)
			json_object_set(o, k, v);
	}
	return o;
}

/* An object {k: v} as [{"key":k,"value":v}]; new reference. */
json_t *
kv_array(json_t *obj)
{
	json_t *a = json_array(), *v;
	const char *k;

	json_object_foreach(obj, k, v) json_array_append_new(a, json_pack("{s:s,s:O}", "key", k, "value", v));
	return a;
}

static json_t *
exec_of(Ent *e)
{
	return json_object_get(e->doc, "exec");
}

/* The code of an action, decoded when binary. */
int
code_bytes(Ent *e, Buf *b)
{
	json_t *x = exec_of(e);
	const char *code = json_string_value(json_object_get(x, "code"));

	if (e->staged)
		return 0;
	if (json_is_array(json_object_get(x, "components"))) { /* a sequence */
		components_format(json_object_get(x, "components"), fs.ns, b);
		return 0;
	}
	if (code == NULL)
		return 0;
	if (json_is_true(json_object_get(x, "binary")))
		return base64_decode(code, strlen(code), b);
	buf_str(b, code);
	return 0;
}

/* The size of an action's code, remembered once known. */
off_t
code_size(Ent *e)
{
	Buf b = { 0 };

	if (e == NULL || e->staged)
		return 0;
	if (e->size < 0 && e->doc != NULL && code_bytes(e, &b) == 0)
		e->size = b.n;
	buf_free(&b);
	return e->size < 0 ? 0 : e->size;
}

static int
fill_json(json_t *v, Buf *b)
{
	return buf_json(b, v);
}

/* An API's OpenAPI document, indented: a person edits it (no reals in one
 * that need js_text's care). */
static int
fill_doc(json_t *v, Buf *b)
{
	char *s = json_dumps(v, JSON_INDENT(2));

	if (s == NULL)
		return -EINVAL;
	buf_printf(b, "%s\n", s);
	free(s);
	return 0;
}

static int
kv_fill(Ent *e, const char *field, Buf *b)
{
	json_t *o = kv_object(json_object_get(e->doc, field));
	int rc = fill_json(o, b);

	json_decref(o);
	return rc;
}

/* "/ns/name" of a {path,name} or {namespace,name} object, or a plain string. */
static const char *
qualname(json_t *v, const char *pathkey, char *buf, size_t len)
{
	const char *path = json_string_value(json_object_get(v, pathkey));
	const char *name = json_string_value(json_object_get(v, "name"));

	if (json_is_string(v))
		return json_string_value(v);
	if (name == NULL)
		return "";
	snprintf(buf, len, "/%s/%s", path ? path : fs.ns, name);
	return buf;
}

/* A name as a user types it in this namespace: "/guest/pkg/a" -> "pkg/a". */
const char *
localname(const char *q)
{
	size_t n = strlen(fs.ns);

	if (q[0] == '/' && strncmp(q + 1, fs.ns, n) == 0 && q[n + 1] == '/')
		return q + n + 2;
	return q;
}

int
fill_binding(Node *n, Ent *e, Buf *b)
{
	char buf[512];
	const char *q = qualname(json_object_get(e->doc, "binding"), "namespace", buf, sizeof buf);

	(void)n;
	if (q[0])
		buf_printf(b, "%s\n", q);
	return 0;
}

static void
rulenames(json_t *rules, Buf *b)
{
	const char *k;
	json_t *v;

	json_object_foreach(rules, k, v)
	{
		const char *slash = strrchr(k, '/');
		buf_printf(b, " %s", slash ? slash + 1 : k);
	}
}

/* A fed trigger's feed (the backend's "feed" in its GET): its name and
 * parameters, status, next fire; and the trigger's last fires (due time). */
static void
fill_feed(Ent *e, Buf *b)
{
	json_t *feed = json_object_get(e->doc, "feed"), *st = json_object_get(feed, "status"), *f;
	const char *err = json_string_value(json_object_get(st, "error"));
	char *text;
	size_t i;

	if (feed != NULL) {
		text = js_text(json_object_get(feed, "config"), NULL);
		buf_printf(b, "feed %s %s\n", json_string_value(json_object_get(feed, "name")), text ? text : "{}");
		free(text);
		if (json_is_string(json_object_get(feed, "url")))
			buf_printf(b, "url %s\n", json_string_value(json_object_get(feed, "url")));
		if (st != NULL)
			buf_printf(b, "status %s\n",
			           err                                            ? "error"
			           : json_is_false(json_object_get(st, "active")) ? "paused"
			                                                          : "active");
		if (err)
			buf_printf(b, "error %s\n", err);
		if (json_is_string(json_object_get(st, "nextFire")))
			buf_printf(b, "next %s\n", json_string_value(json_object_get(st, "nextFire")));
	}
	json_array_foreach(json_object_get(e->doc, "fires"), i, f)
	{
		buf_printf(b, "fired %s %s", json_string_value(json_object_get(f, "start")),
		           json_string_value(json_object_get(f, "activationId")));
		if (json_is_string(json_object_get(f, "due")))
			buf_printf(b, " due %s", json_string_value(json_object_get(f, "due")));
		buf_str(b, "\n");
	}
}

int
fill_trigger(Node *n, Ent *e, Buf *b)
{
	(void)n;
	buf_str(b, "params ");
	kv_fill(e, "parameters", b);
	buf_str(b, "annotations ");
	kv_fill(e, "annotations", b);
	buf_str(b, "rules");
	rulenames(json_object_get(e->doc, "rules"), b);
	buf_str(b, "\n");
	fill_feed(e, b);
	if (e->lastfire[0])
		buf_printf(b, "last %s\n", e->lastfire);
	return 0;
}

/* The rule's text from its document. */
void
rule_of_doc(json_t *doc, Ruletext *r)
{
	char buf[512];
	const char *st = json_string_value(json_object_get(doc, "status"));

	snprintf(r->trigger, sizeof r->trigger, "%s",
	         localname(qualname(json_object_get(doc, "trigger"), "path", buf, sizeof buf)));
	snprintf(r->action, sizeof r->action, "%s",
	         localname(qualname(json_object_get(doc, "action"), "path", buf, sizeof buf)));
	snprintf(r->status, sizeof r->status, "%s", st ? st : "active");
}

int
fill_rule(Node *n, Ent *e, Buf *b)
{
	Ruletext r;

	(void)n;
	rule_of_doc(e->doc, &r);
	rule_format(&r, b);
	return 0;
}

/* kind or main (the row's arg), from the action's exec. */
int
fill_exec(Node *n, Ent *e, Buf *b)
{
	const char *field = file_of(n->q)->arg;
	const char *v = json_string_value(json_object_get(exec_of(e), field));

	if (e->staged && strcmp(field, "kind") == 0)
		v = e->stagekind;
	/* without one, the runtime calls main (a sequence has no function) */
	if (v == NULL && strcmp(field, "main") == 0 &&
	    strcmp(jstr(json_object_get(exec_of(e), "kind")), "sequence") != 0)
		v = "main";
	if (v)
		buf_printf(b, "%s\n", v);
	return 0;
}

/* The action's web URL: BACKEND/api/v1/web/NS/PKG/NAME, PKG "default" outside a package. */
int
fill_url(Node *n, Ent *e, Buf *b)
{
	const char *slash = strchr(e->name, '/');

	(void)n;
	buf_printf(b, "%s/api/v1/web/", fs.base);
	url_escape(b, fs.ns);
	buf_str(b, slash ? "/" : "/default/");
	url_escape(b, e->name);
	buf_str(b, "\n");
	return 0;
}

/* "raw", "true" or "false": an action's web-export and raw-http annotations. */
const char *
web_of(json_t *doc)
{
	json_t *ann = kv_object(json_object_get(doc, "annotations"));
	const char *v = !json_is_true(json_object_get(ann, "web-export")) ? "false"
	                : json_is_true(json_object_get(ann, "raw-http"))  ? "raw"
	                                                                  : "true";

	json_decref(ann);
	return v;
}

/* "true", "false" or seconds: how long an action's failed containers are held (annotation debug). */
int
fill_debug(Node *n, Ent *e, Buf *b)
{
	json_t *ann, *v;

	(void)n;
	if (e->staged) {
		buf_str(b, "false\n");
		return 0;
	}
	ann = kv_object(json_object_get(e->doc, "annotations"));
	v = json_object_get(ann, "debug");
	if (json_is_number(v) && json_number_value(v) > 0)
		buf_printf(b, "%g\n", json_number_value(v));
	else
		buf_printf(b, "%s\n", json_is_true(v) ? "true" : "false");
	json_decref(ann);
	return 0;
}

/* Append s with what a URL path cannot hold as it is percent-encoded ('/' kept). */
void
url_escape(Buf *b, const char *s)
{
	for (; *s; s++)
		if (isalnum((unsigned char)*s) || strchr("-._~/@:", *s))
			buf_add(b, s, 1);
		else
			buf_printf(b, "%%%02X", (unsigned char)*s);
}

int
ent_docfresh(Ent *e)
{
	if (e->kind == Etrigger && e->doc != NULL && json_object_get(e->doc, "feed") != NULL &&
	    now_ms() - e->loadedat > FEED_FRESH_MS)
		return 0; /* its feed's next fire and last fires change without a new version */
	return e->staged || (e->doc != NULL && strcmp(e->docver, e->version) == 0);
}

/*
 * What a read of n returns, into b. 0, -ENOENT, or -EAGAIN when the
 * entity's document must be loaded first (ent_load).
 */
int
node_fill(Node *n, Buf *b)
{
	const File *f = file_of(n->q);
	Ent *e = NULL;

	if (f->fill == NULL)
		return 0;
	if (f->ent != NULL && (e = f->ent(n)) == NULL)
		return -ENOENT;
	if ((f->flags & Fdoc) && !ent_docfresh(e))
		return -EAGAIN;
	return f->fill(n, e, b);
}

/* ---- the fills of the file table's rows (files.c) ---- */

int
fill_manifest(Node *n, Ent *e, Buf *b)
{
	(void)n, (void)e;
	return manifest_fill(b);
}

int
fill_code(Node *n, Ent *e, Buf *b)
{
	(void)n;
	return code_bytes(e, b);
}

/* params or annotations (the row's arg) as an object; a staged action has none. */
int
fill_kv(Node *n, Ent *e, Buf *b)
{
	if (e->staged) {
		buf_str(b, "{}\n");
		return 0;
	}
	return kv_fill(e, file_of(n->q)->arg, b);
}

int
fill_limits(Node *n, Ent *e, Buf *b)
{
	(void)n;
	limits_format(json_object_get(e->doc, "limits"), b);
	return 0;
}

int
fill_version(Node *n, Ent *e, Buf *b)
{
	(void)n;
	buf_printf(b, "%s\n", e->version);
	return 0;
}

int
fill_objerr(Node *n, Ent *e, Buf *b)
{
	(void)n;
	if (e->err)
		buf_printf(b, "%s\n", e->err);
	return 0;
}

int
fill_logs(Node *n, Ent *e, Buf *b)
{
	(void)n;
	buf_add(b, action_logs(e)->p, action_logs(e)->n);
	return 0;
}

int
fill_api(Node *n, Ent *e, Buf *b)
{
	(void)n;
	return e->staged ? 0 : fill_doc(json_object_get(e->doc, "apidoc"), b);
}

int
fill_web(Node *n, Ent *e, Buf *b)
{
	(void)n;
	buf_printf(b, "%s\n", e->staged ? "false" : web_of(e->doc));
	return 0;
}
