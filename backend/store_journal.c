/* store_journal.c — activation records: an append-only journal first, SQLite on a worker thread after.
 *
 * An activation must be committed before anything acknowledges it, and
 * committing to SQLite on the loop costs more than the rest of an
 * invocation. So the loop only appends each batch of records to
 * DATA/activations.journal with one write(2) — after which a kill -9 can no
 * longer lose them: the data is in the kernel — and acknowledges. A worker
 * on libuv's thread pool then inserts the journalled records into SQLite in
 * one transaction on its own connection (the WAL checkpoints, with their
 * fsyncs, happen there too), and the loop drops them from memory when it
 * is done. Each batch notes the last seq it applied (meta
 * journal_applied) in its own transaction, so at start only the records
 * after that are inserted from the journal, and a record pruned since it
 * was applied does not come back. The journal is cut back once it is all
 * applied and has grown past JOURNAL_TRUNCATE, and at a clean stop.
 *
 *   loop:   queue -> [check] write(journal) -> ack -> unapplied
 *   worker:                                   unapplied -> INSERT ... COMMIT
 *   loop:                                     done -> forget, truncate when empty
 *
 * A record replaced by a newer one of the same id before the worker took
 * it (an activation's 'running' record, when its final one follows) is not
 * inserted: the worker would insert it and at once delete it again, in
 * four indexes. So running records are held back from the worker for
 * HOLD_MS (their final one usually comes by then: a burst of non-blocking
 * invokes costs the worker one insert each, not three, and no CPU while it
 * is being accepted); nothing reads them from SQLite but the recovery at
 * start. Both are in the journal, so a crash before the final one leaves
 * the running one there. While one is held, a batch notes as applied only
 * the seq before the oldest held (rows_insert's upto): replay at start
 * inserts again from there, and a record already in SQLite is only
 * replaced by itself.
 *
 * Until a record is in SQLite, reads find it in `recent`, a map by id:
 * store_act_get, store_act_list and the event replay merge it in, so a
 * client never misses a record it has been told about. The pruner runs in
 * the same worker, after an insert, so the loop never waits for SQLite's
 * write lock on account of activations.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store_int.h"

/* The journal is cut back to nothing once all it holds is in SQLite and it
 * has grown past this: not after every batch, which would cost an
 * ftruncate per activation when they come one by one. */
enum { JOURNAL_TRUNCATE = 4 << 20 };

/* The worker is woken when APPLY_ROWS records wait, or APPLY_MS after the
 * first: a wakeup of the thread pool and its answer, and each transaction
 * (WAL frames with their checksums, locks, a few pwrites), cost more than
 * the inserts of a few records, so records go in groups. At 2 ms a client
 * invoking one at a time (~5,000/s) gave groups of ~10 and the worker took
 * a tenth of the backend's CPU; at 10 ms groups are ~50. Records wait in
 * memory (`recent`) and in the journal meanwhile, so nothing is less durable. */
enum { APPLY_ROWS = 256, APPLY_MS = 10, APPLY_RETRY_MS = 1000 };

/* A running record waits this long for its final one, and at most this
 * many wait (then all go to the worker): more than the 10,000 one node
 * process may hold, ~1 KB each in memory. */
enum { HOLD_MS = 3000, HOLD_ROWS = 16384 };

/* A running record the worker is not given yet (its final one may replace it). */
static int
held(const Pending *p)
{
	return p->status < 0 && !p->skip && !p->barrier;
}

/* Running records may wait: not past HOLD_ROWS, nor while the journal is
 * past JOURNAL_TRUNCATE (it is cut only once all it holds is applied,
 * which a steady stream of long runs would otherwise never let happen). */
static int
holding(const Store *st)
{
	return st->nheld < HOLD_ROWS && st->journalled <= JOURNAL_TRUNCATE;
}

/* An id's records are the newest first: a final record hides its running one. */
static void
recent_add(Store *st, Pending *p)
{
	p->older = map_put(&st->recent, p->id, p);
}

static void
recent_del(Store *st, Pending *p)
{
	Pending *q = map_get(&st->recent, p->id);

	if (q == p) {
		if (p->older)
			map_put(&st->recent, p->id, p->older);
		else
			map_del(&st->recent, p->id);
		return;
	}
	while (q && q->older != p)
		q = q->older;
	if (q)
		q->older = p->older;
}

