/* store_int.h — the store's insides, shared by store*.c only (others use fns.h). */
#ifndef FAAS_BACKEND_STORE_INT_H
#define FAAS_BACKEND_STORE_INT_H

#include <sys/queue.h>

#include "fns.h"
#include "map.h"

enum stmt_id {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_NS_ADD,
	S_NS_BY_UUID,
	S_NS_BY_NAME,
	S_NS_SET_KEY,
	S_NS_LIMITS,
	S_NS_SET_LIMITS,
	S_ENT_GET,
	S_ENT_PUT,
	S_ENT_DEL,
	S_ENT_LIST,
	S_ENT_LIST_REF,
	S_ENT_COUNT,
	S_ENT_COUNT_REF,
	S_ACT_PUT,
	S_ACT_GET,
	S_ACT_LIST,
	S_ACT_LIST_NAME,
	S_ACT_RUNNING,
	S_ACT_PRUNE_AGE,
	S_ACT_PRUNE_COUNT,
	S_ACT_COUNT,
	S_ACT_COUNT_NS,
	S_EV_ADD,
	S_EV_SINCE,
	S_EV_PRUNE,
	S_EV_LAST,
	S_META_APPLIED,
	S_FEED_PUT,
	S_FEED_GET,
	S_FEED_BY_UUID,
	S_FEED_ALL,
	S_FEED_DEL,
	S_FEED_DUE,
	S_SEC_PUT,
	S_SEC_DEL,
	S_SEC_COPY,
	S_SEC_DEL_ALL,
	S_SEC_LIST,
	S_NSTMT
};

typedef struct StoreCache StoreCache;

/* One activation waiting for the next batch commit. */
typedef struct Pending {
	STAILQ_ENTRY(Pending) link; /* in a batch: the store's queue, unapplied or applying */
	struct Pending *older;      /* in store.recent, until it is in SQLite: the record of its id before it */
	char id[ACTID_LEN + 1];
	char *ns, *name;      /* in the same allocation (pending_new) */
	char *path, *version; /* the event's name and version, or NULL */
	char *doc;            /* the record's text */
	int64_t start, end;
	int status;
	int event;   /* finished: tell the event stream */
	int barrier; /* no record: only cb, after those queued before */
	int skip;    /* replaced by a newer record of its id before the worker took it */
	int handed;  /* taken by the worker (then it is not skipped) */
	int64_t seq; /* its rowid and event seq, once written */
	uint64_t at; /* loop time it was journalled, ms */
	store_commit_cb cb;
	void *arg;
} Pending;

STAILQ_HEAD(pendq, Pending);

struct Store {
	sqlite3 *db;
	sqlite3_stmt *st[S_NSTMT];
	uv_check_t check; /* commits the batch after each poll */
	uv_idle_t wake;   /* keeps poll from sleeping while a batch waits */
	struct pendq queue;
	int npending;
	store_event_cb on_event;
	void *event_arg;
	int64_t commits, rows; /* for /metrics */
	int closing;
	StoreCache *cache; /* parsed entities, store_cache.c */
	int64_t seq;       /* the last seq given to an event or activation */
	int64_t rules_gen; /* bumped by every change to a rule */
	char path[1100];
	int sync_full;
	/* the journal and its worker, store_journal.c */
	int jfd;                /* -1: no journal, records go straight to SQLite */
	size_t journalled;      /* bytes the journal holds */
	struct pendq unapplied; /* journalled, waiting for the worker */
	int nunapplied, nheld;  /* of them running records the worker is not given yet */
	int64_t apply_upto;     /* the seq the worker's batch completes the journal to (rows_insert) */
	uv_timer_t apply_timer;
	struct pendq applying; /* the worker's batch */
	Map recent;            /* id → its newest record not yet in SQLite */
	int apply_running, apply_rc, pruned;
	uv_work_t apply_req;
	Store *worker; /* the worker's own connection */
	struct prune_args {
		int64_t before, keep, keep_events;
		int batch;
	} prune_want, prune_job; /* asked for (loop), being done (worker) */
};

StoreCache *cache_new(void);
void cache_free(StoreCache *c);
json_t *cache_get(StoreCache *c, const char *ns, const char *coll, const char *name);
void cache_put(StoreCache *c, const char *ns, const char *coll, const char *name, json_t *doc);
void cache_drop(StoreCache *c, const char *ns, const char *coll, const char *name);

void store_free(Store *st);
Pending *pending_new(const char *id, const char *ns, const char *name, const char *path, const char *version);
void pending_free(Pending *p);
int rows_insert(Store *st, struct pendq *list, int64_t upto);
void pendq_free(struct pendq *q);
int journal_open(Store *st, const char *dbpath);
int journal_write(Store *st, struct pendq *list);
void journal_keep(Store *st, Pending *p);
void journal_apply(Store *st);
void journal_timer_init(Store *st, uv_loop_t *loop);
int journal_close(Store *st);
Pending *recent_find(Store *st, const char *id);
void recent_each(Store *st, void (*fn)(Pending *p, void *arg), void *arg);

int store_secret_write(Store *st, const char *ns, const char *coll, const char *name, const Secretset *set,
                       const char *version);
int store_secret_drop(Store *st, const char *ns, const char *coll, const char *name);
sqlite3_stmt *store_stmt(Store *st, enum stmt_id id);
int store_exec_step(Store *st, sqlite3_stmt *s);
int store_event_insert(Store *st, const char *ns, const char *kind, const char *op, const char *name,
                       const char *version, int64_t *seq);

#endif
