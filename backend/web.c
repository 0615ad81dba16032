/* web.c — web actions: /api/v1/web/NS/PKG/ACTION[.EXT][/PATH] from a request to an activation.
 *
 * As OpenWhisk's WebActions.scala has them. PKG is "default" for an action
 * outside a package; EXT is one of .http (the default), .json, .html, .svg,
 * .text and chooses how the result becomes the answer (web_reply.c); PATH
 * is given to the action as __ow_path. The action must carry the
 * annotation web-export=true, and is reached in its owner's package, never
 * through a binding; otherwise 404, the same as for a name that does not
 * exist. It runs as its owner, who owns the activation record; the caller
 * needs no key, but one it sends (Basic, as for the REST API) makes it
 * __ow_user, and require-whisk-auth can demand it (true) or demand a
 * secret in X-Require-Whisk-Auth (a string or number).
 *
 * The action gets __ow_method (lower case), __ow_headers (names lower
 * case; not the Authorization header that made __ow_user: a caller's key
 * is not the action owner's to see), __ow_path, and the request: the query's parameters as strings
 * and a JSON object or form body's fields, body last; any other body as
 * __ow_body, base64 when its media type is binary or application/json.
 * With raw-http=true it gets __ow_query (the query as sent) and __ow_body
 * (the body as sent, base64 likewise, "" when empty) instead. A request
 * that names an __ow_ key, or with final=true a bound parameter, is 400.
 *
 * CORS: every answer carries OpenWhisk's web CORS headers and OPTIONS is
 * answered 200 with just those, unless the action has
 * web-custom-options=true: then OPTIONS runs the action too (without the
 * require-whisk-auth check) and the headers are the action's.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fns.h"
#include "log.h"

static const char *const exts[] = { ".http", ".json", ".html", ".svg", ".text", NULL };
static const char *const reserved[] = { "__ow_method", "__ow_headers", "__ow_path", "__ow_user",
	                                "__ow_query",  "__ow_body",    NULL };

/* Annotation key of the action as a JSON value, or NULL. */
static json_t *
annot(const json_t *action, const char *key)
{
	return params_get(json_object_get(action, "annotations"), key);
}

/* The web CORS headers (Access-Control-Allow-Headers echoes the request's);
 * methods NULL for all a web action takes. */
void
web_cors(HttpReq *req, Buf *h, const char *methods)
{
	const char *want = http_header_get(req, "Access-Control-Request-Headers");

	buf_printf(h, "Access-Control-Allow-Origin: *\r\nAccess-Control-Allow-Methods: %s\r\n",
	           methods ? methods : "OPTIONS, GET, DELETE, POST, PUT, HEAD, PATCH");
	if (want && !strpbrk(want, "\r\n"))
		buf_printf(h, "Access-Control-Allow-Headers: %s\r\n", want);
	else
		buf_str(h,
		        "Access-Control-Allow-Headers: Authorization, Origin, X-Requested-With, Content-Type, Accept, "
		        "User-Agent\r\n");
}

/* An error as OpenWhisk's {"error", "code"}, with the CORS headers when cors. */
void
web_error(HttpReq *req, int cors, const char *id, int status, const char *msg)
{
	web_error_h(req, cors, id, status, msg, NULL);
}

/* The same with more header lines. */
void
web_error_h(HttpReq *req, int cors, const char *id, int status, const char *msg, const char *extra)
{
	Buf h = { 0 };
	char code[33];
	json_t *body;
	char *text;
	size_t len = 0;

	id_new(code);
	if (cors)
		web_cors(req, &h, NULL);
	if (id)
		buf_printf(&h, "x-openwhisk-activation-id: %s\r\n", id);
	buf_str(&h, extra ? extra : "");
	body = json_pack("{s:s, s:s}", "error", msg, "code", code);
	text = js_text(body, &len);
	http_respond(req, status, "application/json", h.p, text, len);
	free(text);
	json_decref(body);
	buf_free(&h);
}

/* The media type of ctype, lower case, without parameters: "text/html". */
void
media_type(const char *ctype, char *out, size_t n)
{
	size_t i = 0, len = ctype ? strcspn(ctype, "; \t") : 0;

	for (; i < len && i + 1 < n; i++)
		out[i] = (char)tolower((unsigned char)ctype[i]);
	out[i] = 0;
}

static int
ends(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && strcmp(s + n - t, tail) == 0;
}

int
media_is_json(const char *mt)
{
	return strcmp(mt, "application/json") == 0 || ends(mt, "+json");
}

