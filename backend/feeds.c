/* feeds.c — the feed contract: lifecycle events of the built-in feeds, and a user's feed's own key.
 *
 * `wsk trigger create T --feed F -p k v` PUTs the trigger with a "feed"
 * annotation, then invokes F blocking with the parameters and
 * lifecycleEvent CREATE, triggerName "/NS/T" and authKey; `get` invokes
 * READ, `update` UPDATE, `delete` DELETE before it deletes the trigger;
 * OpenWhisk's providers also take PAUSE and UNPAUSE. A failed CREATE makes
 * the CLI delete the trigger.
 *
 * A built-in feed (/whisk.system/PKG/NAME, catalog.c) is served here, in
 * the backend: the event is checked, the feed's row (store_feed.c) is
 * written and its service (alarms.c, ...) started or stopped; the answer is
 * that of a blocking invoke, 200 with the activation record of the feed
 * action (kept in the caller's namespace), or 400 {"error"} naming which
 * parameter is wrong and why, with nothing set up. READ's result is
 * {"config": the parameters, "status": {"active", "dateChanged",
 * "dateChangedISO", "nextFire", "lastFire"[, "error"]}}: a service that
 * cannot go on (a watched directory gone) pauses the feed and says why
 * there, and in a record of the trigger (feed_error).
 *
 * A user's action named as a trigger's feed is invoked as any action, but
 * the authKey it is given is not the caller's: it is a key that may only
 * read and fire that trigger (auth.c), the same on every lifecycle event,
 * gone when the trigger is deleted.
 *
 * Deleting a trigger, however it is done, stops its feed and drops its row.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fns.h"
#include "log.h"

static const char *const lifecycle[] = { "CREATE", "READ", "UPDATE", "DELETE", "PAUSE", "UNPAUSE", NULL };

/* The trigger a lifecycle event names, which must be the caller's. */
static int
trigger_named(const Caller *who, const json_t *params, char *name, char *err, size_t n)
{
	const char *t = json_string_value(json_object_get(params, "triggerName"));
	Qname q;

	if (!t)
		return snprintf(err, n, "The parameter triggerName is missing: the feed needs the trigger's name."),
		       -EINVAL;
	if (qname_parse(t, who->ns, &q, err, n) || q.pkg[0])
		return snprintf(err, n, "The triggerName '%s' is not a trigger's name.", t), -EINVAL;
	if (strcmp(q.ns, who->ns))
		return snprintf(err, n, "The trigger '%s' is not in namespace %s.", t, who->ns), -EPERM;
	snprintf(name, NAME_MAX_LEN + 1, "%s", q.name);
	return 0;
}

static int
lifecycle_of(const json_t *params)
{
	const char *ev = json_string_value(json_object_get(params, "lifecycleEvent"));

	for (int i = 0; ev && lifecycle[i]; i++)
		if (strcmp(ev, lifecycle[i]) == 0)
			return i;
	return -1;
}

static void
iso_time(int64_t ms, char *out, size_t n)
{
	time_t t = ms / 1000;
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out + strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm), n - 19, ".%03dZ", (int)(ms % 1000));
}

json_t *
feed_iso(int64_t ms)
{
	char when[40];

	if (ms <= 0)
		return json_null();
	iso_time(ms, when, sizeof when);
	return json_string(when);
}

/* A url's password ("scheme://user:PASSWORD@host") as (hidden). */
static void
hide_url_password(json_t *config)
{
	const char *url = json_string_value(json_object_get(config, "url")), *p, *at, *colon;
	char out[2048];

	if (!url || !(p = strstr(url, "://")) || !(at = strrchr(p + 3, '@')) ||
	    !(colon = memchr(p + 3, ':', at - p - 3)))
		return;
	snprintf(out, sizeof out, "%.*s:(hidden)%s", (int)(colon - url), url, at);
	json_object_set_new(config, "url", json_string(out));
}

/* What CREATE, UPDATE and READ answer: the service's own (a webhook's
 * url), and for READ the configuration, secrets hidden, and the status. */
static json_t *
feed_result(Backend *b, const FeedService *svc, const FeedRow *r, int read)
{
	json_t *res = svc->info ? svc->info(b, r) : json_object(), *config;

	if (!read) {
		json_object_set_new(res, "status", json_string("ok"));
		return res;
	}
	config = json_deep_copy(r->config);
	if (json_object_get(config, "secret"))
		json_object_set_new(config, "secret", json_string("(hidden)"));
	if (json_object_get(config, "password"))
		json_object_set_new(config, "password", json_string("(hidden)"));
	if (json_object_get(config, "key")) /* an mqtts client certificate's */
		json_object_set_new(config, "key", json_string("(hidden)"));
	hide_url_password(config);
	json_object_set_new(res, "config", config);
	json_object_set_new(res, "status",
	                    json_pack("{s:b, s:I, s:o, s:o, s:o}", "active", !r->paused, "dateChanged",
	                              (json_int_t)r->changed, "dateChangedISO", feed_iso(r->changed), "nextFire",
	                              feed_iso(r->paused ? 0 : r->next_due), "lastFire", feed_iso(r->last_due)));
	if (r->error[0])
		json_object_set_new(json_object_get(res, "status"), "error", json_string(r->error));
	return res;
}

