/* store.c — the sqlite3 store: opening, the versioned schema, batched commits.
 *
 * One database file, data/faasfs.db, in WAL mode with synchronous=NORMAL:
 * a commit is a write(2) to the WAL and no fsync, which a crash of this
 * process (kill -9 included) cannot undo because the data is already in the
 * kernel. A power loss can lose the last commits; --sync-full sets
 * synchronous=FULL, which fsyncs the WAL on every commit.
 *
 * The schema has a version (PRAGMA user_version). `migrations` lists, in
 * order, the SQL that brings version N-1 to N; opening applies the missing
 * ones in one transaction, so an old store is upgraded in place and a
 * half-upgraded one cannot exist.
 *
 * Checkpoints (copying the WAL back into the database, the one step that
 * fsyncs with synchronous=NORMAL) are SQLite's own, inside the commit that
 * makes the WAL pass 1000 pages: a pause of a few milliseconds every few
 * hundred activations, in exchange for a WAL that never grows past ~4 MB.
 * (Checkpointing from a worker thread was tried: under a steady stream of
 * commits it never catches the last frames, so the WAL is never restarted
 * and grows without bound.)
 *
 * Every statement is prepared once at open and reused (store_stmt resets
 * it), so no request pays for parsing SQL.
 *
 * Activation records are written in batches: store_act_queue() appends to a
 * list and wakes the loop; a check handle (run right after the loop polled
 * for I/O, i.e. after every request and every finished run of this loop
 * turn) writes the whole list with one write(2) to the journal (see
 * store_journal.c; a one-shot command without a loop writes to SQLite
 * directly) and then calls each record's callback. A callback is where a
 * response acknowledging the activation is sent, so nothing is
 * acknowledged before it is committed, and a burst of N invocations costs
 * one write instead of N.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_int.h"

static const char *const migrations[] = {
	/* 1: the first schema */
	"CREATE TABLE namespaces(name TEXT PRIMARY KEY, uuid TEXT UNIQUE NOT NULL,"
	"  keyhash TEXT NOT NULL, created INTEGER NOT NULL);"
	"CREATE TABLE entities(ns TEXT NOT NULL, coll TEXT NOT NULL, name TEXT NOT NULL,"
	"  ref TEXT NOT NULL DEFAULT '', updated INTEGER NOT NULL, doc TEXT NOT NULL,"
	"  PRIMARY KEY(ns, coll, name)) WITHOUT ROWID;"
	"CREATE INDEX entities_ref ON entities(ns, coll, ref);"
	"CREATE TABLE activations(id TEXT PRIMARY KEY, ns TEXT NOT NULL, name TEXT NOT NULL,"
	"  start INTEGER NOT NULL, end INTEGER NOT NULL, status INTEGER NOT NULL, doc TEXT NOT NULL);"
	"CREATE INDEX activations_ns_start ON activations(ns, start);"
	"CREATE INDEX activations_ns_name_start ON activations(ns, name, start);"
	"CREATE INDEX activations_start ON activations(start);"
	"CREATE TABLE events(seq INTEGER PRIMARY KEY AUTOINCREMENT, ns TEXT NOT NULL,"
	"  kind TEXT NOT NULL, op TEXT NOT NULL, name TEXT NOT NULL, version TEXT, act_id TEXT);"
	"CREATE INDEX events_ns ON events(ns, seq);",
	/* 2: every index costs pages written per activation; lists by name and
	 * pruning by age walk the others instead */
	"DROP INDEX activations_start;"
	"DROP INDEX activations_ns_name_start;",
	/* 3: an activation's rowid is its event's seq, taken from the same
	 * counter as the events table's, so a finished activation writes one
	 * row and its two indexes, and no event row */
	"DELETE FROM events WHERE kind = 'activations';",
	/* 4: how far the activation journal is in the tables (store_journal.c) */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	"INSERT INTO meta VALUES('journal_applied', 0);",
	/* 5: triggers fed by a feed (feeds.c): the feed's configuration, when
	 * it is next due (alarms), and the uuid of the key it was given */
	"CREATE TABLE feeds(ns TEXT NOT NULL, trigger TEXT NOT NULL, feed TEXT NOT NULL, config TEXT NOT NULL,"
	"  paused INTEGER NOT NULL DEFAULT 0, next_due INTEGER NOT NULL DEFAULT 0, last_due INTEGER NOT NULL DEFAULT 0,"
	"  uuid TEXT UNIQUE, changed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(ns, trigger)) WITHOUT ROWID;",
	/* 6: why a feed's service stopped (a watched directory gone) */
	"ALTER TABLE feeds ADD COLUMN error TEXT NOT NULL DEFAULT '';",
	/* 7: a namespace's own quotas, set by the operator (quota.c) */
	"ALTER TABLE namespaces ADD COLUMN limits TEXT NOT NULL DEFAULT '{}';",
	/* 8: secrets of actions and packages, kept out of every document
	 * (secrets.c): `version` is the entity's when the value was set */
	"CREATE TABLE secrets(ns TEXT NOT NULL, coll TEXT NOT NULL, name TEXT NOT NULL, key TEXT NOT NULL,"
	"  value BLOB NOT NULL, version TEXT NOT NULL, updated INTEGER NOT NULL,"
	"  PRIMARY KEY(ns, coll, name, key)) WITHOUT ROWID;",
};

