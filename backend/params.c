/* params.c — parameter lists, their merge, and what an invocation body means.
 *
 * Entities keep parameters as OpenWhisk does, an array of {"key","value"}
 * with an optional "init": true. An invocation sees one object, built in
 * layers where a later layer wins: package < binding < action < payload.
 * A parameter marked init goes to the function's environment at /init
 * instead, as a string (ContainerProxy.partitionArguments): strings stay,
 * null becomes "", anything else its compact JSON text.
 *
 * A body is parameters when it is a JSON object sent as JSON (or with no
 * Content-Type); anything else is a raw event handed over the way a web
 * action gets one: __ow_body (text, or base64 when it is not UTF-8),
 * __ow_headers with the content type, __ow_method "post", __ow_path "".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fns.h"

/* Check a "parameters" or "annotations" value from a PUT: an array of
 * {"key": string, "value": any}. */
int
params_check(const json_t *arr, const char *what, char *err, size_t n)
{
	size_t i;
	json_t *p;

	if (!json_is_array(arr))
		return snprintf(err, n, "The %s must be an array of {\"key\", \"value\"} objects.", what), -EINVAL;
	json_array_foreach(arr, i, p)
	{
		json_t *k = json_object_get(p, "key");
		if (!json_is_object(p) || !json_is_string(k) || !json_string_length(k))
			return snprintf(err, n, "The %s entry %zu has no \"key\" string.", what, i), -EINVAL;
		if (!json_object_get(p, "value"))
			return snprintf(err, n, "The %s entry '%s' has no \"value\".", what, json_string_value(k)),
			       -EINVAL;
	}
	return 0;
}

/* The text an init parameter takes in the environment. */
static json_t *
env_string(const json_t *v)
{
	char *s;
	json_t *out;

	if (json_is_string(v))
		return json_incref((json_t *)v);
	if (json_is_null(v))
		return json_string("");
	s = js_text(v, NULL);
	out = json_string(s ? s : "");
	free(s);
	return out;
}

/* Lay the array `arr` over `into` (an object). Entries marked init go to
 * `env` instead, when it is given. */
void
params_layer(json_t *into, json_t *env, const json_t *arr)
{
	size_t i;
	json_t *p;

	json_array_foreach(arr, i, p)
	{
		const char *k = json_string_value(json_object_get(p, "key"));
		json_t *v = json_object_get(p, "value");
		if (!k || !v)
			continue;
		if (env && json_is_true(json_object_get(p, "init"))) {
			json_object_set_new(env, k, env_string(v));
			json_object_del(into, k);
		} else {
			json_object_set(into, k, v);
		}
	}
}

/* Lay a payload object over the merged parameters. A payload key never
 * reaches the init environment: an init parameter is bound, not passed. */
void
params_payload(json_t *into, const json_t *payload)
{
	json_object_update(into, (json_t *)payload);
}

/* {"k": v} -> [{"key":"k","value":v}] */
json_t *
params_from_object(const json_t *obj)
{
	json_t *arr = json_array(), *v;
	const char *k;

	json_object_foreach((json_t *)obj, k, v)
	{
		json_t *p = json_pack("{s:s, s:O}", "key", k, "value", v);
		json_array_append_new(arr, p);
	}
	return arr;
}

/* The value of key in an array of {key, value}, or NULL. */
json_t *
params_get(const json_t *arr, const char *key)
{
	size_t i;
	json_t *p;

	json_array_foreach(arr, i, p)
	{
		const char *k = json_string_value(json_object_get(p, "key"));
		if (k && strcmp(k, key) == 0)
			return json_object_get(p, "value");
	}
	return NULL;
}

/* Set key to value (stolen) in an array of {key, value}, at the end if it
 * is not there yet; a NULL value sets nothing. */
void
params_set(json_t *arr, const char *key, json_t *value)
{
	size_t i;
	json_t *p;

	if (!value)
		return;
	json_array_foreach(arr, i, p)
	{
		const char *k = json_string_value(json_object_get(p, "key"));
		if (k && strcmp(k, key) == 0) {
			json_object_set_new(p, "value", value);
			return;
		}
	}
	p = json_object();
	json_object_set_new(p, "key", json_string(key));
	json_object_set_new(p, "value", value);
	json_array_append_new(arr, p);
}

/* Merge annotation arrays: old ++ new, a key in `add` replaces the old one,
 * keys in `del` are removed first (Actions.scala). */
json_t *
params_union(const json_t *old, const json_t *add, const json_t *del)
{
	json_t *res = json_array(), *p;
	size_t i, j;

	json_array_foreach(old, i, p)
	{
		const char *k = json_string_value(json_object_get(p, "key"));
		int drop = !k || params_get(add, k) != NULL;
		json_t *d;
		json_array_foreach(del, j, d) if (k && json_is_string(d) && strcmp(json_string_value(d), k) == 0) drop =
		        1;
		if (!drop)
			json_array_append(res, p);
	}
	json_array_foreach(add, i, p) json_array_append(res, p);
	return res;
}

int
text_is_utf8(const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i = 0;

	while (i < n) {
		int len = s[i] < 0x80 ? 1 : (s[i] >> 5) == 6 ? 2 : (s[i] >> 4) == 14 ? 3 : (s[i] >> 3) == 30 ? 4 : 0;
		if (!len || i + len > n || (len == 1 && s[i] == 0))
			return 0;
		for (int k = 1; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

/* A raw event as a web action's fields: __ow_body (text, or base64 when it
 * is not UTF-8), __ow_headers with its content type, __ow_method, __ow_path. */
json_t *
params_raw(const char *ctype, const char *body, size_t len)
{
	json_t *raw = json_object();

	if (text_is_utf8(body, len)) {
		json_object_set_new(raw, "__ow_body", json_stringn(body, len));
	} else {
		Buf b64 = { 0 };

		base64_encode(body, len, &b64);
		json_object_set_new(raw, "__ow_body", json_string(b64.p));
		buf_free(&b64);
	}
	json_object_set_new(raw, "__ow_headers",
	                    json_pack("{s:s}", "content-type", ctype && *ctype ? ctype : "text/plain"));
	json_object_set_new(raw, "__ow_method", json_string("post"));
	json_object_set_new(raw, "__ow_path", json_string(""));
	return raw;
}

int
ctype_is_json(const char *ctype)
{
	size_t n = strcspn(ctype, "; ");
	return (n == 16 && strncasecmp(ctype, "application/json", 16) == 0) ||
	       (n > 5 && strncasecmp(ctype + n - 5, "+json", 5) == 0);
}

/* The parameters an invocation body stands for, into *out (a new object).
 * ctype may be NULL. -EINVAL with a message when a JSON body does not parse. */
int
body_params(const char *ctype, const char *body, size_t len, json_t **out, char *err, size_t n)
{
	json_t *v;
	char why[256];
	int as_json = !ctype || !*ctype || ctype_is_json(ctype);

	if (len == 0 || (as_json && strspn(body, " \t\r\n") == len)) {
		*out = json_object();
		return 0;
	}
	if (as_json) {
		v = js_read(body, len, 0, why, sizeof why);
		if (json_is_object(v)) {
			*out = v;
			return 0;
		}
		json_decref(v);
		if (ctype && *ctype) {
			if (!v)
				return snprintf(err, n, "The request content was malformed: %s.", why), -EINVAL;
			return snprintf(err, n,
			                "The request content was malformed: the JSON body must be an "
			                "object."),
			       -EINVAL;
		}
	}
	*out = params_raw(ctype, body, len);
	return 0;
}
