/* apimgmt.c — `wsk api`: /api/v1/web/whisk.system/apimgmt/{createApi,getApi,deleteApi}, as OpenWhisk's route management.
 *
 * The CLI calls these three web actions with the caller's key; here they
 * are built in. An API lives in the caller's namespace under its base path
 * (collection "apis", the entity {namespace, name: basePath, version,
 * updated, apidoc}), apidoc being its OpenAPI 2 document (apidoc.c).
 *
 *   POST createApi.http?responsetype=EXT   {"apidoc": {...}}: either one
 *        route (gatewayBasePath, gatewayPath, gatewayMethod, action) added
 *        to the API at that base path (made if new), or a whole document
 *        ("swagger", a string or an object) replacing the API at its
 *        basePath. The answer is the API {namespace, gwApiUrl,
 *        gwApiActivated, tenantId, apidoc}.
 *   GET  getApi.http?basepath=B&limit=&skip=&outputFormat=swagger|openapi3
 *        {"apis": [{id, key, value: API}]}, B a base path or an API's title.
 *   DELETE deleteApi.http?basepath=B[&relpath=P[&operation=M]]: the API,
 *        a path or an operation; an API left without paths goes.
 *
 * Every change is checked whole before anything is stored: a route to an
 * action that is missing or not a web action, a bad verb or document is
 * 400 and the API stays as it was. The gateway serves an API at
 * APIHOST/api/NS/BASEPATH (gateway.c), its gwApiUrl.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fns.h"

/* A field of the request that may be JSON text or an object. */
static json_t *
object_field(const json_t *o, const char *key, int *bad)
{
	json_t *v = json_object_get(o, key);

	*bad = 0;
	if (json_is_string(v)) {
		v = json_loads(json_string_value(v), 0, NULL);
		*bad = !json_is_object(v);
		if (*bad)
			json_decref(v), v = NULL;
		return v;
	}
	if (v && !json_is_object(v))
		*bad = 1;
	return json_is_object(v) ? json_incref(v) : NULL;
}

/* The API's public address: APIHOST/api/NS + its base path ("/" adds nothing). */
void
gateway_url(Backend *b, const char *ns, const char *basepath, char *out, size_t n)
{
	snprintf(out, n, "%s/api/%s%s", b->api_host, ns, strcmp(basepath, "/") ? basepath : "");
}

/* The API as the CLI reads it: {namespace, gwApiUrl, gwApiActivated, tenantId, apidoc}. */
static json_t *
cli_api(Backend *b, const char *ns, const json_t *ent, int v3)
{
	const json_t *doc = json_object_get(ent, "apidoc");
	char url[2048];

	gateway_url(b, ns, jstr(json_object_get(doc, "basePath")), url, sizeof url);
	return json_pack("{s:s, s:s, s:b, s:s, s:o}", "namespace", ns, "gwApiUrl", url, "gwApiActivated", 1, "tenantId",
	                 ns, "apidoc", v3 ? apidoc_v3(doc, url) : json_deep_copy(doc));
}

/* The API of ns at base path, or with that title ("name" not starting with '/'). */
static json_t *
api_find(Backend *b, const char *ns, const char *name)
{
	json_t *all, *v, *found = NULL;
	char key[1024];
	size_t i;

	apidoc_name(name, key, sizeof key);
	if (name[0] == '/')
		return store_entity_get(b->st, ns, "apis", key, &found) ? NULL : found;
	if (store_entity_list(b->st, ns, "apis", NULL, LIST_MAX, 0, &all))
		return NULL;
	json_array_foreach(
	        all, i,
	        v) if (!found &&
	               strcmp(jstr(json_object_get(json_object_get(json_object_get(v, "apidoc"), "info"), "title")),
	                      name) == 0) found = json_incref(v);
	json_decref(all);
	return found;
}

/* Store doc (checked) as the API of ns (old: the entity it replaces, or
 * NULL); answers with the API as the CLI reads it, or (rest) the entity. */
