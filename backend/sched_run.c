/* sched_run.c — one activation's life in a container: /init when needed, /run, the verdict, the limits.
 *
 * The run_result given to done_cb belongs to the scheduler: it is valid
 * during the callback, and result and logs are freed after it (json_incref
 * what you keep).
 *
 * Verdicts follow OpenWhisk: a 200 answer is a success, or an application
 * error when the result has an "error" field; anything else is a developer
 * error with the proxy's message, or ours when the proxy could not say
 * (timeout, out of memory, crash, an answer over the size limit). A
 * developer error retires the container, as OpenWhisk's invoker does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "js.h"
#include "log.h"
#include "pool.h"
#include "mem.h"

static void
timer_freed(uv_handle_t *h)
{
	free(h->data);
}

void
run_free(Run *r)
{
	json_decref(r->res.result);
	json_decref(r->res.logs);
	free(r->value);
	free(r->tail);
	if (r->timer_on)
		uv_close((uv_handle_t *)&r->timer, timer_freed);
	else
		free(r);
}

void
run_finish(Run *r)
{
	if (r->done) {
		TAILQ_REMOVE(&r->s->done, r, link);
		r->done = 0;
	}
	if (!r->res.result)
		r->res.result = json_object();
	if (!r->res.logs)
		r->res.logs = json_array();
	if (!r->res.end_ms)
		r->res.end_ms = sched_now_ms();
	if (!r->res.start_ms)
		r->res.start_ms = r->res.end_ms;
	if (r->cb && !r->s->closing)
		r->cb(&r->res, r->arg);
	run_free(r);
}

void
run_fail(Run *r, enum run_status st, const char *msg)
{
	if (r->queued)
		queue_remove(r->p, r);
	r->res.status = st;
	json_decref(r->res.result);
	r->res.result = json_pack("{s:s}", "error", msg);
	run_finish(r);
}

/* ---- /init ---- */

/* The "error" of a proxy's JSON answer, else its text. */
static void
answer_error(const char *body, size_t len, char *out, size_t olen)
{
	json_t *j = json_loadb(body, len, JSON_ALLOW_NUL, NULL);
	json_t *e = json_object_get(j, "error");

	if (json_is_string(e))
		snprintf(out, olen, "%s", json_string_value(e));
	else if (e)
		snprintf(out, olen, "%.*s", (int)(len < olen ? len : olen - 1), body);
	else
		snprintf(out, olen, "%.*s", (int)(len < olen ? len : olen - 1), body);
	json_decref(j);
}

static void
init_timeout_cb(uv_timer_t *t)
{
	Container *c = t->data;

	log_warn("sched: %s: /init overstayed its time; killing the container", c->name);
	c->init_timed_out = 1;
	container_retire(c);
}

static void
init_reply(Container *c, DomainReply *rep, void *arg)
{
	char msg[2048];
	int ok = rep->err == 0 && rep->status == 200;

	(void)arg;
	uv_timer_stop(&c->idle);
	if (ok)
		msg[0] = '\0';
	else if (rep->err == 0)
		answer_error(rep->body, rep->len, msg, sizeof msg);
	else if (c->init_timed_out)
		snprintf(msg, sizeof msg,
		         "The action exceeded its time limits of %d milliseconds during initialization.",
		         c->pool->lim.timeout_ms);
	else if (c->ops->oom(c))
		snprintf(msg, sizeof msg, "The action exhausted its memory limit of %d MB and was aborted.",
		         c->pool->lim.memory_mb);
	else
		snprintf(msg, sizeof msg, "The action's container went away during initialization.");
	pool_init_done(c, ok, msg);
}

void
container_init(Container *c)
{
	Pool *p = c->pool;
	char *body;
	int rc;

	c->state = C_INIT;
	c->init_start_ms = sched_now_ms();
	c->init_start_ns = uv_hrtime();
	body = emalloc(p->init_len + 1);
	memcpy(body, p->init_body, p->init_len + 1);
	uv_timer_start(&c->idle, init_timeout_cb, (uint64_t)p->lim.timeout_ms + KILL_GRACE_MS, 0);
	if ((rc = c->ops->call(c, "/init", body, p->init_len, -1, init_reply, NULL)) < 0) {
		uv_timer_stop(&c->idle);
		pool_init_done(c, 0, "The action's container could not be reached.");
	}
}

static int
pool_has_ready(Pool *p)
{
	Container *c;

	LIST_FOREACH(c, &p->conts, link)
		if (c->state == C_READY)
			return 1;
	return 0;
}

