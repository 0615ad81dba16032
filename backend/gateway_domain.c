/* gateway_domain.c — custom domains: a request whose Host is an API's "host" is served by that API.
 *
 * An API's OpenAPI 2 document may name its host ("host": "books.example.com",
 * no scheme or port). Requests whose Host header (its port dropped, case
 * ignored) is that name go to that API alone, the whole request path being
 * matched against its basePath and paths: https://books.example.com/club/books/1
 * once TLS is taken off in front (see the man page). A host belongs to one
 * API of one namespace; another API claiming it is 409. The claims are kept
 * in the store (namespace "", collection "domains", the host's name) and in
 * memory, loaded at start.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fns.h"
#include "log.h"

/* The host of a Host header or a document, lower case, without a port; 0 or -EINVAL. */
static int
host_name(const char *h, char *out, size_t n)
{
	size_t i = 0;

	if (!h)
		return -EINVAL;
	for (; h[i] && h[i] != ':' && i + 1 < n; i++) {
		int c = tolower((unsigned char)h[i]);
		if (!isalnum(c) && c != '-' && c != '.')
			return -EINVAL;
		out[i] = (char)c;
	}
	out[i] = 0;
	return i == 0 || (h[i] && h[i] != ':') ? -EINVAL : 0;
}

int
gateway_domains_load(Backend *b)
{
	json_t *all, *v;
	size_t i;
	int rc;

	b->gw_hosts = json_object();
	if ((rc = store_entity_list(b->st, "", "domains", NULL, 1000000, 0, &all)))
		return rc;
	json_array_foreach(all, i, v) json_object_set(b->gw_hosts, jstr(json_object_get(v, "name")), v);
	json_decref(all);
	return 0;
}

/* The custom domain req's Host names, or NULL. */
const json_t *
gateway_domain_of(Backend *b, HttpReq *req)
{
	char host[256];

	if (!json_object_size(b->gw_hosts) || host_name(http_header_get(req, "Host"), host, sizeof host))
		return NULL;
	return json_object_get(b->gw_hosts, host);
}

/* Serve req when its Host is a custom domain: 1, else 0. */
int
gateway_domain(Backend *b, HttpReq *req)
{
	char path[8192];
	const json_t *d;

	if (!(d = gateway_domain_of(b, req)))
		return 0;
	snprintf(path, sizeof path, "%.*s", (int)strcspn(req->url, "?"), req->url);
	gateway_serve(b, req, jstr(json_object_get(d, "namespace")), path, jstr(json_object_get(d, "basePath")));
	return 1;
}

/* Whether doc's host (if any) may be its: 0, or *status (400, 409) and err. */
int
gateway_domain_claim(Backend *b, const char *ns, const json_t *doc, const json_t *old, int *status, char *err, size_t n)
{
	const json_t *h = json_object_get(doc, "host"), *d;
	char host[256];

	(void)old;
	if (!h)
		return 0;
	if (!json_is_string(h) || host_name(json_string_value(h), host, sizeof host) ||
	    strchr(json_string_value(h), ':'))
		return *status = 400,
		       snprintf(err, n, "The host '%s' is not a domain name (no scheme, no port).",
		                json_is_string(h) ? json_string_value(h) : "?"),
		       -EINVAL;
	d = json_object_get(b->gw_hosts, host);
	if (d && (strcmp(jstr(json_object_get(d, "namespace")), ns) ||
	          strcmp(jstr(json_object_get(d, "basePath")), jstr(json_object_get(doc, "basePath")))))
		return *status = 409, snprintf(err, n, "The host '%s' already serves another API.", host), -EEXIST;
	return 0;
}

static void
domain_drop(Backend *b, const char *ns, const json_t *doc)
{
	char host[256];
	const json_t *d;

	if (!doc || host_name(json_string_value(json_object_get(doc, "host")), host, sizeof host) ||
	    !(d = json_object_get(b->gw_hosts, host)) || strcmp(jstr(json_object_get(d, "namespace")), ns))
		return;
	if (store_entity_del(b->st, "", "domains", host, NULL))
		log_warn("gateway: the domain %s could not be released", host);
	json_object_del(b->gw_hosts, host);
}

/* After an API of ns changed from old to doc (either NULL when none): its domain follows. */
void
gateway_domain_commit(Backend *b, const char *ns, const json_t *old, const json_t *doc)
{
	const char *was = json_string_value(json_object_get(old, "host"));
	const char *now = json_string_value(json_object_get(doc, "host"));
	char host[256];
	json_t *d;

	if (was && (!now || strcasecmp(was, now)))
		domain_drop(b, ns, old);
	if (!now || host_name(now, host, sizeof host))
		return;
	d = json_pack("{s:s, s:s, s:s, s:s, s:I}", "name", host, "namespace", ns, "basePath",
	              jstr(json_object_get(doc, "basePath")), "version", "0.0.1", "updated", (json_int_t)now_ms());
	if (store_entity_put(b->st, "", "domains", host, "", d))
		log_warn("gateway: the domain %s could not be stored", host);
	json_object_set_new(b->gw_hosts, host, d);
}
