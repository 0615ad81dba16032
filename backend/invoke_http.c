/* invoke_http.c — POST .../actions/NAME: blocking and non-blocking invoke, and validate=true.
 *
 * Non-blocking: the activation starts, its 'running' record is committed,
 * then 202 {"activationId"} goes out. Blocking: the answer waits for the
 * record of the finished run, at most `timeout` ms (default and most 60 s);
 * if the wait runs out, a running record is committed and 202 answers, as
 * OpenWhisk does. A finished run answers 200 on success, 502 on an
 * application or developer error, 500 on an internal error; result=true
 * gives only the result. Every answer has x-openwhisk-activation-id.
 * invoke_wait() is that wait, shared with web actions (web.c), which
 * answer in their own way.
 *
 * validate=true on PUT (our extension): the new code is run through /init
 * alone (run_spec.params NULL) in a fresh container before it is stored;
 * a failed init answers 400 "init failed: ..." and stores nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fns.h"
#include "log.h"

typedef struct InvokeCtx {
	HttpReq *req;
	Backend *b;
	Activation *a; /* until done */
	uv_timer_t timer;
	char id[ACTID_LEN + 1];
	invoke_answer_cb answer;
	void *arg;
	int answered, done, timer_on;
} InvokeCtx;

static void
ctx_closed(uv_handle_t *h)
{
	free(h->data);
}

static void
ctx_release(InvokeCtx *c)
{
	if (c->answered != 1 || !c->done)
		return;
	if (c->timer_on) {
		uv_timer_stop(&c->timer);
		uv_close((uv_handle_t *)&c->timer, ctx_closed);
	} else {
		free(c);
	}
}

/* The activation's running record is committed: answer that it runs. */
static void
acked(int err, const char *doc, void *arg)
{
	InvokeCtx *c = arg;
	ActDone d = { .id = c->id, .running = 1 };

	(void)doc;
	if (err) {
		d.err = err;
		d.http_status = 500;
		d.msg = "The activation could not be recorded.";
	}
	c->answered = 1;
	c->answer(c->req, &d, c->arg);
	ctx_release(c);
}

static void
invoke_done(const ActDone *d, void *arg)
{
	InvokeCtx *c = arg;

	c->done = 1;
	c->a = NULL;
	if (!c->answered) {
		c->answered = 1;
		c->answer(c->req, d, c->arg);
	}
	ctx_release(c);
}

static void
wait_over(uv_timer_t *t)
{
	InvokeCtx *c = t->data;
	int rc;

	if (c->answered || c->done || !c->a)
		return;
	c->answered = -1; /* the ack answers */
	if ((rc = activation_ack(c->a, acked, c)))
		acked(rc, NULL, c);
}

/* Start rq for req and call answer once: with the finished activation, or,
 * when not blocking or after timeout_ms, with d->running once its running
 * record is committed. Nonzero (nothing started, nothing answered) with
 * *status and err when the activation cannot start. */
int
invoke_wait(Backend *b, HttpReq *req, const ActReq *rq, int blocking, int64_t timeout_ms, invoke_answer_cb answer,
            void *arg, int *status, char *err, size_t n)
{
	InvokeCtx *c = ecalloc(1, sizeof *c);
	int rc;

	c->req = req;
	c->b = b;
	c->answer = answer;
	c->arg = arg;
	if ((rc = activation_start(b, rq, invoke_done, c, &c->a, status, err, n))) {
		free(c);
		return rc;
	}
	strecpy(c->id, c->id + sizeof c->id, c->a->id);
	if (!blocking) {
		c->answered = -1; /* the ack answers; done must not */
		if ((rc = activation_ack(c->a, acked, c)))
			acked(rc, NULL, c);
		return 0;
	}
	uv_timer_init(b->loop, &c->timer);
	c->timer.data = c;
	c->timer_on = 1;
	uv_timer_start(&c->timer, wait_over,
	               timeout_ms > 0 && timeout_ms < WAIT_MAX_MS ? (uint64_t)timeout_ms : WAIT_MAX_MS, 0);
	return 0;
}

/* x-openwhisk-activation-id: ID, as a header line, into hdr. */
static void
activation_id_header(char *hdr, size_t n, const char *id)
{
	snprintf(hdr, n, "x-openwhisk-activation-id: %s\r\n", id);
}