/* One lifecycle event of a built-in feed, from the request to the answer. */
typedef struct LifecycleCtx {
	Backend *b;
	HttpReq *req;
	const FeedService *svc, *old; /* the feed, and the one the trigger had (CREATE over it) */
	int ev, result_only;
	json_t *params, *config; /* config: what a probe checks (CREATE, UPDATE) */
	FeedRow r;
	char id[ACTID_LEN + 1];
	json_t *result;
	char err[1024];
	int rc;
	uv_work_t work;
} LifecycleCtx;

static void
ctx_free(LifecycleCtx *c)
{
	json_decref(c->params);
	json_decref(c->config);
	json_decref(c->result);
	feed_row_clear(&c->r);
	free(c);
}

static void
replied(int err, const char *doc, void *arg)
{
	LifecycleCtx *c = arg;
	char hdr[96];

	snprintf(hdr, sizeof hdr, "x-openwhisk-activation-id: %s\r\n", c->id);
	if (err)
		api_error(c->req, 500, "The activation could not be recorded.");
	else if (c->result_only)
		api_reply(c->req, 200, json_incref(c->result), hdr);
	else
		api_reply_text(c->req, 200, doc, strlen(doc), hdr);
	ctx_free(c);
}

/* Answer as a blocking invoke that succeeded with c->result, recorded in the caller's namespace. */
static void
builtin_reply(LifecycleCtx *c)
{
	char path[PATH_MAX_LEN + 1], name[2 * NAME_MAX_LEN + 2];
	const FeedService *svc = c->svc;
	Record rec;
	ActRow row;

	id_new(c->id);
	snprintf(path, sizeof path, "%s/%s/%s", CATALOG_NS, svc->pkg, svc->name);
	snprintf(name, sizeof name, "%s/%s", svc->pkg, svc->name);
	record_init(&rec, c->r.ns, svc->name, "0.0.1", c->id, NULL);
	record_annot_str(&rec, "path", path);
	record_annot_str(&rec, "kind", "builtin");
	record_set_times(&rec, rec.start, now_ms());
	record_set_response(&rec, RUN_SUCCESS, json_incref(c->result));
	row = (ActRow){ c->id, c->r.ns, name, rec.start, rec.end, RUN_SUCCESS, path, rec.version, record_text(&rec) };
	record_clear(&rec);
	if (!row.doc)
		replied(-EINVAL, NULL, c);
	else
		store_act_queue(c->b->st, &row, replied, c);
}

/* The feed's parameters without the lifecycle's own. */
static json_t *
config_of(const json_t *params)
{
	json_t *c = json_deep_copy(params);

	json_object_del(c, "lifecycleEvent");
	json_object_del(c, "triggerName");
	json_object_del(c, "authKey");
	return c;
}

/* CREATE and UPDATE: check config, start the service, keep the row. */
static int
feed_set(LifecycleCtx *c)
{
	Backend *b = c->b;
	FeedRow *r = &c->r;
	int rc;

	if ((rc = c->svc->check(b, r->config, c->err, sizeof c->err)))
		return rc;
	if (c->old)
		c->old->stop(b, r->ns, r->trigger);
	c->svc->stop(b, r->ns, r->trigger);
	r->changed = now_ms();
	r->error[0] = 0;
	if (!r->paused && (rc = c->svc->start(b, r, c->err, sizeof c->err)))
		return rc;
	if ((rc = store_feed_put(b->st, r))) {
		c->svc->stop(b, r->ns, r->trigger);
		return snprintf(c->err, sizeof c->err, "The store could not be written."), -EIO;
	}
	return 0;
}

