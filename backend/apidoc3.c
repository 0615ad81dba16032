/* apidoc3.c — an API's OpenAPI 2 document given as OpenAPI 3.0.
 *
 * servers is the API's gateway URL; each operation's path, query and
 * header parameters get a "schema" from their type fields; "body" and
 * "formData" parameters become its requestBody (JSON, or a form whose
 * schema has a property per field); a response's schema goes under
 * content for each type the operation (or the API) produces, JSON by
 * default; securityDefinitions become components.securitySchemes (basic
 * as http basic, oauth2 with its flow). Extensions ("x-...") pass through.
 */
#include <stdio.h>
#include <string.h>

#include "fns.h"

static const char *const schema_keys[] = { "type",
	                                   "format",
	                                   "items",
	                                   "enum",
	                                   "default",
	                                   "maximum",
	                                   "minimum",
	                                   "exclusiveMaximum",
	                                   "exclusiveMinimum",
	                                   "maxLength",
	                                   "minLength",
	                                   "pattern",
	                                   "maxItems",
	                                   "minItems",
	                                   "uniqueItems",
	                                   "multipleOf",
	                                   NULL };

static void
copy_ext(const json_t *from, json_t *to)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)from, k, v) if (strncmp(k, "x-", 2) == 0) json_object_set(to, k, v);
}

/* A non-body parameter: its type fields move into "schema". */
static json_t *
param3(const json_t *p)
{
	json_t *out = json_object(), *schema = json_object(), *v;
	const char *k;

	json_object_foreach((json_t *)p, k, v)
	{
		int in_schema = 0;
		for (int i = 0; schema_keys[i]; i++)
			in_schema |= strcmp(k, schema_keys[i]) == 0;
		if (in_schema)
			json_object_set(schema, k, v);
		else if (strcmp(k, "collectionFormat") && strcmp(k, "allowEmptyValue"))
			json_object_set(out, k, v);
	}
	if (!json_object_get(schema, "type"))
		json_object_set_new(schema, "type", json_string("string"));
	json_object_set_new(out, "schema", schema);
	return out;
}

/* The request body of "body" and "formData" parameters, or NULL. */
static json_t *
body3(const json_t *params)
{
	json_t *form = NULL, *body = NULL, *p, *req = json_array();
	size_t i;

	json_array_foreach(params, i, p)
	{
		const char *in = jstr(json_object_get(p, "in"));
		if (strcmp(in, "body") == 0) {
			body = json_pack("{s:{s:{s:O}}}", "content", "application/json", "schema",
			                 json_object_get(p, "schema") ? json_object_get(p, "schema") : json_object());
			if (json_is_true(json_object_get(p, "required")))
				json_object_set_new(body, "required", json_true());
		} else if (strcmp(in, "formData") == 0) {
			json_t *s = param3(p);
			if (!form)
				form = json_pack("{s:s, s:{}}", "type", "object", "properties");
			json_object_set(json_object_get(form, "properties"), jstr(json_object_get(p, "name")),
			                json_object_get(s, "schema"));
			if (json_is_true(json_object_get(p, "required")))
				json_array_append(req, json_object_get(p, "name"));
			json_decref(s);
		}
	}
	if (form && json_array_size(req))
		json_object_set(form, "required", req);
	json_decref(req);
	if (form && !body)
		body = json_pack("{s:{s:{s:o}}}", "content", "application/x-www-form-urlencoded", "schema", form);
	else
		json_decref(form);
	return body;
}

static json_t *
params3(const json_t *params)
{
	json_t *out = json_array(), *p;
	size_t i;

	json_array_foreach(params, i, p)
	{
		const char *in = jstr(json_object_get(p, "in"));
		if (strcmp(in, "body") && strcmp(in, "formData"))
			json_array_append_new(out, param3(p));
	}
	return out;
}

static json_t *
responses3(const json_t *responses, const json_t *produces)
{
	json_t *out = json_object(), *r, *t;
	const char *code;
	size_t i;

	json_object_foreach((json_t *)responses, code, r)
	{
		json_t *r3 = json_pack("{s:s}", "description",
		                       json_is_string(json_object_get(r, "description"))
		                               ? jstr(json_object_get(r, "description"))
		                               : "");
		if (json_object_get(r, "schema")) {
			json_t *content = json_object();
			if (!json_array_size(produces))
				json_object_set_new(content, "application/json",
				                    json_pack("{s:O}", "schema", json_object_get(r, "schema")));
			json_array_foreach(produces, i, t) json_object_set_new(
			        content, jstr(t), json_pack("{s:O}", "schema", json_object_get(r, "schema")));
			json_object_set_new(r3, "content", content);
		}
		if (json_object_get(r, "headers"))
			json_object_set(r3, "headers", json_object_get(r, "headers"));
		copy_ext(r, r3);
		json_object_set_new(out, code, r3);
	}
	return out;
}