/* The newest record of id not yet in SQLite, or NULL. */
Pending *
recent_find(Store *st, const char *id)
{
	return map_get(&st->recent, id);
}

typedef struct EachArg {
	void (*fn)(Pending *p, void *arg);
	void *arg;
} EachArg;

static void
recent_of_id(const char *id, void *p, void *arg)
{
	EachArg *e = arg;

	(void)id;
	for (Pending *q = p; q; q = q->older)
		e->fn(q, e->arg);
}

/* Call fn for every record not yet in SQLite, an id's newest first. */
void
recent_each(Store *st, void (*fn)(Pending *p, void *arg), void *arg)
{
	EachArg e = { fn, arg };

	map_each(&st->recent, recent_of_id, &e);
}

/* Append one journal line to b: the row's columns and the record's text
 * as it is (a format would copy those bytes one by one). */
static void
journal_line(Buf *b, const Pending *p)
{
	buf_str(b, "{\"seq\":");
	js_append_int(b, p->seq);
	buf_str(b, ",\"id\":");
	js_append_string(b, p->id);
	buf_str(b, ",\"ns\":");
	js_append_string(b, p->ns);
	buf_str(b, ",\"name\":");
	js_append_string(b, p->name);
	buf_str(b, ",\"start\":");
	js_append_int(b, p->start);
	buf_str(b, ",\"end\":");
	js_append_int(b, p->end);
	buf_str(b, ",\"status\":");
	js_append_int(b, p->status);
	buf_str(b, ",\"doc\":");
	buf_str(b, p->doc);
	buf_str(b, "}\n");
}

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= n;
	}
	return 0;
}

/* Append the batch to the journal with one write; 0 or -errno. */
int
journal_write(Store *st, struct pendq *list)
{
	Buf buf = { 0 };
	size_t len;
	int rc;

	for (Pending *p = STAILQ_FIRST(list); p; p = STAILQ_NEXT(p, link))
		if (!p->barrier)
			journal_line(&buf, p);
	len = buf.n;
	rc = write_all(st->jfd, buf.p, len);
	buf_free(&buf);
	if (!rc && st->sync_full && fdatasync(st->jfd))
		rc = -errno; /* --sync-full: on the disk before anyone is told */
	if (rc)
		log_error("store: writing the journal: %s", strerror(-rc));
	else
		st->journalled += len;
	return rc;
}

static void apply_start(Store *st);
static void apply_timer_cb(uv_timer_t *t);

/* A journalled record waits for the worker; reads see it meanwhile. The
 * record it replaces, if the worker has not taken it yet, is skipped. */
void
journal_keep(Store *st, Pending *p)
{
	Pending *old = recent_find(st, p->id);

	if (old && !old->handed) {
		st->nheld -= held(old);
		recent_del(st, old);
		old->skip = 1;
		free(old->doc);
		old->doc = NULL;
	}
	p->at = uv_now(st->check.loop);
	STAILQ_INSERT_TAIL(&st->unapplied, p, link);
	st->nunapplied++;
	st->nheld += held(p);
	recent_add(st, p);
}

/* The worker's batch was not taken in: it waits again, before those that came since. */
static void
batch_back(Store *st)
{
	Pending *p;

	STAILQ_FOREACH(p, &st->applying, link) {
		p->handed = 0;
		st->nunapplied++;
		st->nheld += held(p);
	}
	STAILQ_CONCAT(&st->applying, &st->unapplied);
	STAILQ_CONCAT(&st->unapplied, &st->applying);
}

static void
apply_work(uv_work_t *w)
{
	Store *st = w->data;

	if (!st->worker && store_open(NULL, st->path, st->sync_full, &st->worker)) {
		st->apply_rc = -EIO;
		return;
	}
	st->apply_rc = !STAILQ_EMPTY(&st->applying) ? rows_insert(st->worker, &st->applying, st->apply_upto) : 0;
	if (st->prune_job.batch)
		st->pruned = store_prune(st->worker, st->prune_job.before, st->prune_job.keep,
		                         st->prune_job.keep_events, st->prune_job.batch);
}

