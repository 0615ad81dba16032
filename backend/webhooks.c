/* webhooks.c — /whisk.system/webhooks/webhook: a trigger's incoming URL, for senders without the namespace's key.
 *
 * CREATE gives the trigger a hook id, 32 random hex digits kept as its feed
 * row's uuid, and answers {"url": API/hooks/ID}; READ shows it again. A
 * POST to /hooks/ID, without credentials, fires the trigger with the body
 * as any fire's (JSON, raw, CloudEvents in all three modes, a batch one
 * fire an event), each event with the request's headers in __ow_headers
 * (but for the content type of a CloudEvent's data, which stays),
 * and answers as a fire does (202, 204). The id is a secret path; with
 * the parameter `secret` the body must also be signed as GitHub signs it,
 * X-Hub-Signature-256: sha256=HEX(HMAC-SHA256(secret, body)), or the
 * answer is 401 and nothing fires. Knative Eventing takes the URL as a
 * sink (binary-mode CloudEvents).
 */
#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fns.h"

static int
hook_check(Backend *b, json_t *config, char *err, size_t n)
{
	const json_t *s = json_object_get(config, "secret");

	(void)b;
	if (s && (!json_is_string(s) || !json_string_length(s) || json_string_length(s) > 1024))
		return snprintf(err, n,
		                "The secret must be a text of 1 to 1024 characters: the key of the body's "
		                "X-Hub-Signature-256."),
		       -EINVAL;
	return 0;
}

static int
hook_start(Backend *b, FeedRow *r, char *err, size_t n)
{
	(void)b, (void)err, (void)n;
	if (!r->uuid[0])
		random_hex(r->uuid, 32);
	r->next_due = 0;
	return 0;
}

static void
hook_stop(Backend *b, const char *ns, const char *trigger)
{
	(void)b, (void)ns, (void)trigger;
}

static json_t *
hook_info(Backend *b, const FeedRow *r)
{
	char url[256];

	snprintf(url, sizeof url, "%s/hooks/%s", b->api_host, r->uuid);
	return json_pack("{s:s}", "url", url);
}

/* Whether sig is "sha256=" and the hex HMAC of the body under secret. */
static int
signed_by(const HttpReq *req, const char *secret, const char *sig)
{
	unsigned char md[32];
	unsigned int len = 0;
	unsigned diff = 0;
	char hex[65];

	if (!sig || strncasecmp(sig, "sha256=", 7) || strlen(sig + 7) != 64)
		return 0;
	HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)req->body, req->body_len, md, &len);
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	for (int i = 0; i < 64; i++)
		diff |= (unsigned char)(hex[i] ^ tolower((unsigned char)sig[7 + i]));
	return !diff;
}

/* Every event gets the request's headers, names in lower case. */
static void
add_headers(const HttpReq *req, json_t *events)
{
	json_t *ev, *h;
	size_t i;

	json_array_foreach(events, i, ev)
	{
		if (!json_is_object(h = json_object_get(ev, "__ow_headers")))
			json_object_set_new(ev, "__ow_headers", h = json_object());
		for (int k = 0; k < req->nheaders; k++) {
			char name[128];
			size_t j;
			for (j = 0; req->headers[k].name[j] && j + 1 < sizeof name; j++)
				name[j] = (char)tolower((unsigned char)req->headers[k].name[j]);
			name[j] = 0;
			if (strcmp(name, "authorization") && strcmp(name, "cookie") && !json_object_get(h, name))
				json_object_set_new(h, name, json_string(req->headers[k].value));
		}
	}
}

/* POST /hooks/ID. */
void
webhook_handle(Backend *b, HttpReq *req, const char *id)
{
	const char *ctype = http_header_get(req, "Content-Type"), *secret;
	char err[1024];
	Caller who = { 0 };
	json_t *events, *annot;
	FeedRow r;

	if (strcmp(req->method, "POST")) {
		api_error(req, 405, "Method not allowed: a webhook takes POST.");
		return;
	}
	if (store_feed_get(b->st, NULL, id, &r)) {
		api_error(req, 404, "The requested resource does not exist.");
		return;
	}
	if (feed_service_of(r.feed) != &webhooks_webhook) {
		feed_row_clear(&r);
		api_error(req, 404, "The requested resource does not exist.");
		return;
	}
	secret = json_string_value(json_object_get(r.config, "secret"));
	if (r.paused || (secret && !signed_by(req, secret, http_header_get(req, "X-Hub-Signature-256")))) {
		api_error(req, r.paused ? 503 : 401,
		          r.paused ? "The trigger's webhook is paused."
		                   : "The X-Hub-Signature-256 does not match the body: nothing "
		                     "was fired.");
		feed_row_clear(&r);
		return;
	}
	if (req->body_len > b->opt.max_payload) {
		api_error(req, 413, "The request content exceeds the limit of %zu bytes.", b->opt.max_payload);
		feed_row_clear(&r);
		return;
	}
	if (request_events(req, 1, &events, err, sizeof err)) {
		api_error(req, 400, "%s", err);
		feed_row_clear(&r);
		return;
	}
	add_headers(req, events);
	snprintf(who.ns, sizeof who.ns, "%s", r.ns);
	annot = json_pack("{s:s}", "feed", "/" CATALOG_NS "/webhooks/webhook");
	trigger_fire_http(b, req, &who, r.trigger, NULL, events,
	                  ctype && strncasecmp(ctype, "application/cloudevents-batch+json", 34) == 0, annot);
	json_decref(annot);
	feed_row_clear(&r);
}

static const FeedParam hook_params[] = {
	{ "secret", "if given, the body must carry X-Hub-Signature-256, its HMAC-SHA256 under this key", 0 },
	{ NULL, NULL, 0 },
};

const FeedService webhooks_webhook = { .pkg = "webhooks",
	                               .name = "webhook",
	                               .description = "An incoming URL that fires the trigger.",
	                               .params = hook_params,
	                               .check = hook_check,
	                               .start = hook_start,
	                               .stop = hook_stop,
	                               .info = hook_info };