/* Whether bodies of media type mt are bytes rather than text, as Pekko
 * HTTP's media types say (OpenWhisk decides with them): text/ types, the JSON
 * and XML families, JavaScript and forms are text; the other application/
 * types, images, audio, video and fonts are binary. */
int
media_is_binary(const char *mt)
{
	static const char *const text_app[] = {
		"application/json",         "application/xml",        "application/javascript",
		"application/x-javascript", "application/ecmascript", "application/x-www-form-urlencoded",
		"application/graphql",      "application/x-sh",       NULL
	};

	if (media_is_json(mt) || ends(mt, "+xml") || strncmp(mt, "text/", 5) == 0)
		return 0;
	for (int i = 0; text_app[i]; i++)
		if (strcmp(mt, text_app[i]) == 0)
			return 0;
	return strncmp(mt, "application/", 12) == 0 || strncmp(mt, "image/", 6) == 0 || strncmp(mt, "audio/", 6) == 0 ||
	       strncmp(mt, "video/", 6) == 0 || strncmp(mt, "font/", 5) == 0;
}

/* The query's parameters as an object of strings (last wins). */
static json_t *
query_object(const char *q, int plus_is_space)
{
	json_t *o = json_object();
	char *copy = estrdup(q ? q : ""), *save = NULL, *s;

	for (s = strtok_r(copy, "&", &save); s; s = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(s, '=');
		if (eq)
			*eq++ = 0;
		http_url_decode(s, plus_is_space);
		if (eq)
			http_url_decode(eq, plus_is_space);
		json_object_set_new(o, s, json_string(eq ? eq : ""));
	}
	free(copy);
	return o;
}

/* The body as a JSON string: base64 of its bytes, or its text. */
static json_t *
body_string(const char *body, size_t len, int b64)
{
	Buf b = { 0 };
	json_t *v;

	if (!b64 && (v = json_stringn(body, len)))
		return v; /* NULL when not UTF-8: then base64 too */
	base64_encode(body, len, &b);
	v = json_string(b.p ? b.p : "");
	buf_free(&b);
	return v;
}

/* What the body gives the action: its fields into args, or *owbody; 400's text in err. */
static int
body_args(HttpReq *req, int raw, json_t *args, json_t **owbody, char *err, size_t n)
{
	char mt[128];
	char why[256];
	json_t *v;

	media_type(http_header_get(req, "Content-Type"), mt, sizeof mt);
	if (req->body_len == 0) {
		if (raw)
			*owbody = json_string("");
		return 0;
	}
	if (!raw && media_is_json(mt)) {
		if (!(v = js_read(req->body, req->body_len, JSON_DECODE_ANY, why, sizeof why)))
			return snprintf(err, n, "The request content was malformed: %s.", why), -EINVAL;
		if (json_is_object(v)) {
			json_object_update(args, v);
			json_decref(v);
		} else {
			*owbody = v;
		}
		return 0;
	}
	if (!raw && strcmp(mt, "application/x-www-form-urlencoded") == 0) {
		json_object_update(args, v = query_object(req->body, 1));
		json_decref(v);
		return 0;
	}
	*owbody = body_string(req->body, req->body_len, media_is_binary(mt) || strcmp(mt, "application/json") == 0);
	return 0;
}

/* Whether the request names a key it may not set: a reserved one, or with
 * final=true one the action binds. */
static int
overrides(const json_t *given, const Resolved *r)
{
	int final = json_is_true(annot(r->action, "final"));
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)given, k, v)
	{
		for (int i = 0; reserved[i]; i++)
			if (strcmp(k, reserved[i]) == 0)
				return 1;
		if (final && (json_object_get(r->params, k) || json_object_get(r->init_env, k)))
			return 1;
	}
	return 0;
}

