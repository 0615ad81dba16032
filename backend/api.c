/* api.c — the REST API's front door: routing, authentication, answers.
 *
 * Every request comes here from lib/http, twice: api_check sees it when its
 * headers are complete, before any body, and refuses at once a bad path,
 * a key that does not fit (401) and a declared length over the route's
 * limit (413), so no caller without a key makes us read or keep a body;
 * then api_handle routes it whole. The path is split on '/' before
 * percent-decoding, so a name carrying an encoded slash stays one segment
 * and is refused by name_check instead of being read as two; a segment
 * that decodes to a control character (%00 included) or to bytes that are
 * not UTF-8 is a 400. Then:
 *
 *   /                          GET  what this server is, with its runtimes
 *   /api/v1                    GET  the API's description
 *   /metrics                   GET  Prometheus text (see metrics_route)
 *   /hooks/ID                  POST a trigger's webhook (no auth: webhooks.c)
 *   /api/v1/namespaces         GET  the caller's namespace
 *   /api/v1/namespaces/NS/COLL[/...]  the collections, each in api_COLL.c
 *   /api/v1/web/NS/PKG/ACTION[.EXT][/...]  web actions (web.c): no key needed
 *   /api/v1/web/whisk.system/apimgmt/...   `wsk api` (apimgmt.c)
 *   /api/NS/BASEPATH/...       the API gateway's routes (gateway.c): no key needed
 *
 * NS is "_" or the caller's own namespace; any other is 403 (but for the
 * actions of a package its owner published, and the built-in catalog
 * /whisk.system, catalog.c), so one namespace never reads another's
 * entities. A feed's key (caller.scope) reaches only its trigger, a
 * function's (caller.fn) what its action's api-key-scope lists. Every answer is JSON with OpenWhisk's CORS headers,
 * OPTIONS (a browser's preflight) gets just those; errors are
 * {"error": text, "code": id}.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fns.h"
#include "log.h"
#include "utf8.h"

enum {
	KEYLESS_BODY_MAX = 64 * 1024, /* routes without a key: /, /api/v1, /metrics, OPTIONS */
	PATH_CONTROL = -1000,         /* split_path: PATH_CONTROL - 1 - c for the control character c */
};

static const char cors[] = "Access-Control-Allow-Origin: *\r\n"
                           "Access-Control-Allow-Methods: GET, DELETE, POST, PUT, HEAD\r\n"
                           "Access-Control-Allow-Headers: Authorization, Origin, X-Requested-With, Content-Type, "
                           "Accept, User-Agent\r\n";

/* Answer with JSON text (or nothing when text is NULL) and optional extra header lines. */
void
api_reply_text(HttpReq *req, int status, const char *text, size_t len, const char *extra)
{
	char hdrs[1024], *e = hdrs + sizeof hdrs;

	strecpy(strecpy(hdrs, e, cors), e, extra ? extra : "");
	http_respond(req, status, text ? "application/json" : NULL, hdrs, text ? text : "", text ? len : 0);
}

/* Answer with a JSON value (stolen) and optional extra header lines. */
void
api_reply(HttpReq *req, int status, json_t *body, const char *extra)
{
	size_t len = 0;
	char *text = body ? js_text(body, &len) : NULL;

	api_reply_text(req, status, text, len, extra);
	free(text);
	json_decref(body);
}

void
api_error(HttpReq *req, int status, const char *fmt, ...)
{
	char msg[2048], code[33];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	utf8_scrub(msg); /* it may quote what a client sent, or be cut inside a character */
	id_new(code);
	if (status >= 500)
		log_warn("%s %s: %d %s", req->method, req->path, status, msg);
	api_reply(req, status, json_pack("{s:s, s:s}", "error", msg, "code", code), NULL);
}

/* Query helpers: an absent parameter gives def. */
int
query_bool(HttpReq *req, const char *name, int def)
{
	char buf[16];
	const char *v = http_query_get(req, name, buf, sizeof buf);
	return v ? strcmp(v, "true") == 0 || strcmp(v, "1") == 0 : def;
}

int
query_int(HttpReq *req, const char *name, int64_t def, int64_t *out)
{
	char buf[32];
	const char *v = http_query_get(req, name, buf, sizeof buf);

	*out = def;
	return v ? num_int(v, 0, INT64_MAX, out) : 0;
}

