/* store_act.c — activation records: reading, recovery after a crash, retention.
 *
 * Recovery: a record still marked running when the backend starts belongs
 * to a run that the previous process acknowledged (202) but never finished.
 * It is rewritten as a whisk internal error with the reason "backend
 * restarted", so a client polling for it gets an answer instead of 404.
 *
 * Retention: store_prune deletes at most `batch` rows per call, oldest
 * first, past the age or count limit, so a big backlog is worked off over
 * several timer ticks without stalling the loop; events go with them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_int.h"

int
store_act_get(Store *st, const char *ns, const char *id, json_t **doc)
{
	Pending *p = recent_find(st, id);
	sqlite3_stmt *s;
	int rc;

	if (p && strcmp(p->ns, ns) == 0) {
		if (p->status < 0)
			return -EINPROGRESS;
		*doc = json_loads(p->doc, JSON_ALLOW_NUL, NULL);
		return *doc ? 0 : -EIO;
	}
	s = store_stmt(st, S_ACT_GET);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, ns, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	*doc = NULL;
	if (rc == SQLITE_ROW && sqlite3_column_int(s, 1) < 0) {
		sqlite3_reset(s);
		return -EINPROGRESS;
	}
	if (rc == SQLITE_ROW)
		*doc = json_loadb((const char *)sqlite3_column_text(s, 0), sqlite3_column_bytes(s, 0), JSON_ALLOW_NUL,
		                  NULL);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return *doc ? 0 : -EIO;
	return rc == SQLITE_DONE ? -ENOENT : -EIO;
}

typedef struct ListFilter {
	const char *ns, *name;
	int64_t since, upto;
	json_t *found; /* id -> record, of those not yet in SQLite */
} ListFilter;

/* A record's list name ("pkg/name" or "name") answers a query for "pkg/name"
 * exactly and a query for "name" whatever its package, as the SQL does. */
static int
name_matches(const char *have, const char *want)
{
	size_t h = strlen(have), w = strlen(want);

	if (strcmp(have, want) == 0)
		return 1;
	return !strchr(want, '/') && h > w && have[h - w - 1] == '/' && strcmp(have + h - w, want) == 0;
}

static void
recent_match(Pending *p, void *arg)
{
	ListFilter *f = arg;

	if (p->status < 0 || strcmp(p->ns, f->ns) || (f->name && !name_matches(p->name, f->name)) ||
	    p->start < f->since || p->start > f->upto || json_object_get(f->found, p->id))
		return; /* (a newer record of the same id was seen first) */
	json_object_set_new(f->found, p->id, json_loads(p->doc, JSON_ALLOW_NUL, NULL));
}

/* Newest first; records started in the same millisecond by id, as the SQL
 * orders them, so that pages (limit, skip) of one list agree. */
static int
by_start_desc(const void *a, const void *b)
{
	const json_t *p = *(json_t *const *)a, *q = *(json_t *const *)b;
	int64_t x = json_integer_value(json_object_get(p, "start"));
	int64_t y = json_integer_value(json_object_get(q, "start"));

	if (x != y)
		return x < y ? 1 : -1;
	return -strcmp(jstr(json_object_get(p, "activationId")), jstr(json_object_get(q, "activationId")));
}

/* Lay the records not yet in SQLite into arr (SQLite's first limit+skip),
 * newest first, and cut the page out. */
static json_t *
list_merge(json_t *arr, json_t *found, int limit, int skip)
{
	size_t n = 0, i;
	json_t **all = emalloc((json_array_size(arr) + json_object_size(found) + 1) * sizeof *all), *v, *page;
	const char *id;

	json_object_foreach(found, id, v) if (v) all[n++] = v;
	json_array_foreach(arr, i, v) if (!json_object_get(found, jstr(json_object_get(v, "activationId")))) all[n++] =
	        v;
	qsort(all, n, sizeof *all, by_start_desc);
	page = json_array();
	for (i = skip; i < n && (int)(i - skip) < limit; i++)
		json_array_append(page, all[i]);
	free(all);
	return page;
}

