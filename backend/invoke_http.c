/* invoke_http.c — POST .../actions/NAME: blocking and non-blocking invoke, and validate=true.
 *
 * Non-blocking: the activation starts, its 'running' record is committed,
 * then 202 {"activationId"} goes out. Blocking: the answer waits for the
 * record of the finished run, at most `timeout` ms (default and most 60 s);
 * if the wait runs out, a running record is committed and 202 answers, as
 * OpenWhisk does. A finished run answers 200 on success, 502 on an
 * application or developer error, 500 on an internal error; result=true
 * gives only the result. Every answer has x-openwhisk-activation-id.
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

typedef struct invoke_ctx {
	http_req *req;
	backend *b;
	activation *a;         /* until done */
	uv_timer_t timer;
	char id[ACTID_LEN + 1];
	int blocking, result_only;
	int answered, done, timer_on;
} invoke_ctx;

static void ctx_closed(uv_handle_t *h) { free(h->data); }

static void ctx_release(invoke_ctx *c)
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

/* Answer with body (stolen), or with text when body is NULL. */
static void reply_with_id(invoke_ctx *c, int status, json_t *body, const char *text)
{
	char hdr[96], *e = hdr + sizeof hdr, *p;

	p = strecpy(hdr, e, "x-openwhisk-activation-id: ");
	p = strecpy(p, e, c->id);
	strecpy(p, e, "\r\n");
	if (body)
		api_reply(c->req, status, body, hdr);
	else
		api_reply_text(c->req, status, text, strlen(text), hdr);
	c->answered = 1;
}

static void acked(int err, const char *doc, void *arg)
{
	invoke_ctx *c = arg;

	(void)doc;
	if (err) {
		api_error(c->req, 500, "The activation could not be recorded.");
		c->answered = 1;
	} else {
		reply_with_id(c, 202, json_pack("{s:s}", "activationId", c->id), NULL);
	}
	ctx_release(c);
}

static void invoke_done(const act_done *d, void *arg)
{
	invoke_ctx *c = arg;
	json_t *result = d->result;
	int status = d->status == RUN_SUCCESS ? 200 : d->status == RUN_WHISK_ERROR ? 500 : 502;

	c->done = 1;
	c->a = NULL;
	if (!c->answered) {
		if (d->err)
			api_error(c->req, d->http_status, "%s", d->msg), c->answered = 1;
		else if (c->result_only || json_is_array(result))
			reply_with_id(c, status, json_incref(result), NULL);
		else /* the record as committed: no second serialisation */
			reply_with_id(c, status, NULL, d->text);
	}
	ctx_release(c);
}

static void wait_over(uv_timer_t *t)
{
	invoke_ctx *c = t->data;

	if (c->answered || c->done || !c->a)
		return;
	c->answered = -1; /* the ack answers */
	if (activation_ack(c->a, acked, c))
		acked(-ENOMEM, NULL, c);
}

void invoke_http(api_req *ar, const qname *q)
{
	invoke_ctx *c;
	act_req rq = {0};
	json_t *payload;
	char err[1024];
	int64_t timeout;
	int status;

	if (api_payload(ar, &payload))
		return;
	if (query_int(ar->req, "timeout", WAIT_MAX_MS, &timeout)) {
		json_decref(payload);
		return api_error(ar->req, 400, "The timeout must be a number of milliseconds.");
	}
	if (!(c = calloc(1, sizeof *c))) {
		json_decref(payload);
		return api_error(ar->req, 503, "Out of memory.");
	}
	c->req = ar->req;
	c->b = ar->b;
	c->blocking = query_bool(ar->req, "blocking", 0);
	c->result_only = query_bool(ar->req, "result", 0);
	rq.who = &ar->who;
	rq.target = *q;
	rq.params = payload;
	if (activation_start(ar->b, &rq, invoke_done, c, &c->a, &status, err, sizeof err)) {
		json_decref(payload);
		free(c);
		return api_error(ar->req, status, "%s", err);
	}
	json_decref(payload);
	strecpy(c->id, c->id + sizeof c->id, c->a->id);
	if (!c->blocking) {
		c->answered = -1; /* the ack answers; done must not */
		if (activation_ack(c->a, acked, c))
			acked(-ENOMEM, NULL, c);
		return;
	}
	uv_timer_init(ar->b->loop, &c->timer);
	c->timer.data = c;
	c->timer_on = 1;
	uv_timer_start(&c->timer, wait_over, timeout > 0 && timeout < WAIT_MAX_MS ? (uint64_t)timeout : WAIT_MAX_MS, 0);
}

typedef struct validate_ctx {
	http_req *req;
	backend *b;
	json_t *doc;
	char ns[NAME_MAX_LEN + 1];
	char key[2 * NAME_MAX_LEN + 2];
	char pkg[NAME_MAX_LEN + 1];
} validate_ctx;

static void validated(run_result *res, void *arg)
{
	validate_ctx *v = arg;
	const char *msg = jstr(json_object_get(res->result, "error"));

	if (res->status == RUN_SUCCESS) {
		if (store_entity_put(v->b->st, v->ns, "actions", v->key, v->pkg, v->doc))
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
void action_validate(api_req *ar, const qname *q, json_t *doc)
{
	validate_ctx *v = calloc(1, sizeof *v);
	char path[PATH_MAX_LEN + 1], id[ACTID_LEN + 1];
	json_t *env, *params;
	run_spec sp;
	int rc;

	if (!v) {
		json_decref(doc);
		return api_error(ar->req, 503, "Out of memory.");
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
	rc = sched_submit(ar->b->sched, &sp, validated, v);
	json_decref(env);
	if (rc) {
		api_error(ar->req, rc == -EAGAIN ? 429 : 503, "The code could not be validated: %s", strerror(-rc));
		json_decref(doc);
		free(v);
	}
}