static int
lifecycle_run(LifecycleCtx *c)
{
	FeedRow *r = &c->r;
	int rc;

	switch (c->ev) {
	case 0: /* CREATE */
	case 2: /* UPDATE: the new parameters over the old */
		json_decref(r->config);
		r->config = json_incref(c->config);
		return feed_set(c);
	case 3: /* DELETE */
		c->svc->stop(c->b, r->ns, r->trigger);
		if (store_feed_del(c->b->st, r->ns, r->trigger) == -EIO)
			return snprintf(c->err, sizeof c->err, "The store could not be written."), -EIO;
		return 0;
	case 4: /* PAUSE */
	case 5: /* UNPAUSE */
		r->paused = c->ev == 4;
		c->svc->stop(c->b, r->ns, r->trigger);
		r->changed = now_ms();
		r->error[0] = 0;
		if (!r->paused && (rc = c->svc->start(c->b, r, c->err, sizeof c->err)))
			return rc;
		if (store_feed_put(c->b->st, r))
			return snprintf(c->err, sizeof c->err, "The store could not be written."), -EIO;
	}
	return 0;
}

static void
lifecycle_end(LifecycleCtx *c)
{
	int rc = c->rc ? c->rc : c->ev == 1 ? 0 : lifecycle_run(c);

	if (rc) {
		api_error(c->req, rc == -EIO ? 500 : 400, "%s", c->err);
		ctx_free(c);
		return;
	}
	c->result = c->ev == 3 ? json_object() : feed_result(c->b, c->svc, &c->r, c->ev == 1);
	builtin_reply(c);
}

/* In a worker thread: what a service must try outside (a broker's answer). */
static void
probe_work(uv_work_t *w)
{
	LifecycleCtx *c = w->data;

	c->rc = c->svc->probe(c->config, c->err, sizeof c->err);
}

static void
probe_done(uv_work_t *w, int status)
{
	LifecycleCtx *c = w->data;

	if (status && !c->rc)
		c->rc = -ECANCELED, snprintf(c->err, sizeof c->err, "The feed could not be checked.");
	lifecycle_end(c);
}

/* The trigger's row and the event's config into c; answers itself and returns nonzero on failure. */
static int
lifecycle_begin(LifecycleCtx *c, const char *ns, const char *name)
{
	FeedRow *r = &c->r;
	int have = store_feed_get(c->b->st, ns, name, r) == 0;
	json_t *add;

	if (c->ev && (!have || feed_service_of(r->feed) != c->svc)) {
		api_error(c->req, 404, "The trigger %s has no feed /%s/%s/%s%s%s.", name, CATALOG_NS, c->svc->pkg,
		          c->svc->name, have ? ": its feed is /" : "", have ? r->feed : "");
		return -ENOENT;
	}
	if (c->ev == 0) {
		c->old = have ? feed_service_of(r->feed) : NULL;
		feed_row_clear(r);
		memset(r, 0, sizeof *r);
		snprintf(r->ns, sizeof r->ns, "%s", ns);
		snprintf(r->trigger, sizeof r->trigger, "%s", name);
		snprintf(r->feed, sizeof r->feed, "%s/%s/%s", CATALOG_NS, c->svc->pkg, c->svc->name);
		c->config = config_of(c->params);
	} else if (c->ev == 2) {
		c->config = json_deep_copy(r->config);
		add = config_of(c->params);
		json_object_update(c->config, add);
		json_decref(add);
	}
	return 0;
}

/* POST /namespaces/whisk.system/actions/PKG/NAME. */
void
feed_builtin_invoke(ApiReq *ar, const FeedService *svc)
{
	char name[NAME_MAX_LEN + 1], err[1024];
	LifecycleCtx *c;
	json_t *params, *trig = NULL;
	int ev, rc;

	if (api_payload(ar, &params))
		return;
	if ((ev = lifecycle_of(params)) < 0) {
		json_decref(params);
		api_error(ar->req, 400,
		          "The parameter lifecycleEvent must be one of CREATE, READ, UPDATE, DELETE, "
		          "PAUSE, UNPAUSE: /%s/%s/%s is a feed.",
		          CATALOG_NS, svc->pkg, svc->name);
		return;
	}
	if ((rc = trigger_named(&ar->who, params, name, err, sizeof err))) {
		json_decref(params);
		api_error(ar->req, rc == -EPERM ? 403 : 400, "%s", err);
		return;
	}
	if (ev == 0 && store_entity_peek(ar->b->st, ar->who.ns, "triggers", name, &trig)) {
		json_decref(params);
		api_error(ar->req, 404, "The trigger %s does not exist: create it before its feed.", name);
		return;
	}
	json_decref(trig);
	c = ecalloc(1, sizeof *c);
	*c = (LifecycleCtx){ .b = ar->b,
		             .req = ar->req,
		             .svc = svc,
		             .ev = ev,
		             .params = params,
		             .result_only = query_bool(ar->req, "result", 0) };
	if (lifecycle_begin(c, ar->who.ns, name)) {
		ctx_free(c);
		return;
	}
	if (!c->config || !svc->probe) {
		lifecycle_end(c);
		return;
	}
	if ((rc = svc->check(c->b, c->config, c->err, sizeof c->err))) { /* before asking anyone outside */
		api_error(c->req, 400, "%s", c->err);
		ctx_free(c);
		return;
	}
	c->work.data = c;
	if (uv_queue_work(ar->b->loop, &c->work, probe_work, probe_done)) {
		api_error(c->req, 503, "The feed could not be checked.");
		ctx_free(c);
	}
}

