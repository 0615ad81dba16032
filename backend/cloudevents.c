/* cloudevents.c — CloudEvents 1.0 over HTTP, in every way an event comes in (fire, webhook, invoke).
 *
 * Three modes (the HTTP protocol binding of CloudEvents 1.0):
 *   binary      a ce-specversion header: the attributes are the ce-*
 *               headers (percent-decoded), datacontenttype the Content-Type,
 *               and the data the body's bytes as they came;
 *   structured  Content-Type application/cloudevents+json: the body is one
 *               event, its attributes and "data" or "data_base64";
 *   batch       Content-Type application/cloudevents-batch+json: an array of
 *               structured events, one fire each (only triggers take it).
 * specversion must be 1.0 and id, source and type are required (400 naming
 * the one missing).
 *
 * What the function gets: the attributes, as they came, in "__ce" (an
 * object: specversion, id, source, type, and subject, time,
 * datacontenttype, dataschema and extensions when given); the data as any
 * event's: a JSON object's members as parameters, anything else as a raw
 * event's fields (__ow_body, text or base64 when it is not UTF-8, and
 * __ow_headers with its content type; params.c). A body that is not
 * CloudEvents is the plain event it was (body_params).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fns.h"

static int
ctype_is(const char *ctype, const char *want)
{
	size_t n = ctype ? strcspn(ctype, "; ") : 0;
	return n == strlen(want) && strncasecmp(ctype, want, n) == 0;
}

static int
attrs_check(const json_t *attrs, char *err, size_t n)
{
	static const char *const required[] = { "id", "source", "type", NULL };
	const char *v = json_string_value(json_object_get(attrs, "specversion"));

	if (!v || strcmp(v, "1.0"))
		return snprintf(err, n, "The CloudEvent's specversion is %s%s%s: only 1.0 is taken.", v ? "'" : "",
		                v ? v : "missing", v ? "'" : ""),
		       -EINVAL;
	for (int i = 0; required[i]; i++) {
		const json_t *a = json_object_get(attrs, required[i]);
		if (!json_is_string(a) || !json_string_length(a))
			return snprintf(err, n,
			                "The CloudEvent has no %s: specversion, id, source and type are required.",
			                required[i]),
			       -EINVAL;
	}
	return 0;
}

/* The parameters of one event: its data (bytes with their content type,
 * or a JSON value) with its attributes (stolen) as __ce. */
static json_t *
event_params(json_t *attrs, const char *ctype, const char *bytes, size_t len, const json_t *value)
{
	json_t *p = NULL;
	char *text;

	if (value && json_is_object(value)) {
		p = json_deep_copy(value);
	} else if (value && json_is_string(value)) {
		p = params_raw(ctype ? ctype : "text/plain", json_string_value(value), json_string_length(value));
	} else if (value) {
		text = js_text(value, &len);
		p = params_raw(ctype ? ctype : "application/json", text ? text : "", text ? len : 0);
		free(text);
	} else if (bytes && len) {
		json_t *v = ctype && ctype_is_json(ctype) ? js_read(bytes, len, 0, NULL, 0) : NULL;
		p = json_is_object(v) ? json_incref(v) : params_raw(ctype, bytes, len);
		json_decref(v);
	} else {
		p = json_object();
	}
	json_object_set_new(p, "__ce", attrs);
	return p;
}

/* Binary mode: the ce-* headers. */
static int
binary_event(const HttpReq *req, json_t **out, char *err, size_t n)
{
	const char *ctype = http_header_get(req, "Content-Type");
	json_t *attrs = json_object();
	char value[4096];
	int rc;

	for (int i = 0; i < req->nheaders; i++) {
		const char *name = req->headers[i].name;
		char lower[128];
		size_t k;
		if (strncasecmp(name, "ce-", 3) || strlen(name + 3) >= sizeof lower || !name[3])
			continue;
		for (k = 0; name[3 + k]; k++)
			lower[k] = (char)tolower((unsigned char)name[3 + k]);
		lower[k] = 0;
		snprintf(value, sizeof value, "%s", req->headers[i].value);
		http_url_decode(value, 0);
		json_object_set_new(attrs, lower, json_string(value));
	}
	if (ctype && *ctype)
		json_object_set_new(attrs, "datacontenttype", json_string(ctype));
	if ((rc = attrs_check(attrs, err, n))) {
		json_decref(attrs);
		return rc;
	}
	*out = event_params(attrs, ctype, req->body, req->body_len, NULL);
	return 0;
}

