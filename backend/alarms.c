/* alarms.c — /whisk.system/alarms: alarm (cron), once (a date), interval (every N minutes).
 *
 * The parameters are those of OpenWhisk's alarms package:
 *   alarm     cron (5 fields, or 6 with seconds first; lib/cron.c), timezone
 *             (an IANA name; UTC by default), startDate, stopDate
 *   once      date, deleteAfterFire (false, "rules": delete the trigger's
 *             rules after the fire, true: its rules and the trigger)
 *   interval  minutes, startDate, stopDate
 * and trigger_payload, the object each fire carries. Dates are ISO 8601
 * ("2030-01-01T00:00:00Z", an offset or none for UTC) or milliseconds
 * since the epoch.
 *
 * Every alarm is in one min-heap by due time (lib/heap), under one timer of the
 * backend's loop. When the timer runs, the alarms due are taken off; their
 * next due times are committed to the feeds table in one transaction, and
 * only then are the triggers fired (fire.c), each record annotated with
 * "due" (ms since the epoch) and "feed". So a fire happens at most once: a
 * crash between the commit and the fire loses that fire, and none is ever
 * fired twice.
 *
 * Fires missed while the backend was down: at start, an alarm whose due
 * time passed fires once, at once, its record annotated "due" with the
 * first missed time and "missed": true; the fires missed after it are not
 * made up, and the alarm goes on from the next due time after the start.
 * A `once` whose date passed while down fires so too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fns.h"
#include "heap.h"
#include "log.h"

enum { ONCE, CRON, INTERVAL };
enum { REARM_MAX_MS = 60000 }; /* the wall clock is looked at again at least this often */

typedef struct Entry {
	const FeedService *svc;
	int kind;
	CronSpec cron;
	char tz[64];
	int64_t start, stop; /* ms; 0: none */
	int64_t every;       /* interval: ms */
	int64_t base;        /* interval: its first due time */
	int64_t next;        /* ms: when due */
	int delete_after;    /* once: 1 its rules, 2 its rules and the trigger */
	int missed;          /* next was missed while the backend was down */
	json_t *payload;
	Heapnode hn;   /* in the heap, by next */
	char *trigger; /* in names, after ns */
	char ns[];     /* "NS\0TRIGGER": an alarm costs its names, not two NAME_MAX buffers */
} Entry;

struct Alarms {
	Backend *b;
	uv_timer_t timer;
	Heap heap;
};

/* The alarm due first, or NULL. */
static Entry *
first(Alarms *h)
{
	Heapnode *x = heap_first(&h->heap);

	return x ? heap_owner(x, Entry, hn) : NULL;
}

/* An alarm of trigger ns/trigger, its names after it. */
static Entry *
entry_new(const char *ns, const char *trigger)
{
	size_t n = strlen(ns) + 1, t = strlen(trigger) + 1;
	Entry *a = emalloc(sizeof *a + n + t);

	memcpy(a->ns, ns, n);
	memcpy(a->ns + n, trigger, t);
	return a;
}

/* After alarm_parse, which clears the struct: where the trigger's name is. */
static void
entry_named(Entry *a)
{
	a->trigger = a->ns + strlen(a->ns) + 1;
}

static void
alarm_free(Entry *a)
{
	json_decref(a->payload);
	free(a);
}

/* A date parameter: ISO 8601 text or ms since the epoch; 0 when absent. */
static int
parse_date(const json_t *v, const char *what, int64_t *ms, char *err, size_t n)
{
	const char *s = json_string_value(v), *p;
	struct tm tm = { 0 };
	int frac = 0, sign, oh, om;

	*ms = 0;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v) && json_integer_value(v) > 0)
		return *ms = json_integer_value(v), 0;
	if (!s || !(p = strptime(s, "%Y-%m-%dT%H:%M", &tm)))
		goto bad;
	if (*p == ':' && !(p = strptime(p, ":%S", &tm)))
		goto bad;
	if (*p == '.') {
		int digits = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				frac = frac * 10 + (*p - '0');
		for (; digits < 3; digits++)
			frac *= 10;
	}
	*ms = (int64_t)timegm(&tm) * 1000 + frac;
	if (*p == 'Z' || *p == 'z')
		p++;
	else if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2) {
		sign = *p == '+' ? 1 : -1;
		*ms -= sign * ((int64_t)oh * 3600 + om * 60) * 1000;
		p += 6;
	}
	if (*p == 0)
		return 0;