/* limit and skip of a list, with OpenWhisk's defaults and bounds. */
int
query_page(ApiReq *ar, int *limit, int *skip)
{
	int64_t l, s;

	if (query_int(ar->req, "limit", LIST_DEFAULT, &l) || query_int(ar->req, "skip", 0, &s)) {
		api_error(ar->req, 400, "The limit and skip parameters must be non-negative integers.");
		return -EINVAL;
	}
	if (l > LIST_MAX) {
		api_error(ar->req, 400, "The limit %lld exceeds the maximum %d.", (long long)l, LIST_MAX);
		return -EINVAL;
	}
	*limit = l == 0 ? LIST_MAX : (int)l;
	*skip = s > 1000000000 ? 1000000000 : (int)s;
	return 0;
}

/* The request body as a JSON object; answers 400 itself on failure. */
int
api_body_object(ApiReq *ar, json_t **out)
{
	char err[256];

	*out = ar->req->body_len ? js_read(ar->req->body, ar->req->body_len, 0, err, sizeof err) : json_object();
	if (!*out) {
		api_error(ar->req, 400, "The request content was malformed: %s.", err);
		return -EINVAL;
	}
	if (!json_is_object(*out)) {
		json_decref(*out);
		api_error(ar->req, 400, "The request content was malformed: a JSON object was expected.");
		return -EINVAL;
	}
	return 0;
}

/* The parameters an invocation carries (params.c body_params, or one
 * CloudEvent), into *out; answers 413 or 400 itself and returns nonzero. */
int
api_payload(ApiReq *ar, json_t **out)
{
	char err[1024];
	json_t *list;

	if (ar->req->body_len > ar->b->opt.max_payload) {
		api_error(ar->req, 413, "The request content exceeds the limit of %zu bytes.", ar->b->opt.max_payload);
		return -E2BIG;
	}
	if (request_events(ar->req, 0, &list, err, sizeof err)) {
		api_error(ar->req, 400, "%s", err);
		return -EINVAL;
	}
	*out = json_incref(json_array_get(list, 0));
	json_decref(list);
	return 0;
}

/* The events a firing carries: one, or a CloudEvents batch (cloudevents.c),
 * into *out (an array); answers 413 or 400 itself and returns nonzero. */
int
api_events(ApiReq *ar, json_t **out)
{
	char err[1024];

	if (ar->req->body_len > ar->b->opt.max_payload) {
		api_error(ar->req, 413, "The request content exceeds the limit of %zu bytes.", ar->b->opt.max_payload);
		return -E2BIG;
	}
	if (request_events(ar->req, 1, out, err, sizeof err)) {
		api_error(ar->req, 400, "%s", err);
		return -EINVAL;
	}
	return 0;
}

static void
root_info(Backend *b, HttpReq *req)
{
	json_t *rt = runtimes_json();

	api_reply(req, 200,
	          json_pack("{s:s, s:[s], s:{s:i, s:i, s:i, s:i}, s:o, s:s}", "description", "OpenWhisk (faasfs)",
	                    "api_paths", "/api/v1", "limits", "sequence_length", SEQUENCE_MAX, "min_action_duration",
	                    100, "max_action_duration", 300000, "concurrent_actions", b->opt.max_containers, "runtimes",
	                    rt, "api_host", b->api_host),
	          NULL);
}

/* A decoded segment: no control characters (a %00 would cut the name
 * short), valid UTF-8. -EILSEQ for bytes that are not UTF-8, or -1 - the
 * control character. */
static int
segment_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -1 - (unsigned char)s[i];
	return utf8_valid(s, n) ? 0 : -EILSEQ;
}

/* Split url's path into at most max decoded segments: their number,
 * -E2BIG for more, or segment_ok's refusal. */
