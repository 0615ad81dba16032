/* conductor.c — compositions: the backend runs a conductor action's loop.
 *
 * An action with a truthy "conductor" annotation runs as a composition,
 * as OpenWhisk's controller runs one (PrimitiveActions.scala,
 * docs/conductors.md): the conductor action runs with the parameters; if
 * its result names an "action", that component runs with the result's
 * "params", and the conductor runs again on the component's result merged
 * with the "state" it returned last; a result without "action" ends the
 * composition with its "params" (or the whole result) and the conductor
 * run's status. The state is held here, in the composition's activation,
 * between steps, so any container (or domain) may run the next one.
 *
 * Each step is an activation of its own (cause = the composition's id,
 * causedBy "sequence"); the composition's record lists their ids as its
 * logs, its duration is the sum of theirs, and its limits annotation has
 * the largest memory of any. Limits: at most SEQUENCE_MAX components
 * (nested compositions share the count); past it the conductor is told
 * "Too many actions in the composition."; past 2n+1 conductor runs the
 * composition ends with that as an application error. A component name
 * that does not parse or resolve is reported to the conductor as an
 * "error" parameter; a step that cannot run at all ends the composition
 * with a whisk internal error.
 *
 * A conductor Apache OpenWhisk Composer made, with a runtime we know, is
 * not run every step: composer_fsm.c steps its composition here, a->cs
 * holding the $composer state conductor.js would have returned, and hands
 * the states that need JavaScript to the real conductor (conductor_handoff),
 * taking its state back at its next action (conductor_said). Each of
 * those stretches counts as a conductor run for the limits.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fns.h"
#include "log.h"

/* OpenWhisk's Parameters.isTruthy: false, 0, "", null and absence are not. */
int
conductor_is(const json_t *action)
{
	const json_t *ann = json_object_get(action, "annotations"), *p, *v = NULL;
	size_t i;

	json_array_foreach(ann, i, p) if (strcmp(jstr(json_object_get(p, "key")), "conductor") == 0) v =
	        json_object_get(p, "value");
	if (!v || json_is_null(v) || json_is_false(v))
		return 0;
	if (json_is_number(v))
		return json_number_value(v) != 0;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	return 1;
}

static void
conductor_end(Activation *a, int status, json_t *result)
{
	json_t *lim = json_deep_copy(json_object_get(a->res.action, "limits"));

	if (!lim)
		lim = json_object();
	json_object_set_new(lim, "memory", json_integer(a->memory));
	record_annot(&a->rec, "limits", lim);
	json_decref(lim);
	record_set_times(&a->rec, a->start, now_ms());
	a->rec.duration = a->busy;
	record_set_response(&a->rec, status, result);
	activation_record(a, NULL);
}

static json_t *
error_param(const char *fmt, const char *what)
{
	char msg[1024];

	snprintf(msg, sizeof msg, fmt, what);
	return json_pack("{s:s}", "error", msg);
}

static void step_done(const ActDone *d, void *arg);

/* Start the step target with params: the conductor itself, or a component. */
static int
step_start(Activation *a, const Qname *target, json_t *params, int conductor, char *err, size_t n)
{
	ActReq rq = { 0 };
	int status;

	rq.who = &a->who;
	rq.target = *target;
	rq.params = params;
	rq.cause = a->id;
	rq.caused_by = "sequence";
	rq.depth = a->depth + 1;
	rq.plain = conductor;
	rq.count = conductor ? NULL : a->count;
	return activation_start(a->b, &rq, step_done, a, NULL, &status, err, n);
}

/* One more run of the conductor, real or stepped here: 0, or -1 past
 * OpenWhisk's 2n+1 (then the composition has ended). */
static int
conductor_count(Activation *a)
{
	if (a->count->conductors > 2 * SEQUENCE_MAX) {
		conductor_end(a, RUN_APP_ERROR, json_pack("{s:s}", "error", "Too many actions in the composition."));
		return -1;
	}
	a->count->conductors++;
	return 0;
}

/* Run the real conductor action with payload (owned). */
static void
conductor_call(Activation *a, json_t *payload)
{
	char path[2 * PATH_MAX_LEN + 4], err[512];
	const char *name = jstr(json_object_get(a->res.action, "name"));
	Qname q;

	a->conductor = 2; /* the step that runs is the conductor */
	if (a->res.binding[0])
		snprintf(path, sizeof path, "/%s/%s", a->res.binding, name);
	else
		snprintf(path, sizeof path, "/%s", a->res.path);
	if (qname_parse(path, a->who.ns, &q, err, sizeof err) || step_start(a, &q, payload, 1, err, sizeof err))
		conductor_end(a, RUN_WHISK_ERROR,
		              json_pack("{s:s}", "error", "Activation failure during composition."));
	json_decref(payload);
}

/* Run the conductor on payload merged with the state (payload: owned). */
static void
conductor_run(Activation *a, json_t *payload)
{
	if (conductor_count(a)) {
		json_decref(payload);
		return;
	}
	if (a->state)
		json_object_update(payload, a->state);
	conductor_call(a, payload);
}

static void component_run(Activation *a, const json_t *next, json_t *params);
static json_t *boxed(json_t *v, const char *key);

/* A state only the real conductor can run (composer_fsm.c): it gets the
 * parameters with the $composer state it would have returned itself,
 * without "resuming", since they were inspected here already. */
static void
conductor_handoff(Activation *a, json_t *params)
{
	json_t *cs = a->cs;

	a->cs = NULL; /* the real conductor has it, until conductor_said */
	json_object_del(cs, "resuming");
	json_object_set_new(params, "$composer", cs);
	conductor_call(a, params);
}

