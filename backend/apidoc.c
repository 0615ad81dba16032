/* apidoc.c — the API gateway's OpenAPI 2 documents: checked, built a route at a time, trimmed.
 *
 * An API is an OpenAPI 2 ("swagger": "2.0") document with a basePath and
 * paths; each operation names its web action in "x-openwhisk" {namespace,
 * package, action, url}, the url's extension (.http, .json...) being how
 * its result is rendered, as OpenWhisk's route management writes them.
 * Path templates hold whole-segment parameters ("/books/{isbn}"), each
 * declared among the path's or the operation's parameters, and only for
 * .http actions, as OpenWhisk demands. The gateway's own extensions
 * (x-gateway-rate-limit, security) are checked in gateway_policy.c; "host"
 * names a custom domain (gateway.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fns.h"
#include "pathtmpl.h"

static const char *const methods[] = { "get", "put", "post", "delete", "options", "head", "patch", NULL };

int
apidoc_is_method(const char *m)
{
	for (int i = 0; methods[i]; i++)
		if (strcmp(m, methods[i]) == 0)
			return 1;
	return 0;
}

/* OpenWhisk's operationId: the method and the path's words camel-cased
 * ("get", "/books/{isbn}" -> "getBooksIsbn"; '-' and '_' stay). */
void
apidoc_operation_id(const char *method, const char *relpath, char *out, size_t n)
{
	size_t o = 0;
	int start = 1;

	for (; *method && o + 1 < n; method++)
		out[o++] = (char)tolower((unsigned char)*method);
	for (; *relpath && o + 1 < n; relpath++) {
		int c = (unsigned char)*relpath;
		if (!isalnum(c) && c != '_' && c != '-') {
			start = 1;
			continue;
		}
		out[o++] = (char)(start && isalnum(c) ? toupper(c) : tolower(c));
		start = 0;
	}
	out[o] = 0;
}

/* Whether the parameter name is declared "in": "path" in one of the lists. */
static int
declared(const json_t *a, const json_t *b, const char *name)
{
	const json_t *lists[2] = { a, b }, *p;
	size_t i;

	for (int l = 0; l < 2; l++)
		json_array_foreach(lists[l], i, p) if (strcmp(jstr(json_object_get(p, "name")), name) == 0) return 1;
	return 0;
}

/* One operation: its action exists and is exported, its path parameters are declared. */
static int
check_op(Backend *b, const char *path, const char *m, const json_t *op, const json_t *pparams, char *err, size_t n)
{
	const json_t *x = json_object_get(op, "x-openwhisk");
	json_t *names = path_template_params(path), *v;
	const char *url = jstr(json_object_get(x, "url"));
	Qname q = { 0 };
	size_t i;
	int rc = 0;

	if (!json_is_object(op) || !json_is_object(x))
		rc = snprintf(err, n, "The operation %s %s names no action (\"x-openwhisk\").", m, path);
	else if (!web_ext_of(url))
		rc = snprintf(err, n,
		              "The operation %s %s has no web action URL ending in .http, .json, .html, .svg "
		              "or .text (\"x-openwhisk\".\"url\").",
		              m, path);
	else if (json_array_size(names) && strcmp(web_ext_of(url), "http"))
		rc = snprintf(err, n,
		              "The action must use a response type of '.http' in order to receive the path "
		              "parameters.");
	json_array_foreach(names, i,
	                   v) if (!rc && !declared(pparams, json_object_get(op, "parameters"), json_string_value(v)))
	        rc = snprintf(err, n,
	                      "The parameter '%s' defined in path '%s' does not match any of the parameters "
	                      "defined for the path in the swagger file.",
	                      json_string_value(v), path);
	json_decref(names);
	if (rc)
		return -EINVAL;
	snprintf(q.ns, sizeof q.ns, "%s", jstr(json_object_get(x, "namespace")));
	snprintf(q.pkg, sizeof q.pkg, "%s", jstr(json_object_get(x, "package")));
	snprintf(q.name, sizeof q.name, "%s", jstr(json_object_get(x, "action")));
	if (!web_action_exists(b, &q))
		return snprintf(err, n, "The action /%s%s%s/%s of %s %s does not exist or is not a web action.", q.ns,
		                q.pkg[0] ? "/" : "", q.pkg, q.name, m, path),
		       -EINVAL;
	return 0;
}

static int
check_path(Backend *b, const char *path, const json_t *item, char *err, size_t n)
{
	const json_t *pparams = json_object_get(item, "parameters"), *op;
	const char *m;
	int rc;

	if (path[0] != '/' || strpbrk(path, "?#"))
		return snprintf(err, n, "The path '%s' must begin with '/' and hold no query.", path), -EINVAL;
	if (!json_is_object(item))
		return snprintf(err, n, "The path '%s' is not an object.", path), -EINVAL;
	json_object_foreach((json_t *)item, m, op)
	{
		if (strcmp(m, "parameters") == 0 || strncmp(m, "x-", 2) == 0)
			continue;
		if (!apidoc_is_method(m))
			return snprintf(err, n,
			                "'%s' in path '%s' is not a valid API verb. Valid values are: get, put, post, "
			                "delete, options, head, patch.",
			                m, path),
			       -EINVAL;
		if ((rc = check_op(b, path, m, op, pparams, err, n)))
			return rc;
	}
	return 0;
}

/* A whole document, as the gateway can serve it, and its policies
 * (gateway_policy.c, which hashes API keys given in clear); 0 or -EINVAL
 * with err. */
