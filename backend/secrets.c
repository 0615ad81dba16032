/* secrets.c — secrets of actions and packages: set through REST, named in the entity, given to the function as files.
 *
 * A secret is a name and a value (any bytes, at most SECRET_MAX). Its value
 * is kept in the store's secrets table, apart from every document, so no
 * answer, list, event, manifest or activation record can carry it: an
 * entity's document has only the names, as the annotation "secrets" (an
 * array, sorted), which is how `wsk action get` shows them. The value
 * leaves the store only for an init (resolve.c, sched.c), to the proxy,
 * which writes it to a file readable by the function alone (faasfs-proxy(8)).
 *
 * Setting them (faasfs-backend(8), SECRETS):
 *   PUT    .../actions/[PKG/]NAME/secrets/KEY   the body is the value
 *   DELETE .../actions/[PKG/]NAME/secrets/KEY
 *   GET    .../actions/[PKG/]NAME/secrets/KEY   {name, size, version, updated}, never the value
 * and the same under .../packages/NAME/secrets/KEY. A PUT of the entity itself
 * may carry "secrets": {KEY: "value" or null}, or the annotation "secrets"
 * with such an object as its value (what `wsk action update NAME -a secrets
 * '{"KEY":"value"}'` sends); both are taken out of the body before anything
 * else reads it. The annotation as an array (what a read gives back) is
 * ignored: the names are always the store's. "secretsFrom": "NAME" (an
 * action of the same namespace, "PKG/NAME" in a package) copies that
 * action's secrets first, which is how mv in the file system keeps them.
 * Every change is a new version of the entity, written in the same
 * transaction as the value.
 *
 * An action gets the secrets of the package it lives in, then its own (the
 * same name: the action's wins); a binding adds none.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fns.h"

enum { SECRET_MAX = 64 << 10, SECRET_NAME_MAX = 128 };

#define PENDING "\001secrets" /* a document's member holding the changes a PUT carries, never stored */
#define FROM "\001from"       /* in those: the action whose secrets are copied first (secretsFrom) */

int
secret_name_check(const char *k, char *err, size_t n)
{
	size_t len = strlen(k);

	if (!len || len > SECRET_NAME_MAX || k[0] == '.' ||
	    strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	              "0123456789_.-") != len)
		return snprintf(err, n,
		                "A secret's name is 1 to %d letters, digits, '_', '.' or '-', not starting with '.': "
		                "'%.64s' is not one.",
		                SECRET_NAME_MAX, k),
		       -EINVAL;
	return 0;
}

static int
take_object(json_t *sets, const json_t *o, char *err, size_t n)
{
	const char *k;
	json_t *v;

	if (!json_is_object(o))
		return snprintf(err, n, "\"secrets\" must be an object of names and values (null deletes one)."),
		       -EINVAL;
	json_object_foreach((json_t *)o, k, v)
	{
		if (secret_name_check(k, err, n))
			return -EINVAL;
		if (!json_is_string(v) && !json_is_null(v))
			return snprintf(err, n, "The secret %s must be a string (or null, to delete it).", k), -EINVAL;
		if (json_is_string(v) && json_string_length(v) > SECRET_MAX)
			return snprintf(err, n, "The secret %s is longer than %d bytes.", k, SECRET_MAX), -EINVAL;
		json_object_set(sets, k, v);
	}
	return 0;
}

/* Take the secrets a PUT body carries out of it: the member "secrets" and
 * the annotation "secrets" (an object sets, anything else is dropped). They
 * go to doc (once built) with secrets_pending. */