static void
api_store(Backend *b, HttpReq *req, const char *ns, json_t *doc, const json_t *old, int rest)
{
	char name[1024], version[32], err[512];
	json_t *ent;
	int status;

	if (gateway_domain_claim(b, ns, doc, json_object_get(old, "apidoc"), &status, err, sizeof err)) {
		api_error(req, status, "API creation failure: %s", err);
		return;
	}
	apidoc_name(jstr(json_object_get(doc, "basePath")), name, sizeof name);
	version_bump(old ? jstr(json_object_get(old, "version")) : NULL, version, sizeof version);
	ent = json_pack("{s:s, s:s, s:s, s:I, s:O}", "namespace", ns, "name", name, "version", version, "updated",
	                (json_int_t)now_ms(), "apidoc", doc);
	if (store_entity_put(b->st, ns, "apis", name, "", ent)) {
		api_error(req, 500, "The store could not be written.");
	} else {
		gateway_forget(b, ns);
		gateway_domain_commit(b, ns, json_object_get(old, "apidoc"), doc);
		api_reply(req, 200, rest ? json_incref(ent) : cli_api(b, ns, ent, 0), NULL);
	}
	json_decref(ent);
}

/* A whole document in (createApi's swagger, or PUT .../apis/NAME): checked, then stored. */
void
apimgmt_put(Backend *b, HttpReq *req, const char *ns, json_t *doc, int rest)
{
	char err[1024];
	json_t *old;

	apidoc_own(doc, ns);
	if (apidoc_check(b, doc, err, sizeof err)) {
		api_error(req, 400, "API creation failure: %s", err);
		return;
	}
	old = api_find(b, ns, jstr(json_object_get(doc, "basePath")));
	api_store(b, req, ns, doc, old, rest);
	json_decref(old);
}

/* Delete the API old of ns; answers {} (or, rest, the entity). */
void
apimgmt_remove(Backend *b, HttpReq *req, const char *ns, const json_t *old, int rest)
{
	if (store_entity_del(b->st, ns, "apis", jstr(json_object_get(old, "name")), NULL)) {
		api_error(req, 500, "The store could not be written.");
		return;
	}
	gateway_forget(b, ns);
	gateway_domain_commit(b, ns, json_object_get(old, "apidoc"), NULL);
	api_reply(req, 200, rest ? json_incref((json_t *)old) : json_object(), NULL);
}

/* The web action a route names: "pkg/name" or "/ns/pkg/name" in namespace ns ("_": the caller's). */
static int
route_action(const json_t *action, const Caller *who, Qname *q, char *err, size_t n)
{
	const char *ns = jstr(json_object_get(action, "namespace")), *name = jstr(json_object_get(action, "name"));
	char path[PATH_MAX_LEN + 2];

	if (!name[0] || !ns[0])
		return snprintf(err, n, "action is missing the %s field.", name[0] ? "namespace" : "name"), -EINVAL;
	if (name[0] == '/')
		snprintf(path, sizeof path, "%s", name);
	else
		snprintf(path, sizeof path, "/%s/%s", strcmp(ns, "_") ? ns : who->ns, name);
	return qname_parse(path, who->ns, q, err, n);
}

/* The scheme and host of the CLI's backendUrl ("https://host/api/v1/web/..."), or our own. */
static void
actions_host(Backend *b, const json_t *action, char *out, size_t n)
{
	const char *u = jstr(json_object_get(action, "backendUrl")), *cut = strstr(u, "/api/v1/web/");

	if (cut && strstr(u, "://") && strstr(u, "://") < cut)
		snprintf(out, n, "%.*s", (int)(cut - u), u);
	else
		snprintf(out, n, "%s", b->api_host);
}

/* Our extension of the route form, an API key and a rate limit without
 * writing OpenAPI: "apiKey": {in, name, keys} becomes the operation's
 * security scheme "apiKey-OPID", "rateLimit": {rate, unit, units} its
 * x-gateway-rate-limit (both checked with the document). */
