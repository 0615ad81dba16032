/* store_entity.c — entities, namespaces and the event log in the store.
 *
 * An entity (action, package, trigger, rule) is one row: its namespace, its
 * collection, its name inside the namespace ("pkg/name" for an action in a
 * package), a `ref` that lets the API find related rows by index (the
 * package of an action, the trigger of a rule, the target of a binding),
 * and the entity's JSON as the REST API returns it. A change and its event
 * are written in one transaction, then the event is handed to the stream.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static json_t *
column_json(sqlite3_stmt *s, int col)
{
	const char *text = (const char *)sqlite3_column_text(s, col);
	return text ? json_loadb(text, sqlite3_column_bytes(s, col), JSON_ALLOW_NUL, NULL) : NULL;
}

/* A number that changes whenever a rule is put or deleted (fire.c keeps
 * triggers' rules while it stays the same). */
int64_t
store_rules_gen(Store *st)
{
	return st->rules_gen;
}

/* The entity, shared with the cache: the caller must not change it. */
int
store_entity_peek(Store *st, const char *ns, const char *coll, const char *name, json_t **doc)
{
	sqlite3_stmt *s;
	int rc;

	if ((*doc = cache_get(st->cache, ns, coll, name)))
		return 0;
	s = store_stmt(st, S_ENT_GET);
	sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, coll, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	*doc = rc == SQLITE_ROW ? column_json(s, 0) : NULL;
	sqlite3_reset(s);
	if (rc == SQLITE_ROW && *doc)
		cache_put(st->cache, ns, coll, name, *doc);
	if (rc == SQLITE_ROW)
		return *doc ? 0 : -EIO;
	return rc == SQLITE_DONE ? -ENOENT : -EIO;
}

/* The entity, the caller's own to change. */
int
store_entity_get(Store *st, const char *ns, const char *coll, const char *name, json_t **doc)
{
	json_t *shared;
	int rc = store_entity_peek(st, ns, coll, name, &shared);

	if (rc)
		return rc;
	*doc = json_deep_copy(shared);
	json_decref(shared);
	return 0;
}

static void
emit(Store *st, int64_t seq, const char *ns, const char *coll, const char *op, const char *name, const char *version)
{
	if (st->on_event)
		st->on_event(st->event_arg, seq, ns, coll, op, name, version, NULL);
}

/* Write (insert or replace) an entity and its event. */
int
store_entity_put(Store *st, const char *ns, const char *coll, const char *name, const char *ref, json_t *doc)
{
	return store_entity_put_secrets(st, ns, coll, name, ref, doc, NULL, 0);
}

/* The same, with changes to its secrets in the same transaction, so that a
 * secret's new value and the version that says it changed go together. */
int
store_entity_put_secrets(Store *st, const char *ns, const char *coll, const char *name, const char *ref, json_t *doc,
                         const Secretset *sets, int nsets)
{
	char *text = js_text(doc, NULL);
	const char *version = json_string_value(json_object_get(doc, "version"));
	sqlite3_stmt *s;
	int64_t seq = 0;
	int rc;

	if (!text)
		return -EINVAL; /* not writable as JSON (js_text) */
	cache_drop(st->cache, ns, coll, name);
	st->rules_gen += strcmp(coll, "rules") == 0;
	if ((rc = store_begin(st))) {
		free(text);
		return rc;
	}
	s = store_stmt(st, S_ENT_PUT);
	sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, coll, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, ref ? ref : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, json_integer_value(json_object_get(doc, "updated")));
	sqlite3_bind_text(s, 6, text, -1, SQLITE_STATIC);
	rc = store_exec_step(st, s);
	for (int i = 0; !rc && i < nsets; i++)
		rc = store_secret_write(st, ns, coll, name, &sets[i], version);
	if (!rc)
		rc = store_event_insert(st, ns, coll, "put", name, version, &seq);
	rc = rc ? (store_rollback(st), rc) : store_commit(st);
	free(text);
	if (!rc)
		emit(st, seq, ns, coll, "put", name, version);
	return rc;
}