bad:
	snprintf(err, n, "The %s '%s' is not a date: use ISO 8601, as 2030-01-31T08:00:00Z, or ms since the epoch.",
	         what, s ? s : "(not text)");
	return -EINVAL;
}

static int
parse_payload(const json_t *v, json_t **out, char *err, size_t n)
{
	const char *s = json_string_value(v);

	*out = NULL;
	if (!v || json_is_null(v))
		return *out = json_object(), 0;
	if (json_is_object(v))
		return *out = json_incref((json_t *)v), 0;
	if (s && (*out = json_loads(s, 0, NULL)) && json_is_object(*out))
		return 0;
	json_decref(*out);
	*out = NULL;
	return snprintf(err, n, "The trigger_payload must be a JSON object."), -EINVAL;
}

static int
parse_delete_after(const json_t *v, int *out, char *err, size_t n)
{
	const char *s = json_string_value(v);

	*out = json_is_true(v) || (s && strcmp(s, "true") == 0) ? 2 : s && strcmp(s, "rules") == 0 ? 1 : 0;
	if (!v || json_is_boolean(v) || json_is_null(v) || (s && (*out || strcmp(s, "false") == 0)))
		return 0;
	return snprintf(err, n, "The deleteAfterFire must be false, \"rules\" or true."), -EINVAL;
}

/* The first due time after ms `after`, or 0 if there is none. */
static int64_t
next_after(const Entry *a, int64_t after)
{
	int64_t due = 0, from = a->start > after + 1 ? a->start - 1 : after;

	switch (a->kind) {
	case ONCE: due = a->start > after ? a->start : 0; break;
	case CRON:
		due = cron_next(&a->cron, a->tz, from / 1000);
		due = due < 0 ? 0 : due * 1000;
		break;
	case INTERVAL: due = from < a->base ? a->base : a->base + ((from - a->base) / a->every + 1) * a->every; break;
	}
	return due && a->stop && due >= a->stop ? 0 : due;
}

/* config into a (ns and trigger aside); err says which parameter and why. */
static int
alarm_parse(const FeedService *svc, const json_t *config, int64_t now, int64_t changed, Entry *a, char *err, size_t n)
{
	const json_t *tz = json_object_get(config, "timezone"), *min = json_object_get(config, "minutes");
	const char *cron = json_string_value(json_object_get(config, "cron"));
	int64_t minutes = json_integer_value(min);
	int rc;

	memset(a, 0, sizeof *a);
	a->svc = svc;
	a->kind = strcmp(svc->name, "once") == 0 ? ONCE : strcmp(svc->name, "alarm") == 0 ? CRON : INTERVAL;
	if ((rc = parse_payload(json_object_get(config, "trigger_payload"), &a->payload, err, n)))
		return rc;
	if (a->kind == ONCE) {
		if ((rc = parse_date(json_object_get(config, "date"), "date", &a->start, err, n)) ||
		    (rc = parse_delete_after(json_object_get(config, "deleteAfterFire"), &a->delete_after, err, n)))
			return rc;
		if (!a->start)
			return snprintf(err, n, "The date parameter is required: when the alarm fires."), -EINVAL;
		return 0;
	}
	if ((rc = parse_date(json_object_get(config, "startDate"), "startDate", &a->start, err, n)) ||
	    (rc = parse_date(json_object_get(config, "stopDate"), "stopDate", &a->stop, err, n)))
		return rc;
	if (a->stop && a->start && a->stop <= a->start)
		return snprintf(err, n, "The stopDate must come after the startDate."), -EINVAL;
	if (a->kind == CRON) {
		if (!cron)
			return snprintf(err, n,
			                "The cron parameter is required: when the alarm fires, as "
			                "'MIN HOUR DOM MON DOW'."),
			       -EINVAL;
		if ((rc = cron_parse(cron, &a->cron, err, n)))
			return rc;
		if (tz && !json_is_string(tz))
			return snprintf(err, n, "The timezone must be a text, an IANA name as Europe/Paris."), -EINVAL;
		if (tz && !zone_known(json_string_value(tz)))
			return snprintf(err, n,
			                "The timezone '%s' is not a time zone of the IANA database (as Europe/Paris).",
			                json_string_value(tz)),
			       -EINVAL;
		snprintf(a->tz, sizeof a->tz, "%s", tz ? json_string_value(tz) : "");
		return 0;
	}
	if (!json_is_integer(min) && num_int(json_string_value(min), 1, INT64_MAX, &minutes) < 0)
		return snprintf(err, n, "The minutes parameter is required: a whole number of minutes between fires."),
		       -EINVAL;
	if (minutes < 1 || minutes > 366 * 1440)
		return snprintf(err, n, "The minutes must be between 1 and 527040 (a year)."), -EINVAL;
	a->every = minutes * 60000;
	a->base = a->start ? a->start : (changed ? changed : now) + a->every;
	return 0;
}

