/* invoke.c — one activation's life: accepted, run by the scheduler, recorded.
 *
 * activation_start() resolves the action, builds the record's skeleton and
 * hands a run_spec to the scheduler (or, for a sequence, to sequence.c; for
 * a composition, to conductor.c).
 * When the run ends, the record is completed and queued for the store's
 * next batch commit; only when that commit is done is the caller's
 * act_done_cb called, so whatever it answers is already durable.
 *
 * activation_ack() is for callers that acknowledge before the end
 * (non-blocking invoke, a blocking invoke whose wait ran out, trigger
 * rules): it queues the skeleton as a 'running' record and calls back once
 * that is committed. The final record is queued later in the same FIFO, so
 * it always replaces the running one, never the other way round.
 *
 *   api (invoke, fire, sequence) --activation_start--> sched_submit
 *        ^                                                 | run_done
 *        +---- act_done_cb <-- store commit <-- record_finish
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fns.h"
#include "log.h"

/* Freed activations are kept for the next ones (up to SPARE_MAX): one is
 * over 2 KB, and an allocation that large makes glibc's malloc consolidate
 * all its small free chunks first, which cost more than the rest of
 * activation_start. */
enum { SPARE_MAX = 64 };

static Activation *
activation_new(Backend *b)
{
	Activation *a = b->spare;

	if (!a)
		return ecalloc(1, sizeof *a);
	b->spare = a->spare_next;
	b->nspare--;
	memset(a, 0, sizeof *a);
	return a;
}

static void
activation_free(Activation *a)
{
	Backend *b = a->b;

	fnkey_drop(a);
	live_unregister(a);
	resolved_free(&a->res);
	record_clear(&a->rec);
	json_decref(a->state);
	conductor_clear(a);
	if (!b || b->nspare >= SPARE_MAX) {
		free(a);
		return;
	}
	a->spare_next = b->spare;
	b->spare = a;
	b->nspare++;
}

/* At exit: the kept activations. */
void
activation_spares_free(Backend *b)
{
	while (b->spare) {
		Activation *a = b->spare;
		b->spare = a->spare_next;
		free(a);
	}
	b->nspare = 0;
}

static void
final_committed(int err, const char *doc, void *arg)
{
	Activation *a = arg;
	Backend *b = a->b;
	ActDone d = { 0 };

	d.id = a->id;
	d.result = a->rec.result;
	d.text = doc;
	d.status = a->rec.status;
	d.duration = a->rec.duration >= 0 ? a->rec.duration : a->rec.end > a->rec.start ? a->rec.end - a->rec.start : 0;
	d.memory =
	        a->conductor
	                ? a->memory
	                : (int)json_integer_value(json_object_get(json_object_get(a->res.action, "limits"), "memory"));
	if (err) {
		d.err = err;
		d.http_status = 500;
		d.msg = "The activation could not be recorded.";
	}
	b->inflight--;
	if (a->counted)
		quota_release(b, a->who.ns);
	live_end(a);
	if (a->done)
		a->done(&d, a->arg);
	activation_free(a);
	if (b->inflight == 0) /* after the answer: work made ahead may start */
		sched_quiet(b->sched);
}

/* The name the activation is listed by: its path inside the namespace. */
static const char *
list_name(const Activation *a)
{
	const char *slash = strchr(a->res.path, '/');
	return slash ? slash + 1 : a->rec.name;
}

/* The record as it stands, to be committed with status (-1: running):
 * 0, or -EINVAL when its logs or result cannot be written as JSON. */
static int
activation_queue(Activation *a, int64_t end, int status, store_commit_cb cb, void *arg)
{
	ActRow r = { a->id,  a->who.ns,   list_name(a),   a->rec.start,        end,
		     status, a->res.path, a->rec.version, record_text(&a->rec) };

	if (r.doc == NULL)
		return -EINVAL;
	store_act_queue(a->b->st, &r, cb, arg);
	return 0;
}

/* Record the finished activation; the done callback follows the commit.
 * startup: how its container was found, for /metrics (NULL: no run). */
void
activation_record(Activation *a, const char *startup)
{
	int rc;

	metrics_activation(a->b->met, a->res.path, a->rec.status, a->rec.end - a->rec.start, startup);
	a->recorded = 1;
	if ((rc = activation_queue(a, a->rec.end, a->rec.status, final_committed, a)))
		final_committed(rc, NULL, a);
}

static void
run_done(RunResult *res, void *arg)
{
	Activation *a = arg;

	fnkey_drop(a);
	if (res->held_until) /* its container is kept for inspection (api_debug.c) */
		record_annot_int(&a->rec, "heldUntil", res->held_until);
	record_finish(&a->rec, res);
	activation_record(a, res->start);
}

static json_t *
annotations_object(const json_t *arr)
{
	json_t *o = json_object(), *p;
	size_t i;

	json_array_foreach(arr, i, p) if (json_is_string(json_object_get(p, "key")))
	        json_object_set(o, jstr(json_object_get(p, "key")), json_object_get(p, "value"));
	return o;
}

/* The run_spec of an action entity, without parameters (validate only). */
void
action_spec(RunSpec *sp, Backend *b, const json_t *action, const char *ns, const char *path, json_t *init_env,
            const char *id)
{
	json_t *exec = json_object_get(action, "exec");

	memset(sp, 0, sizeof *sp);
	sp->ns = ns;
	sp->path = path;
	sp->name = jstr(json_object_get(action, "name"));
	sp->version = jstr(json_object_get(action, "version"));
	sp->kind = kind_canonical(jstr(json_object_get(exec, "kind"))); /* the family's: python:3.11 runs as python:3 */
	if (!sp->kind)
		sp->kind = jstr(json_object_get(exec, "kind"));
	sp->main = json_string_value(json_object_get(exec, "main"));
	sp->code = jstr(json_object_get(exec, "code"));
	sp->code_len = json_string_length(json_object_get(exec, "code"));
	sp->binary = json_is_true(json_object_get(exec, "binary"));
	sp->init_env = init_env;
	limits_to_run(json_object_get(action, "limits"), &sp->limits);
	sp->activation_id = id;
	sp->api_host = b->api_host;
}