static int
split_path(char *url, char **seg, int max)
{
	char *p = url, *save = NULL, *s;
	int n = 0, rc;

	p[strcspn(p, "?")] = 0;
	for (s = strtok_r(p, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
		if (n == max)
			return -E2BIG;
		if ((rc = segment_ok(s, http_url_decode(s, 0))) < 0)
			return rc == -EILSEQ ? rc : PATH_CONTROL + rc;
		seg[n++] = s;
	}
	return n;
}

/* The path of req split into seg (url is its storage); -ENAMETOOLONG, or as split_path. */
static int
request_path(HttpReq *req, char (*url)[8192], char **seg)
{
	if (strlen(req->url) >= sizeof *url)
		return -ENAMETOOLONG;
	strecpy(*url, *url + sizeof *url, req->url);
	return split_path(*url, seg, 12);
}

/* Answer a path request_path refused; 1 when it did. */
static int
path_refused(HttpReq *req, int n)
{
	if (n == -ENAMETOOLONG)
		api_error(req, 414, "The request target is longer than %d bytes.", 8191);
	else if (n == -EILSEQ)
		api_error(req, 400, "The request path holds bytes that are not UTF-8.");
	else if (n <= PATH_CONTROL - 1 && n >= PATH_CONTROL - 128)
		api_error(req, 400, "The request path holds the control character 0x%02x.", PATH_CONTROL - 1 - n);
	else if (n < 0)
		api_error(req, 404, "The requested resource does not exist.");
	return n < 0;
}

/* The largest body a keyed route takes: an invocation's or a firing's
 * parameters are held to --max-payload, entities to the server's limit. */
static size_t
body_limit(Backend *b, HttpReq *req, char **seg, int n)
{
	int fires = n >= 6 && (strcmp(seg[4], "actions") == 0 || strcmp(seg[4], "triggers") == 0);

	if (strcmp(req->method, "POST") == 0 && fires && b->opt.max_payload < req->max_body)
		return b->opt.max_payload;
	return req->max_body;
}

/* A web action's URL, /api/v1/web/...: no key. */
static int
is_web(const char *url)
{
	return strncmp(url, "/api/v1/web/", 12) == 0;
}

/* A route of the API gateway, /api/NS/BASE/... (any /api/X but v1): no key. */
static int
is_gateway(const char *url)
{
	return strncmp(url, "/api/", 5) == 0 && strcspn(url + 5, "/?") &&
	       (strncmp(url + 5, "v1", 2) || strcspn(url + 5, "/?") != 2);
}

/* lib/http's check, before the body: refuse what will be refused anyway
 * without reading it. */
void
api_check(HttpReq *req, void *arg)
{
	Backend *b = arg;
	char url[8192], *seg[12];
	Caller who;
	int n = request_path(req, &url, seg);

	if (path_refused(req, n))
		return;
	if (is_web(req->url) || is_gateway(req->url) || (n == 2 && strcmp(seg[0], "hooks") == 0) ||
	    gateway_domain_of(b, req))
		req->max_body = b->opt.max_payload; /* a call with a body and no key: the action checks, if it asks */
	else if (strcmp(req->method, "OPTIONS") == 0 || n < 3 || strcmp(seg[0], "api") || strcmp(seg[2], "namespaces"))
		req->max_body = KEYLESS_BODY_MAX;
	else if (auth_check(b, http_header_get(req, "Authorization"), &who)) {
		api_error(req, 401, "The supplied authentication is invalid.");
		return;
	} else
		req->max_body = body_limit(b, req, seg, n);
	if (req->declared > 0 && (unsigned long long)req->declared > req->max_body)
		api_error(req, 413, "The request content exceeds the limit of %zu bytes.", req->max_body);
}

static void
route_namespace(ApiReq *ar, char **seg, int n)
{
	const char *coll = seg[1];
	char why[1024];
	int own = strcmp(seg[0], "_") == 0 || strcmp(seg[0], ar->who.ns) == 0;
	int method_reads = strcmp(ar->req->method, "GET") == 0 || strcmp(ar->req->method, "POST") == 0;

	/* A feed's key reads and fires its one trigger (auth.c, feeds.c). */
	if (ar->who.scope[0] &&
	    !(own && method_reads && n == 3 && strcmp(coll, "triggers") == 0 && strcmp(seg[2], ar->who.scope) == 0)) {
		api_error(ar->req, 403, "This key is the feed's of trigger %s: it may only read and fire that trigger.",
		          ar->who.scope);
		return;
	}
	/* A function's key reaches what its action's api-key-scope says (fnkey.c). */
	if (ar->who.fn[0] && fnkey_allows(ar, seg, n, why, sizeof why)) {
		api_error(ar->req, 403, "%s", why);
		return;
	}
	if (!own && strcmp(seg[0], CATALOG_NS) == 0) {
		catalog_route(ar, seg, n);
		return;
	}

	/* Another namespace's entities are out of reach, but for the actions of
	 * a package it published (resolve.c checks that it did). */
	if (!own && !(strcmp(coll, "actions") == 0 && n == 4 && method_reads)) {
		api_error(ar->req, 403, "The supplied authentication is not authorized to access this resource.");
		return;
	}
	ar->ns = own ? ar->who.ns : seg[0];
	ar->seg = seg + 2;
	ar->nseg = n - 2;
	if (strcmp(coll, "actions") == 0)
		api_actions(ar);
	else if (strcmp(coll, "packages") == 0)
		api_packages(ar);
	else if (strcmp(coll, "triggers") == 0)
		api_triggers(ar);
	else if (strcmp(coll, "rules") == 0)
		api_rules(ar);
	else if (strcmp(coll, "apis") == 0)
		api_apis(ar);
	else if (strcmp(coll, "activations") == 0)
		api_activations(ar);
	else if (strcmp(coll, "events") == 0 && ar->nseg == 0)
		events_handle(ar);
	else if (strcmp(coll, "limits") == 0 && ar->nseg == 0)
		strcmp(ar->req->method, "GET") ? api_error(ar->req, 405, "Method not allowed.")
		                               : api_reply(ar->req, 200, quota_limits(ar->b, ar->ns), NULL);
	else
		api_error(ar->req, 404, "The requested resource does not exist.");
}

/* GET /metrics, as --metrics says: on the Unix socket (its owner's) every
 * namespace's actions; on TCP, with a key the caller's own (the default),
 * anyone's with "open", nothing with "socket". */
static void
metrics_route(ApiReq *ar)
{
	HttpReq *req = ar->req;
	int mode = ar->b->opt.metrics;

	if (strcmp(req->peer, "unix") == 0 || mode == METRICS_OPEN) {
		metrics_handle(ar->b, req, NULL);
		return;
	}
	if (mode == METRICS_SOCKET) {
		api_error(req, 404, "The requested resource does not exist.");
		return;
	}
	if (auth_check(ar->b, http_header_get(req, "Authorization"), &ar->who)) {
		api_error(req, 401, "The supplied authentication is invalid.");
		return;
	}
	metrics_handle(ar->b, req, ar->who.ns);
}

void
api_handle(HttpReq *req, void *arg)
{
	Backend *b = arg;
	ApiReq ar = { .b = b, .req = req };
	char url[8192], *seg[12];
	int n;

	if (json_object_size(b->gw_hosts) && gateway_domain(b, req))
		return; /* a custom domain's API */
	if (is_web(req->url)) {
		web_handle(b, req);
		return;
	}
	if (is_gateway(req->url)) {
		gateway_handle(b, req);
		return;
	}
	if (strcmp(req->method, "OPTIONS") == 0) { /* a browser's CORS preflight: no credential */
		api_reply(req, 200, NULL, NULL);
		return;
	}
	if (path_refused(req, n = request_path(req, &url, seg)))
		return;
	if (n == 2 && strcmp(seg[0], "hooks") == 0) { /* a trigger's webhook: its id is its credential */
		webhook_handle(b, req, seg[1]);
		return;
	}
	if (n >= 1 && strcmp(seg[0], "api") && strcmp(seg[0], "metrics")) {
		api_error(req, 404, "The requested resource does not exist.");
		return;
	}
	if (n == 0) {
		root_info(b, req);
		return;
	}
	if (n == 1 && strcmp(seg[0], "metrics") == 0) {
		metrics_route(&ar);
		return;
	}
	if (n == 2 && strcmp(seg[1], "v1") == 0) {
		api_reply(req, 200,
		          json_pack("{s:s, s:s, s:s, s:s}", "description", "OpenWhisk API", "api_version", "1.0.0",
		                    "api_version_path", "v1", "build", "faasfs"),
		          NULL);
		return;
	}
	if (n < 3 || strcmp(seg[1], "v1") || strcmp(seg[2], "namespaces")) {
		api_error(req, 404, "The requested resource does not exist.");
		return;
	}
	if (auth_check(b, http_header_get(req, "Authorization"), &ar.who)) {
		api_error(req, 401, "The supplied authentication is invalid.");
		return;
	}
	if (n == 3 && strcmp(req->method, "GET")) {
		api_error(req, 405, "Method not allowed.");
		return;
	}
	if (n == 3) {
		api_reply(req, 200, json_pack("[s]", ar.who.ns), NULL);
		return;
	}
	if (n == 4) {
		api_error(req, 404, "The requested resource does not exist.");
		return;
	}
	route_namespace(&ar, seg + 3, n - 3);
}
