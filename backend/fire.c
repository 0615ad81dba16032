/* fire.c — firing a trigger, whatever brought the event.
 *
 * One entry point, trigger_fire(), for every way an event comes in: a POST
 * to the trigger (api_triggers.c), an alarm (alarms.c), a webhook, and each
 * event of a CloudEvents batch. It knows no HTTP: it takes the namespace
 * acting, the trigger, the payload and the annotations the source adds to
 * the trigger's record (an alarm's "due" time, the feed), and calls back
 * once the record is committed.
 *
 * Firing records a trigger activation and starts the action of every
 * active rule on the trigger with the event: the trigger's parameters with
 * the payload over them. Each rule's activation is committed as running,
 * in the same batch as the trigger's record, before the callback runs, so
 * after a crash every fired rule is accounted for. No active rule: 204 and
 * no record (Triggers.scala). When every rule's action is refused for now
 * (its queue full, the namespace's concurrency), the fire is refused with
 * 429 and no record, as an invoke would be: an acknowledged fire is one
 * whose actions run, so a sender faster than the actions is slowed, not
 * answered 202 for fires that never run. The trigger record's logs hold one JSON line
 * per rule: {"statusCode","success","activationId","rule","action"}.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fns.h"

typedef struct FireCtx {
	fire_cb cb;
	void *arg;
	char id[ACTID_LEN + 1];
} FireCtx;

/* The rule's action as a qualified name. */
static void
rule_target(const json_t *rule, Qname *q)
{
	const json_t *act = json_object_get(rule, "action");
	const char *path = jstr(json_object_get(act, "path")), *slash = strchr(path, '/');

	memset(q, 0, sizeof q[0]);
	snprintf(q->ns, sizeof q->ns, "%.*s", slash ? (int)(slash - path) : (int)strlen(path), path);
	if (slash)
		snprintf(q->pkg, sizeof q->pkg, "%s", slash + 1);
	snprintf(q->name, sizeof q->name, "%s", jstr(json_object_get(act, "name")));
}

static void
fire_committed(int err, const char *doc, void *arg)
{
	FireCtx *f = arg;

	(void)doc;
	f->cb(err ? 500 : 202, f->id, f->arg);
	free(f);
}

/* Why trigger_fire last answered 429. */
static char quota_refused[160];

/* The trigger record's log line for a rule: {"statusCode","success",
 * "activationId" or "error","rule","action"}, written as text, not built
 * as an object and serialised (a fire makes one a rule). */
static json_t *
rule_line(int code, const char *key, const char *val, const char *rname, const char *aname)
{
	Buf b = { 0 };
	json_t *line;

	buf_str(&b, "{\"statusCode\":");
	js_append_int(&b, code);
	buf_str(&b, code ? ",\"success\":false," : ",\"success\":true,");
	js_append_string(&b, key);
	buf_str(&b, ":");
	js_append_string(&b, val);
	buf_str(&b, ",\"rule\":");
	js_append_string(&b, rname);
	buf_str(&b, ",\"action\":");
	js_append_string(&b, aname);
	buf_str(&b, "}");
	line = json_stringn_nocheck(b.p, b.n);
	buf_free(&b);
	return line;
}

/* Start the rule's action; a line for the trigger record's logs. *rc: 0
 * started, -EAGAIN refused for now (its queue full, a quota), -errno. */
static json_t *
fire_rule(Backend *b, const Caller *who, const json_t *rule, json_t *event, const char *cause, int *rc)
{
	char err[1024], rname[PATH_MAX_LEN + 1], aname[PATH_MAX_LEN + 1];
	ActReq rq = { 0 };
	Activation *a;
	int status;

	rq.who = who;
	rule_target(rule, &rq.target);
	rq.params = event;
	rq.cause = cause;
	qname_path(&rq.target, aname, sizeof aname);
	snprintf(rname, sizeof rname, "%s/%s", who->ns, jstr(json_object_get(rule, "name")));
	*rc = activation_start(b, &rq, NULL, NULL, &a, &status, err, sizeof err);
	if (*rc == -EAGAIN)
		snprintf(quota_refused, sizeof quota_refused, "%.*s", (int)sizeof quota_refused - 1, err);
	if (!*rc && (*rc = activation_ack(a, NULL, NULL)))
		snprintf(err, sizeof err, "The activation could not be recorded.");
	if (*rc)
		return rule_line(*rc == -ENOENT ? 1 : 3, "error", err, rname, aname);
	return rule_line(0, "activationId", a->id, rname, aname);
}

static int
rule_active(const json_t *r)
{
	return strcmp(jstr(json_object_get(r, "status")), "active") == 0;
}

/* The rules of the triggers fired lately, kept while no rule changes (a
 * trigger fired thousands of times a second read them from SQLite each time). */
enum { RULES_KEPT = 64 };
static struct kept_rules {
	char key[2 * NAME_MAX_LEN + 2]; /* "ns/trigger" */
	int64_t gen;
	json_t *rules;
} kept[RULES_KEPT];

