/* quota.c — namespace quotas as OpenWhisk has them: invocations in flight, invocations and fires a minute.
 *
 * Three limits per namespace, with OpenWhisk's names and messages
 * (Entitlement.scala, Messages.scala): concurrentInvocations, the
 * activations started and not yet recorded; invocationsPerMinute, the
 * actions started by the namespace (an invoke, a web action, a rule a fire
 * started; not a sequence's or a composition's steps: they belong to the
 * invocation that started them); firesPerMinute, its trigger fires, by any
 * way in (a POST, an alarm, a webhook, a file change, an MQTT message,
 * each event of a CloudEvents batch). Over one, the request is refused with
 * 429 and the reason, and is not counted.
 *
 * A minute is the last 60 seconds, estimated from the counts of this
 * clock minute and the one before, the earlier weighed by how much of it
 * is still within 60 seconds: no burst of twice the limit across a
 * minute's turn, and a per-minute cost of two counters.
 *
 * The operator sets the system's values with --concurrent-invocations,
 * --invocations-per-minute and --fires-per-minute, and a namespace's own
 * with --set-limits NS (the namespaces table's limits column, which a
 * daemon running on the same store reads again at most a second later,
 * and at once on GET /api/v1/namespaces/NS/limits).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fns.h"
#include "map.h"

enum { REREAD_MS = 1000, MINUTE_MS = 60000 };

static const char *const names[NQUOTA] = {
	[Q_CONCURRENT] = "concurrentInvocations",
	[Q_INVOKES] = "invocationsPerMinute",
	[Q_FIRES] = "firesPerMinute",
};

/* The starts of the clock minute `minute` and of the one before it. */
typedef struct Window {
	int64_t minute;
	int64_t prev, cur;
} Window;

typedef struct Quota {
	int64_t inflight;
	Window invokes, fires;
	int limit[NQUOTA];
	int64_t read_at; /* when limit was read from the store */
	char ns[];
} Quota;

typedef struct Quotas {
	Map ns; /* name → Quota */
} Quotas;

/* The system's values under the namespace's own, read from the store. */
static void
reread(Backend *b, Quota *q, int64_t now)
{
	json_t *own = NULL;

	store_ns_limits(b->st, q->ns, &own);
	for (int i = 0; i < NQUOTA; i++) {
		json_t *v = json_object_get(own, names[i]);
		q->limit[i] = json_is_integer(v) ? (int)json_integer_value(v) : b->opt.quota[i];
	}
	json_decref(own);
	q->read_at = now;
}

/* ns's quota, its limits at most a second old (fresh: read now); NULL
 * when out of memory (then nothing is counted: no quota is better than
 * refusing everyone). */
static Quota *
quota_of(Backend *b, const char *ns, int fresh)
{
	Quotas *qs = b->quotas;
	int64_t now = now_ms();
	Quota *q;

	if (!qs)
		qs = b->quotas = ecalloc(1, sizeof *qs);
	if (!(q = map_get(&qs->ns, ns))) {
		q = ecalloc(1, sizeof *q + strlen(ns) + 1);
		strcpy(q->ns, ns);
		map_put(&qs->ns, ns, q);
		fresh = 1;
	}
	if (fresh || now - q->read_at >= REREAD_MS || now < q->read_at)
		reread(b, q, now);
	return q;
}

/* The count of the last 60 s with one more, whole, rounded up. */
static int64_t
window_next(Window *w, int64_t now)
{
	int64_t m = now / MINUTE_MS, left = MINUTE_MS - now % MINUTE_MS; /* ms of the minute before still in */

	if (m != w->minute) {
		w->prev = m == w->minute + 1 ? w->cur : 0;
		w->cur = 0;
		w->minute = m;
	}
	return (w->prev * left + MINUTE_MS - 1) / MINUTE_MS + w->cur + 1;
}

static int
refuse(char *err, size_t n, const char *what, int64_t count, int allowed)
{
	snprintf(err, n, "Too many %s (count: %lld, allowed: %d).", what, (long long)count, allowed);
	return -EAGAIN;
}

/* Room for one more in w's last minute under limit: 0, or -EAGAIN with the reason in err. */
static int
window_room(Window *w, int limit, char *err, size_t n)
{
	int64_t count = window_next(w, now_ms());

	if (count > limit)
		return refuse(err, n, "requests in the last minute", count, limit);
	return 0;
}

/* An action started by ns: 0, counted in flight until quota_release; or
 * -EAGAIN with OpenWhisk's reason in err (the rate is checked first, as
 * there). */
int
quota_invoke(Backend *b, const char *ns, char *err, size_t n)
{
	Quota *q = quota_of(b, ns, 0);
	int rc;

	if ((rc = window_room(&q->invokes, q->limit[Q_INVOKES], err, n)) < 0)
		return rc;
	if (q->inflight >= q->limit[Q_CONCURRENT])
		return refuse(err, n, "concurrent requests in flight", q->inflight, q->limit[Q_CONCURRENT]);
	q->invokes.cur++;
	q->inflight++;
	return 0;
}

/* An activation quota_invoke let in is recorded. */
void
quota_release(Backend *b, const char *ns)
{
	Quota *q = quota_of(b, ns, 0);

	if (q->inflight > 0)
		q->inflight--;
}

/* A trigger of ns fired: 0, or -EAGAIN with the reason in err. */
int
quota_fire(Backend *b, const char *ns, char *err, size_t n)
{
	Quota *q = quota_of(b, ns, 0);
	int rc;

	if ((rc = window_room(&q->fires, q->limit[Q_FIRES], err, n)) < 0)
		return rc;
	q->fires.cur++;
	return 0;
}

/* GET .../limits: the limits in force for ns, as OpenWhisk names them. */
json_t *
quota_limits(Backend *b, const char *ns)
{
	Quota *q = quota_of(b, ns, 1);
	json_t *o = json_object();

	for (int i = 0; i < NQUOTA; i++)
		json_object_set_new(o, names[i], json_integer(q ? q->limit[i] : b->opt.quota[i]));
	return o;
}

/* --concurrent-invocations, --invocations-per-minute, --fires-per-minute
 * (by their OpenWhisk names): a count, or "default" (-1: the system's). */
int
quota_option(const char *name, const char *arg, int *limits)
{
	int64_t v;
	int i;

	for (i = 0; i < NQUOTA && strcmp(names[i], name); i++)
		;
	if (i == NQUOTA)
		return -EINVAL;
	if (strcmp(arg, "default") == 0)
		return limits[i] = -1, 0;
	if (num_int(arg, 0, INT_MAX, &v))
		return -EINVAL;
	limits[i] = (int)v;
	return 0;
}

/* --set-limits: ns's own limits, those >= 0 set, -1 back to the system's,
 * others (-2) as they were. */
int
quota_set(Store *st, const char *ns, const int *limits, char *err, size_t n)
{
	json_t *own;
	int rc;

	if ((rc = store_ns_limits(st, ns, &own)))
		return snprintf(err, n, "%s", rc == -ENOENT ? "no such namespace" : "the store cannot be read"), rc;
	for (int i = 0; i < NQUOTA; i++)
		if (limits[i] >= 0)
			json_object_set_new(own, names[i], json_integer(limits[i]));
		else if (limits[i] == -1)
			json_object_del(own, names[i]);
	if ((rc = store_ns_set_limits(st, ns, own)))
		snprintf(err, n, "the store cannot be written");
	json_decref(own);
	return rc;
}

void
quota_free(Backend *b)
{
	Quotas *qs = b->quotas;

	if (!qs)
		return;
	map_free_with(&qs->ns, free);
	free(qs);
	b->quotas = NULL;
}