int
store_entity_del(Store *st, const char *ns, const char *coll, const char *name, const char *version)
{
	sqlite3_stmt *s;
	int64_t seq = 0;
	int rc;

	cache_drop(st->cache, ns, coll, name);
	st->rules_gen += strcmp(coll, "rules") == 0;
	if ((rc = store_begin(st)))
		return rc;
	s = store_stmt(st, S_ENT_DEL);
	sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, coll, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
	rc = store_exec_step(st, s);
	if (!rc && sqlite3_changes(st->db) == 0)
		rc = -ENOENT;
	if (!rc)
		rc = store_secret_drop(st, ns, coll, name);
	if (!rc)
		rc = store_event_insert(st, ns, coll, "delete", name, version, &seq);
	rc = rc ? (store_rollback(st), rc) : store_commit(st);
	if (!rc)
		emit(st, seq, ns, coll, "delete", name, version);
	return rc;
}

/* Entities of a collection, newest first; ref NULL for all. limit < 0: all. */
int
store_entity_list(Store *st, const char *ns, const char *coll, const char *ref, int limit, int skip, json_t **out)
{
	sqlite3_stmt *s = store_stmt(st, ref ? S_ENT_LIST_REF : S_ENT_LIST);
	json_t *arr = json_array();
	int rc;

	sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, coll, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, limit);
	sqlite3_bind_int(s, 4, skip);
	if (ref)
		sqlite3_bind_text(s, 5, ref, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *doc = column_json(s, 0);
		if (doc)
			json_array_append_new(arr, doc);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return -EIO;
	}
	*out = arr;
	return 0;
}

int
store_entity_count(Store *st, const char *ns, const char *coll, const char *ref)
{
	sqlite3_stmt *s = store_stmt(st, ref ? S_ENT_COUNT_REF : S_ENT_COUNT);
	int n = -EIO;

	sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, coll, -1, SQLITE_STATIC);
	if (ref)
		sqlite3_bind_text(s, 3, ref, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return n;
}

int
store_ns_add(Store *st, const char *name, const char *uuid, const char *keyhash, int64_t now)
{
	sqlite3_stmt *s = store_stmt(st, S_NS_ADD);

	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, keyhash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now);
	return store_exec_step(st, s);
}

int
store_ns_set_key(Store *st, const char *name, const char *uuid, const char *keyhash)
{
	sqlite3_stmt *s = store_stmt(st, S_NS_SET_KEY);

	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, keyhash, -1, SQLITE_STATIC);
	return store_exec_step(st, s);
}