/* The action's arguments for req: 0, or 400 with err. */
static int
web_args(HttpReq *req, const Resolved *r, const WebCall *wc, const Caller *user, json_t **out, char *err, size_t n)
{
	int raw = json_is_true(annot(r->action, "raw-http"));
	json_t *given = raw ? json_object() : query_object(req->query, 1), *hdrs, *args, *owbody = NULL;
	char lower[256], method[16];
	int rc;

	if ((rc = body_args(req, raw, given, &owbody, err, n))) {
		json_decref(given);
		return rc;
	}
	if (wc->extra) /* the gateway's path parameters */
		json_object_update(given, wc->extra);
	if (!raw && overrides(given, r)) {
		json_decref(given);
		json_decref(owbody);
		return snprintf(err, n, "Request defines parameters that are not allowed (e.g., reserved properties)."),
		       -EINVAL;
	}
	hdrs = json_object();
	for (int i = 0; i < req->nheaders; i++) {
		size_t j = 0;
		for (; req->headers[i].name[j] && j + 1 < sizeof lower; j++)
			lower[j] = (char)tolower((unsigned char)req->headers[i].name[j]);
		lower[j] = 0;
		if (user && strcmp(lower, "authorization") == 0)
			continue; /* a caller's platform key is theirs: the action gets __ow_user, not the key */
		json_object_set_new(hdrs, lower, body_string(req->headers[i].value, strlen(req->headers[i].value), 0));
	}
	for (rc = 0; req->method[rc] && rc + 1 < (int)sizeof method; rc++)
		method[rc] = (char)tolower((unsigned char)req->method[rc]);
	method[rc] = 0;
	args = json_pack("{s:s, s:o, s:s}", "__ow_method", method, "__ow_headers", hdrs, "__ow_path", wc->path);
	if (user)
		json_object_set_new(args, "__ow_user", json_string(user->ns));
	if (raw)
		json_object_set_new(args, "__ow_query", json_string(req->query ? req->query : ""));
	if (owbody)
		json_object_set_new(args, "__ow_body", owbody);
	json_object_update(args, given);
	json_decref(given);
	*out = args;
	return 0;
}

/* require-whisk-auth: whether the request may run the action. */
static int
authorized(HttpReq *req, const json_t *action, const Caller *user)
{
	json_t *need = annot(action, "require-whisk-auth");
	const char *got = http_header_get(req, "X-Require-Whisk-Auth");
	char num[64];

	if (!need || json_is_false(need))
		return 1;
	if (json_is_true(need))
		return user != NULL;
	if (json_is_string(need))
		return got && strcmp(got, json_string_value(need)) == 0;
	if (json_is_integer(need))
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(need));
	else if (json_is_real(need))
		snprintf(num, sizeof num, "%.17g", json_real_value(need));
	else
		return 0;
	return got && strcmp(got, num) == 0;
}

typedef struct WebCtx {
	const char *ext; /* "http", "json", ... */
	int cors;        /* add the web CORS headers */
} WebCtx;

static void
web_done(HttpReq *req, const ActDone *d, void *arg)
{
	WebCtx *w = arg;

	web_reply(req, d, w->ext, w->cors);
	free(w);
}

/* Split "NAME.EXT" into name and its extension (http when none). */
static const char *
split_ext(char *name)
{
	for (int i = 0; exts[i]; i++)
		if (ends(name, exts[i]) && strlen(name) > strlen(exts[i])) {
			name[strlen(name) - strlen(exts[i])] = 0;
			return exts[i] + 1;
		}
	return "http";
}

/* The extension of a web action's URL (".../NAME.EXT"), or NULL when it has none we know. */
const char *
web_ext_of(const char *url)
{
	for (int i = 0; exts[i]; i++)
		if (ends(url, exts[i]))
			return exts[i] + 1;
	return NULL;
}

/* The three names of the path after /api/v1/web/, decoded, and what follows. */
static int
web_names(const char *url, WebCall *wc, char *path, size_t n)
{
	Qname *q = &wc->q;
	char *dst[3] = { q->ns, q->pkg, q->name }, err[256];
	const char *p = url + strlen("/api/v1/web/");
	size_t len;

	memset(q, 0, sizeof *q);
	for (int i = 0; i < 3; i++) {
		while (*p == '/')
			p++;
		len = strcspn(p, "/?");
		if (len == 0 || len > NAME_MAX_LEN)
			return -ENOENT;
		memcpy(dst[i], p, len);
		dst[i][len] = 0;
		http_url_decode(dst[i], 0);
		if (name_check(dst[i], err, sizeof err))
			return -ENOENT;
		p += len;
	}
	wc->ext = split_ext(q->name);
	if (strcmp(q->pkg, "default") == 0)
		q->pkg[0] = 0;
	len = strcspn(p, "?");
	if (len >= n)
		return -E2BIG;
	memcpy(path, p, len);
	path[len] = 0;
	http_url_decode(path, 0);
	wc->path = path;
	return 0;
}