/* Structured mode: one event as a JSON object. */
static int
structured_event(const json_t *ev, json_t **out, char *err, size_t n)
{
	const json_t *data = json_object_get(ev, "data"), *b64 = json_object_get(ev, "data_base64");
	const char *ctype = json_string_value(json_object_get(ev, "datacontenttype"));
	json_t *attrs;
	Buf raw = { 0 };
	int rc;

	if (!json_is_object(ev))
		return snprintf(err, n, "A structured CloudEvent must be a JSON object."), -EINVAL;
	attrs = json_deep_copy(ev);
	json_object_del(attrs, "data");
	json_object_del(attrs, "data_base64");
	if ((rc = attrs_check(attrs, err, n))) {
		json_decref(attrs);
		return rc;
	}
	if (b64 && (!json_is_string(b64) || base64_decode(json_string_value(b64), json_string_length(b64), &raw))) {
		json_decref(attrs);
		return snprintf(err, n, "The CloudEvent's data_base64 is not base64."), -EINVAL;
	}
	*out = b64 ? event_params(attrs, ctype ? ctype : "application/octet-stream", raw.p ? raw.p : "", raw.n, NULL)
	           : event_params(attrs, ctype, NULL, 0, data);
	buf_free(&raw);
	return 0;
}

/* A batch: an array of structured events. */
static int
batch_events(const json_t *body, json_t *out, char *err, size_t n)
{
	json_t *ev, *one;
	size_t i;
	int rc;

	if (!json_is_array(body) || !json_array_size(body))
		return snprintf(err, n, "A batch of CloudEvents must be a JSON array of events, not empty."), -EINVAL;
	json_array_foreach(body, i, ev)
	{
		if ((rc = structured_event(ev, &one, err, n))) {
			size_t len = strlen(err);
			snprintf(err + len, n - len, " (event %zu of the batch)", i);
			return rc;
		}
		json_array_append_new(out, one);
	}
	return 0;
}

static int
not_here(char *err, size_t n)
{
	snprintf(err, n,
	         "A batch of CloudEvents is fired at a trigger, one fire an event; an action is invoked with "
	         "one event.");
	return -EINVAL;
}

static int
not_json(int batch, const char *why, char *err, size_t n)
{
	snprintf(err, n, "The CloudEvent%s is not JSON: %s.", batch ? "s batch" : "", why);
	return -EINVAL;
}

/* The events of a request: *out an array of parameter objects, one an
 * event. batch_ok: a batch may come (triggers). 0, or -EINVAL with err
 * (then *out is NULL). */
int
request_events(const HttpReq *req, int batch_ok, json_t **out, char *err, size_t n)
{
	const char *ctype = http_header_get(req, "Content-Type");
	int batch = ctype_is(ctype, "application/cloudevents-batch+json");
	json_t *body = NULL, *one = NULL;
	char why[256];
	int rc;

	*out = json_array();
	if (http_header_get(req, "ce-specversion"))
		rc = binary_event(req, &one, err, n);
	else if (!batch && !ctype_is(ctype, "application/cloudevents+json"))
		rc = body_params(ctype, req->body, req->body_len, &one, err, n);
	else if (batch && !batch_ok)
		rc = not_here(err, n);
	else if (!(body = js_read(req->body, req->body_len, 0, why, sizeof why)))
		rc = not_json(batch, why, err, n);
	else
		rc = batch ? batch_events(body, *out, err, n) : structured_event(body, &one, err, n);
	if (one)
		json_array_append_new(*out, one);
	json_decref(body);
	if (rc) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}
