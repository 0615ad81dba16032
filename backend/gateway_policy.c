/* gateway_policy.c — what the gateway checks before a route runs: API keys, JWT bearer tokens, rate limits.
 *
 * All of it lives in the API's OpenAPI 2 document, as OpenAPI says and as
 * OpenWhisk's gateway extends it:
 *
 *   securityDefinitions: {NAME: {type: apiKey, in: header|query, name: N,
 *                                 x-gateway-keys: [KEY...]}
 *                         NAME: {type: oauth2, flow: ..., x-gateway-jwt:
 *                                 {jwks_uri | jwks_file | secret, issuer,
 *                                  audience, algorithms}}}
 *   security: [{NAME: []}, ...]            on the API or an operation
 *   x-gateway-rate-limit: [{rate: R, unit: second|minute|hour|day, units: U}]
 *                                          on the API or an operation
 *
 * An operation's own security or rate limit replaces the API's. security
 * is a list of alternatives, each met when all its schemes are: an API key
 * in the header or query parameter named, one of the keys (kept only as
 * "sha256:HEX", hashed when a document brings them in clear); or a bearer
 * JWT (jwt.c) whose key set is a file DATA/jwks/NAME or a URL (jwks.c), or
 * an HS256 secret. The verified claims reach the action as __gw_claims.
 * Failing that: 401 saying why. A rate limit is a token bucket
 * (ratelimit.c) per route and caller: the API key, else the token's sub,
 * else everyone; over it, 429 with Retry-After.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "fns.h"

static const struct {
	const char *name;
	double ms;
} units[] = { { "second", 1000 }, { "minute", 60000 }, { "hour", 3600000 }, { "day", 86400000 } };

/* ---- at create: the document's extensions ---- */

/* Keys in clear become "sha256:HEX". */
static int
keys_check(json_t *keys, const char *scheme, char *err, size_t n)
{
	char hex[65], with[72];
	json_t *k;
	size_t i;

	if (!json_array_size(keys))
		return snprintf(err, n, "The API key scheme '%s' needs \"x-gateway-keys\": [KEY, ...].", scheme),
		       -EINVAL;
	json_array_foreach(keys, i, k)
	{
		if (!json_is_string(k) || !json_string_length(k))
			return snprintf(err, n, "The keys of '%s' must be non-empty strings.", scheme), -EINVAL;
		if (strncmp(json_string_value(k), "sha256:", 7)) {
			key_hash(json_string_value(k), hex);
			snprintf(with, sizeof with, "sha256:%s", hex);
			json_array_set_new(keys, i, json_string(with));
		}
	}
	return 0;
}

static int
jwt_check(const json_t *j, const char *scheme, char *err, size_t n)
{
	const char *uri = json_string_value(json_object_get(j, "jwks_uri"));
	const char *file = json_string_value(json_object_get(j, "jwks_file"));
	const json_t *algs = json_object_get(j, "algorithms"), *a;
	size_t i;

	if (!json_is_object(j))
		return snprintf(err, n,
		                "The oauth2 scheme '%s' needs \"x-gateway-jwt\": {jwks_uri, jwks_file or secret, "
		                "issuer, audience}.",
		                scheme),
		       -EINVAL;
	if (!uri && !file && !json_is_string(json_object_get(j, "secret")))
		return snprintf(err, n, "The JWT scheme '%s' needs a key: jwks_uri, jwks_file or secret (HS256).",
		                scheme),
		       -EINVAL;
	if (uri && strncmp(uri, "https://", 8) && strncmp(uri, "http://", 7))
		return snprintf(err, n, "The jwks_uri of '%s' must be an http or https URL.", scheme), -EINVAL;
	if (file && (!file[0] || file[0] == '.' || strchr(file, '/')))
		return snprintf(err, n, "The jwks_file of '%s' must name a file in the data directory's jwks/.",
		                scheme),
		       -EINVAL;
	if (algs && !json_is_array(algs))
		return snprintf(err, n, "The algorithms of '%s' must be a list.", scheme), -EINVAL;
	json_array_foreach(
	        algs, i,
	        a) if (strcmp(jstr(a), "RS256") && strcmp(jstr(a), "ES256") &&
	               strcmp(jstr(a),
	                      "HS256")) return snprintf(err, n,
	                                                "The algorithm '%s' of '%s' is not one of RS256, ES256, HS256.",
	                                                jstr(a), scheme),
	        -EINVAL;
	return 0;
}

