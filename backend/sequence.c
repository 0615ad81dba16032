/* sequence.c — sequences: each component's result is the next one's input.
 *
 * A sequence is an action whose exec is {"kind":"sequence","components":
 * ["/ns/pkg/a", "/ns/b"]}. Running one starts its first component as an
 * activation of its own (cause = the sequence's id, causedBy "sequence");
 * when that is recorded, its result feeds the next. The first component
 * that does not succeed ends the sequence with its response. The
 * sequence's own record lists the component activation ids as its logs,
 * as OpenWhisk does (SequenceActions.scala).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fns.h"
#include "log.h"

int
sequence_is_exec(const json_t *exec)
{
	return strcmp(jstr(json_object_get(exec, "kind")), "sequence") == 0;
}

int
sequence_is(const json_t *action)
{
	return sequence_is_exec(json_object_get(action, "exec"));
}

static void
sequence_end(Activation *a, int status, json_t *result)
{
	int64_t now = now_ms();

	record_set_times(&a->rec, a->start, now);
	record_set_response(&a->rec, status, result);
	activation_record(a, NULL);
}

static int sequence_step(Activation *a, json_t *params);

static void
component_done(const ActDone *d, void *arg)
{
	Activation *a = arg;
	json_t *result = d->result;

	if (d->err) {
		sequence_end(a, RUN_WHISK_ERROR, json_pack("{s:s}", "error", d->msg));
		return;
	}
	record_log(&a->rec, json_string(d->id));
	if (d->status != RUN_SUCCESS || a->next == json_array_size(a->components)) {
		sequence_end(a, d->status, result ? json_incref(result) : json_object());
		return;
	}
	sequence_step(a, json_is_object(result) ? result : NULL); /* on failure it ends a */
}

/* Start the next component with params; on failure, end the sequence. */
static int
sequence_step(Activation *a, json_t *params)
{
	const char *path = jstr(json_array_get(a->components, a->next));
	char err[512];
	ActReq rq = { 0 };
	int status, rc;

	a->next++;
	rq.who = &a->who;
	rq.params = params;
	rq.cause = a->id;
	rq.caused_by = "sequence";
	rq.depth = a->depth + 1;
	rc = qname_parse(path, a->who.ns, &rq.target, err, sizeof err);
	if (!rc)
		rc = activation_start(a->b, &rq, component_done, a, NULL, &status, err, sizeof err);
	if (rc) {
		char msg[640];
		snprintf(msg, sizeof msg, rc == -ENOENT ? "Sequence component does not exist: %s" : "%s",
		         rc == -ENOENT ? path : err);
		sequence_end(a, rc == -ENOENT || rc == -ELOOP ? RUN_APP_ERROR : RUN_WHISK_ERROR,
		             json_pack("{s:s}", "error", msg));
	}
	return rc;
}

/* Run the sequence a with the merged parameters. 0: its end will be
 * recorded like any activation's. */
int
sequence_start(Activation *a, json_t *params)
{
	a->components = json_object_get(json_object_get(a->res.action, "exec"), "components");
	if (!json_array_size(a->components))
		return -EINVAL;
	a->start = now_ms();
	json_object_del(params, "_actions");
	if (a->depth == 0)
		record_annot(&a->rec, "topmost", json_true());
	/* The first step's failure is recorded as the sequence's result, so the
	 * caller sees an activation either way. */
	sequence_step(a, params);
	return 0;
}