static void
route_policies(json_t *doc, const char *rel, const char *m, const json_t *ad)
{
	const json_t *key = json_object_get(ad, "apiKey"), *lim = json_object_get(ad, "rateLimit");
	json_t *op = json_object_get(json_object_get(json_object_get(doc, "paths"), rel), m), *defs;
	char name[600];

	if (json_is_object(key)) {
		snprintf(name, sizeof name, "apiKey-%s", jstr(json_object_get(op, "operationId")));
		if (!(defs = json_object_get(doc, "securityDefinitions")))
			json_object_set_new(doc, "securityDefinitions", defs = json_object());
		json_object_set_new(defs, name,
		                    json_pack("{s:s, s:O?, s:O?, s:O?}", "type", "apiKey", "in",
		                              json_object_get(key, "in"), "name", json_object_get(key, "name"),
		                              "x-gateway-keys", json_object_get(key, "keys")));
		json_object_set_new(op, "security", json_pack("[{s:[]}]", name));
	}
	if (lim)
		json_object_set_new(op, "x-gateway-rate-limit", json_pack("[O]", lim));
}

/* One route added to the API at gatewayBasePath (made when new): the document, or NULL with err. */
static json_t *
route_doc(Backend *b, HttpReq *req, const Caller *who, const json_t *ad, json_t **old, char *err, size_t n)
{
	const char *base = jstr(json_object_get(ad, "gatewayBasePath")),
	           *rel = jstr(json_object_get(ad, "gatewayPath"));
	const char *verb = jstr(json_object_get(ad, "gatewayMethod"));
	char ext[16] = "json", dot[20], host[1024], m[16];
	const json_t *action = json_object_get(ad, "action");
	json_t *doc;
	Qname q;

	if (!base[0] || !rel[0] || !verb[0] || !json_is_object(action))
		return snprintf(err, n, "apidoc is missing the %s field",
		                !base[0]   ? "gatewayBasePath"
		                : !rel[0]  ? "gatewayPath"
		                : !verb[0] ? "gatewayMethod"
		                           : "action"),
		       NULL;
	snprintf(m, sizeof m, "%s", verb);
	for (char *p = m; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!apidoc_is_method(m))
		return snprintf(err, n,
		                "'%s' is not a valid API verb. Valid values are: GET, PUT, POST, DELETE, PATCH, "
		                "HEAD, OPTIONS",
		                verb),
		       NULL;
	http_query_get(req, "responsetype", ext, sizeof ext);
	snprintf(dot, sizeof dot, ".%s", ext);
	if (!web_ext_of(dot) || strchr(ext, '.'))
		return snprintf(err, n, "The response type '%s' is not one of http, json, html, svg, text.", ext), NULL;
	if (route_action(action, who, &q, err, n))
		return NULL;
	actions_host(b, action, host, sizeof host);
	*old = api_find(b, who->ns, base);
	doc = *old ? json_deep_copy(json_object_get(*old, "apidoc"))
	           : apidoc_new(base, jstr(json_object_get(ad, "apiName")));
	apidoc_add(doc, rel, m, &q, ext, host, json_object_get(ad, "pathParameters"));
	route_policies(doc, rel, m, ad);
	return doc;
}

static void
api_create(Backend *b, HttpReq *req, const Caller *who)
{
	json_t *body = req->body_len ? js_read(req->body, req->body_len, 0, NULL, 0) : NULL, *ad, *doc, *old = NULL;
	char err[1024] = "";
	int bad;

	if (!json_is_object(body)) {
		json_decref(body);
		api_error(req, 400, "The request content was malformed: a JSON object with \"apidoc\" was expected.");
		return;
	}
	if (!(ad = object_field(body, "apidoc", &bad))) {
		json_decref(body);
		api_error(req, 400,
		          bad ? "apidoc field cannot be parsed. Ensure it is valid JSON."
		              : "apidoc is "
		                "required.");
		return;
	}
	if ((doc = object_field(ad, "swagger", &bad)) && json_object_get(ad, "gatewayBasePath")) {
		snprintf(err, sizeof err,
		         "swagger and gatewayBasePath are mutually exclusive and cannot be specified "
		         "together.");
	} else if (bad) {
		snprintf(err, sizeof err, "swagger field cannot be parsed. Ensure it is valid JSON.");
	} else if (doc) { /* a whole document */
		apimgmt_put(b, req, who->ns, doc, 0);
	} else if (!(doc = route_doc(b, req, who, ad, &old, err, sizeof err))) {
		/* err says why */
	} else if (apidoc_check(b, doc, err, sizeof err) == 0) {
		api_store(b, req, who->ns, doc, old, 0);
	}
	if (err[0])
		api_error(req, 400, "API creation failure: %s", err);
	json_decref(doc);
	json_decref(old);
	json_decref(ad);
	json_decref(body);
}