static int
defs_check(json_t *defs, char *err, size_t n)
{
	const char *name, *type;
	json_t *d;

	if (defs && !json_is_object(defs))
		return snprintf(err, n, "securityDefinitions must be an object."), -EINVAL;
	json_object_foreach(defs, name, d)
	{
		type = jstr(json_object_get(d, "type"));
		if (strcmp(type, "apiKey") == 0) {
			const char *in = jstr(json_object_get(d, "in"));
			if ((strcmp(in, "header") && strcmp(in, "query")) || !jstr(json_object_get(d, "name"))[0])
				return snprintf(
				               err, n,
				               "The API key scheme '%s' needs \"in\": header or query, and a \"name\".",
				               name),
				       -EINVAL;
			if (keys_check(json_object_get(d, "x-gateway-keys"), name, err, n))
				return -EINVAL;
		} else if (strcmp(type, "oauth2") == 0) {
			if (jwt_check(json_object_get(d, "x-gateway-jwt"), name, err, n))
				return -EINVAL;
		} else {
			return snprintf(
			               err, n,
			               "The security scheme '%s' of type '%s' is not supported (apiKey, or oauth2 with "
			               "x-gateway-jwt).",
			               name, type),
			       -EINVAL;
		}
	}
	return 0;
}

static int
security_check(const json_t *sec, const json_t *defs, char *err, size_t n)
{
	const json_t *req, *v;
	const char *name;
	size_t i;

	if (sec && !json_is_array(sec))
		return snprintf(err, n, "security must be a list of {SCHEME: []}."), -EINVAL;
	json_array_foreach(sec, i, req)
	{
		if (!json_is_object(req))
			return snprintf(err, n, "security must be a list of {SCHEME: []}."), -EINVAL;
		json_object_foreach((json_t *)req, name, v) if (!json_object_get(defs, name)) return snprintf(
		        err, n, "security names '%s', which securityDefinitions does not define.", name),
		        -EINVAL;
	}
	return 0;
}

static double
unit_ms(const char *u)
{
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(u, units[i].name) == 0)
			return units[i].ms;
	return 0;
}

static int
limit_check(const json_t *lim, char *err, size_t n)
{
	const json_t *l = json_array_get(lim, 0), *u = json_object_get(l, "units");

	if (!lim)
		return 0;
	if (!json_is_object(l) || !json_is_integer(json_object_get(l, "rate")) ||
	    json_integer_value(json_object_get(l, "rate")) < 1 || !unit_ms(jstr(json_object_get(l, "unit"))) ||
	    (u && (!json_is_integer(u) || json_integer_value(u) < 1)))
		return snprintf(err, n,
		                "x-gateway-rate-limit must be [{\"rate\": CALLS (1 or more), \"unit\": second, "
		                "minute, hour or day, \"units\": COUNT}]."),
		       -EINVAL;
	return 0;
}

/* The gateway's extensions of doc, checked; API keys in clear are hashed. */
int
gateway_policy_check(json_t *doc, char *err, size_t n)
{
	json_t *defs = json_object_get(doc, "securityDefinitions"), *item, *op;
	const char *path, *m;

	if (defs_check(defs, err, n) || security_check(json_object_get(doc, "security"), defs, err, n) ||
	    limit_check(json_object_get(doc, "x-gateway-rate-limit"), err, n))
		return -EINVAL;
	json_object_foreach(json_object_get(doc, "paths"), path, item) json_object_foreach(
	        item, m, op) if (apidoc_is_method(m) &&
	                         (security_check(json_object_get(op, "security"), defs, err, n) ||
	                          limit_check(json_object_get(op, "x-gateway-rate-limit"), err, n))) return -EINVAL;
	return 0;
}

/* ---- at a request ---- */

/* An API key scheme: the caller's key, one of those kept. */
static int
apikey_ok(HttpReq *req, const json_t *d, char *who, size_t wn, char *err, size_t n)
{
	const char *name = jstr(json_object_get(d, "name")), *k;
	char buf[1024], hex[65];
	const json_t *v;
	size_t i;
	int hit = 0;

	k = strcmp(jstr(json_object_get(d, "in")), "query") ? http_header_get(req, name)
	                                                    : http_query_get(req, name, buf, sizeof buf);
	if (!k || !*k)
		return snprintf(err, n, "An API key is required (%s %s).", jstr(json_object_get(d, "in")), name),
		       -EACCES;
	key_hash(k, hex);
	json_array_foreach(json_object_get(d, "x-gateway-keys"), i, v) hit |=
	        strlen(jstr(v)) == 71 && CRYPTO_memcmp(jstr(v) + 7, hex, 64) == 0;
	if (!hit)
		return snprintf(err, n, "The API key is not valid."), -EACCES;
	snprintf(who, wn, "key:%.16s", hex);
	return 0;
}

