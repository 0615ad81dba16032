/* store_feed.c — the feeds table: what each trigger fed by a feed was set up with.
 *
 * One row a trigger: the feed that feeds it ("whisk.system/alarms/alarm",
 * or a user's action), its configuration as given at CREATE or UPDATE, paused,
 * when it is next due and was last due (alarms), the uuid of the key a
 * user's feed action was given (auth.c) or of a webhook, and why its
 * service stopped, if it did. Each call is its own transaction
 * unless the caller holds one (store_begin).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store_int.h"

static int
row_read(sqlite3_stmt *s, FeedRow *r)
{
	const char *t;

	memset(r, 0, sizeof *r);
	snprintf(r->ns, sizeof r->ns, "%s", (const char *)sqlite3_column_text(s, 0));
	snprintf(r->trigger, sizeof r->trigger, "%s", (const char *)sqlite3_column_text(s, 1));
	snprintf(r->feed, sizeof r->feed, "%s", (const char *)sqlite3_column_text(s, 2));
	t = (const char *)sqlite3_column_text(s, 3);
	r->config = t ? json_loads(t, 0, NULL) : NULL;
	r->paused = sqlite3_column_int(s, 4);
	r->next_due = sqlite3_column_int64(s, 5);
	r->last_due = sqlite3_column_int64(s, 6);
	t = (const char *)sqlite3_column_text(s, 7);
	snprintf(r->uuid, sizeof r->uuid, "%s", t ? t : "");
	r->changed = sqlite3_column_int64(s, 8);
	t = (const char *)sqlite3_column_text(s, 9);
	snprintf(r->error, sizeof r->error, "%s", t ? t : "");
	return r->config ? 0 : -EIO;
}

void
feed_row_clear(FeedRow *r)
{
	json_decref(r->config);
	r->config = NULL;
}

int
store_feed_put(Store *st, const FeedRow *r)
{
	sqlite3_stmt *s = store_stmt(st, S_FEED_PUT);
	char *config = js_text(r->config, NULL);
	int rc;

	if (!config)
		return -EINVAL; /* not writable as JSON (js_text) */
	sqlite3_bind_text(s, 1, r->ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, r->trigger, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, r->feed, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, config, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 5, r->paused);
	sqlite3_bind_int64(s, 6, r->next_due);
	sqlite3_bind_int64(s, 7, r->last_due);
	if (r->uuid[0])
		sqlite3_bind_text(s, 8, r->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 9, r->changed);
	sqlite3_bind_text(s, 10, r->error, -1, SQLITE_STATIC);
	rc = store_exec_step(st, s);
	free(config);
	return rc;
}

/* The row of (ns, trigger), or with ns NULL the one whose key is uuid `trigger`. */
int
store_feed_get(Store *st, const char *ns, const char *trigger, FeedRow *r)
{
	sqlite3_stmt *s = store_stmt(st, ns ? S_FEED_GET : S_FEED_BY_UUID);
	int rc;

	sqlite3_bind_text(s, 1, ns ? ns : trigger, -1, SQLITE_STATIC);
	if (ns)
		sqlite3_bind_text(s, 2, trigger, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	rc = rc == SQLITE_ROW ? row_read(s, r) : rc == SQLITE_DONE ? -ENOENT : -EIO;
	sqlite3_reset(s);
	return rc;
}

int
store_feed_del(Store *st, const char *ns, const char *trigger)
{
	sqlite3_stmt *s = store_stmt(st, S_FEED_DEL);

	sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, trigger, -1, SQLITE_STATIC);
	if (store_exec_step(st, s))
		return -EIO;
	return sqlite3_changes(st->db) ? 0 : -ENOENT;
}

int
store_feed_due(Store *st, const char *ns, const char *trigger, int64_t next, int64_t last)
{
	sqlite3_stmt *s = store_stmt(st, S_FEED_DUE);

	sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, trigger, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, next);
	sqlite3_bind_int64(s, 4, last);
	return store_exec_step(st, s);
}

/* Call fn with every row whose feed is LIKE `like`; 0 or -EIO. */
int
store_feed_each(Store *st, const char *like, void (*fn)(FeedRow *r, void *arg), void *arg)
{
	sqlite3_stmt *s = store_stmt(st, S_FEED_ALL);
	FeedRow r;
	int rc;

	sqlite3_bind_text(s, 1, like, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (row_read(s, &r) == 0)
			fn(&r, arg);
		feed_row_clear(&r);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -EIO;
}