/* A user's action invoked as a trigger's feed: its authKey becomes that
 * trigger's own key (made at the first lifecycle event). */
void
feed_user_params(Backend *b, const Caller *who, const Qname *q, json_t *params)
{
	char name[NAME_MAX_LEN + 1], err[256], path[PATH_MAX_LEN + 1], want[PATH_MAX_LEN + 1], key[160];
	json_t *trig = NULL, *ann, *p;
	FeedRow r = { 0 };
	Qname fq;
	size_t i;
	const char *feed = NULL;

	if (lifecycle_of(params) < 0 || !json_is_string(json_object_get(params, "authKey")) ||
	    trigger_named(who, params, name, err, sizeof err) ||
	    store_entity_peek(b->st, who->ns, "triggers", name, &trig))
		return;
	ann = json_object_get(trig, "annotations");
	json_array_foreach(ann, i, p) if (strcmp(jstr(json_object_get(p, "key")), "feed") == 0) feed =
	        json_string_value(json_object_get(p, "value"));
	qname_path(q, path, sizeof path);
	if (!feed || qname_parse(feed, who->ns, &fq, err, sizeof err) ||
	    (qname_path(&fq, want, sizeof want), strcmp(want, path))) {
		json_decref(trig);
		return;
	}
	json_decref(trig);
	if (store_feed_get(b->st, who->ns, name, &r) || strcmp(r.feed, path)) {
		feed_row_clear(&r);
		memset(&r, 0, sizeof r);
		snprintf(r.ns, sizeof r.ns, "%s", who->ns);
		snprintf(r.trigger, sizeof r.trigger, "%s", name);
		snprintf(r.feed, sizeof r.feed, "%s", path);
		uuid_new(r.uuid);
		r.config = config_of(params);
		r.changed = now_ms();
		if (store_feed_put(b->st, &r)) {
			feed_row_clear(&r);
			return;
		}
	}
	feed_key(b, r.uuid, key, sizeof key);
	json_object_set_new(params, "authKey", json_string(key));
	feed_row_clear(&r);
}

/* A trigger's feed for its GET (an extension OpenWhisk's clients pass
 * over): {"name", "config", "status", ...} as READ gives them, or NULL. */
json_t *
feed_describe(Backend *b, const char *ns, const char *trigger)
{
	const FeedService *svc;
	json_t *d;
	FeedRow r;

	if (store_feed_get(b->st, ns, trigger, &r))
		return NULL;
	if ((svc = feed_service_of(r.feed)))
		d = feed_result(b, svc, &r, 1);
	else
		d = json_object();
	json_object_set_new(d, "name", json_sprintf("/%s", r.feed));
	feed_row_clear(&r);
	return d;
}

void
feed_fired(int status, const char *id, void *arg)
{
	(void)status, (void)id, (void)arg;
}

/* A built-in feed cannot go on: the error goes on the trigger (a record
 * with {"error"}, and READ's status.error) and the row, paused. */
void
feed_error(Backend *b, const char *ns, const char *trigger, const char *msg)
{
	char path[PATH_MAX_LEN + 2];
	json_t *annot;
	FeedRow r;

	if (store_feed_get(b->st, ns, trigger, &r))
		return;
	log_warn("feeds: %s/%s: %s", ns, trigger, msg);
	snprintf(r.error, sizeof r.error, "%s", msg);
	r.paused = 1;
	r.next_due = 0;
	if (store_feed_put(b->st, &r))
		log_warn("feeds: the error of %s/%s could not be kept", ns, trigger);
	snprintf(path, sizeof path, "/%s", r.feed);
	annot = json_pack("{s:s}", "feed", path);
	trigger_error(b, ns, trigger, msg, annot);
	json_decref(annot);
	feed_row_clear(&r);
}

/* The trigger (ns, name) is gone: its feed stops and its key dies. */
void
feeds_forget(Backend *b, const char *ns, const char *name)
{
	FeedRow r;
	const FeedService *svc;

	if (store_feed_get(b->st, ns, name, &r))
		return;
	if ((svc = feed_service_of(r.feed)))
		svc->stop(b, ns, name);
	if (store_feed_del(b->st, ns, name) == -EIO)
		log_warn("feeds: the feed of %s/%s could not be dropped", ns, name);
	feed_row_clear(&r);
}