static void
api_get(Backend *b, HttpReq *req, const Caller *who)
{
	char base[1024], fmt[16] = "swagger", id[2200];
	json_t *all, *out = json_array(), *v, *one = NULL;
	int64_t limit, skip;
	size_t i;

	http_query_get(req, "outputFormat", fmt, sizeof fmt);
	if (strcasecmp(fmt, "swagger") && strcasecmp(fmt, "openapi3")) {
		json_decref(out);
		api_error(req, 400, "Invalid outputFormat value. Valid values are: swagger, openapi3");
		return;
	}
	if (query_int(req, "limit", LIST_MAX, &limit) || query_int(req, "skip", 0, &skip) || limit < 0 || skip < 0) {
		json_decref(out);
		api_error(req, 400, "The limit and skip parameters must be non-negative integers.");
		return;
	}
	if (http_query_get(req, "basepath", base, sizeof base) && base[0]) {
		all = json_array();
		if ((one = api_find(b, who->ns, base)))
			json_array_append_new(all, one);
	} else if (store_entity_list(b->st, who->ns, "apis", NULL, LIST_MAX, 0, &all)) {
		json_decref(out);
		api_error(req, 500, "The store could not be read.");
		return;
	}
	json_array_foreach(all, i, v)
	{
		if ((int64_t)i < skip || (limit && (int64_t)json_array_size(out) >= limit))
			continue;
		snprintf(id, sizeof id, "API:%s:%s", who->ns,
		         jstr(json_object_get(json_object_get(v, "apidoc"), "basePath")));
		json_array_append_new(out, json_pack("{s:s, s:s, s:o}", "id", id, "key", id, "value",
		                                     cli_api(b, who->ns, v, strcasecmp(fmt, "openapi3") == 0)));
	}
	json_decref(all);
	api_reply(req, 200, json_pack("{s:o}", "apis", out), NULL);
}

static void
api_delete(Backend *b, HttpReq *req, const Caller *who)
{
	char base[1024] = "", rel[1024] = "", op[16] = "", err[1200];
	json_t *old, *doc;

	http_query_get(req, "relpath", rel, sizeof rel);
	http_query_get(req, "operation", op, sizeof op);
	if (!http_query_get(req, "basepath", base, sizeof base) || !base[0]) {
		api_error(req, 400, "API deletion failure: basepath is required.");
		return;
	}
	if (!(old = api_find(b, who->ns, base))) {
		api_error(req, 404, "API deletion failure: API '%s' does not exist.", base);
		return;
	}
	doc = json_deep_copy(json_object_get(old, "apidoc"));
	if (rel[0] && apidoc_remove(doc, rel, op, err, sizeof err))
		api_error(req, 404, "API deletion failure: %s", err);
	else if (rel[0] && json_object_size(json_object_get(doc, "paths")))
		api_store(b, req, who->ns, doc, old, 0);
	else
		apimgmt_remove(b, req, who->ns, old, 0);
	json_decref(doc);
	json_decref(old);
}

void
apimgmt_handle(Backend *b, HttpReq *req)
{
	const char *verb = req->url + strlen("/api/v1/web/whisk.system/apimgmt/"), *m = req->method;
	size_t len = strcspn(verb, ".?/");
	Caller who;

	if (auth_check(b, http_header_get(req, "Authorization"), &who)) {
		api_error(req, 401, "The supplied authentication is invalid.");
		return;
	}
	if (len == 9 && strncmp(verb, "createApi", 9) == 0 && (!strcmp(m, "POST") || !strcmp(m, "PUT")))
		api_create(b, req, &who);
	else if (len == 6 && strncmp(verb, "getApi", 6) == 0 && !strcmp(m, "GET"))
		api_get(b, req, &who);
	else if (len == 9 && strncmp(verb, "deleteApi", 9) == 0 && !strcmp(m, "DELETE"))
		api_delete(b, req, &who);
	else
		api_error(req, 404, "The requested resource does not exist.");
}