int
secrets_take(json_t *body, json_t **sets, char *err, size_t n)
{
	json_t *ann = json_object_get(body, "annotations"), *del = json_object_get(body, "delAnnotations"), *p;
	size_t i;
	int rc = 0;

	*sets = json_object();
	if (json_object_get(body, "secretsFrom")) {
		json_t *from = json_object_get(body, "secretsFrom");
		if (!json_is_string(from) || !json_string_length(from) || strstr(json_string_value(from), ".."))
			rc = -EINVAL, snprintf(err, n, "\"secretsFrom\" must name an action of this namespace.");
		else
			json_object_set(*sets, FROM, from);
		json_object_del(body, "secretsFrom");
	}
	if (!rc && json_object_get(body, "secrets")) {
		rc = take_object(*sets, json_object_get(body, "secrets"), err, n);
		json_object_del(body, "secrets");
	}
	for (i = json_array_size(ann); !rc && i-- > 0;) {
		p = json_array_get(ann, i);
		if (strcmp(jstr(json_object_get(p, "key")), "secrets"))
			continue;
		if (json_is_object(json_object_get(p, "value")))
			rc = take_object(*sets, json_object_get(p, "value"), err, n);
		json_array_remove(ann, i);
	}
	for (i = json_array_size(del); i-- > 0;)
		if (strcmp(jstr(json_array_get(del, i)), "secrets") == 0)
			json_array_remove(del, i);
	if (rc) {
		json_decref(*sets);
		*sets = NULL;
	}
	return rc;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static json_t *
sorted_keys(json_t *o)
{
	size_t n = 0, size = json_object_size(o);
	const char **k = ecalloc(size ? size : 1, sizeof *k), *key;
	json_t *v, *names = json_array();

	json_object_foreach(o, key, v) k[n++] = key;
	qsort(k, n, sizeof *k, cmpstr);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(names, json_string(k[i]));
	free(k);
	return names;
}

/* Name the entity's secrets in doc's annotations, as they will be once
 * sets (an object of names, a value or null each; or NULL) is applied. */
static int
annotate(Store *st, const char *ns, const char *coll, const char *key, json_t *doc, json_t *sets)
{
	json_t *info = json_object(), *ann = json_object_get(doc, "annotations"), *names, *v;
	const char *k;
	int rc = store_secret_list(st, ns, coll, key, info, NULL);

	if (!rc && json_is_string(json_object_get(sets, FROM)))
		rc = store_secret_list(st, ns, "actions", json_string_value(json_object_get(sets, FROM)), info, NULL);
	json_object_foreach(sets, k, v)
	{
		if (strcmp(k, FROM) == 0)
			continue;
		if (json_is_null(v))
			json_object_del(info, k);
		else
			json_object_set_new(info, k, json_null());
	}
	names = sorted_keys(info);
	json_decref(info);
	if (!json_is_array(ann))
		json_object_set_new(doc, "annotations", ann = json_array());
	if (json_array_size(names))
		params_set(ann, "secrets", names);
	else {
		json_decref(names);
		for (size_t i = json_array_size(ann); i-- > 0;)
			if (strcmp(jstr(json_object_get(json_array_get(ann, i), "key")), "secrets") == 0)
				json_array_remove(ann, i);
	}
	return rc;
}

/* The same, and keep sets in doc for secrets_store. */
int
secrets_pending(Store *st, const char *ns, const char *coll, const char *key, json_t *doc, json_t *sets)
{
	int rc = annotate(st, ns, coll, key, doc, sets);

	if (json_object_size(sets))
		json_object_set(doc, PENDING, sets);
	return rc;
}

/* Store doc with the secret changes secrets_pending kept in it. */
int
secrets_store(Store *st, const char *ns, const char *coll, const char *key, const char *ref, json_t *doc)
{
	json_t *sets = json_incref(json_object_get(doc, PENDING)), *v;
	Secretset *s = NULL;
	const char *k;
	int n = 0, rc;

	json_object_del(doc, PENDING);
	if (json_object_size(sets))
		s = ecalloc(json_object_size(sets), sizeof *s);
	if (json_is_string(json_object_get(sets, FROM))) /* first: what the PUT sets itself wins */
		s[n++] = (Secretset){ NULL, json_string_value(json_object_get(sets, FROM)), 0 };
	json_object_foreach(sets, k, v)
	{
		if (strcmp(k, FROM) == 0)
			continue;
		s[n].key = k;
		s[n].val = json_string_value(v);
		s[n++].len = json_string_length(v);
	}
	rc = store_entity_put_secrets(st, ns, coll, key, ref, doc, s, n);
	free(s);
	json_decref(sets);
	return rc;
}

/* Does an entity name secrets? */
int
secrets_named(const json_t *doc)
{
	return json_array_size(params_get(json_object_get(doc, "annotations"), "secrets")) > 0;
}

/* What an init of the action gets: the values (base64) of its package's
 * secrets and its own, into values; their versions into info. */
int
secrets_for_run(Store *st, const char *ns, const char *pkg, const json_t *pkgdoc, const char *key, const json_t *action,
                json_t *values, json_t *info)
{
	json_t *pi = json_object(), *v;
	const char *k;
	int rc = 0;

	if (pkg && pkg[0] && secrets_named(pkgdoc))
		rc = store_secret_list(st, ns, "packages", pkg, pi, values);
	if (!rc && secrets_named(action))
		rc = store_secret_list(st, ns, "actions", key, info, values);
	json_object_foreach(pi, k, v) if (!json_object_get(info, k))
	        json_object_set(info, k, json_object_get(v, "version"));
	json_object_foreach(info, k, v) if (json_is_object(v)) json_object_set(info, k, json_object_get(v, "version"));
	json_decref(pi);
	return rc;
}

/* What a validating init of doc (an action not stored yet) gets: the
 * stored secrets with the changes its PUT carries. */
json_t *
secrets_for_validate(Store *st, const char *ns, const char *pkg, const char *key, const json_t *doc)
{
	json_t *values = json_object(), *info = json_object(), *pd = NULL, *v;
	const char *k;
	Buf b = { 0 };

	if (pkg[0])
		store_entity_peek(st, ns, "packages", pkg, &pd);
	secrets_for_run(st, ns, pkg, pd, key, doc, values, info);
	json_decref(pd);
	json_decref(info);
	if ((v = json_object_get(json_object_get(doc, PENDING), FROM)))
		store_secret_list(st, ns, "actions", json_string_value(v), NULL, values);
	json_object_foreach(json_object_get(doc, PENDING), k, v)
	{
		if (strcmp(k, FROM) == 0)
			continue;
		if (json_is_null(v)) {
			json_object_del(values, k);
			continue;
		}
		b.n = 0;
		base64_encode(json_string_value(v), json_string_length(v), &b);
		json_object_set_new(values, k, json_stringn(b.p ? b.p : "", b.n));
	}
	buf_free(&b);
	return values;
}

/* Forget the warm containers of the entity's actions (their secrets changed). */
void
secrets_forget(ApiReq *ar, const char *coll, const char *key)
{
	char path[PATH_MAX_LEN + 1];
	json_t *list = NULL, *a;
	size_t i;

	if (strcmp(coll, "actions") == 0) {
		snprintf(path, sizeof path, "%s/%s", ar->who.ns, key);
		sched_forget(ar->b->sched, path);
		return;
	}
	if (store_entity_list(ar->b->st, ar->who.ns, "actions", key, -1, 0, &list))
		return;
	json_array_foreach(list, i, a)
	{
		snprintf(path, sizeof path, "%s/%s/%s", ar->who.ns, key, jstr(json_object_get(a, "name")));
		sched_forget(ar->b->sched, path);
	}
	json_decref(list);
}

/* A secret set or deleted alone: a new version of the entity. */
static void
secret_change(ApiReq *ar, const char *coll, const char *key, const char *ref, const char *skey, int del)
{
	json_t *doc = entity_get_or_404(ar, coll, key), *info;
	Secretset set = { skey, del ? NULL : ar->req->body ? ar->req->body : "", del ? 0 : ar->req->body_len };
	char version[32];

	if (!doc)
		return;
	if (json_object_size(json_object_get(doc, "binding"))) {
		json_decref(doc);
		api_error(ar->req, 400, "Operation not permitted on package binding.");
		return;
	}
	if (!del && set.len > SECRET_MAX) {
		json_decref(doc);
		api_error(ar->req, 413, "The secret %s is longer than %d bytes.", skey, SECRET_MAX);
		return;
	}
	info = json_object();
	store_secret_list(ar->b->st, ar->who.ns, coll, key, info, NULL);
	if (del && !json_object_get(info, skey)) {
		json_decref(info);
		json_decref(doc);
		api_error(ar->req, 404, "The %s has no secret %s.", strcmp(coll, "actions") ? "package" : "action",
		          skey);
		return;
	}
	json_decref(info);
	version_bump(jstr(json_object_get(doc, "version")), version, sizeof version);
	json_object_set_new(doc, "version", json_string(version));
	json_object_set_new(doc, "updated", json_integer(now_ms()));
	info = json_pack("{s:o}", skey, del ? json_null() : json_true());
	annotate(ar->b->st, ar->who.ns, coll, key, doc, info);
	json_decref(info);
	if (store_entity_put_secrets(ar->b->st, ar->who.ns, coll, key, ref, doc, &set, 1)) {
		json_decref(doc);
		api_error(ar->req, 500, "The store could not be written.");
		return;
	}
	secrets_forget(ar, coll, key);
	api_reply(ar->req, 200, doc, NULL);
}

/* .../secrets/KEY of an action (coll "actions", key "NAME" or "PKG/NAME",
 * ref its package) or a package: PUT sets, DELETE deletes, GET says what
 * there is to say but the value. */
void
api_secrets(ApiReq *ar, const char *coll, const char *key, const char *ref, const char *skey)
{
	const char *m = ar->req->method;
	char err[256];
	json_t *doc, *info, *one;

	if (secret_name_check(skey, err, sizeof err)) {
		api_error(ar->req, 400, "%s", err);
		return;
	}
	if (strcmp(m, "PUT") == 0 || strcmp(m, "DELETE") == 0) {
		secret_change(ar, coll, key, ref, skey, m[0] == 'D');
		return;
	}
	if (strcmp(m, "GET")) {
		api_error(ar->req, 405, "Method not allowed.");
		return;
	}
	if (!(doc = entity_get_or_404(ar, coll, key)))
		return;
	json_decref(doc);
	info = json_object();
	if (store_secret_list(ar->b->st, ar->who.ns, coll, key, info, NULL)) {
		json_decref(info);
		api_error(ar->req, 500, "The store could not be read.");
		return;
	}
	if (!(one = json_object_get(info, skey))) {
		json_decref(info);
		api_error(ar->req, 404, "The %s has no secret %s.", strcmp(coll, "actions") ? "package" : "action",
		          skey);
		return;
	}
	json_object_set_new(one, "name", json_string(skey));
	api_reply(ar->req, 200, json_incref(one), NULL);
	json_decref(info);
}