static int
alarm_check_at(Backend *b, const FeedService *svc, json_t *config, char *err, size_t n)
{
	Entry a;
	int64_t now = now_ms();
	int rc = alarm_parse(svc, config, now, now, &a, err, n);

	(void)b;
	if (!rc && a.kind == ONCE && a.start <= now) {
		snprintf(err, n, "The date %s is in the past.", json_string_value(json_object_get(config, "date")));
		rc = -EINVAL;
	} else if (!rc && a.stop && a.stop <= now) {
		snprintf(err, n, "The stopDate %s is in the past.",
		         json_string_value(json_object_get(config, "stopDate")));
		rc = -EINVAL;
	} else if (!rc && !next_after(&a, now)) {
		snprintf(err, n, "The alarm would never fire: its cron '%s' is not due before %s.",
		         json_string_value(json_object_get(config, "cron")),
		         a.stop ? "its stopDate" : "eight years from now");
		rc = -EINVAL;
	}
	json_decref(a.payload);
	return rc;
}

static Entry *
find(Alarms *h, const char *ns, const char *trigger)
{
	for (size_t i = 0; i < h->heap.n; i++) {
		Entry *a = heap_owner(h->heap.a[i], Entry, hn);
		if (strcmp(a->trigger, trigger) == 0 && strcmp(a->ns, ns) == 0)
			return a;
	}
	return NULL;
}

static void timer_cb(uv_timer_t *t);

static void
rearm(Alarms *h)
{
	int64_t wait;

	if (!h->heap.n) {
		uv_timer_stop(&h->timer);
		return;
	}
	wait = first(h)->next - now_ms();
	wait = wait < 0 ? 0 : wait > REARM_MAX_MS ? REARM_MAX_MS : wait;
	uv_update_time(h->b->loop);
	uv_timer_start(&h->timer, timer_cb, (uint64_t)wait, 0);
}

/* Schedule a (taken) for its trigger, replacing any alarm it had. */
static void
schedule(Alarms *h, Entry *a)
{
	Entry *old = find(h, a->ns, a->trigger);

	if (old) {
		heap_remove(&h->heap, &old->hn);
		alarm_free(old);
	}
	heap_push(&h->heap, &a->hn, a->next);
	rearm(h);
}

static int
alarm_start(Backend *b, FeedRow *r, char *err, size_t n)
{
	Entry *a = entry_new(r->ns, r->trigger);
	int64_t now = now_ms();
	int rc;

	if ((rc = alarm_parse(feed_service_of(r->feed), r->config, now, r->changed, a, err, n))) {
		alarm_free(a);
		return rc;
	}
	entry_named(a);
	r->next_due = a->next = next_after(a, now);
	if (!a->next) {
		alarm_free(a);
		return 0;
	}
	schedule(b->alarms, a);
	return 0;
}

