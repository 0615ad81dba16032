/* api_packages.c — /namespaces/NS/packages/NAME: packages and bindings.
 *
 * A package groups actions and gives them parameters. A binding is a
 * package whose "binding" is {"namespace", "name"} of another package
 * (its own, or one published by another namespace): its actions are the
 * bound package's, invoked as /NS/BINDING/ACTION with the binding's
 * parameters laid over the package's (resolve.c). Deleting a package that
 * still holds actions is 409 unless force=true, which deletes them first.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fns.h"

/* Check a binding from the body: it must name a package the caller sees. */
static int
binding_check(ApiReq *ar, json_t *bind, char *ref, size_t rn, char *err, size_t n)
{
	const char *bns = json_string_value(json_object_get(bind, "namespace"));
	const char *bname = json_string_value(json_object_get(bind, "name"));
	json_t *target = NULL;

	ref[0] = 0;
	if (!json_object_size(bind))
		return 0;
	if (!bname || !*bname)
		return snprintf(err, n, "The binding needs the \"name\" of a package."), -EINVAL;
	if (!bns || !*bns || strcmp(bns, "_") == 0)
		bns = ar->who.ns;
	if (store_entity_get(ar->b->st, bns, "packages", bname, &target) ||
	    (strcmp(bns, ar->who.ns) && !json_is_true(json_object_get(target, "publish"))) ||
	    json_object_size(json_object_get(target, "binding"))) {
		json_decref(target);
		return snprintf(err, n, "The binding refers to /%s/%s, which is not a package you can bind.", bns,
		                bname),
		       -EINVAL;
	}
	json_decref(target);
	snprintf(ref, rn, "%s/%s", bns, bname); /* before bns (maybe bind's own string) is replaced */
	json_object_set_new(bind, "namespace", json_stringn(ref, strcspn(ref, "/")));
	return 0;
}

static void
package_put(ApiReq *ar, const char *name)
{
	json_t *body, *old, *doc, *bind, *sets = NULL;
	char ref[PATH_MAX_LEN + 1], err[1024];

	if (strcmp(name, "default") == 0) {
		api_error(ar->req, 400, "Package name 'default' is reserved.");
		return;
	}
	if (entity_put_begin(ar, "packages", name, &body, &old))
		return;
	if (secrets_take(body, &sets, err, sizeof err)) {
		json_decref(body);
		json_decref(old);
		api_error(ar->req, 400, "%s", err);
		return;
	}
	bind = json_object_get(body, "binding");
	if (!bind)
		bind = json_object_get(old, "binding");
	bind = bind ? json_deep_copy(bind) : json_object();
	if (!json_is_object(bind) || binding_check(ar, bind, ref, sizeof ref, err, sizeof err)) {
		api_error(ar->req, 400, "%s", json_is_object(bind) ? err : "\"binding\" must be an object.");
	} else {
		doc = entity_doc(ar->who.ns, name, old, body);
		json_object_set_new(doc, "binding", json_incref(bind));
		if (json_object_size(sets) && json_object_size(bind)) {
			json_decref(doc);
			api_error(ar->req, 400,
			          "A binding has no secrets of its own: set them on the package it binds.");
		} else {
			secrets_pending(ar->b->st, ar->who.ns, "packages", name, doc, sets);
			entity_put_end(ar, "packages", name, ref, doc);
			if (json_object_size(sets))
				secrets_forget(ar, "packages", name);
		}
	}
	json_decref(sets);
	json_decref(bind);
	json_decref(body);
	json_decref(old);
}

static void
add_actions(ApiReq *ar, json_t *doc)
{
	json_t *bind = json_object_get(doc, "binding"), *list = NULL, *out = json_array(), *a;
	const char *ns = ar->who.ns, *pkg = jstr(json_object_get(doc, "name"));
	size_t i;

	if (json_object_size(bind)) {
		ns = jstr(json_object_get(bind, "namespace"));
		pkg = jstr(json_object_get(bind, "name"));
	}
	if (store_entity_list(ar->b->st, ns, "actions", pkg, -1, 0, &list) == 0)
		json_array_foreach(list, i, a)
		        json_array_append_new(out, json_pack("{s:O, s:O, s:O}", "name", json_object_get(a, "name"),
		                                             "version", json_object_get(a, "version"), "annotations",
		                                             json_object_get(a, "annotations")));
	json_decref(list);
	json_object_set_new(doc, "actions", out);
	json_object_set_new(doc, "feeds", json_array());
}

static void
package_delete(ApiReq *ar, const char *name, json_t *doc)
{
	json_t *list = NULL, *a;
	int n = store_entity_count(ar->b->st, ar->who.ns, "actions", name);
	size_t i;

	if (n > 0 && !query_bool(ar->req, "force", 0)) {
		json_decref(doc);
		api_error(ar->req, 409,
		          "Package not empty (contains %d entities). Set force param or delete package contents.", n);
		return;
	}
	if (n > 0 && store_entity_list(ar->b->st, ar->who.ns, "actions", name, -1, 0, &list) == 0)
		json_array_foreach(list, i, a)
		{
			char key[2 * NAME_MAX_LEN + 2], path[PATH_MAX_LEN + 1];
			snprintf(key, sizeof key, "%s/%s", name, jstr(json_object_get(a, "name")));
			snprintf(path, sizeof path, "%s/%s", ar->who.ns, key);
			sched_forget(ar->b->sched, path);
			store_entity_del(ar->b->st, ar->who.ns, "actions", key, jstr(json_object_get(a, "version")));
		}
	json_decref(list);
	entity_delete(ar, "packages", name, doc);
}

void
api_packages(ApiReq *ar)
{
	const char *m = ar->req->method, *name;
	json_t *doc;

	if (ar->nseg == 3 && strcmp(ar->seg[1], "secrets") == 0) { /* .../packages/NAME/secrets/KEY */
		if (entity_name_ok(ar, ar->seg[0]))
			api_secrets(ar, "packages", ar->seg[0], "", ar->seg[2]);
		return;
	}
	if (strcmp(m, "GET") && strcmp(m, "DELETE") && strcmp(m, "PUT") && ar->nseg) {
		api_error(ar->req, 405, "Method not allowed.");
		return;
	}
	if (!(doc = entity_route(ar, "packages", package_put, &name)))
		return;
	if (strcmp(m, "DELETE") == 0) {
		package_delete(ar, name, doc);
		return;
	}
	add_actions(ar, doc);
	api_reply(ar->req, 200, doc, NULL);
}