/* The namespace and key hash of a uuid; -ENOENT if unknown. */
int
store_ns_by_uuid(Store *st, const char *uuid, char *name, size_t nlen, char *hash, size_t hlen)
{
	sqlite3_stmt *s = store_stmt(st, S_NS_BY_UUID);
	int rc;

	sqlite3_bind_text(s, 1, uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(name, nlen, "%s", sqlite3_column_text(s, 0));
		snprintf(hash, hlen, "%s", sqlite3_column_text(s, 1));
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : -EIO;
}

int
store_ns_exists(Store *st, const char *name)
{
	sqlite3_stmt *s = store_stmt(st, S_NS_BY_NAME);
	int rc;

	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_ROW;
}

/* The namespace's own quotas as the operator set them (an object, "{}"
 * for none); -ENOENT for no such namespace. */
int
store_ns_limits(Store *st, const char *name, json_t **out)
{
	sqlite3_stmt *s = store_stmt(st, S_NS_LIMITS);
	int rc;

	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	*out = rc == SQLITE_ROW ? json_loads((const char *)sqlite3_column_text(s, 0), 0, NULL) : NULL;
	sqlite3_reset(s);
	if (rc == SQLITE_ROW && !json_is_object(*out)) {
		json_decref(*out);
		*out = json_object();
	}
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : -EIO;
}

int
store_ns_set_limits(Store *st, const char *name, const json_t *limits)
{
	sqlite3_stmt *s = store_stmt(st, S_NS_SET_LIMITS);
	char *text = json_dumps(limits, JSON_COMPACT | JSON_SORT_KEYS);
	int rc;

	if (!text)
		return -EINVAL; /* not an object */
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
	rc = store_exec_step(st, s);
	free(text);
	return rc;
}

typedef struct Replay {
	const char *ns;
	int64_t after;
	json_t *events; /* "seq" -> [seq, kind, op, name, version, activation record's text] */
} Replay;

static void
replay_add(Replay *r, int64_t seq, const char *kind, const char *op, const char *name, const char *version,
           const char *act)
{
	char key[32];

	snprintf(key, sizeof key, "%lld", (long long)seq);
	if (!json_object_get(r->events, key))
		json_object_set_new(r->events, key,
		                    json_pack("[I, s, s, s, s?, s?]", (json_int_t)seq, kind, op, name, version, act));
}

/* A finished activation's event is named by its record's path and
 * version, as events_emit's are; doc goes out as it is. */
static void
replay_act(Replay *r, int64_t seq, const char *name, const char *doc)
{
	json_t *act = json_loads(doc, JSON_ALLOW_NUL, NULL);
	const char *path = record_path(act);

	if (json_is_object(act))
		replay_add(r, seq, "activations", "done", path ? path : name,
		           json_string_value(json_object_get(act, "version")), doc);
	else
		replay_add(r, seq, "activations", "done", name, NULL, NULL);
	json_decref(act);
}

static void
replay_recent(Pending *p, void *arg)
{
	Replay *r = arg;

	if (p->status < 0 || p->seq <= r->after || strcmp(p->ns, r->ns))
		return;
	replay_act(r, p->seq, p->name, p->doc);
}

static int
by_seq(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_array_get(*(json_t *const *)a, 0));
	json_int_t y = json_integer_value(json_array_get(*(json_t *const *)b, 0));
	return x < y ? -1 : x > y;
}

/* Replay events after seq for a namespace, at most limit of them, in order:
 * those in SQLite and the records still on their way there. Returns how
 * many were given to cb, or -EIO. */
int
store_events_since(Store *st, const char *ns, int64_t seq, int limit, store_event_cb cb, void *arg)
{
	sqlite3_stmt *s = store_stmt(st, S_EV_SINCE);
	Replay r = { ns, seq, json_object() };
	json_t **all, *e;
	const char *key;
	size_t n = 0;
	int rc;

	sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, seq);
	sqlite3_bind_int(s, 3, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *doc = (const char *)sqlite3_column_text(s, 5);
		int64_t seq = sqlite3_column_int64(s, 0);
		const char *name = (const char *)sqlite3_column_text(s, 3);
		if (doc)
			replay_act(&r, seq, name, doc);
		else
			replay_add(&r, seq, (const char *)sqlite3_column_text(s, 1),
			           (const char *)sqlite3_column_text(s, 2), name,
			           (const char *)sqlite3_column_text(s, 4), NULL);
	}
	sqlite3_reset(s);
	recent_each(st, replay_recent, &r);
	all = emalloc((json_object_size(r.events) + 1) * sizeof *all);
	json_object_foreach(r.events, key, e) all[n++] = e;
	qsort(all, n, sizeof *all, by_seq);
	for (size_t i = 0; i < n && (int)i < limit; i++) {
		e = all[i];
		cb(arg, json_integer_value(json_array_get(e, 0)), ns, jstr(json_array_get(e, 1)),
		   jstr(json_array_get(e, 2)), jstr(json_array_get(e, 3)), json_string_value(json_array_get(e, 4)),
		   json_string_value(json_array_get(e, 5)));
	}
	free(all);
	json_decref(r.events);
	return rc == SQLITE_DONE ? (int)n : -EIO;
}