/* A new action (not a sequence) is likely to run soon: the
 * scheduler keeps a stem cell ready for its first run (sched_expect). */
void
action_expect(Backend *b, const json_t *action)
{
	const char *kind = kind_canonical(jstr(json_object_get(json_object_get(action, "exec"), "kind")));
	json_t *ann;

	if (!kind || strcmp(kind, "sequence") == 0)
		return;
	ann = annotations_object(json_object_get(action, "annotations"));
	sched_expect(b->sched, kind, ann);
	json_decref(ann);
}

/* Hand the action to the scheduler with the merged parameters. */
static int
activation_submit(Activation *a, json_t *params)
{
	json_t *ann = annotations_object(json_object_get(a->res.action, "annotations"));
	RunSpec sp;
	int rc;

	action_spec(&sp, a->b, a->res.action, a->who.ns, a->res.path, a->res.init_env, a->id);
	sp.annotations = ann;
	sp.params = params;
	if (json_is_true(json_object_get(ann, "provide-api-key"))) {
		fnkey_make(a, ann);
		sp.api_key = a->key;
	}
	sp.secrets = a->res.secrets;
	sp.sectag = a->res.sectag;
	sp.line_cb = live_line;
	rc = sched_submit(a->b->sched, &sp, run_done, a);
	if (rc)
		fnkey_drop(a);
	json_decref(ann);
	return rc;
}

/* A composition's record is a sequence's with "conductor": true, its
 * limits added at its end (conductor.c). */
static void
skeleton(Activation *a, const char *cause, const char *caused_by)
{
	json_t *act = a->res.action;
	const char *kind = a->conductor ? "sequence" : jstr(json_object_get(json_object_get(act, "exec"), "kind"));
	Record *r = &a->rec;

	record_init(r, a->who.ns, jstr(json_object_get(act, "name")), jstr(json_object_get(act, "version")), a->id,
	            cause);
	record_annot_str(r, "path", a->res.path);
	record_annot_str(r, "kind", kind);
	if (a->conductor)
		record_annot(r, "conductor", json_true());
	else if (strcmp(kind, "sequence"))
		record_annot(r, "limits", json_object_get(act, "limits"));
	if (caused_by)
		record_annot_str(r, "causedBy", caused_by);
	if (a->res.binding[0])
		record_annot_str(r, "binding", a->res.binding);
	if (a->res.secinfo && !a->conductor)
		record_annot(r, "secrets", a->res.secinfo); /* names and the versions that set them */
}

int
activation_start(Backend *b, const ActReq *rq, act_done_cb done, void *arg, Activation **out, int *status, char *err,
                 size_t n)
{
	Activation *a = activation_new(b);
	json_t *params;
	int rc;

	if (rq->depth > SEQUENCE_MAX) {
		free(a);
		return *status = 400, snprintf(err, n, "Too many actions in the sequence."), -ELOOP;
	}
	if (rq->res) { /* the caller resolved it already (a web action): take it over */
		a->res = *rq->res;
		memset(rq->res, 0, sizeof *rq->res);
	} else if ((rc = action_resolve(b, rq->who, &rq->target, &a->res, status, err, n))) {
		free(a);
		return rc;
	}
	if (rq->depth == 0 && quota_invoke(b, rq->who->ns, err, n)) { /* a step is its invocation's */
		activation_free(a);
		return *status = 429, -EAGAIN;
	}
	a->counted = rq->depth == 0;
	a->b = b;
	a->who = *rq->who;
	a->done = done;
	a->arg = arg;
	a->depth = rq->depth;
	a->conductor = !rq->plain && !sequence_is(a->res.action) && conductor_is(a->res.action);
	id_new(a->id);
	live_register(a);
	if (rq->cause)
		snprintf(a->cause, sizeof a->cause, "%s", rq->cause);
	skeleton(a, rq->cause ? a->cause : NULL, rq->caused_by);
	params = json_incref(a->res.params); /* ours alone (resolve made it); the payload only adds keys */
	if (rq->params)
		params_payload(params, rq->params);
	if (a->conductor)
		rc = conductor_start(a, params, rq->count);
	else if (sequence_is(a->res.action))
		rc = sequence_start(a, params);
	else
		rc = activation_submit(a, params);
	json_decref(params);
	if (rc) {
		*status = rc == -EAGAIN ? 429 : rc == -EINVAL ? 400 : 503;
		snprintf(err, n, "%s",
		         rc == -EAGAIN   ? "Too many requests: the action's queue is full."
		         : rc == -EINVAL ? "The action cannot run: its kind or code is not valid."
		                         : "The scheduler could not take the activation.");
		if (a->counted)
			quota_release(b, a->who.ns);
		activation_free(a);
		return rc;
	}
	b->inflight++;
	if (rq->count && !a->conductor)
		rq->count->components++;
	if (out)
		*out = a;
	return 0;
}

/* Commit a 'running' record for a before acknowledging it; cb follows.
 * If the final record is already queued (a sequence whose first step
 * failed at once), a running one queued after it would replace it: then
 * only wait for that commit. */
int
activation_ack(Activation *a, store_commit_cb cb, void *arg)
{
	if (a->recorded)
		return store_act_barrier(a->b->st, cb, arg);
	a->acked = 1;
	return activation_queue(a, 0, -1, cb, arg);
}
