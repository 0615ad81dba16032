/* api_apis.c — /namespaces/NS/apis[/NAME]: the caller's APIs as entities, for the file system and scripts.
 *
 * NAME is the API's base path with each '/' written ':' and the leading
 * one dropped ("/club" is "club", "/" is ":"; apidoc_name). An entity is
 * {namespace, name, version, updated, apidoc}, apidoc the OpenAPI 2
 * document `wsk api get` shows. GET lists or reads; PUT takes a document
 * (the body itself) whose basePath makes NAME and replaces the API, checked
 * whole as createApi's are (apimgmt.c); DELETE removes it. An API is made
 * and changed the same whichever way: wsk, this, or the tree.
 */
#include <string.h>

#include "fns.h"

static void
apis_put(ApiReq *ar, const char *name)
{
	char want[1024];
	json_t *doc;

	if (api_body_object(ar, &doc))
		return;
	apidoc_name(jstr(json_object_get(doc, "basePath")), want, sizeof want);
	if (strcmp(want, name)) {
		api_error(ar->req, 400,
		          "The document's basePath '%s' is not the API named '%s' (its basePath would be "
		          "named '%s').",
		          jstr(json_object_get(doc, "basePath")), name, want);
		json_decref(doc);
		return;
	}
	apimgmt_put(ar->b, ar->req, ar->who.ns, doc, 1);
	json_decref(doc);
}

void
api_apis(ApiReq *ar)
{
	const char *m = ar->req->method;
	json_t *old;

	if (ar->nseg == 0 && strcmp(m, "GET")) {
		api_error(ar->req, 405, "Method not allowed.");
		return;
	}
	if (ar->nseg == 0) {
		entity_list(ar, "apis", NULL, NULL);
		return;
	}
	if (ar->nseg > 1) {
		api_error(ar->req, 404, "The requested resource does not exist.");
		return;
	}
	if (strcmp(m, "PUT") == 0) {
		apis_put(ar, ar->seg[0]);
		return;
	}
	if (strcmp(m, "GET") && strcmp(m, "DELETE")) {
		api_error(ar->req, 405, "Method not allowed.");
		return;
	}
	if (!(old = entity_get_or_404(ar, "apis", ar->seg[0])))
		return;
	if (strcmp(m, "GET") == 0)
		api_reply(ar->req, 200, old, NULL);
	else {
		apimgmt_remove(ar->b, ar->req, ar->who.ns, old, 1);
		json_decref(old);
	}
}