static void
alarm_stop(Backend *b, const char *ns, const char *trigger)
{
	Entry *a = find(b->alarms, ns, trigger);

	if (a) {
		heap_remove(&b->alarms->heap, &a->hn);
		alarm_free(a);
		rearm(b->alarms);
	}
}

/* deleteAfterFire: the trigger's rules, and the trigger with rules_too == 2. */
static void
delete_after(Backend *b, const Entry *a)
{
	json_t *rules = NULL, *r;
	size_t i;

	if (store_entity_list(b->st, a->ns, "rules", a->trigger, -1, 0, &rules) == 0)
		json_array_foreach(rules, i, r) store_entity_del(
		        b->st, a->ns, "rules", jstr(json_object_get(r, "name")), jstr(json_object_get(r, "version")));
	json_decref(rules);
	if (a->delete_after == 2) {
		json_t *trig = NULL;
		if (store_entity_peek(b->st, a->ns, "triggers", a->trigger, &trig) == 0)
			store_entity_del(b->st, a->ns, "triggers", a->trigger, jstr(json_object_get(trig, "version")));
		json_decref(trig);
		store_feed_del(b->st, a->ns, a->trigger);
	}
}

static void
fire_one(Backend *b, Entry *a, int64_t due)
{
	char path[PATH_MAX_LEN + 1];
	Caller who = { 0 };
	json_t *annot;
	int status;

	snprintf(who.ns, sizeof who.ns, "%s", a->ns);
	snprintf(path, sizeof path, "/%s/%s/%s", CATALOG_NS, a->svc->pkg, a->svc->name);
	annot = json_pack("{s:I, s:s}", "due", (json_int_t)due, "feed", path);
	if (a->missed)
		json_object_set_new(annot, "missed", json_true());
	status = trigger_fire(b, &who, a->trigger, NULL, a->payload, annot, feed_fired, NULL, NULL);
	if (status == 429) /* refused: the trigger's record says why */
		trigger_error(b, a->ns, a->trigger, quota_refusal(), annot);
	if (status && status != 204)
		log_warn("alarms: %s/%s could not be fired (%d)", a->ns, a->trigger, status);
	json_decref(annot);
	if (a->delete_after && status != 404)
		delete_after(b, a);
}

/* The alarms due: their next times committed, then their fires. */
static void
timer_cb(uv_timer_t *t)
{
	Alarms *h = t->data;
	Backend *b = h->b;
	int64_t now = now_ms(), *due;
	Entry **batch, *a;
	size_t k = 0;

	if (!(a = first(h)) || a->next > now) {
		rearm(h);
		return;
	}
	batch = emalloc(h->heap.n * sizeof *batch);
	due = emalloc(h->heap.n * sizeof *due);
	while ((a = first(h)) && a->next <= now) {
		batch[k] = a;
		due[k++] = a->next;
		heap_remove(&h->heap, &a->hn);
	}
	int tx = store_begin(b->st) == 0;
	for (size_t i = 0; i < k; i++)
		store_feed_due(b->st, batch[i]->ns, batch[i]->trigger,
		               next_after(batch[i], due[i] > now ? due[i] : now), due[i]);
	if (tx && store_commit(b->st))
		log_warn("alarms: the next due times could not be committed");
	for (size_t i = 0; i < k; i++) {
		a = batch[i];
		fire_one(b, a, due[i]);
		a->missed = 0;
		a->next = a->delete_after == 2 ? 0 : next_after(a, due[i] > now ? due[i] : now);
		if (a->next)
			heap_push(&h->heap, &a->hn, a->next);
		else
			alarm_free(a);
	}
	free(batch);
	free(due);
	rearm(h);
}

