/* entity.c — what actions, packages, triggers and rules share: PUT rules, get, list, delete.
 *
 * PUT follows ApiUtils.putEntity: without overwrite=true an existing
 * entity is 409; with it, fields present in the body replace the old ones
 * and the version goes up one patch level unless the body names one.
 * Every entity answers with namespace, name, version, publish, annotations
 * and updated (ms since epoch).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fns.h"

/* "0.0.9" -> "0.0.10"; anything unparsable restarts at 0.0.1. */
void
version_bump(const char *old, char *out, size_t n)
{
	unsigned a, b, c;

	if (old && sscanf(old, "%u.%u.%u", &a, &b, &c) == 3)
		snprintf(out, n, "%u.%u.%u", a, b, c + 1);
	else
		snprintf(out, n, "0.0.1");
}

/* A version as OpenWhisk's SemVer reads one: "1", "1.2" or "1.2.3", the
 * parts missing 0; written out whole ("1.2.0"). 0, or -1 if it is not one. */
static int
version_norm(const char *s, char *out, size_t n)
{
	unsigned v[3] = { 0, 0, 0 };
	int i, used;

	for (i = 0; i < 3; i++) {
		if (sscanf(s, "%u%n", &v[i], &used) != 1 || s[0] < '0' || s[0] > '9')
			return -1;
		s += used;
		if (*s == '\0')
			break;
		if (*s++ != '.' || i == 2)
			return -1;
	}
	snprintf(out, n, "%u.%u.%u", v[0], v[1], v[2]);
	return 0;
}

/* Check the fields every PUT body may carry. */
static int
body_check(const json_t *body, char *err, size_t n)
{
	json_t *v;
	char version[64];

	if ((v = json_object_get(body, "parameters")) && params_check(v, "parameters", err, n))
		return -EINVAL;
	if ((v = json_object_get(body, "annotations")) && params_check(v, "annotations", err, n))
		return -EINVAL;
	if ((v = json_object_get(body, "publish")) && !json_is_boolean(v))
		return snprintf(err, n, "\"publish\" must be true or false."), -EINVAL;
	if ((v = json_object_get(body, "version")) &&
	    (!json_is_string(v) || version_norm(json_string_value(v), version, sizeof version) < 0))
		return snprintf(err, n, "\"version\" must be a string like \"0.0.1\"."), -EINVAL;
	return 0;
}

/* Start a PUT of coll/key: the name checked, the body parsed and checked,
 * the old entity (or NULL) found. Answers the request itself and returns
 * nonzero when the PUT cannot go on. */
int
entity_put_begin(ApiReq *ar, const char *coll, const char *key, json_t **body, json_t **old)
{
	char err[512];
	int rc;

	*old = NULL;
	if (api_body_object(ar, body))
		return -EINVAL;
	if (body_check(*body, err, sizeof err)) {
		api_error(ar->req, 400, "%s", err);
		json_decref(*body);
		return -EINVAL;
	}
	rc = store_entity_get(ar->b->st, ar->who.ns, coll, key, old);
	if (rc == 0 && !query_bool(ar->req, "overwrite", 0)) {
		api_error(ar->req, 409, "resource already exists");
		rc = -EEXIST;
	} else if (rc == -ENOENT) {
		rc = 0;
	} else if (rc) {
		api_error(ar->req, 500, "The store could not be read.");
	}
	if (rc) {
		json_decref(*body);
		json_decref(*old);
		*old = NULL;
	}
	return rc;
}

static json_t *
field(const json_t *body, const json_t *old, const char *key, json_t *def)
{
	json_t *v = json_object_get(body, key);
	if (!v)
		v = json_object_get(old, key);
	if (v) {
		json_decref(def);
		return json_incref(v);
	}
	return def;
}