static json_t *
op3(const json_t *op, const json_t *produces)
{
	static const char *const same[] = { "operationId", "summary",    "description", "tags",
		                            "security",    "deprecated", NULL };
	json_t *out = json_object(), *body = body3(json_object_get(op, "parameters"));

	for (int i = 0; same[i]; i++)
		if (json_object_get(op, same[i]))
			json_object_set(out, same[i], json_object_get(op, same[i]));
	json_object_set_new(out, "parameters", params3(json_object_get(op, "parameters")));
	if (body)
		json_object_set_new(out, "requestBody", body);
	json_object_set_new(out, "responses",
	                    responses3(json_object_get(op, "responses"),
	                               json_object_get(op, "produces") ? json_object_get(op, "produces") : produces));
	copy_ext(op, out);
	return out;
}

static json_t *
paths3(const json_t *paths, const json_t *produces)
{
	json_t *out = json_object(), *item, *v;
	const char *path, *k;

	json_object_foreach((json_t *)paths, path, item)
	{
		json_t *i3 = json_object();
		json_object_foreach(item, k, v)
		{
			if (strcmp(k, "parameters") == 0)
				json_object_set_new(i3, k, params3(v));
			else if (apidoc_is_method(k))
				json_object_set_new(i3, k, op3(v, produces));
			else if (strncmp(k, "x-", 2) == 0)
				json_object_set(i3, k, v);
		}
		json_object_set_new(out, path, i3);
	}
	return out;
}

/* securityDefinitions as securitySchemes. */
static json_t *
schemes3(const json_t *defs)
{
	json_t *out = json_object(), *d, *s;
	const char *name, *type;

	json_object_foreach((json_t *)defs, name, d)
	{
		type = jstr(json_object_get(d, "type"));
		if (strcmp(type, "basic") == 0) {
			s = json_pack("{s:s, s:s}", "type", "http", "scheme", "basic");
		} else if (strcmp(type, "oauth2") == 0) {
			const char *flow = jstr(json_object_get(d, "flow"));
			json_t *f =
			        json_pack("{s:O}", "scopes",
			                  json_object_get(d, "scopes") ? json_object_get(d, "scopes") : json_object());
			if (json_object_get(d, "authorizationUrl"))
				json_object_set(f, "authorizationUrl", json_object_get(d, "authorizationUrl"));
			if (json_object_get(d, "tokenUrl"))
				json_object_set(f, "tokenUrl", json_object_get(d, "tokenUrl"));
			s = json_pack("{s:s, s:{s:o}}", "type", "oauth2", "flows",
			              strcmp(flow, "application") == 0  ? "clientCredentials"
			              : strcmp(flow, "accessCode") == 0 ? "authorizationCode"
			              : flow[0]                         ? flow
			                                                : "implicit",
			              f);
		} else {
			s = json_deep_copy(d);
		}
		if (json_object_get(d, "description"))
			json_object_set(s, "description", json_object_get(d, "description"));
		copy_ext(d, s);
		json_object_set_new(out, name, s);
	}
	return out;
}

json_t *
apidoc_v3(const json_t *doc, const char *url)
{
	json_t *out = json_pack("{s:s, s:O, s:[{s:s}], s:o}", "openapi", "3.0.3", "info", json_object_get(doc, "info"),
	                        "servers", "url", url, "paths",
	                        paths3(json_object_get(doc, "paths"), json_object_get(doc, "produces")));

	if (json_object_get(doc, "securityDefinitions"))
		json_object_set_new(
		        out, "components",
		        json_pack("{s:o}", "securitySchemes", schemes3(json_object_get(doc, "securityDefinitions"))));
	if (json_object_get(doc, "security"))
		json_object_set(out, "security", json_object_get(doc, "security"));
	if (json_object_get(doc, "tags"))
		json_object_set(out, "tags", json_object_get(doc, "tags"));
	copy_ext(doc, out);
	return out;
}
