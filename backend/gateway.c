/* gateway.c — the API gateway: APIHOST/api/NS/BASEPATH/PATH to the web action of the matching route.
 *
 * A namespace's APIs (apimgmt.c) are read from the store once and kept
 * until one changes (gateway_forget). A request names the namespace, then
 * a path: the API whose basePath is its longest prefix, then the path
 * template that matches the rest, whole segments, "{name}" matching any
 * one segment (the template with the most literal segments wins). The
 * route's operation for the method runs its web action (web_invoke) with
 * the path parameters as parameters and, for a .http action, the whole
 * path after the namespace as __ow_path, as OpenWhisk's gateway gives it.
 *
 * No route: 404. A path without the method: 405 with Allow. CORS is on
 * unless the API says "x-gateway-configuration" (or OpenWhisk's
 * "x-ibm-configuration") {"cors": {"enabled": false}}: then the answer
 * carries the web CORS headers and OPTIONS is answered here, with the
 * path's methods; off, OPTIONS goes to an "options" operation or is 405.
 * A web action of the API's own namespace runs even when it carries
 * require-whisk-auth: binding it to a route is the owner's choice. Before
 * it runs, the route's API keys, bearer tokens and rate limit are checked
 * (gateway_policy.c). A custom domain serves one API (gateway_domain.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fns.h"

enum { SEG_MAX = 64 };

/* The APIs of ns (borrowed), loaded once until gateway_forget(ns). */
static json_t *
apis_of(Backend *b, const char *ns)
{
	json_t *all, *page;
	int skip = 0;

	if (!b->gw_apis)
		b->gw_apis = json_object();
	if ((all = json_object_get(b->gw_apis, ns)))
		return all;
	all = json_array();
	while (store_entity_list(b->st, ns, "apis", NULL, LIST_MAX, skip, &page) == 0) {
		size_t n = json_array_size(page);
		json_array_extend(all, page);
		json_decref(page);
		if (n < LIST_MAX)
			break;
		skip += LIST_MAX;
	}
	json_object_set_new(b->gw_apis, ns, all);
	return all;
}

void
gateway_forget(Backend *b, const char *ns)
{
	if (b->gw_apis)
		json_object_del(b->gw_apis, ns);
	b->gw_gen++; /* what was checked under the old documents (gateway_policy.c) no longer holds */
}