/* The fields every entity has, from the body over the old entity. */
json_t *
entity_doc(const char *nsfield, const char *name, const json_t *old, const json_t *body)
{
	char version[32];
	json_t *v = json_object_get(body, "version");

	if (v)
		version_norm(json_string_value(v), version, sizeof version); /* body_check took it */
	else if (old)
		version_bump(jstr(json_object_get(old, "version")), version, sizeof version);
	else
		snprintf(version, sizeof version, "0.0.1");
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:I}", "namespace", nsfield, "name", name, "version", version,
	                 "publish", field(body, old, "publish", json_false()), "annotations",
	                 field(body, old, "annotations", json_array()), "parameters",
	                 field(body, old, "parameters", json_array()), "updated", (json_int_t)now_ms());
}

/* Store doc and answer it. */
void
entity_put_end(ApiReq *ar, const char *coll, const char *key, const char *ref, json_t *doc)
{
	if (secrets_store(ar->b->st, ar->who.ns, coll, key, ref, doc)) {
		json_decref(doc);
		api_error(ar->req, 500, "The store could not be written.");
		return;
	}
	api_reply(ar->req, 200, doc, NULL);
}

/* Fetch coll/key or answer 404. */
json_t *
entity_get_or_404(ApiReq *ar, const char *coll, const char *key)
{
	json_t *doc = NULL;
	int rc = store_entity_get(ar->b->st, ar->who.ns, coll, key, &doc);

	if (rc == -ENOENT)
		api_error(ar->req, 404, "The requested resource does not exist.");
	else if (rc)
		api_error(ar->req, 500, "The store could not be read.");
	return rc ? NULL : doc;
}

/* Delete coll/key and answer with what it was. */
void
entity_delete(ApiReq *ar, const char *coll, const char *key, json_t *doc)
{
	int rc = store_entity_del(ar->b->st, ar->who.ns, coll, key, jstr(json_object_get(doc, "version")));

	if (rc) {
		json_decref(doc);
		api_error(ar->req, rc == -ENOENT ? 404 : 500,
		          rc == -ENOENT ? "The requested resource does not exist." : "The store could not be written.");
		return;
	}
	api_reply(ar->req, 200, doc, NULL);
}

/* GET on a collection: limit, skip, count=true; `trim` shortens each entry. */
void
entity_list(ApiReq *ar, const char *coll, const char *ref, void (*trim)(json_t *doc))
{
	json_t *arr, *doc;
	int limit, skip;
	size_t i;

	if (query_bool(ar->req, "count", 0)) {
		int n = store_entity_count(ar->b->st, ar->who.ns, coll, ref);
		if (n < 0) {
			api_error(ar->req, 500, "The store could not be read.");
			return;
		}
		api_reply(ar->req, 200, json_pack("{s:i}", coll, n), NULL);
		return;
	}
	if (query_page(ar, &limit, &skip))
		return;
	if (store_entity_list(ar->b->st, ar->who.ns, coll, ref, limit, skip, &arr)) {
		api_error(ar->req, 500, "The store could not be read.");
		return;
	}
	json_array_foreach(arr, i, doc) if (trim) trim(doc);
	api_reply(ar->req, 200, arr, NULL);
}

/* Check the one name a collection path ends in; answers 400 itself. */
int
entity_name_ok(ApiReq *ar, const char *name)
{
	char err[512];

	if (name_check(name, err, sizeof err)) {
		api_error(ar->req, 400, "%s", err);
		return 0;
	}
	return 1;
}

/* The front of packages, triggers and rules: GET on the collection lists
 * it, PUT goes to put, and for the other methods the named entity is
 * returned (the caller answers). NULL when the request is answered here. */
json_t *
entity_route(ApiReq *ar, const char *coll, void (*put)(ApiReq *ar, const char *name), const char **name)
{
	const char *m = ar->req->method;

	if (ar->nseg == 0) {
		if (strcmp(m, "GET"))
			api_error(ar->req, 405, "Method not allowed.");
		else
			entity_list(ar, coll, NULL, NULL);
		return NULL;
	}
	if (ar->nseg > 1) {
		api_error(ar->req, 404, "The requested resource does not exist.");
		return NULL;
	}
	*name = ar->seg[0];
	if (!entity_name_ok(ar, *name))
		return NULL;
	if (strcmp(m, "PUT") == 0) {
		put(ar, *name);
		return NULL;
	}
	return entity_get_or_404(ar, coll, *name);
}