static const char *const sql[S_NSTMT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_NS_ADD] = "INSERT INTO namespaces(name, uuid, keyhash, created) VALUES(?1, ?2, ?3, ?4)",
	[S_NS_BY_UUID] = "SELECT name, keyhash FROM namespaces WHERE uuid = ?1",
	[S_NS_BY_NAME] = "SELECT uuid FROM namespaces WHERE name = ?1",
	[S_NS_SET_KEY] = "UPDATE namespaces SET uuid = ?2, keyhash = ?3 WHERE name = ?1",
	[S_NS_LIMITS] = "SELECT limits FROM namespaces WHERE name = ?1",
	[S_NS_SET_LIMITS] = "UPDATE namespaces SET limits = ?2 WHERE name = ?1",
	[S_ENT_GET] = "SELECT doc FROM entities WHERE ns = ?1 AND coll = ?2 AND name = ?3",
	[S_ENT_PUT] = "INSERT OR REPLACE INTO entities(ns, coll, name, ref, updated, doc)"
	              " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[S_ENT_DEL] = "DELETE FROM entities WHERE ns = ?1 AND coll = ?2 AND name = ?3",
	[S_ENT_LIST] = "SELECT doc FROM entities WHERE ns = ?1 AND coll = ?2"
	               " ORDER BY updated DESC, name LIMIT ?3 OFFSET ?4",
	[S_ENT_LIST_REF] = "SELECT doc FROM entities WHERE ns = ?1 AND coll = ?2 AND ref = ?5"
	                   " ORDER BY updated DESC, name LIMIT ?3 OFFSET ?4",
	[S_ENT_COUNT] = "SELECT count(*) FROM entities WHERE ns = ?1 AND coll = ?2",
	[S_ENT_COUNT_REF] = "SELECT count(*) FROM entities WHERE ns = ?1 AND coll = ?2 AND ref = ?3",
	[S_ACT_PUT] = "INSERT OR REPLACE INTO activations(rowid, id, ns, name, start, end, status, doc)"
	              " VALUES(?8, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_ACT_GET] = "SELECT doc, status FROM activations WHERE id = ?1 AND ns = ?2",
	[S_ACT_LIST] = "SELECT doc FROM activations WHERE ns = ?1 AND start >= ?2 AND start <= ?3"
	               " AND status >= 0 ORDER BY start DESC, id DESC LIMIT ?4 OFFSET ?5",
	[S_ACT_LIST_NAME] = "SELECT doc FROM activations WHERE ns = ?1 AND start >= ?2 AND start <= ?3"
	                    " AND (name = ?6 OR (instr(?6, '/') = 0 AND substr(name, -length(?6) - 1) = '/' || ?6))"
	                    " AND status >= 0 ORDER BY start DESC, id DESC LIMIT ?4 OFFSET ?5",
	[S_ACT_RUNNING] = "SELECT id, doc FROM activations WHERE status < 0",
	[S_ACT_PRUNE_AGE] = "DELETE FROM activations WHERE rowid IN"
	                    " (SELECT rowid FROM activations ORDER BY rowid LIMIT ?2) AND start < ?1",
	[S_ACT_PRUNE_COUNT] = "DELETE FROM activations WHERE rowid IN (SELECT rowid FROM activations"
	                      " ORDER BY rowid LIMIT ?1)",
	[S_ACT_COUNT] = "SELECT count(*) FROM activations",
	[S_ACT_COUNT_NS] = "SELECT count(*) FROM activations WHERE ns = ?1 AND start >= ?2 AND start <= ?3"
	                   " AND status >= 0 AND (?4 IS NULL OR name = ?4"
	                   " OR (instr(?4, '/') = 0 AND substr(name, -length(?4) - 1) = '/' || ?4))",
	[S_EV_ADD] = "INSERT INTO events(seq, ns, kind, op, name, version) VALUES(?6, ?1, ?2, ?3, ?4, ?5)",
	[S_EV_SINCE] = "SELECT seq, kind, op, name, version, NULL FROM events WHERE ns = ?1 AND seq > ?2"
	               " UNION ALL SELECT rowid, 'activations', 'done', name, NULL, doc FROM activations"
	               " WHERE rowid > ?2 AND ns = ?1 AND status >= 0 ORDER BY 1 LIMIT ?3",
	[S_EV_PRUNE] = "DELETE FROM events WHERE seq <= ?1",
	[S_EV_LAST] = "SELECT max(coalesce((SELECT max(seq) FROM events), 0),"
	              " coalesce((SELECT max(rowid) FROM activations), 0))",
	[S_FEED_PUT] =
	        "INSERT OR REPLACE INTO feeds(ns, trigger, feed, config, paused, next_due, last_due, uuid, changed,"
	        " error) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[S_FEED_GET] = "SELECT ns, trigger, feed, config, paused, next_due, last_due, uuid, changed, error FROM feeds"
	               " WHERE ns = ?1 AND trigger = ?2",
	[S_FEED_BY_UUID] =
	        "SELECT ns, trigger, feed, config, paused, next_due, last_due, uuid, changed, error FROM feeds"
	        " WHERE uuid = ?1",
	[S_FEED_ALL] = "SELECT ns, trigger, feed, config, paused, next_due, last_due, uuid, changed, error FROM feeds"
	               " WHERE feed LIKE ?1",
	[S_FEED_DEL] = "DELETE FROM feeds WHERE ns = ?1 AND trigger = ?2",
	[S_FEED_DUE] = "UPDATE feeds SET next_due = ?3, last_due = ?4 WHERE ns = ?1 AND trigger = ?2",
	[S_SEC_PUT] = "INSERT OR REPLACE INTO secrets(ns, coll, name, key, value, version, updated)"
	              " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_SEC_DEL] = "DELETE FROM secrets WHERE ns = ?1 AND coll = ?2 AND name = ?3 AND key = ?4",
	[S_SEC_COPY] =
	        "INSERT OR REPLACE INTO secrets(ns, coll, name, key, value, version, updated)"
	        " SELECT ns, ?2, ?3, key, value, ?6, ?7 FROM secrets WHERE ns = ?1 AND coll = 'actions' AND name = ?4",
	[S_SEC_DEL_ALL] = "DELETE FROM secrets WHERE ns = ?1 AND coll = ?2 AND name = ?3",
	[S_SEC_LIST] = "SELECT key, value, version, updated FROM secrets WHERE ns = ?1 AND coll = ?2 AND name = ?3"
	               " ORDER BY key",
	[S_META_APPLIED] = "UPDATE meta SET value = max(value, ?1) WHERE key = 'journal_applied'",
};