/* Split path into decoded segments (in buf); their count, or -1 when too many. */
static int
split(const char *path, char *buf, size_t n, char **seg)
{
	char *save = NULL, *s;
	int k = 0;

	snprintf(buf, n, "%s", path);
	buf[strcspn(buf, "?")] = 0;
	for (s = strtok_r(buf, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
		if (k == SEG_MAX)
			return -1;
		http_url_decode(s, 0);
		seg[k++] = s;
	}
	return k;
}

typedef struct Route {
	const json_t *api;  /* the API's document */
	const json_t *item; /* the path item */
	const char *tmpl;   /* its template */
	json_t *params;     /* the path parameters (owned) */
	int score;          /* base segments, then literal ones: the best match wins */
} Route;

/* Does the template match the segments? Its parameters into *params. */
static int
tmpl_match(const char *tmpl, char **seg, int nseg, json_t **params, int *literal)
{
	char buf[2048], *t[SEG_MAX];
	int nt = split(tmpl, buf, sizeof buf, t);

	if (nt != nseg)
		return 0;
	*params = json_object();
	*literal = 0;
	for (int i = 0; i < nt; i++) {
		size_t len = strlen(t[i]);
		if (len > 2 && t[i][0] == '{' && t[i][len - 1] == '}') {
			t[i][len - 1] = 0;
			json_object_set_new(*params, t[i] + 1, json_string(seg[i]));
		} else if (strcmp(t[i], seg[i])) {
			json_decref(*params);
			return 0;
		} else {
			(*literal)++;
		}
	}
	return 1;
}

/* The best route for the segments among the APIs (only the one at only_base
 * when given); r->api NULL when none. */
static void
route_find(const json_t *apis, char **seg, int nseg, const char *only_base, Route *r)
{
	const json_t *ent, *doc, *item;
	const char *tmpl;
	char buf[2048], *bseg[SEG_MAX];
	size_t i;

	memset(r, 0, sizeof *r);
	json_array_foreach(apis, i, ent)
	{
		int nb, k;
		doc = json_object_get(ent, "apidoc");
		if (only_base && strcmp(jstr(json_object_get(doc, "basePath")), only_base))
			continue;
		nb = split(jstr(json_object_get(doc, "basePath")), buf, sizeof buf, bseg);
		for (k = 0; k < nb && k < nseg && strcmp(bseg[k], seg[k]) == 0; k++)
			;
		if (nb < 0 || k < nb)
			continue;
		json_object_foreach((json_t *)json_object_get(doc, "paths"), tmpl, item)
		{
			json_t *params;
			int lit;
			if (!tmpl_match(tmpl, seg + nb, nseg - nb, &params, &lit))
				continue;
			if (r->api && nb * 1000 + lit <= r->score) {
				json_decref(params);
				continue;
			}
			json_decref(r->params);
			*r = (Route){ doc, item, tmpl, params, nb * 1000 + lit };
		}
	}
}

static int
cors_on(const json_t *doc)
{
	const json_t *c = json_object_get(json_object_get(doc, "x-gateway-configuration"), "cors");

	if (!c)
		c = json_object_get(json_object_get(doc, "x-ibm-configuration"), "cors");
	return !json_is_false(json_object_get(c, "enabled"));
}

/* The path's methods, upper case, ", "-separated. */
static void
methods_of(const json_t *item, char *out, size_t n)
{
	const char *m;
	json_t *op;
	size_t o = 0;

	out[0] = 0;
	json_object_foreach((json_t *)item, m, op)
	{
		if (!apidoc_is_method(m))
			continue;
		o += snprintf(out + o, o < n ? n - o : 0, "%s", o ? ", " : "");
		for (const char *c = m; *c && o + 1 < n; c++) /* not m: the loop goes on from it */
			out[o++] = (char)toupper((unsigned char)*c);
		out[o < n ? o : n - 1] = 0;
	}
}

/* OPTIONS for a path whose API has CORS on: the browser's preflight, with the path's methods. */
static void
preflight(HttpReq *req, const json_t *item)
{
	char ms[128], allow[140];
	Buf h = { 0 };

	methods_of(item, ms, sizeof ms);
	snprintf(allow, sizeof allow, "OPTIONS%s%s", ms[0] ? ", " : "", ms);
	web_cors(req, &h, allow);
	http_respond(req, 200, "text/plain; charset=UTF-8", h.p, "", 0);
	buf_free(&h);
}

static void
not_allowed(HttpReq *req, const json_t *item, int cors)
{
	char ms[128], hdr[160], msg[200];

	methods_of(item, ms, sizeof ms);
	snprintf(hdr, sizeof hdr, "Allow: %s\r\n", ms);
	snprintf(msg, sizeof msg, "The method %s is not allowed here; the route takes %s.", req->method, ms);
	web_error_h(req, cors, NULL, 405, msg, hdr);
}

/* The route's policies, then its web action. */
static void
route_run(Backend *b, HttpReq *req, const char *ns, const char *path, const Route *r, const char *m, const json_t *op,
          int cors)
{
	const json_t *x = json_object_get(op, "x-openwhisk");
	GwCtx g = { ns, r->api, r->tmpl, m, op, cors };
	char owpath[8192];
	WebCall wc = { 0 };

	if (gateway_policy(b, req, &g, r->params))
		return; /* answered, or waiting for a key set: then served again from the start */
	snprintf(wc.q.ns, sizeof wc.q.ns, "%s", jstr(json_object_get(x, "namespace")));
	snprintf(wc.q.pkg, sizeof wc.q.pkg, "%s", jstr(json_object_get(x, "package")));
	snprintf(wc.q.name, sizeof wc.q.name, "%s", jstr(json_object_get(x, "action")));
	wc.ext = web_ext_of(jstr(json_object_get(x, "url")));
	snprintf(owpath, sizeof owpath, "%s", path);
	http_url_decode(owpath, 0);
	wc.path = wc.ext && strcmp(wc.ext, "http") == 0 ? owpath : "";
	wc.ext = wc.ext ? wc.ext : "json";
	wc.extra = r->params;
	wc.api_ns = ns;
	wc.cors = cors;
	web_invoke(b, req, &wc);
}

/* Serve the request for namespace ns at path (after /api/NS, or all of it
 * for a custom domain, which serves only its API, at only_base). */
void
gateway_serve(Backend *b, HttpReq *req, const char *ns, const char *path, const char *only_base)
{
	char buf[8192], m[16], *seg[SEG_MAX];
	int nseg = split(path, buf, sizeof buf, seg), cors;
	const json_t *op;
	Route r;
	size_t i;

	if (nseg < 0 || !web_method_allowed(req->method)) {
		web_error(req, 1, NULL, nseg < 0 ? 404 : 405,
		          nseg < 0 ? "The requested resource does not exist." : "HTTP method not allowed.");
		return;
	}
	route_find(apis_of(b, ns), seg, nseg, only_base, &r);
	if (!r.api) {
		web_error(req, 1, NULL, 404, "The requested resource does not exist.");
		return;
	}
	cors = cors_on(r.api);
	for (i = 0; req->method[i] && i + 1 < sizeof m; i++)
		m[i] = (char)tolower((unsigned char)req->method[i]);
	m[i] = 0;
	if (!(op = json_object_get(r.item, m)) && cors && strcmp(m, "options") == 0)
		preflight(req, r.item);
	else if (!op)
		not_allowed(req, r.item, cors);
	else
		route_run(b, req, ns, path, &r, m, op, cors);
	json_decref(r.params);
}

/* /api/NS/...: the gateway's address for namespace NS. */
void
gateway_handle(Backend *b, HttpReq *req)
{
	const char *p = req->url + strlen("/api/");
	char ns[NAME_MAX_LEN + 1], path[8192];
	size_t len = strcspn(p, "/?");

	if (len == 0 || len > NAME_MAX_LEN) {
		web_error(req, 1, NULL, 404, "The requested resource does not exist.");
		return;
	}
	memcpy(ns, p, len);
	ns[len] = 0;
	http_url_decode(ns, 0);
	snprintf(path, sizeof path, "%.*s", (int)strcspn(p + len, "?"), p + len);
	gateway_serve(b, req, ns, path, NULL);
}

/* A request that waited for a key set, served again from the start. */
void
gateway_again(Backend *b, HttpReq *req)
{
	if (!gateway_domain(b, req))
		gateway_handle(b, req);
}