/* Step a Composer composition here, from a->cs, with payload (owned): the
 * parameters, or a component's result with what conductor.js does to it
 * (the state's $composer merged in and taken out, numbers through JSON). */
static void
composer_run(Activation *a, json_t *payload, int resuming)
{
	FsmOut o;

	if (conductor_count(a)) {
		json_decref(payload);
		return;
	}
	json_object_del(payload, "$composer");
	composer_numbers(payload);
	switch (composer_step(a->fsm, a->cs, payload, resuming, &o)) {
	case FSM_ACTION:
		component_run(a, o.name, boxed(o.params, "value"));
		json_decref(o.params);
		json_decref(o.name);
		break;
	case FSM_HANDOFF: conductor_handoff(a, o.params); break;
	default: conductor_end(a, o.status, o.result);
	}
}

/* After a component (or one that could not run), with payload (owned). */
static void
resume(Activation *a, json_t *payload)
{
	if (a->cs)
		composer_run(a, payload, json_is_true(json_object_get(a->cs, "resuming")));
	else
		conductor_run(a, payload);
}

/* What the conductor is told when the component next names cannot run. */
static json_t *
component_error(int rc, const json_t *next, const Qname *q)
{
	char fqn[PATH_MAX_LEN + 2], *text;
	json_t *e;

	if (rc == -EINVAL) {
		text = json_dumps(next, JSON_COMPACT | JSON_ENCODE_ANY);
		e = error_param("Failed to parse action name from json value %s during composition.",
		                text ? text : "null");
		free(text);
		return e;
	}
	snprintf(fqn, sizeof fqn, "%s%s%s/%s", q->ns, q->pkg[0] ? "/" : "", q->pkg, q->name);
	if (rc == -ENOENT)
		return error_param("Failed to resolve action with name '%s' during composition.", fqn);
	if (rc == -EACCES || rc == -EPERM)
		return error_param("Failed entitlement check for action with name '%s' during composition.", fqn);
	return NULL;
}

/* Run the component next names with params (owned, or NULL for {}). */
static void
component_run(Activation *a, const json_t *next, json_t *params)
{
	char err[512];
	json_t *e;
	Qname q;
	int rc = -EINVAL;

	if (json_is_string(next))
		rc = qname_parse(json_string_value(next), a->who.ns, &q, err, sizeof err) ? -EINVAL : 0;
	if (!rc && a->count->components >= SEQUENCE_MAX) {
		json_decref(params);
		resume(a, json_pack("{s:s}", "error", "Too many actions in the composition."));
		return;
	}
	a->conductor = 1;
	if (!rc)
		rc = step_start(a, &q, params ? params : (params = json_object()), 0, err, sizeof err);
	json_decref(params);
	if (!rc)
		return;
	if ((e = component_error(rc, next, &q)))
		resume(a, e);
	else
		conductor_end(a, RUN_WHISK_ERROR,
		              json_pack("{s:s}", "error", "Activation failure during composition."));
}

/* A value that is not an object, boxed under key as OpenWhisk does. */
static json_t *
boxed(json_t *v, const char *key)
{
	if (!v)
		return NULL;
	return json_is_object(v) ? json_incref(v) : json_pack("{s:O}", key, v);
}

static void
conductor_said(Activation *a, const ActDone *d)
{
	json_t *res = json_is_object(d->result) ? d->result : NULL;
	json_t *params = boxed(json_object_get(res, "params"), "value");
	json_t *next = json_object_get(res, "action");

	json_decref(a->state);
	a->state = boxed(json_object_get(res, "state"), "state");
	if (!next) {
		conductor_end(a, d->status, params ? params : res ? json_incref(res) : json_object());
		return;
	}
	if (a->fsm && (a->cs = composer_adopt(a->state))) { /* stepped here again */
		json_decref(a->state);
		a->state = NULL;
	}
	component_run(a, next, params);
}

static void
step_done(const ActDone *d, void *arg)
{
	Activation *a = arg;

	if (d->err) {
		conductor_end(a, RUN_WHISK_ERROR,
		              json_pack("{s:s}", "error", "Activation failure during composition."));
		return;
	}
	record_log(&a->rec, json_string(d->id));
	a->busy += d->duration;
	if (d->memory > a->memory)
		a->memory = d->memory;
	if (a->conductor == 2)
		conductor_said(a, d);
	else
		resume(a, json_is_object(d->result) ? json_deep_copy(d->result) : json_object());
}

/* Run the composition a with the merged parameters; count: the enclosing
 * composition's, or NULL. 0: its end will be recorded like any
 * activation's (a step that cannot start is recorded as its result). */
int
conductor_start(Activation *a, json_t *params, CompCount *count)
{
	a->count = count ? count : &a->own;
	a->start = now_ms();
	a->memory = (int)json_integer_value(json_object_get(json_object_get(a->res.action, "limits"), "memory"));
	if (!a->rec.cause)
		record_annot(&a->rec, "topmost", json_true());
	a->fsm = composer_fsm(a->b, a->res.action);
	if (a->fsm && !json_object_get(params, "$composer")) { /* as conductor.js starts */
		a->cs = json_pack("{s:i, s:[], s:s, s:b}", "state", 0, "stack", "session", a->id, "resuming", 1);
		composer_run(a, json_deep_copy(params), 0);
	} else
		conductor_run(a, json_deep_copy(params));
	return 0;
}

void
conductor_clear(Activation *a)
{
	json_decref(a->cs);
	a->cs = NULL;
	composer_release(a->fsm);
	a->fsm = NULL;
}