sqlite3_stmt *
store_stmt(Store *st, enum stmt_id id)
{
	sqlite3_stmt *s = st->st[id];
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

/* Step a statement that returns no rows; 0 or -EIO (logged). */
int
store_exec_step(Store *st, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	log_error("store: %s: %s", sqlite3_sql(s), sqlite3_errmsg(st->db));
	return rc == SQLITE_CONSTRAINT ? -EEXIST : -EIO;
}

static int
exec_sql(sqlite3 *db, const char *text)
{
	char *msg = NULL;
	if (sqlite3_exec(db, text, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	log_error("store: %s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -EIO;
}

static int
schema_version(sqlite3 *db)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Bring the schema up to date in one transaction. */
static int
migrate(sqlite3 *db)
{
	int have = schema_version(db), want = sizeof migrations / sizeof migrations[0];
	char pragma[64];

	if (have < 0)
		return -EIO;
	if (have > want) {
		log_error("store: schema version %d is newer than this program (%d)", have, want);
		return -EPROTO;
	}
	if (have == want)
		return 0;
	if (exec_sql(db, "BEGIN IMMEDIATE"))
		return -EIO;
	for (int v = have; v < want; v++)
		if (exec_sql(db, migrations[v]))
			return exec_sql(db, "ROLLBACK"), -EIO;
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", want);
	if (exec_sql(db, pragma) || exec_sql(db, "COMMIT"))
		return exec_sql(db, "ROLLBACK"), -EIO;
	log_info("store: schema at version %d (was %d)", want, have);
	return 0;
}

static int
prepare_all(Store *st)
{
	for (int i = 0; i < S_NSTMT; i++)
		if (sqlite3_prepare_v3(st->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st->st[i], NULL) != SQLITE_OK) {
			log_error("store: preparing %s: %s", sql[i], sqlite3_errmsg(st->db));
			return -EIO;
		}
	return 0;
}

static void batch_check_cb(uv_check_t *h);
static void
wake_cb(uv_idle_t *h)
{
	(void)h;
}

/* Open (creating) path. loop may be NULL for a one-shot command. */
int
store_open(uv_loop_t *loop, const char *path, int sync_full, Store **out)
{
	Store *st = ecalloc(1, sizeof *st);
	int rc = -EIO;

	STAILQ_INIT(&st->queue);
	STAILQ_INIT(&st->unapplied);
	STAILQ_INIT(&st->applying);
	st->jfd = -1;
	st->sync_full = sync_full;
	snprintf(st->path, sizeof st->path, "%s", path);
	st->cache = cache_new();
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		log_error("store: cannot open %s: %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 10000);
	if (exec_sql(st->db, "PRAGMA journal_mode=WAL") ||
	    exec_sql(st->db, sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL") ||
	    exec_sql(st->db, "PRAGMA foreign_keys=ON") || (rc = migrate(st->db)) || (rc = prepare_all(st)))
		goto fail;
	if (loop && (rc = journal_open(st, path)))
		goto fail;
	st->seq = store_last_seq(st);
	if (loop) {
		uv_check_init(loop, &st->check);
		uv_idle_init(loop, &st->wake);
		st->check.data = st->wake.data = st;
		uv_check_start(&st->check, batch_check_cb);
		uv_unref((uv_handle_t *)&st->check);
		journal_timer_init(st, loop);
	}
	*out = st;
	return 0;
fail:
	store_close(st);
	return rc ? rc : -EIO;
}

static void
handle_closed(uv_handle_t *h)
{
	Store *st = h->data;
	if (--st->closing == 0)
		store_free(st);
}

/* Free every record of q, which is empty after. */
void
pendq_free(struct pendq *q)
{
	Pending *p;

	while ((p = STAILQ_FIRST(q))) {
		STAILQ_REMOVE_HEAD(q, link);
		pending_free(p);
	}
}

/* The last of the store, once nothing (handles, the worker) uses it. */
void
store_free(Store *st)
{
	for (int i = 0; i < S_NSTMT; i++)
		sqlite3_finalize(st->st[i]);
	sqlite3_close(st->db);
	cache_free(st->cache);
	if (st->worker)
		store_close(st->worker);
	pendq_free(&st->unapplied);
	if (st->jfd >= 0)
		close(st->jfd);
	map_free(&st->recent);
	free(st);
}

void
store_close(Store *st)
{
	if (!st)
		return;
	store_flush(st);
	journal_close(st); /* counts itself in st->closing if the worker runs */
	if (!st->check.loop) {
		store_free(st);
		return;
	}
	st->closing += 3; /* freed when the handles are closed */
	uv_close((uv_handle_t *)&st->check, handle_closed);
	uv_close((uv_handle_t *)&st->wake, handle_closed);
	uv_close((uv_handle_t *)&st->apply_timer, handle_closed);
}

void
store_on_event(Store *st, store_event_cb cb, void *arg)
{
	st->on_event = cb;
	st->event_arg = arg;
}

int
store_begin(Store *st)
{
	return store_exec_step(st, store_stmt(st, S_BEGIN));
}

int
store_commit(Store *st)
{
	int rc = store_exec_step(st, store_stmt(st, S_COMMIT));
	if (rc)
		store_exec_step(st, store_stmt(st, S_ROLLBACK));
	return rc;
}

void
store_rollback(Store *st)
{
	store_exec_step(st, store_stmt(st, S_ROLLBACK));
}

int
store_event_insert(Store *st, const char *ns, const char *kind, const char *op, const char *name, const char *version,
                   int64_t *seq)
{
	sqlite3_stmt *s = store_stmt(st, S_EV_ADD);

	sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, op, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, version, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, *seq = ++st->seq);
	return store_exec_step(st, s);
}

/* Insert rows (p->seq set, ascending) in one transaction on st's
 * connection, noting the last seq as applied from the journal, or upto if
 * that is less (records before it still wait: store_journal.c). Every
 * statement is a prepared one: this runs once per batch, and parsing
 * BEGIN, UPDATE and COMMIT each time cost more than inserting a record.
 * 0 or -EIO. */
int
rows_insert(Store *st, struct pendq *list, int64_t upto)
{
	sqlite3_stmt *ins = st->st[S_ACT_PUT], *mark;
	int rc = store_begin(st);
	int64_t last = 0;

	for (Pending *p = STAILQ_FIRST(list); p && !rc; p = STAILQ_NEXT(p, link)) {
		if (p->barrier || p->skip)
			continue;
		sqlite3_reset(ins);
		sqlite3_bind_text(ins, 1, p->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, p->ns, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, p->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 4, p->start);
		sqlite3_bind_int64(ins, 5, p->end);
		sqlite3_bind_int(ins, 6, p->status);
		sqlite3_bind_text(ins, 7, p->doc, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 8, p->seq);
		rc = store_exec_step(st, ins);
		last = p->seq;
	}
	if (!rc) {
		mark = store_stmt(st, S_META_APPLIED);
		sqlite3_bind_int64(mark, 1, last < upto ? last : upto);
		rc = store_exec_step(st, mark);
	}
	if (!rc)
		rc = store_commit(st); /* rolls back itself on failure */
	else
		store_rollback(st);
	if (rc)
		log_error("store: inserting activation records: %s", sqlite3_errmsg(st->db));
	return rc ? -EIO : 0;
}

/* A copy of s at *at, which moves past it; NULL for NULL. */
static char *
put_str(char **at, const char *s)
{
	char *copy = *at;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	memcpy(copy, s, n);
	*at += n;
	return copy;
}

/* A record to queue, its strings copied into the same allocation: one
 * malloc, not one a string. doc is set by the caller. */
Pending *
pending_new(const char *id, const char *ns, const char *name, const char *path, const char *version)
{
	size_t n = strlen(ns) + strlen(name) + 2 + (path ? strlen(path) + 1 : 0) + (version ? strlen(version) + 1 : 0);
	Pending *p = ecalloc(1, sizeof *p + n);
	char *at = (char *)(p + 1);

	memcpy(p->id, id, strnlen(id, ACTID_LEN)); /* calloc'd: NUL-terminated */
	p->ns = put_str(&at, ns);
	p->name = put_str(&at, name);
	p->path = put_str(&at, path);
	p->version = put_str(&at, version);
	return p;
}

void
pending_free(Pending *p)
{
	free(p->doc);
	free(p);
}

/* Write every queued record in one transaction, then tell their owners. */
void
store_flush(Store *st)
{
	struct pendq list = STAILQ_HEAD_INITIALIZER(list);
	Pending *p, *next;
	int rc;

	if (STAILQ_EMPTY(&st->queue))
		return;
	STAILQ_CONCAT(&list, &st->queue);
	st->npending = 0;
	if (st->wake.loop)
		uv_idle_stop(&st->wake);
	STAILQ_FOREACH(p, &list, link)
		if (!p->barrier)
			p->seq = ++st->seq;
	rc = st->jfd >= 0 ? journal_write(st, &list) : rows_insert(st, &list, INT64_MAX);
	st->commits++;
	for (p = STAILQ_FIRST(&list); p; p = next) {
		next = STAILQ_NEXT(p, link);
		st->rows += !rc;
		if (!rc && p->event && st->on_event)
			st->on_event(st->event_arg, p->seq, p->ns, "activations", "done", p->path, p->version, p->doc);
		if (p->cb)
			p->cb(rc, rc ? NULL : p->doc, p->arg);
		if (!rc && st->jfd >= 0 && !p->barrier)
			journal_keep(st, p);
		else
			pending_free(p);
	}
	if (st->jfd >= 0)
		journal_apply(st);
}

static void
batch_check_cb(uv_check_t *h)
{
	store_flush(h->data);
}

/* Queue p: it is committed on this loop turn's flush (at once without a loop). */
static void
pending_push(Store *st, Pending *p)
{
	STAILQ_INSERT_TAIL(&st->queue, p, link);
	st->npending++;
	if (st->wake.loop && !uv_is_active((uv_handle_t *)&st->wake))
		uv_idle_start(&st->wake, wake_cb);
	if (!st->check.loop)
		store_flush(st);
}

/* Queue only a callback, run after everything queued before it is committed. */
int
store_act_barrier(Store *st, store_commit_cb cb, void *arg)
{
	Pending *p = ecalloc(1, sizeof *p);

	p->barrier = 1;
	p->cb = cb;
	p->arg = arg;
	pending_push(st, p);
	return 0;
}

/* Queue an activation record; cb runs once it is committed (or failed).
 * The store takes r->doc. */
void
store_act_queue(Store *st, const ActRow *r, store_commit_cb cb, void *arg)
{
	Pending *p = pending_new(r->id, r->ns, r->name, r->path, r->version);

	p->doc = r->doc;
	p->start = r->start;
	p->end = r->end;
	p->status = r->status;
	p->event = r->status >= 0;
	p->cb = cb;
	p->arg = arg;
	pending_push(st, p);
}

void
store_stats(Store *st, int64_t *commits, int64_t *rows)
{
	*commits = st->commits;
	*rows = st->rows;
}
