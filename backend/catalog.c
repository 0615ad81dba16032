/* catalog.c — /whisk.system: the built-in catalog every namespace reads and no one writes.
 *
 * As OpenWhisk's catalog, a namespace of published packages whose actions
 * are feeds; here their services run inside the backend (alarms.c,
 * files.c, mqtt.c, webhooks.c) and
 * their lifecycle events are served by feeds.c, not by a function:
 *
 *   GET  /namespaces/whisk.system/packages            the packages
 *   GET  /namespaces/whisk.system/packages/PKG        one, its feeds listed
 *   GET  /namespaces/whisk.system/actions[/PKG/NAME]  the feed actions
 *   POST /namespaces/whisk.system/actions/PKG/NAME    a lifecycle event
 *
 * Anything else is 403 (PUT, DELETE: the namespace is read-only) or 404.
 */
#include <stdio.h>
#include <string.h>

#include "fns.h"

static const FeedService *const services[] = {
	&alarms_alarm, &alarms_once, &alarms_interval, &files_changes, &mqtt_subscribe, &webhooks_webhook, NULL
};

static const struct {
	const char *name, *description;
} packages[] = {
	{ "alarms", "Alarms: fire a trigger on a schedule (cron), once at a date, or every few minutes." },
	{ "files", "Files: fire a trigger when files change in a directory of the backend's host (inotify)." },
	{ "mqtt", "MQTT: fire a trigger once per message on a broker's topic." },
	{ "webhooks", "Webhooks: a URL that fires a trigger without the namespace's key, guarded by a secret." },
	{ NULL, NULL },
};

/* The service of a feed path "whisk.system/PKG/NAME", or NULL. */
const FeedService *
feed_service_of(const char *feed)
{
	size_t n = strlen(CATALOG_NS);

	if (strncmp(feed, CATALOG_NS "/", n + 1))
		return NULL;
	feed += n + 1;
	for (int i = 0; services[i]; i++) {
		size_t p = strlen(services[i]->pkg);
		if (strncmp(feed, services[i]->pkg, p) == 0 && feed[p] == '/' &&
		    strcmp(feed + p + 1, services[i]->name) == 0)
			return services[i];
	}
	return NULL;
}

static json_t *
describe(const char *text)
{
	return json_pack("[{s:s, s:s}]", "key", "description", "value", text);
}

static json_t *
action_doc(const FeedService *s, int full)
{
	json_t *params = json_array(), *ann = describe(s->description), *doc;
	char ns[2 * NAME_MAX_LEN + 2];

	for (const FeedParam *p = s->params; p->name; p++)
		json_array_append_new(params, json_pack("{s:s, s:b, s:s}", "name", p->name, "required", p->required,
		                                        "description", p->description));
	json_array_insert_new(ann, 0, json_pack("{s:s, s:b}", "key", "feed", "value", 1));
	json_array_append_new(ann, json_pack("{s:s, s:o}", "key", "parameters", "value", params));
	snprintf(ns, sizeof ns, "%s/%s", CATALOG_NS, s->pkg);
	doc = json_pack("{s:s, s:s, s:s, s:b, s:o}", "namespace", ns, "name", s->name, "version", "0.0.1", "publish", 1,
	                "annotations", ann);
	if (full) {
		json_object_set_new(doc, "exec", json_pack("{s:s, s:b}", "kind", "builtin", "binary", 0));
		json_object_set_new(doc, "parameters", json_array());
		json_object_set_new(doc, "limits", limits_default());
	}
	return doc;
}

static json_t *
package_doc(int i, int full)
{
	json_t *doc = json_pack("{s:s, s:s, s:s, s:b, s:{}, s:o, s:[]}", "namespace", CATALOG_NS, "name",
	                        packages[i].name, "version", "0.0.1", "publish", 1, "binding", "annotations",
	                        describe(packages[i].description), "parameters");
	json_t *feeds = json_array();

	if (!full)
		return doc;
	for (int k = 0; services[k]; k++)
		if (strcmp(services[k]->pkg, packages[i].name) == 0)
			json_array_append_new(feeds, action_doc(services[k], 0));
	json_object_set_new(doc, "actions", json_array());
	json_object_set_new(doc, "feeds", feeds);
	return doc;
}

static void
packages_get(ApiReq *ar)
{
	json_t *list;

	if (ar->nseg == 0) {
		list = json_array();
		for (int i = 0; packages[i].name; i++)
			json_array_append_new(list, package_doc(i, 0));
		api_reply(ar->req, 200, list, NULL);
		return;
	}
	for (int i = 0; ar->nseg == 1 && packages[i].name; i++)
		if (strcmp(ar->seg[0], packages[i].name) == 0) {
			api_reply(ar->req, 200, package_doc(i, 1), NULL);
			return;
		}
	api_error(ar->req, 404, "The requested resource does not exist.");
}

static void
actions_route(ApiReq *ar)
{
	const FeedService *s = NULL;
	char path[PATH_MAX_LEN + 1];
	json_t *list;

	if (ar->nseg == 0 && strcmp(ar->req->method, "GET") == 0) {
		list = json_array();
		for (int i = 0; services[i]; i++)
			json_array_append_new(list, action_doc(services[i], 0));
		api_reply(ar->req, 200, list, NULL);
		return;
	}
	if (ar->nseg == 2) {
		snprintf(path, sizeof path, "%s/%s/%s", CATALOG_NS, ar->seg[0], ar->seg[1]);
		s = feed_service_of(path);
	}
	if (!s) {
		api_error(ar->req, 404, "The requested resource does not exist.");
		return;
	}
	if (strcmp(ar->req->method, "GET") == 0) {
		api_reply(ar->req, 200, action_doc(s, 1), NULL);
		return;
	}
	feed_builtin_invoke(ar, s);
}

/* seg: NS COLL ...; NS is the catalog's. */
void
catalog_route(ApiReq *ar, char **seg, int n)
{
	const char *m = ar->req->method;

	if (strcmp(m, "PUT") == 0 || strcmp(m, "DELETE") == 0) {
		api_error(ar->req, 403, "The namespace /%s is the built-in catalog: it cannot be changed.", CATALOG_NS);
		return;
	}
	ar->ns = CATALOG_NS;
	ar->seg = seg + 2;
	ar->nseg = n - 2;
	if (strcmp(seg[1], "packages") == 0 && strcmp(m, "GET") == 0)
		packages_get(ar);
	else if (strcmp(seg[1], "actions") == 0 && (strcmp(m, "GET") == 0 || strcmp(m, "POST") == 0))
		actions_route(ar);
	else
		api_error(ar->req, 404, "The requested resource does not exist.");
}
