/* serve.c — the HTTP routes: POST /init, POST /run, and Knative's POST /.
 *
 * /init and /run are OpenWhisk's. POST / is the single entry point of a
 * Knative service: a JSON object with any of "init", "activation" and
 * "value" is OpenWhisk's envelope (init, then run with the activation's
 * fields and the value); anything else is an event and reaches the function
 * untransformed: a JSON object as its parameters, any other body as the
 * web-action fields __ow_body (text, or base64 when not UTF-8),
 * __ow_headers, __ow_method and __ow_path.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"
#include "log.h"

static const char USE_POST[] = "{\"error\":\"Use POST.\"}";

static json_t *
parse_object(HttpReq *req)
{
	json_t *j = json_loadb(req->body, req->body_len, JSON_ALLOW_NUL, NULL);

	if (j && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static void
route_init(Proxy *px, HttpReq *req)
{
	json_t *body = parse_object(req), *value = json_object_get(body, "value");

	if (!json_is_object(value)) {
		reply_error(req, 400, "The init body must be a JSON object with an object \"value\".");
		json_decref(body);
		return;
	}
	json_incref(value);
	json_decref(body);
	init_request(px, req, value, NULL);
}

static void
run(Proxy *px, HttpReq *req, json_t *run, const char *text, size_t len)
{
	if (run == NULL) {
		reply_error(req, 500, "out of memory");
		return;
	}
	if (px->action == NULL) {
		reply_error(req, 403, "System not initialized.");
		json_decref(run);
		return;
	}
	act_submit(px, req, run, text, len);
}

/* The warm path: the body is checked, not parsed; act_run parses it later
 * if the action needs the tree. */
static void
route_run(Proxy *px, HttpReq *req)
{
	if (js_check(req->body, req->body_len) != '{') {
		reply_error(req, 400, "The run body must be a JSON object.");
		return;
	}
	if (px->action == NULL) {
		reply_error(req, 403, "System not initialized.");
		return;
	}
	act_submit(px, req, NULL, req->body, req->body_len);
}

/* The run object of an envelope: the activation's fields and the value. */
static json_t *
envelope_run(json_t *env)
{
	json_t *act = json_object_get(env, "activation"), *value = json_object_get(env, "value");
	json_t *r = json_is_object(act) ? json_copy(act) : json_object();

	if (r)
		json_object_set(r, "value", value ? value : json_object_get(r, "value"));
	if (r && json_object_get(r, "value") == NULL)
		json_object_set_new(r, "value", json_object());
	return r;
}

static void
route_envelope(Proxy *px, HttpReq *req, json_t *env)
{
	json_t *init = json_object_get(env, "init");
	int runs = json_object_get(env, "activation") || json_object_get(env, "value") || !init;
	json_t *r = runs ? envelope_run(env) : NULL;

	if (init && !json_is_object(init)) {
		reply_error(req, 400, "\"init\" must be a JSON object.");
		json_decref(r);
	} else if (init) {
		json_incref(init);
		init_request(px, req, init, r);
	} else
		run(px, req, r, NULL, 0);
	json_decref(env);
}

static json_t *
raw_headers(HttpReq *req)
{
	json_t *h = json_object();
	char name[256];
	int i;
	size_t k;

	for (i = 0; h && i < req->nheaders; i++) {
		for (k = 0; req->headers[i].name[k] && k < sizeof name - 1; k++)
			name[k] = (char)tolower((unsigned char)req->headers[i].name[k]);
		name[k] = '\0';
		json_object_set_new(h, name, json_string(req->headers[i].value));
	}
	return h;
}

/* Any body that is not a JSON object, as OpenWhisk's web-action fields. */
static json_t *
raw_event(HttpReq *req)
{
	json_t *body = json_stringn(req->body, req->body_len), *value;
	char method[16];
	size_t i;
	Buf b64 = { 0 };

	if (body == NULL) {
		base64_encode(req->body, req->body_len, &b64);
		body = json_string(b64.p);
	}
	buf_free(&b64);
	for (i = 0; req->method[i] && i < sizeof method - 1; i++)
		method[i] = (char)tolower((unsigned char)req->method[i]);
	method[i] = '\0';
	value = json_pack("{s:o,s:o,s:s,s:s}", "__ow_body", body ? body : json_string(""), "__ow_headers",
	                  raw_headers(req), "__ow_method", method, "__ow_path", "");
	return json_pack("{s:o}", "value", value);
}

static void
route_entry(Proxy *px, HttpReq *req)
{
	json_t *body = strcmp(req->method, "POST") == 0 ? parse_object(req) : NULL;

	if (body &&
	    (json_object_get(body, "init") || json_object_get(body, "activation") || json_object_get(body, "value")))
		route_envelope(px, req, body);
	else if (body)
		run(px, req, json_pack("{s:o}", "value", body), NULL, 0);
	else
		run(px, req, raw_event(req), NULL, 0);
}

/* lib/http's check, when the headers are complete: a request without the
 * token is refused before a byte of its body is read. */
void
serve_check(HttpReq *req, void *arg)
{
	Proxy *px = arg;

	if (!auth_check(px, req))
		log_debug("%s %s from %s: refused, no token", req->method, req->url, req->peer);
}

/* A request that passed serve_check, whole. */
void
serve_request(HttpReq *req, void *arg)
{
	Proxy *px = arg;

	log_debug("%s %s %zu bytes from %s", req->method, req->url, req->body_len, req->peer);
	if (strcmp(req->path, "/") == 0)
		route_entry(px, req);
	else if (strcmp(req->path, "/init") != 0 && strcmp(req->path, "/run") != 0)
		reply_error(req, 404, "There is nothing here: the routes are POST /init, /run and /.");
	else if (strcmp(req->method, "POST") != 0)
		http_respond(req, 405, "application/json", "Allow: POST\r\n", USE_POST, sizeof USE_POST - 1);
	else if (strcmp(req->path, "/init") == 0)
		route_init(px, req);
	else
		route_run(px, req);
}
