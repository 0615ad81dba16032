/* manifest_apis.c — the gateway's APIs in manifest.yaml, as wskdeploy writes them under a package's apis:.
 *
 *   apis:
 *     API_NAME:                # the API's title
 *       BASE:                  # its base path, without the leading '/'
 *         REL:                 # a path, without the leading '/' ("books/{id}")
 *           ACTION:            # an action of this package
 *             method: GET
 *             response: http   # json, http, html, svg or text
 *
 * Read out, each route sits under the package of its action (for
 * faasfs export, only the routes of the actions it writes). Applied,
 * each route is made as `wsk api create` makes it, through createApi (so
 * routes an API already has and the manifest does not name stay);
 * ACTION: GET alone is wskdeploy's short form (response json). What an
 * OpenAPI document says beyond this (security, rate limits, a host) is
 * the document's, in apis/, not the manifest's.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"
#include "pathtmpl.h"

static json_t *
child(json_t *o, const char *key)
{
	json_t *m = json_object_get(o, key);

	if (m == NULL)
		json_object_set_new(o, key, m = json_object());
	return m;
}

typedef struct Routes {
	json_t *pkgs;
	int (*keep)(Ent *e);
} Routes;

/* Does keep (if any) keep the action a route of package pkg names? */
static int
route_kept(Routes *r, const char *pkg, const char *action)
{
	char name[1024];
	Ent *a;

	if (r->keep == NULL)
		return 1;
	snprintf(name, sizeof name, "%s%s%s", pkg && pkg[0] ? pkg : "", pkg && pkg[0] ? "/" : "", action);
	return (a = ent_get(Eaction, name)) != NULL && a->doc != NULL && r->keep(a);
}

/* Every route of one API under its action's package in pkgs. */
static void
api_out(Ent *e, void *arg)
{
	Routes *r = arg;
	json_t *doc = json_object_get(e->doc, "apidoc"), *item, *op, *x, *routes;
	const char *title = json_string_value(json_object_get(json_object_get(doc, "info"), "title"));
	const char *base = json_string_value(json_object_get(doc, "basePath")), *path, *m, *url, *dot, *pkg;
	char method[16];
	size_t i;

	if (doc == NULL || base == NULL)
		return;
	json_object_foreach(json_object_get(doc, "paths"), path, item) json_object_foreach(item, m, op)
	{
		x = json_object_get(op, "x-openwhisk");
		url = json_string_value(json_object_get(x, "url"));
		pkg = json_string_value(json_object_get(x, "package"));
		if (!json_is_object(x) || url == NULL || (dot = strrchr(url, '.')) == NULL ||
		    !json_is_string(json_object_get(x, "action")) ||
		    !route_kept(r, pkg, json_string_value(json_object_get(x, "action"))))
			continue;
		for (i = 0; m[i] && i + 1 < sizeof method; i++)
			method[i] = (char)toupper((unsigned char)m[i]);
		method[i] = '\0';
		routes = child(
		        child(child(child(r->pkgs, pkg && pkg[0] ? pkg : "default"), "apis"), title ? title : base),
		        base + 1);
		json_object_set_new(child(routes, path[0] == '/' ? path + 1 : path),
		                    json_string_value(json_object_get(x, "action")),
		                    json_pack("{s:s,s:s}", "method", method, "response", dot + 1));
	}
}

/* The routes into pkgs: all, or those whose action keep (if not NULL) keeps. */
void
manifest_apis_out(json_t *pkgs, int (*keep)(Ent *e))
{
	Routes r = { pkgs, keep };

	cache_each(Eapi, api_out, &r);
}

/* The route's path parameters ({x} segments), as createApi wants them declared. */
static json_t *
path_params(const char *rel)
{
	json_t *names = path_template_params(rel), *ps = json_array(), *v;
	size_t i;

	json_array_foreach(names, i, v) json_array_append_new(
	        ps, json_pack("{s:O,s:s,s:b,s:s}", "name", v, "in", "path", "required", 1, "type", "string"));
	json_decref(names);
	return ps;
}

/* One route: a createApi call (method, response) for ACTION of pkg. */
static json_t *
route_step(const char *pkg, const char *api, const char *base, const char *rel, const char *action, json_t *spec,
           char *err, size_t n)
{
	const char *method =
	        json_is_string(spec) ? json_string_value(spec) : json_string_value(json_object_get(spec, "method"));
	const char *resp = json_string_value(json_object_get(spec, "response"));
	char name[1024], path[128], url[2048];

	if (method == NULL) {
		snprintf(err, n, "manifest: apis: %s: %s/%s: %s needs a method", api, base, rel, action);
		return NULL;
	}
	snprintf(name, sizeof name, "%s%s%s", strcmp(pkg, "default") ? pkg : "", strcmp(pkg, "default") ? "/" : "",
	         action);
	snprintf(path, sizeof path, "/web/whisk.system/apimgmt/createApi.http?responsetype=%s", resp ? resp : "json");
	snprintf(url, sizeof url, "%s/api/v1/web/_/%s/%s.%s", fs.base, strcmp(pkg, "default") ? pkg : "default", action,
	         resp ? resp : "json");
	return json_pack("{s:i,s:s,s:s,s:s,s:{s:{s:s,s:s,s:s+,s:s+,s:s,s:o,s:{s:s,s:s,s:s,s:s,s:s}}}}", "kind", -2,
	                 "name", api, "method", "POST", "path", path, "body", "apidoc", "namespace", "_", "apiName",
	                 api, "gatewayBasePath", "/", base, "gatewayPath", "/", rel, "gatewayMethod", method,
	                 "pathParameters", path_params(rel), "action", "name", name, "namespace", "_", "backendMethod",
	                 method, "backendUrl", url, "authkey", "-");
}

/* The createApi calls of a package's apis:, onto steps; 0 or -1 with err. */
int
manifest_apis_in(const char *pkg, json_t *apis, json_t *steps, char *err, size_t n)
{
	json_t *bases, *rels, *acts, *spec, *st;
	const char *api, *base, *rel, *act;

	json_object_foreach(apis, api, bases) json_object_foreach(bases, base, rels)
	        json_object_foreach(rels, rel, acts) json_object_foreach(acts, act, spec)
	{
		if ((st = route_step(pkg, api, base, rel, act, spec, err, n)) == NULL)
			return -1;
		json_array_append_new(steps, st);
	}
	return 0;
}