/* Bearer tokens already verified, per scheme, so that a client sending the
 * same one again costs a comparison and an expiry check, not a signature
 * (the signature, issuer and audience hold while the API does not change:
 * b->gw_gen). */
enum { SEEN = 32, SEEN_TOKEN = 2048 };
typedef struct JwtSeen {
	struct seen {
		uint64_t gen;
		const json_t *scheme; /* valid while gen is */
		char token[SEEN_TOKEN];
		json_t *claims;
	} e[SEEN];
	int next;
} JwtSeen;

static struct seen *
seen_find(Backend *b, const json_t *scheme, const char *token)
{
	JwtSeen *s = b->jwt_seen;

	for (int i = 0; s && i < SEEN; i++)
		if (s->e[i].claims && s->e[i].gen == b->gw_gen && s->e[i].scheme == scheme &&
		    strcmp(s->e[i].token, token) == 0)
			return &s->e[i];
	return NULL;
}

static void
seen_add(Backend *b, const json_t *scheme, const char *token, json_t *claims)
{
	JwtSeen *s = b->jwt_seen;
	struct seen *e;

	if (strlen(token) >= SEEN_TOKEN || (!s && !(s = b->jwt_seen = ecalloc(1, sizeof *s))))
		return;
	e = &s->e[s->next];
	s->next = (s->next + 1) % SEEN;
	json_decref(e->claims);
	e->gen = b->gw_gen;
	e->scheme = scheme;
	strcpy(e->token, token);
	e->claims = json_incref(claims);
}

void
gateway_policy_free(Backend *b)
{
	for (int i = 0; b->jwt_seen && i < SEEN; i++)
		json_decref(b->jwt_seen->e[i].claims);
	free(b->jwt_seen);
	b->jwt_seen = NULL;
}

/* A token seen before: still in its time? */
static int
seen_ok(const struct seen *e, json_t **claims, char *err, size_t n)
{
	const json_t *exp = json_object_get(e->claims, "exp");

	if (exp && (double)time(NULL) >= json_number_value(exp))
		return snprintf(err, n, "The bearer token has expired."), -EACCES;
	*claims = json_incref(e->claims);
	return 0;
}

/* A JWT scheme: a bearer token that verifies; -EAGAIN while its keys are fetched. */
static int
bearer_ok(Backend *b, HttpReq *req, const json_t *d, char *who, size_t wn, json_t **claims, char *err, size_t n)
{
	const json_t *cfg = json_object_get(d, "x-gateway-jwt"), *jwks = NULL;
	const char *h = http_header_get(req, "Authorization");
	struct seen *e;
	JwtRules r = { 0 };
	int rc;

	if (!h || strncasecmp(h, "Bearer ", 7) || !h[7])
		return snprintf(err, n, "A bearer token is required (Authorization: Bearer JWT)."), -EACCES;
	if ((e = seen_find(b, d, h + 7))) {
		if ((rc = seen_ok(e, claims, err, n)))
			return rc;
		snprintf(who, wn, "sub:%s", jstr(json_object_get(*claims, "sub")));
		return 0;
	}
	if ((json_object_get(cfg, "jwks_uri") || json_object_get(cfg, "jwks_file")) &&
	    (rc = jwks_get(b, cfg, req, gateway_again, &jwks, err, n)))
		return rc;
	r.issuer = json_string_value(json_object_get(cfg, "issuer"));
	r.audience = json_string_value(json_object_get(cfg, "audience"));
	r.secret = json_string_value(json_object_get(cfg, "secret"));
	r.jwks = jwks;
	r.algorithms = json_object_get(cfg, "algorithms");
	if ((rc = jwt_verify(h + 7, &r, claims, err, n)))
		return rc;
	seen_add(b, d, h + 7, *claims);
	snprintf(who, wn, "sub:%s", jstr(json_object_get(*claims, "sub")));
	return 0;
}