static void
apply_after(uv_work_t *w, int status)
{
	Store *st = w->data;
	Pending *p;

	(void)status;
	st->apply_running = 0;
	if (st->pruned > 0)
		log_info("pruned %d activation records", st->pruned);
	if (st->prune_job.batch && st->pruned >= st->prune_job.batch && !st->prune_want.batch)
		st->prune_want = st->prune_job; /* a backlog: go on */
	st->prune_job.batch = 0;
	st->pruned = 0;
	if (st->apply_rc) { /* keep them, in memory and in the journal; retry with the next batch */
		log_error("store: the worker could not insert %s", "activation records; they stay in the journal");
		batch_back(st);
	} else {
		STAILQ_FOREACH(p, &st->applying, link)
			recent_del(st, p);
		pendq_free(&st->applying);
	}
	if (st->closing) { /* store_close ran meanwhile: it left st to us */
		if (--st->closing == 0)
			store_free(st);
		return;
	}
	if (STAILQ_EMPTY(&st->unapplied) && st->journalled > JOURNAL_TRUNCATE && !st->apply_rc) {
		if (ftruncate(st->jfd, 0))
			log_warn("store: cannot truncate the journal: %s", strerror(errno));
		st->journalled = 0;
	}
	if (st->apply_rc) /* SQLite refused: try again in a while, not at once */
		uv_timer_start(&st->apply_timer, apply_timer_cb, APPLY_RETRY_MS, 0);
	else if (st->prune_want.batch)
		apply_start(st);
	else
		journal_apply(st);
}

/* Give the worker every record waiting but the running ones held less
 * than HOLD_MS (all when not holding): one pass over what waits, once a
 * batch. The batch completes the journal up to the seq before the oldest
 * record still held. */
static void
batch_take(Store *st)
{
	struct pendq keep = STAILQ_HEAD_INITIALIZER(keep);
	uint64_t now = uv_now(st->check.loop);
	int all = !holding(st);
	Pending *p;

	st->apply_upto = INT64_MAX;
	st->nunapplied = st->nheld = 0;
	while ((p = STAILQ_FIRST(&st->unapplied))) {
		STAILQ_REMOVE_HEAD(&st->unapplied, link);
		if (!all && held(p) && now - p->at < HOLD_MS) {
			if (st->apply_upto == INT64_MAX)
				st->apply_upto = p->seq - 1;
			STAILQ_INSERT_TAIL(&keep, p, link);
			st->nunapplied++;
			st->nheld++;
			continue;
		}
		p->handed = 1;
		STAILQ_INSERT_TAIL(&st->applying, p, link);
	}
	STAILQ_CONCAT(&st->unapplied, &keep);
}

static void
apply_start(Store *st)
{
	Pending *p = STAILQ_FIRST(&st->unapplied); /* with none ready, the oldest held */

	if (st->apply_running || (st->nunapplied == st->nheld && holding(st) && !st->prune_want.batch &&
	                          (!p || uv_now(st->check.loop) - p->at < HOLD_MS)))
		return;
	uv_timer_stop(&st->apply_timer);
	batch_take(st);
	st->prune_job = st->prune_want; /* the worker reads only its own copy */
	st->prune_want.batch = 0;
	st->apply_running = 1;
	st->apply_req.data = st;
	if (uv_queue_work(st->check.loop, &st->apply_req, apply_work, apply_after)) {
		st->apply_running = 0;
		batch_back(st);
		st->prune_want = st->prune_job;
	}
}

static void
apply_timer_cb(uv_timer_t *t)
{
	apply_start(t->data);
}

/* After a flush: hand what waits to the worker, now or a little later:
 * APPLY_MS after the first record it may take, or when the oldest held
 * one's time is out (the first of unapplied after a batch). */
void
journal_apply(Store *st)
{
	int ready = st->nunapplied - st->nheld;
	uint64_t due, now = uv_now(st->check.loop);
	Pending *first = STAILQ_FIRST(&st->unapplied);

	if (st->apply_running || !first)
		return;
	if (ready >= APPLY_ROWS || st->nheld >= HOLD_ROWS) {
		apply_start(st);
		return;
	}
	due = ready || !holding(st) ? APPLY_MS : first->at + HOLD_MS > now ? first->at + HOLD_MS - now : 0;
	if (uv_is_active((uv_handle_t *)&st->apply_timer) &&
	    (st->apply_rc || uv_timer_get_due_in(&st->apply_timer) <= due))
		return; /* (after a failure, its retry stands) */
	uv_timer_start(&st->apply_timer, apply_timer_cb, due, 0);
}