int
apidoc_check(Backend *b, json_t *doc, char *err, size_t n)
{
	const char *base = jstr(json_object_get(doc, "basePath")), *path;
	const json_t *paths = json_object_get(doc, "paths"), *item;
	int rc;

	if (!json_is_object(doc))
		return snprintf(err, n, "The API document is not a JSON object."), -EINVAL;
	if (strcmp(jstr(json_object_get(doc, "swagger")), "2.0"))
		return snprintf(err, n, "The API document must be OpenAPI 2 (\"swagger\": \"2.0\")."), -EINVAL;
	if (base[0] != '/' || strpbrk(base, "?#"))
		return snprintf(err, n, "Swagger file basePath must start with a leading slash (/)"), -EINVAL;
	if (strchr(base, ':'))
		return snprintf(err, n, "The base path (%s) cannot hold ':'.", base), -EINVAL;
	if (strchr(base, '{'))
		return snprintf(err, n,
		                "The base path (%s) cannot have parameters. Only the relative path supports path "
		                "parameters.",
		                base),
		       -EINVAL;
	if (!json_is_object(json_object_get(doc, "info")) || !json_is_object(paths))
		return snprintf(err, n, "Swagger file is invalid (missing basePath, info, paths, or swagger fields)"),
		       -EINVAL;
	json_object_foreach((json_t *)paths, path, item) if ((rc = check_path(b, path, item, err, n))) return rc;
	return gateway_policy_check(doc, err, n);
}

/* OpenWhisk's generateBaseSwaggerApi: an API with no paths yet, CORS on. */
json_t *
apidoc_new(const char *basepath, const char *title)
{
	return json_pack("{s:s, s:{s:s, s:s}, s:s, s:{}, s:{s:{}, s:{s:b}}}", "swagger", "2.0", "info", "title",
	                 title && *title ? title : basepath, "version", "1.0.0", "basePath", basepath, "paths",
	                 "x-ibm-configuration", "assembly", "cors", "enabled", 1);
}

/* Add (or replace) the operation method of relpath, run by the web action
 * /ns/[pkg/]name rendered as ext; actions_url is "SCHEME://HOST". */
void
apidoc_add(json_t *doc, const char *relpath, const char *method, const Qname *a, const char *ext,
           const char *actions_url, json_t *params)
{
	json_t *paths = json_object_get(doc, "paths"), *item = json_object_get(paths, relpath);
	char opid[512], m[16], url[PATH_MAX_LEN + 1024];
	size_t i;

	for (i = 0; method[i] && i + 1 < sizeof m; i++)
		m[i] = (char)tolower((unsigned char)method[i]);
	m[i] = 0;
	if (!item)
		json_object_set_new(paths, relpath, item = json_object());
	apidoc_operation_id(m, relpath, opid, sizeof opid);
	snprintf(url, sizeof url, "%s/api/v1/web/%s/%s/%s.%s", actions_url, a->ns, a->pkg[0] ? a->pkg : "default",
	         a->name, ext);
	json_object_set_new(item, m,
	                    json_pack("{s:s, s:o, s:{s:s, s:s, s:s, s:s}, s:{s:{s:s}}}", "operationId", opid,
	                              "parameters", params ? json_incref(params) : json_array(), "x-openwhisk", "url",
	                              url, "namespace", a->ns, "package", a->pkg, "action", a->name, "responses",
	                              "default", "description", "Default response"));
}

/* Remove relpath (and only its method when given); -ENOENT with err when absent. */
int
apidoc_remove(json_t *doc, const char *relpath, const char *method, char *err, size_t n)
{
	json_t *paths = json_object_get(doc, "paths"), *item = json_object_get(paths, relpath);
	char m[16];
	size_t i;

	if (!item)
		return snprintf(err, n, "path '%s' does not exist in the API", relpath), -ENOENT;
	if (!method || !*method)
		return json_object_del(paths, relpath), 0;
	for (i = 0; method[i] && i + 1 < sizeof m; i++)
		m[i] = (char)tolower((unsigned char)method[i]);
	m[i] = 0;
	if (json_object_del(item, m))
		return snprintf(err, n, "path '%s' with operation '%s' does not exist in the API", relpath, m), -ENOENT;
	for (i = 0; methods[i]; i++)
		if (json_object_get(item, methods[i]))
			return 0;
	json_object_del(paths, relpath);
	return 0;
}

/* Every "x-openwhisk" namespace "_" (or none) becomes ns. */
void
apidoc_own(json_t *doc, const char *ns)
{
	json_t *item, *op, *x;
	const char *path, *m;

	json_object_foreach(json_object_get(doc, "paths"), path, item)
	        json_object_foreach(item, m, op) if (json_is_object(x = json_object_get(op, "x-openwhisk")) &&
	                                             (!json_is_string(json_object_get(x, "namespace")) ||
	                                              strcmp(jstr(json_object_get(x, "namespace")), "_") == 0))
	                json_object_set_new(x, "namespace", json_string(ns));
}

/* An API's name in the store, the REST API and the tree: its base path
 * with each '/' written ':', the leading one dropped ("/club/v2" is
 * "club:v2"; "/" is ":"). */
void
apidoc_name(const char *base, char *out, size_t n)
{
	size_t o = 0;

	if (strcmp(base, "/") == 0)
		base = ":";
	else if (base[0] == '/')
		base++;
	for (; *base && o + 1 < n; base++)
		out[o++] = *base == '/' ? ':' : *base;
	out[o] = 0;
}
