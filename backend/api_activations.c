/* api_activations.c — /namespaces/NS/activations[/ID[/logs|/result]]: reading records (logs?follow=true: live.c; /debug: api_debug.c).
 *
 * Lists are newest first and take name, since and upto (ms since epoch),
 * limit, skip and docs=true (whole records instead of summaries). A record
 * still running is not there yet (404, as in OpenWhisk, where it is written
 * at the end); the event stream tells when it is.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fns.h"

static void
activation_list(ApiReq *ar)
{
	char name[PATH_MAX_LEN + 1];
	const char *nm = http_query_get(ar->req, "name", name, sizeof name);
	int64_t since, upto;
	int limit, skip;
	json_t *arr, *doc;
	size_t i;

	if (query_page(ar, &limit, &skip))
		return;
	if (query_int(ar->req, "since", 0, &since) || query_int(ar->req, "upto", 0, &upto)) {
		api_error(ar->req, 400, "since and upto must be times in milliseconds since the epoch.");
		return;
	}
	if (nm && nm[0] == '/' && strchr(nm + 1, '/'))
		nm = strchr(nm + 1, '/') + 1; /* "/ns/pkg/name" -> "pkg/name" */
	if (query_bool(ar->req, "count", 0)) {
		int64_t n;
		if (query_bool(ar->req, "docs", 0)) {
			api_error(ar->req, 400, "count and docs cannot be asked for together.");
			return;
		}
		if (store_act_count(ar->b->st, ar->who.ns, nm && *nm ? nm : NULL, since, upto, &n)) {
			api_error(ar->req, 500, "The store could not be read.");
			return;
		}
		api_reply(ar->req, 200, json_pack("{s:I}", "activations", (json_int_t)n), NULL);
		return;
	}
	if (store_act_list(ar->b->st, ar->who.ns, nm && *nm ? nm : NULL, since, upto, limit, skip, &arr)) {
		api_error(ar->req, 500, "The store could not be read.");
		return;
	}
	if (!query_bool(ar->req, "docs", 0))
		json_array_foreach(arr, i, doc) json_array_set_new(arr, i, record_summary(doc));
	api_reply(ar->req, 200, arr, NULL);
}

void
api_activations(ApiReq *ar)
{
	json_t *doc = NULL, *out;
	const char *part;
	int rc;

	if (ar->nseg >= 2 && strcmp(ar->seg[1], "debug") == 0) {
		api_debug(ar);
		return;
	}
	if (strcmp(ar->req->method, "GET")) {
		api_error(ar->req, 405, "Method not allowed.");
		return;
	}
	if (ar->nseg == 0) {
		activation_list(ar);
		return;
	}
	part = ar->nseg == 2 ? ar->seg[1] : "";
	if (ar->nseg > 2 || (ar->nseg == 2 && strcmp(part, "logs") && strcmp(part, "result"))) {
		api_error(ar->req, 404, "The requested resource does not exist.");
		return;
	}
	if (strcmp(part, "logs") == 0 && query_bool(ar->req, "follow", 0)) {
		live_follow(ar, ar->seg[0]);
		return;
	}
	rc = store_act_get(ar->b->st, ar->who.ns, ar->seg[0], &doc);
	if (rc == -ENOENT || rc == -EINPROGRESS) {
		api_error(ar->req, 404, "The requested resource does not exist.");
		return;
	}
	if (rc) {
		api_error(ar->req, 500, "The store could not be read.");
		return;
	}
	if (strcmp(part, "logs") == 0)
		out = json_pack("{s:O}", "logs", json_object_get(doc, "logs"));
	else if (strcmp(part, "result") == 0)
		out = json_incref(json_object_get(doc, "response"));
	else
		out = json_incref(doc);
	json_decref(doc);
	api_reply(ar->req, 200, out, NULL);
}