/* Ask the worker to prune (store_prune) after its next insert. */
void
store_prune_request(Store *st, int64_t before, int64_t keep, int64_t keep_events, int batch)
{
	st->prune_want.before = before;
	st->prune_want.keep = keep;
	st->prune_want.keep_events = keep_events;
	st->prune_want.batch = batch;
	if (st->jfd < 0) {
		int n = store_prune(st, before, keep, keep_events, batch);
		if (n > 0)
			log_info("pruned %d activation records", n);
		st->prune_want.batch = 0;
		return;
	}
	apply_start(st);
}

static Pending *
line_row(const char *line)
{
	json_t *o = json_loads(line, JSON_ALLOW_NUL, NULL), *doc = json_object_get(o, "doc");
	Pending *p = NULL;

	if (json_is_object(doc) && json_is_string(json_object_get(o, "id")) &&
	    (p = pending_new(jstr(json_object_get(o, "id")), jstr(json_object_get(o, "ns")),
	                     jstr(json_object_get(o, "name")), NULL, NULL))) {
		p->doc = js_text(doc, NULL);
		p->seq = json_integer_value(json_object_get(o, "seq"));
		p->start = json_integer_value(json_object_get(o, "start"));
		p->end = json_integer_value(json_object_get(o, "end"));
		p->status = (int)json_integer_value(json_object_get(o, "status"));
	}
	json_decref(o);
	return p;
}

/* Insert what a previous process journalled, then start the journal empty.
 * A line cut short by a crash was never acknowledged and is skipped. */
static int64_t
applied_seq(Store *st)
{
	sqlite3_stmt *s = NULL;
	int64_t v = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = 'journal_applied'", -1, &s, NULL) ==
	            SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int
journal_replay(Store *st, FILE *f)
{
	struct pendq list = STAILQ_HEAD_INITIALIZER(list);
	Pending *p;
	int64_t applied = applied_seq(st);
	char *line = NULL;
	size_t cap = 0;
	int n = 0, rc = 0;

	while (getline(&line, &cap, f) > 0)
		if ((p = line_row(line)) && p->seq <= applied) {
			pending_free(p);
		} else if (p) {
			STAILQ_INSERT_TAIL(&list, p, link);
			n++;
		}
	free(line);
	if (!STAILQ_EMPTY(&list))
		rc = rows_insert(st, &list, INT64_MAX);
	pendq_free(&list);
	if (n)
		log_info("store: %d activation records recovered from the journal", n);
	return rc;
}

/* Open DATA/activations.journal beside the database, replaying it. */
int
journal_open(Store *st, const char *dbpath)
{
	char path[1200];
	const char *slash = strrchr(dbpath, '/');
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof path, "%.*sactivations.journal", slash ? (int)(slash - dbpath + 1) : 0, dbpath);
	if ((f = fopen(path, "re"))) {
		rc = journal_replay(st, f);
		fclose(f);
		if (rc)
			return rc;
	}
	st->jfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (st->jfd < 0 || ftruncate(st->jfd, 0)) {
		log_error("store: cannot open %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

void
journal_timer_init(Store *st, uv_loop_t *loop)
{
	uv_timer_init(loop, &st->apply_timer);
	st->apply_timer.data = st;
	uv_unref((uv_handle_t *)&st->apply_timer);
}

/* At close: insert what is left on this connection if the worker is idle
 * (else the journal keeps it for the next start). 1 if the worker still
 * runs and will free st. */
int
journal_close(Store *st)
{
	if (st->jfd < 0)
		return 0;
	uv_timer_stop(&st->apply_timer);
	if (st->apply_running) {
		st->closing++;
		return 1;
	}
	if ((STAILQ_EMPTY(&st->unapplied) || rows_insert(st, &st->unapplied, INT64_MAX) == 0) && ftruncate(st->jfd, 0))
		log_warn("store: cannot truncate the journal");
	pendq_free(&st->unapplied);
	close(st->jfd);
	st->jfd = -1;
	return 0;
}