int
web_method_allowed(const char *m)
{
	static const char *const ok[] = { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", NULL };

	for (int i = 0; ok[i]; i++)
		if (strcmp(m, ok[i]) == 0)
			return 1;
	return 0;
}

/* Find the exported action q names, as its owner; 0 or -ENOENT. (A
 * namespace that does not exist has no actions: no need to ask.) */
static int
web_resolve(Backend *b, const Qname *q, Caller *owner, Resolved *r)
{
	char err[256];
	int status;

	memset(owner, 0, sizeof *owner);
	strecpy(owner->ns, owner->ns + sizeof owner->ns, q->ns);
	if (action_resolve(b, owner, q, r, &status, err, sizeof err))
		return -ENOENT;
	if (r->binding[0] || !json_is_true(annot(r->action, "web-export"))) {
		resolved_free(r);
		return -ENOENT;
	}
	return 0;
}

/* Whether q names an exported web action. */
int
web_action_exists(Backend *b, const Qname *q)
{
	Caller owner;
	Resolved r;

	if (web_resolve(b, q, &owner, &r))
		return 0;
	resolved_free(&r);
	return 1;
}

/* Run the web action and answer. The caller (user) is optional. */
static void
web_run(Backend *b, HttpReq *req, const WebCall *wc, Resolved *r, Caller *owner, const Caller *user, int cors)
{
	ActReq rq = { 0 };
	json_t *args;
	WebCtx *w;
	char err[1024];
	int status;

	if (req->body_len > b->opt.max_payload) {
		web_error(req, cors, NULL, 413, "The request content exceeds the limit of bytes allowed.");
		return;
	}
	if (web_args(req, r, wc, user, &args, err, sizeof err)) {
		web_error(req, cors, NULL, 400, err);
		return;
	}
	w = ecalloc(1, sizeof *w);
	w->ext = wc->ext;
	w->cors = cors;
	if (user && strcmp(user->ns, owner->ns) == 0) /* the owner's own key, for provide-api-key */
		strecpy(owner->auth, owner->auth + sizeof owner->auth, user->auth);
	rq.who = owner;
	rq.target = wc->q;
	rq.res = r; /* taken over when the activation starts */
	rq.params = args;
	if (invoke_wait(b, req, &rq, 1, WAIT_MAX_MS, web_done, w, &status, err, sizeof err)) {
		free(w);
		web_error(req, cors, NULL, status, err);
	}
	json_decref(args);
}

/* Call the web action wc names for req: by its own URL, or for a route of
 * the API gateway (wc->api_ns set), which answers OPTIONS itself, says
 * whether to add CORS headers, and passes require-whisk-auth for actions
 * of the API's own namespace. */
void
web_invoke(Backend *b, HttpReq *req, const WebCall *wc)
{
	Caller user, owner;
	const char *auth = http_header_get(req, "Authorization");
	int has_user = auth && auth_check(b, auth, &user) == 0, cors, pass;
	Resolved r;

	if (web_resolve(b, &wc->q, &owner, &r)) {
		web_error(req, wc->api_ns ? wc->cors : 1, NULL, 404, "The requested resource does not exist.");
		return;
	}
	cors = wc->api_ns ? wc->cors : !json_is_true(annot(r.action, "web-custom-options"));
	pass = strcmp(req->method, "OPTIONS") == 0 || (wc->api_ns && strcmp(wc->api_ns, wc->q.ns) == 0);
	if (!wc->api_ns && cors && strcmp(req->method, "OPTIONS") == 0) {
		Buf h = { 0 };
		web_cors(req, &h, NULL);
		http_respond(req, 200, "text/plain; charset=UTF-8", h.p, "", 0);
		buf_free(&h);
	} else if (!pass && !authorized(req, r.action, has_user ? &user : NULL)) {
		web_error(req, cors, NULL, 401, "Authentication is possible but has failed or not yet been provided.");
	} else {
		web_run(b, req, wc, &r, &owner, has_user ? &user : NULL, cors);
	}
	resolved_free(&r);
}

void
web_handle(Backend *b, HttpReq *req)
{
	WebCall wc = { 0 };
	char path[8192];

	if (!web_method_allowed(req->method)) {
		web_error(req, 1, NULL, 405,
		          "HTTP method not allowed, supported methods: GET, POST, PUT, PATCH, "
		          "DELETE, HEAD, OPTIONS");
		return;
	}
	if (strncmp(req->url, "/api/v1/web/whisk.system/apimgmt/", 33) == 0) {
		apimgmt_handle(b, req);
		return;
	}
	if (web_names(req->url, &wc, path, sizeof path)) {
		web_error(req, 1, NULL, 404, "The requested resource does not exist.");
		return;
	}
	web_invoke(b, req, &wc);
}
