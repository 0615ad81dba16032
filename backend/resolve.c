/* resolve.c — from the name a caller used to the action that runs, with its bound parameters.
 *
 * "/ns/name" is the action itself. "/ns/pkg/name" goes through a package;
 * when that package is a binding ({"binding": {"namespace", "name"}}) the
 * action lives in the bound package and parameters are laid package <
 * binding < action. An entity of another namespace is reachable only in a
 * package published by its owner; otherwise the caller is told it does not
 * exist, so names in other namespaces cannot be probed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fns.h"

static int
visible(const Caller *who, const char *ns, const json_t *pkg)
{
	return strcmp(who->ns, ns) == 0 || (pkg && json_is_true(json_object_get(pkg, "publish")));
}

static int
not_found(int *status, char *err, size_t n, const char *what)
{
	*status = 404;
	snprintf(err, n, "The requested resource does not exist.%s%s", what ? " " : "", what ? what : "");
	return -ENOENT;
}

/* Find the package a binding points to; -ENOENT unless it exists and is visible. */
static int
follow_binding(Backend *b, const Caller *who, json_t *bind, json_t **target, char *ns, char *name)
{
	snprintf(ns, NAME_MAX_LEN + 1, "%s", jstr(json_object_get(bind, "namespace")));
	snprintf(name, NAME_MAX_LEN + 1, "%s", jstr(json_object_get(bind, "name")));
	if (!ns[0] || !name[0] || store_entity_peek(b->st, ns, "packages", name, target))
		return -ENOENT;
	if (!visible(who, ns, *target)) {
		json_decref(*target);
		*target = NULL;
		return -ENOENT;
	}
	return 0;
}

/* The secrets of the action and of the package it lives in (secrets.c),
 * read only when one of them names some. */
static int
resolve_secrets(Backend *b, Resolved *r, const char *ns, const char *pkg, const json_t *pkgdoc, const char *key)
{
	int pkgsec = pkg[0] && secrets_named(pkgdoc);

	if (!pkgsec && !secrets_named(r->action))
		return 0;
	if (pkgsec)
		snprintf(r->sectag, sizeof r->sectag, "%s", jstr(json_object_get(pkgdoc, "version")));
	r->secrets = json_object();
	r->secinfo = json_object();
	return secrets_for_run(b->st, ns, pkg, pkgdoc, key, r->action, r->secrets, r->secinfo);
}

int
action_resolve(Backend *b, const Caller *who, const Qname *q, Resolved *r, int *status, char *err, size_t n)
{
	json_t *pkg = NULL, *target = NULL, *bind;
	char ns[NAME_MAX_LEN + 1], pname[NAME_MAX_LEN + 1], key[2 * NAME_MAX_LEN + 2];

	char *k;
	int rc;

	memset(r, 0, sizeof *r);
	strecpy(ns, ns + sizeof ns, q->ns);
	strecpy(pname, pname + sizeof pname, q->pkg);
	if (q->pkg[0]) {
		if (store_entity_peek(b->st, q->ns, "packages", q->pkg, &pkg) || !visible(who, q->ns, pkg)) {
			json_decref(pkg);
			return not_found(status, err, n, NULL);
		}
		bind = json_object_get(pkg, "binding");
		if (json_object_size(bind)) {
			if (follow_binding(b, who, bind, &target, ns, pname)) {
				json_decref(pkg);
				return not_found(status, err, n, "The binding's package is gone.");
			}
			snprintf(r->binding, sizeof r->binding, "%s/%s", q->ns, q->pkg);
		}
	} else if (strcmp(who->ns, q->ns)) {
		return not_found(status, err, n, NULL);
	}
	k = strecpy(key, key + sizeof key, pname); /* "pkg/name" or "name" */
	k = strecpy(k, key + sizeof key, pname[0] ? "/" : "");
	strecpy(k, key + sizeof key, q->name);
	rc = store_entity_peek(b->st, ns, "actions", key, &r->action);
	if (rc) {
		json_decref(pkg);
		json_decref(target);
		return rc == -ENOENT ? not_found(status, err, n, NULL)
		                     : (*status = 500, snprintf(err, n, "store error"), rc);
	}
	k = strecpy(r->path, r->path + sizeof r->path, ns);
	k = strecpy(k, r->path + sizeof r->path, "/");
	strecpy(k, r->path + sizeof r->path, key);
	r->params = json_object();
	r->init_env = json_object();
	params_layer(r->params, r->init_env, json_object_get(target ? target : pkg, "parameters"));
	if (target)
		params_layer(r->params, r->init_env, json_object_get(pkg, "parameters"));
	params_layer(r->params, r->init_env, json_object_get(r->action, "parameters"));
	rc = resolve_secrets(b, r, ns, pname, target ? target : pkg, key);
	json_decref(pkg);
	json_decref(target);
	if (rc) {
		resolved_free(r);
		return *status = 500, snprintf(err, n, "store error"), rc;
	}
	return 0;
}

void
resolved_free(Resolved *r)
{
	json_decref(r->secrets);
	json_decref(r->secinfo);
	json_decref(r->action);
	json_decref(r->params);
	json_decref(r->init_env);
	memset(r, 0, sizeof *r);
}