/* Records of ns, newest first; name NULL for every name; upto 0 for no bound. */
int
store_act_list(Store *st, const char *ns, const char *name, int64_t since, int64_t upto, int limit, int skip,
               json_t **out)
{
	sqlite3_stmt *s = store_stmt(st, name ? S_ACT_LIST_NAME : S_ACT_LIST);
	ListFilter f = { ns, name, since, upto > 0 ? upto : INT64_MAX, json_object() };
	json_t *arr = json_array();
	int rc;

	recent_each(st, recent_match, &f);
	sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, since);
	sqlite3_bind_int64(s, 3, upto > 0 ? upto : INT64_MAX);
	sqlite3_bind_int(s, 4, limit + skip);
	sqlite3_bind_int(s, 5, 0);
	if (name)
		sqlite3_bind_text(s, 6, name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *doc = json_loadb((const char *)sqlite3_column_text(s, 0), sqlite3_column_bytes(s, 0),
		                         JSON_ALLOW_NUL, NULL);
		if (doc)
			json_array_append_new(arr, doc);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		json_decref(f.found);
		return -EIO;
	}
	*out = list_merge(arr, f.found, limit, skip);
	json_decref(arr);
	json_decref(f.found);
	return 0;
}

/* How many records store_act_list would give without limit and skip. */
int
store_act_count(Store *st, const char *ns, const char *name, int64_t since, int64_t upto, int64_t *n)
{
	ListFilter f = { ns, name, since, upto > 0 ? upto : INT64_MAX, json_object() };
	sqlite3_stmt *s = store_stmt(st, S_ACT_COUNT_NS);
	const char *id;
	json_t *v;
	int rc;

	sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, since);
	sqlite3_bind_int64(s, 3, f.upto);
	if (name)
		sqlite3_bind_text(s, 4, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	recent_each(st, recent_match, &f);
	json_object_foreach(f.found, id, v)
	{
		s = store_stmt(st, S_ACT_GET); /* on its way, or already in SQLite? */
		sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, ns, -1, SQLITE_STATIC);
		*n += sqlite3_step(s) != SQLITE_ROW || sqlite3_column_int(s, 1) < 0;
		sqlite3_reset(s);
	}
	json_decref(f.found);
	return rc == SQLITE_ROW ? 0 : -EIO;
}

/* Mark every record left running by a previous process as failed. */
int
store_act_recover(Store *st, int64_t now)
{
	sqlite3_stmt *s = store_stmt(st, S_ACT_RUNNING);
	json_t *docs = json_array(), *doc;
	size_t i;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		doc = json_loads((const char *)sqlite3_column_text(s, 1), JSON_ALLOW_NUL, NULL);
		if (doc)
			json_array_append_new(docs, doc);
	}
	sqlite3_reset(s);
	json_array_foreach(docs, i, doc)
	{
		ActRow r;
		r.id = json_string_value(json_object_get(doc, "activationId"));
		r.ns = json_string_value(json_object_get(doc, "namespace"));
		r.name = record_list_name(doc);
		r.path = record_path(doc);
		r.version = json_string_value(json_object_get(doc, "version"));
		r.doc = record_fail(doc, RUN_WHISK_ERROR, "backend restarted", now);
		r.start = json_integer_value(json_object_get(doc, "start"));
		r.end = now;
		r.status = RUN_WHISK_ERROR;
		if (r.id && r.ns && r.name && r.doc)
			store_act_queue(st, &r, NULL, NULL);
		else
			free(r.doc);
	}
	store_flush(st);
	if (json_array_size(docs))
		log_warn("store: %zu activations were running when the backend stopped; marked failed",
		         json_array_size(docs));
	json_decref(docs);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* The one number a statement without parameters answers. */
static int64_t
scalar(Store *st, enum stmt_id id)
{
	sqlite3_stmt *s = store_stmt(st, id);
	int64_t n = 0;

	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n;
}

int64_t
store_last_seq(Store *st)
{
	return scalar(st, S_EV_LAST);
}

/* Delete up to batch records older than `before` or beyond `keep` in number,
 * and events beyond keep_events. Returns rows deleted, or -EIO. */
int
store_prune(Store *st, int64_t before, int64_t keep, int64_t keep_events, int batch)
{
	sqlite3_stmt *s;
	int64_t over, last = 0;
	int n = 0, rc;

	s = store_stmt(st, S_ACT_PRUNE_AGE);
	sqlite3_bind_int64(s, 1, before);
	sqlite3_bind_int(s, 2, batch);
	if ((rc = store_exec_step(st, s)))
		return rc;
	n += sqlite3_changes(st->db);
	over = scalar(st, S_ACT_COUNT) - keep;
	if (over > 0) {
		s = store_stmt(st, S_ACT_PRUNE_COUNT);
		sqlite3_bind_int64(s, 1, over < batch ? over : batch);
		if ((rc = store_exec_step(st, s)))
			return rc;
		n += sqlite3_changes(st->db);
	}
	last = store_last_seq(st);
	if (last > keep_events) {
		s = store_stmt(st, S_EV_PRUNE);
		sqlite3_bind_int64(s, 1, last - keep_events);
		store_exec_step(st, s);
	}
	return n;
}