static int
rules_of(Backend *b, const char *ns, const char *name, json_t **out)
{
	char key[2 * NAME_MAX_LEN + 2];
	int64_t gen = store_rules_gen(b->st);
	struct kept_rules *k;
	uint64_t h = 1469598103934665603ull;

	snprintf(key, sizeof key, "%s/%s", ns, name);
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	k = &kept[h % RULES_KEPT];
	if (k->rules && k->gen == gen && strcmp(k->key, key) == 0) {
		*out = json_incref(k->rules);
		return 0;
	}
	if (store_entity_list(b->st, ns, "rules", name, -1, 0, out))
		return -EIO;
	json_decref(k->rules);
	snprintf(k->key, sizeof k->key, "%s", key);
	k->gen = gen;
	k->rules = json_incref(*out);
	return 0;
}

const char *
quota_refusal(void)
{
	return quota_refused;
}

static void
noted(int err, const char *doc, void *arg)
{
	(void)err, (void)doc, (void)arg;
}

/* Put an error on trigger `name` of ns: a record of it, its result
 * {"error": msg}, that fires no rule. annot as trigger_fire's. */
void
trigger_error(Backend *b, const char *ns, const char *name, const char *msg, const json_t *annot)
{
	char path[PATH_MAX_LEN + 1], id[ACTID_LEN + 1];
	json_t *trig = NULL, *v;
	const char *key;
	Record rec;
	ActRow row;

	if (store_entity_peek(b->st, ns, "triggers", name, &trig))
		return;
	id_new(id);
	snprintf(path, sizeof path, "%s/%s", ns, name);
	record_init(&rec, ns, name, jstr(json_object_get(trig, "version")), id, NULL);
	record_annot_str(&rec, "path", path);
	json_object_foreach((json_t *)annot, key, v) record_annot(&rec, key, v);
	record_set_response(&rec, RUN_APP_ERROR, json_pack("{s:s}", "error", msg));
	row = (ActRow){ id, ns, name, rec.start, rec.start, RUN_APP_ERROR, path, rec.version, record_text(&rec) };
	if (row.doc)
		store_act_queue(b->st, &row, noted, NULL);
	record_clear(&rec);
	json_decref(trig);
}

/* Fire trigger `name` of who->ns (trig: its entity, or NULL to look it up)
 * with payload (borrowed). annot (borrowed, may be NULL) is an object of
 * annotations for the trigger's record. 0: cb(202 or 500, id, arg) follows
 * once the record is committed (id is also in *id when id is not NULL);
 * otherwise an HTTP status and no callback: 404 no such trigger, 429 over
 * the namespace's fires a minute or every rule's action refused for now
 * (quota_refusal says why), 204 no active rule, 500 or 503. */
int
trigger_fire(Backend *b, const Caller *who, const char *name, const json_t *trig, const json_t *payload,
             const json_t *annot, fire_cb cb, void *arg, char *id)
{
	json_t *rules = NULL, *r, *event, *own = NULL, *v;
	char path[PATH_MAX_LEN + 1];
	const char *key;
	Record rec;
	FireCtx *f;
	size_t i;
	int active = 0, started = 0, refused = 0, rc;
	ActRow row;

	if (!trig && (rc = store_entity_peek(b->st, who->ns, "triggers", name, &own)))
		return rc == -ENOENT ? 404 : 500;
	trig = trig ? trig : own;
	if (quota_fire(b, who->ns, quota_refused, sizeof quota_refused)) {
		json_decref(own);
		return 429;
	}
	if (rules_of(b, who->ns, name, &rules)) {
		json_decref(own);
		return 500;
	}
	json_array_foreach(rules, i, r) active += rule_active(r);
	if (!active) {
		json_decref(own);
		json_decref(rules);
		return 204;
	}
	f = ecalloc(1, sizeof *f);
	f->cb = cb;
	f->arg = arg;
	id_new(f->id);
	if (id)
		memcpy(id, f->id, ACTID_LEN + 1);
	event = json_object();
	params_layer(event, NULL, json_object_get(trig, "parameters"));
	params_payload(event, payload);
	snprintf(path, sizeof path, "%s/%s", who->ns, name);
	record_init(&rec, who->ns, name, jstr(json_object_get(trig, "version")), f->id, NULL);
	record_annot_str(&rec, "path", path);
	json_object_foreach((json_t *)annot, key, v) record_annot(&rec, key, v);
	json_array_foreach(rules, i, r) if (rule_active(r))
	{
		record_log(&rec, fire_rule(b, who, r, event, f->id, &rc));
		started += rc == 0;
		refused += rc == -EAGAIN;
	}
	if (!started && refused) { /* nothing runs for now: the sender is told, as an invoke's is */
		record_clear(&rec);
		json_decref(event);
		json_decref(rules);
		json_decref(own);
		free(f);
		return 429;
	}
	record_set_response(&rec, RUN_SUCCESS, json_incref(event));
	row = (ActRow){ f->id, who->ns, name, rec.start, rec.start, RUN_SUCCESS, path, rec.version, record_text(&rec) };
	if (!row.doc)
		fire_committed(-EINVAL, NULL, f);
	else
		store_act_queue(b->st, &row, fire_committed, f);
	record_clear(&rec);
	json_decref(event);
	json_decref(rules);
	json_decref(own);
	return 0;
}