/* At start: every alarm of the store, the missed ones due at once. */
static void
load_one(FeedRow *r, void *arg)
{
	Backend *b = arg;
	Entry *a;
	char err[512];
	const FeedService *svc = feed_service_of(r->feed);

	if (!svc || r->paused || r->error[0] || !r->next_due)
		return;
	a = entry_new(r->ns, r->trigger);
	if (alarm_parse(svc, r->config, now_ms(), r->changed, a, err, sizeof err)) {
		log_warn("alarms: %s/%s: %s", r->ns, r->trigger, err);
		alarm_free(a);
		return;
	}
	entry_named(a);
	a->next = r->next_due;
	a->missed = r->next_due <= now_ms();
	heap_push(&b->alarms->heap, &a->hn, a->next);
}

int
alarms_new(Backend *b)
{
	Alarms *h = ecalloc(1, sizeof *h);
	int rc;

	h->b = b;
	b->alarms = h;
	uv_timer_init(b->loop, &h->timer);
	h->timer.data = h;
	if ((rc = store_feed_each(b->st, CATALOG_NS "/alarms/%", load_one, b)))
		return rc;
	if (h->heap.n)
		log_info("alarms: %zu scheduled", h->heap.n);
	rearm(h);
	uv_unref((uv_handle_t *)&h->timer);
	return 0;
}

static void
timer_closed(uv_handle_t *t)
{
	Alarms *h = t->data;

	for (size_t i = 0; i < h->heap.n; i++)
		alarm_free(heap_owner(h->heap.a[i], Entry, hn));
	heap_free(&h->heap);
	free(h);
}

void
alarms_free(Backend *b)
{
	if (b->alarms)
		uv_close((uv_handle_t *)&b->alarms->timer, timer_closed);
	b->alarms = NULL;
}

static int
check_alarm(Backend *b, json_t *c, char *err, size_t n)
{
	return alarm_check_at(b, &alarms_alarm, c, err, n);
}
static int
check_once(Backend *b, json_t *c, char *err, size_t n)
{
	return alarm_check_at(b, &alarms_once, c, err, n);
}
static int
check_interval(Backend *b, json_t *c, char *err, size_t n)
{
	return alarm_check_at(b, &alarms_interval, c, err, n);
}

static const FeedParam alarm_params[] = {
	{ "cron", "when it fires: MIN HOUR DOM MON DOW, or SEC MIN HOUR DOM MON DOW", 1 },
	{ "timezone", "the IANA time zone the cron is read in (UTC by default)", 0 },
	{ "startDate", "no fire before this date (ISO 8601)", 0 },
	{ "stopDate", "no fire from this date on (ISO 8601)", 0 },
	{ "trigger_payload", "the object each fire carries", 0 },
	{ NULL, NULL, 0 },
};
static const FeedParam once_params[] = {
	{ "date", "when it fires (ISO 8601)", 1 },
	{ "deleteAfterFire", "false, \"rules\" (delete the trigger's rules after) or true (its rules and itself)", 0 },
	{ "trigger_payload", "the object the fire carries", 0 },
	{ NULL, NULL, 0 },
};
static const FeedParam interval_params[] = {
	{ "minutes", "the minutes between fires", 1 },
	{ "startDate", "the first fire (ISO 8601; by default one interval from now)", 0 },
	{ "stopDate", "no fire from this date on (ISO 8601)", 0 },
	{ "trigger_payload", "the object each fire carries", 0 },
	{ NULL, NULL, 0 },
};

const FeedService alarms_alarm = { .pkg = "alarms",
	                           .name = "alarm",
	                           .description = "Fire the trigger on a cron schedule.",
	                           .params = alarm_params,
	                           .check = check_alarm,
	                           .start = alarm_start,
	                           .stop = alarm_stop };
const FeedService alarms_once = { .pkg = "alarms",
	                          .name = "once",
	                          .description = "Fire the trigger once, at a date.",
	                          .params = once_params,
	                          .check = check_once,
	                          .start = alarm_start,
	                          .stop = alarm_stop };
const FeedService alarms_interval = { .pkg = "alarms",
	                              .name = "interval",
	                              .description = "Fire the trigger every few minutes.",
	                              .params = interval_params,
	                              .check = check_interval,
	                              .start = alarm_start,
	                              .stop = alarm_stop };