/* A moving average: the last value weighs a quarter. */
static int64_t
average(int64_t avg, int64_t v)
{
	return avg ? (avg * 3 + v) / 4 : v ? v : 1;
}

/* What a start took, for the schedulers' estimates (sched_policy.c). */
static void
start_took(Container *c, int64_t now)
{
	Sched *s = c->s;

	if (c->origin && strcmp(c->origin, "stemcell") == 0 && !c->starting) {
		s->stem_ms = (int)average(s->stem_ms, c->init_ms);
		return;
	}
	c->pool->start_ms = (int)average(c->pool->start_ms, now - c->born_ms);
	s->start_ms = (int)average(s->start_ms, now - c->born_ms);
}

void
pool_init_done(Container *c, int ok, const char *error)
{
	Pool *p = c->pool;
	Sched *s = c->s;
	int64_t now = sched_now_ms();
	Run *r;

	c->init_ms = (int)((uv_hrtime() - c->init_start_ns + 999999) / 1000000); /* a zygote's can take under 1 ms */
	if (c->incoming)
		p->incoming -= c->conc;
	c->incoming = 0;
	if (c->state == C_STOPPING)
		ok = 0;
	if (ok)
		start_took(c, now);
	start_end(c);
	if (ok) {
		p->start_fails = 0;
		c->state = C_READY;
		c->fresh = 1;
		stem_kind_add(s, p->di, p->kind);
		pool_pump(p);
		c->fresh = 0;
		container_idle(c);
		stem_fill_quiet(s); /* replaces a stem cell this may have taken, after the run's answer */
		return;
	}
	log_info("sched: %s: init of %s failed: %s", c->name, p->path, error);
	container_retire(c);
	if (pool_has_ready(p)) {
		pool_pump(p);
		return;
	}
	while ((r = TAILQ_FIRST(&p->queue))) { /* the same code would fail again */
		r->res.start = c->origin;
		r->res.init_ms = c->init_ms;
		r->res.start_ms = c->init_start_ms;
		r->res.wait_ms = (int)(c->init_start_ms - r->submit_ms);
		run_fail(r, RUN_DEV_ERROR, error);
	}
}

/* ---- /run ---- */

static void
kill_cb(uv_timer_t *t)
{
	Run *r = t->data;

	r->res.timed_out = 1;
	log_info("sched: %s: activation %s overstayed its deadline; killing the container", r->c ? r->c->name : "?",
	         r->p ? r->p->path : "?");
	if (r->c)
		container_retire(r->c);
}

/* Judge the proxy's answer; 1 when the container must go. */
static int
run_verdict(Run *r, Container *c, DomainReply *rep)
{
	char msg[2048], why[256];
	json_t *j = NULL;

	if (!r->res.timed_out && rep->err == 0 && rep->status != 200 && sched_now_ms() >= r->deadline)
		r->res.timed_out = 1;
	if (r->res.timed_out)
		snprintf(msg, sizeof msg, "The action exceeded its time limits of %d milliseconds.", r->timeout_ms);
	else if (rep->err == -EFBIG)
		snprintf(msg, sizeof msg, "The action produced a response that exceeded the allowed length.");
	else if ((rep->err || rep->status != 200) && c->ops->oom(c))
		snprintf(msg, sizeof msg, "The action exhausted its memory limit of %d MB and was aborted.",
		         c->pool->lim.memory_mb);
	else if (rep->err)
		snprintf(msg, sizeof msg, "The action did not produce a valid response and exited unexpectedly.");
	else if (rep->status != 200)
		answer_error(rep->body, rep->len, msg, sizeof msg);
	else if (!(j = js_read(rep->body, rep->len, 0, why, sizeof why)))
		/* the proxy passed it as JSON: what jansson cannot hold, such as 2**64 */
		snprintf(msg, sizeof msg, "The action's result cannot be carried: %s.", why);
	else if (!(json_is_object(j) || json_is_array(j))) {
		json_decref(j);
		snprintf(msg, sizeof msg, "The action did not return a dictionary.");
	} else {
		r->res.status = json_is_object(j) && json_object_get(j, "error") ? RUN_APP_ERROR : RUN_SUCCESS;
		r->res.result = j;
		return 0;
	}
	r->res.status = RUN_DEV_ERROR;
	r->res.result = json_pack("{s:s}", "error", msg);
	return 1;
}