/* One alternative of security: all its schemes. */
static int
requirement_ok(Backend *b, HttpReq *req, const json_t *defs, const json_t *alt, char *who, size_t wn, json_t **claims,
               char *err, size_t n, int *bearer)
{
	const char *name;
	const json_t *v, *d;
	int rc;

	json_object_foreach((json_t *)alt, name, v)
	{
		d = json_object_get(defs, name);
		*bearer = strcmp(jstr(json_object_get(d, "type")), "oauth2") == 0;
		rc = *bearer ? bearer_ok(b, req, d, who, wn, claims, err, n) : apikey_ok(req, d, who, wn, err, n);
		if (rc)
			return rc;
	}
	return 0;
}

static void
refuse(HttpReq *req, const GwCtx *g, int bearer, const char *err)
{
	char hdr[700], *q;

	snprintf(hdr, sizeof hdr, "WWW-Authenticate: Bearer error=\"invalid_token\", error_description=\"%s\"\r\n",
	         err);
	for (q = strchr(hdr, '"')
	                 ? hdr + strlen("WWW-Authenticate: Bearer error=\"invalid_token\", error_description=\"")
	                 : NULL;
	     q && *q && strcmp(q, "\"\r\n"); q++)
		if (*q == '"' || *q == '\\')
			*q = '\''; /* the text stays inside its quotes */
	web_error_h(req, g->cors, NULL, 401, err, bearer ? hdr : NULL);
}

/* Who the caller is ("" for anyone) when the route's security lets it in;
 * 0, 1 when refused (answered), -EAGAIN when waiting for keys. */
static int
security(Backend *b, HttpReq *req, const GwCtx *g, char *who, size_t wn, json_t *extra)
{
	const json_t *sec = json_object_get(g->op, "security"), *alt;
	const json_t *defs = json_object_get(g->api, "securityDefinitions");
	char err[512] = "";
	json_t *claims = NULL;
	int rc = 0, bearer = 0;
	size_t i;

	if (!sec)
		sec = json_object_get(g->api, "security");
	who[0] = 0;
	json_array_foreach(sec, i, alt)
	{
		json_decref(claims);
		claims = NULL;
		if ((rc = requirement_ok(b, req, defs, alt, who, wn, &claims, err, sizeof err, &bearer)) == 0 ||
		    rc == -EAGAIN)
			break;
	}
	if (rc == -EAGAIN)
		return -EAGAIN;
	if (rc == -EIO)
		return web_error(req, g->cors, NULL, 503, err), 1;
	if (rc)
		return refuse(req, g, bearer, err), 1;
	if (claims)
		json_object_set_new(extra, "__gw_claims", claims);
	return 0;
}

/* The route's rate limit for the caller: 0, or 1 when over it (answered 429). */
static int
rate(Backend *b, HttpReq *req, const GwCtx *g, const char *who)
{
	const json_t *lim = json_object_get(g->op, "x-gateway-rate-limit"), *l;
	char key[2048], hdr[64], msg[256];
	double period, r;
	int64_t retry;
	json_int_t nunits;

	if (!lim)
		lim = json_object_get(g->api, "x-gateway-rate-limit");
	if (!(l = json_array_get(lim, 0)))
		return 0;
	nunits = json_object_get(l, "units") ? json_integer_value(json_object_get(l, "units")) : 1;
	period = unit_ms(jstr(json_object_get(l, "unit"))) * (double)nunits;
	r = (double)json_integer_value(json_object_get(l, "rate"));
	snprintf(key, sizeof key, "%s\x1f%s\x1f%s\x1f%s\x1f%s", g->ns, jstr(json_object_get(g->api, "basePath")),
	         g->method, g->tmpl, who);
	if (ratelimit_take(b, key, r, period, &retry) != -EAGAIN)
		return 0;
	snprintf(hdr, sizeof hdr, "Retry-After: %lld\r\n", (long long)((retry + 999) / 1000));
	snprintf(msg, sizeof msg, "Rate limit exceeded: %.0f calls per %lld %s%s; try again in %lld ms.", r,
	         (long long)nunits, jstr(json_object_get(l, "unit")), nunits > 1 ? "s" : "", (long long)retry);
	web_error_h(req, g->cors, NULL, 429, msg, hdr);
	return 1;
}

/* Before the route runs: 0 to go on (extra may gain __gw_claims), 1 when
 * answered, -EAGAIN when the request waits (gateway_handle runs it again). */
int
gateway_policy(Backend *b, HttpReq *req, const GwCtx *g, json_t *extra)
{
	char who[128];
	int rc;

	if ((rc = security(b, req, g, who, sizeof who, extra)))
		return rc;
	return rate(b, req, g, who);
}