/* The REST invoke's answer: 202 with the id, the record, or only the result. */
static void
invoke_answer(HttpReq *req, const ActDone *d, void *arg)
{
	int result_only = arg != NULL;
	int status = d->status == RUN_SUCCESS ? 200 : d->status == RUN_WHISK_ERROR ? 500 : 502;
	char hdr[96];

	if (d->err) {
		api_error(req, d->http_status, "%s", d->msg);
		return;
	}
	activation_id_header(hdr, sizeof hdr, d->id);
	if (d->running)
		api_reply(req, 202, json_pack("{s:s}", "activationId", d->id), hdr);
	else if (result_only || json_is_array(d->result))
		api_reply(req, status, json_incref(d->result), hdr);
	else /* the record as committed: no second serialisation */
		api_reply_text(req, status, d->text, strlen(d->text), hdr);
}

void
invoke_http(ApiReq *ar, const Qname *q)
{
	ActReq rq = { 0 };
	json_t *payload;
	char err[1024];
	int64_t timeout;
	int status;

	if (api_payload(ar, &payload))
		return;
	feed_user_params(ar->b, &ar->who, q, payload);
	if (query_int(ar->req, "timeout", WAIT_MAX_MS, &timeout)) {
		json_decref(payload);
		api_error(ar->req, 400, "The timeout must be a number of milliseconds.");
		return;
	}
	rq.who = &ar->who;
	rq.target = *q;
	rq.params = payload;
	if (invoke_wait(ar->b, ar->req, &rq, query_bool(ar->req, "blocking", 0), timeout, invoke_answer,
	                query_bool(ar->req, "result", 0) ? ar : NULL, &status, err, sizeof err))
		api_error(ar->req, status, "%s", err);
	json_decref(payload);
}

typedef struct ValidateCtx {
	HttpReq *req;
	Backend *b;
	json_t *doc;
	char ns[NAME_MAX_LEN + 1];
	char key[2 * NAME_MAX_LEN + 2];
	char pkg[NAME_MAX_LEN + 1];
} ValidateCtx;

static void
validated(RunResult *res, void *arg)
{
	ValidateCtx *v = arg;
	const char *msg = jstr(json_object_get(res->result, "error"));

	if (res->status == RUN_SUCCESS) {
		if (secrets_store(v->b->st, v->ns, "actions", v->key, v->pkg, v->doc))
			api_error(v->req, 500, "The store could not be written.");
		else
			api_reply(v->req, 200, json_incref(v->doc), NULL);
	} else {
		api_error(v->req, 400, "init failed: %s", msg[0] ? msg : "the action did not initialize");
	}
	json_decref(v->doc);
	free(v);
}

/* Initialise doc's code in a fresh container, then store it (or answer 400). */
void
action_validate(ApiReq *ar, const Qname *q, json_t *doc)
{
	ValidateCtx *v = ecalloc(1, sizeof *v);
	char path[PATH_MAX_LEN + 1], id[ACTID_LEN + 1];
	json_t *env, *params;
	RunSpec sp;
	int rc;

	if (!v) {
		json_decref(doc);
		api_error(ar->req, 503, "Out of memory.");
		return;
	}
	env = json_object();
	params = json_object();
	qname_path(q, path, sizeof path);
	qname_key(q, v->key, sizeof v->key);
	snprintf(v->ns, sizeof v->ns, "%s", q->ns);
	snprintf(v->pkg, sizeof v->pkg, "%s", q->pkg);
	v->req = ar->req;
	v->b = ar->b;
	v->doc = doc;
	id_new(id);
	params_layer(params, env, json_object_get(doc, "parameters"));
	json_decref(params);
	action_spec(&sp, ar->b, doc, q->ns, path, env, id);
	sp.secrets = secrets_for_validate(ar->b->st, q->ns, q->pkg, v->key, doc);
	rc = sched_submit(ar->b->sched, &sp, validated, v);
	json_decref(sp.secrets);
	json_decref(env);
	if (rc) {
		api_error(ar->req, rc == -EAGAIN ? 429 : 503, "The code could not be validated: %s", strerror(-rc));
		json_decref(doc);
		free(v);
	}
}