static void
run_reply(Container *c, DomainReply *rep, void *arg)
{
	Run *r = arg;
	Pool *p = c->pool;
	Pool *q;
	int retire;

	uv_timer_stop(&r->timer);
	r->res.end_ms = sched_now_ms();
	run_took(p, (int64_t)((uv_hrtime() - r->sent_ns) / 1000));
	r->res.logs = rep->logs ? json_incref(rep->logs) : json_array();
	retire = run_verdict(r, c, rep);
	c->inflight--;
	r->c = NULL;
	if (r->res.status != RUN_SUCCESS && !rep->err && !r->res.timed_out && p->debug_ms &&
	    container_hold(c, r->act_id) == 0) {
		r->res.held_until = c->held_until; /* and no more runs (sched_hold.c) */
	} else if (retire) {
		container_retire(c);
	} else if (c->inflight == 0 && p->ncont > 1 && !c->ops->remote && p->sch->evictable(c) &&
	           (q = pool_starved(c->s, p))) {
		/* an action without a container waits for room while this one
		 * holds several: give this one up to it before serving our backlog */
		c->s->evictions++;
		container_retire(c);
		pool_relieve(q);
	}
	pool_pump(p);
	if (c->state == C_READY)
		container_idle(c);
	run_finish(r);
}

/* The /run body: {"value":PARAMS,"deadline":"MS", then the tail's
 * members. Appended, not formatted: the parameters may be large, and
 * vsnprintf's %s cost more than the appends even for small ones. */
static char *
run_body(Run *r, size_t *len)
{
	Buf b = { 0 };

	buf_reserve(&b, strlen(r->value) + strlen(r->tail) + 48);
	buf_str(&b, "{\"value\":");
	buf_str(&b, r->value);
	buf_str(&b, ",\"deadline\":\"");
	js_append_int(&b, r->deadline);
	buf_str(&b, "\",");
	buf_str(&b, r->tail + 1);
	*len = b.n;
	return b.p;
}

static void
run_counts(Run *r, Container *c)
{
	Sched *s = c->s;
	int64_t now = sched_now_ms();

	r->res.domain = c->ops->name;
	if (c->fresh) {
		r->res.start = c->origin;
		r->res.init_ms = c->init_ms;
		r->res.start_ms = c->init_start_ms;
	} else {
		r->res.start = "warm";
		r->res.start_ms = now;
	}
	r->res.wait_ms = r->res.start_ms > r->submit_ms ? (int)(r->res.start_ms - r->submit_ms) : 0;
	if (r->res.start[0] == 'c')
		s->starts_cold++;
	else if (r->res.start[0] == 's')
		s->starts_stem++;
	else
		s->starts_warm++;
}

static void
run_later(Run *r)
{
	Sched *s = r->s;

	TAILQ_INSERT_HEAD(&s->done, r, link);
	r->done = 1;
	uv_idle_start(&s->done_idle, sched_done_idle_cb);
}

void
run_fail_later(Run *r, enum run_status st, const char *msg)
{
	r->res.status = st;
	json_decref(r->res.result);
	r->res.result = json_pack("{s:s}", "error", msg);
	run_later(r);
}

void
run_log_line(void *run_arg, const json_t *line)
{
	Run *r = run_arg;

	if (r && r->line_cb)
		r->line_cb(line, r->arg);
}

void
run_dispatch(Run *r, Container *c)
{
	int64_t now = sched_now_ms();
	long logs_limit = (long)c->pool->lim.logs_kb * 1024;
	size_t len;
	char *body;

	uv_timer_stop(&c->idle);
	run_counts(r, c);
	r->sent_ms = now;
	r->sent_ns = uv_hrtime();
	if (!r->value) { /* validate only: the container is initialised */
		r->res.status = RUN_SUCCESS;
		r->res.result = json_pack("{s:b}", "ok", 1);
		run_later(r);
		container_idle(c);
		return;
	}
	r->deadline = r->deadline_ms ? r->deadline_ms : now + r->timeout_ms;
	if (!(body = run_body(r, &len))) {
		run_fail_later(r, RUN_WHISK_ERROR, "The scheduler ran out of memory.");
		container_idle(c);
		return;
	}
	c->inflight++;
	r->c = c;
	uv_timer_init(c->s->loop, &r->timer);
	r->timer.data = r;
	r->timer_on = 1;
	uv_timer_start(&r->timer, kill_cb, (uint64_t)(r->deadline > now ? r->deadline - now : 0) + KILL_GRACE_MS, 0);
	if (c->ops->call(c, "/run", body, len, logs_limit, run_reply, r) < 0) {
		uv_timer_stop(&r->timer);
		c->inflight--;
		r->c = NULL;
		container_retire(c);
		run_fail_later(r, RUN_WHISK_ERROR, "The action's container could not be reached.");
	}
}
