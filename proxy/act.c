/* act.c — activations: queued, handed to the action's process, answered.
 *
 * Every run (POST /run, or a run carried by POST /) becomes an Act. Acts
 * wait in px->queue until a slot is free: the action takes
 * action->limit activations at once (1 unless concurrency is allowed), and
 * an action loop must have a process that is ready. act_dispatch() moves
 * acts from the queue to the process (proc_send) or to processes of their
 * own (once_start); it runs whenever a slot may have opened: a new act, an
 * answer, a process that became ready.
 *
 * An act is answered exactly once, by act_result (the function's answer) or
 * act_fail, and both end the activation's logs with the sentinels before the
 * HTTP answer goes out. A deadline that has passed while an act waited in
 * the queue fails it at dispatch, and so does a caller that went away (the
 * run is not started for nobody); a deadline passing while it runs is the
 * process owner's business (proc.c, once.c kill the process).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"
#include "num.h"

static void
act_free(Act *a)
{
	idtab_del(&a->px->ids, a);
	json_decref(a->run);
	free(a->text);
	free(a);
}

static const char NOMEM[] = "{\"error\":\"out of memory\"}";

/* {"error": msg} as new text, or NULL. */
static char *
error_json(const char *msg)
{
	json_t *o = json_pack("{s:s}", "error", msg);
	char *text = o ? js_text(o, NULL) : NULL;

	json_decref(o);
	return text;
}

void
reply_error(HttpReq *req, int status, const char *msg)
{
	char *text = error_json(msg);

	if (text)
		http_respond(req, status, "application/json", NULL, text, strlen(text));
	else
		http_respond(req, 500, "application/json", NULL, NOMEM, sizeof NOMEM - 1);
	free(text);
}

/* Let the act go, answered: the sentinels when it ran (its logs end here),
 * the answer, a slot for the next. */
static void
act_end(Act *a, int ran, int status, const char *body, size_t len)
{
	Proxy *px = a->px;
	char *wrapped;
	size_t wlen = 0;

	if (ran)
		log_sentinels(px);
	if ((wrapped = capture_end(px, a, body, len, &wlen)) != NULL)
		http_respond(a->req, status, "application/json", "X-Faasfs-Logs: 1\r\n", wrapped, wlen);
	else
		http_respond(a->req, status, "application/json", NULL, body, len);
	free(wrapped);
	px->inflight--;
	act_free(a);
	act_dispatch(px);
}

static void
act_error(Act *a, int ran, int status, const char *msg)
{
	char *text = error_json(msg);

	if (text)
		act_end(a, ran, status, text, strlen(text));
	else
		act_end(a, ran, 500, NOMEM, sizeof NOMEM - 1);
	free(text);
}

void
act_fail(Act *a, int status, const char *msg)
{
	act_error(a, 1, status, msg);
}

/* A run never started, for a caller that went away: no logs, no sentinels;
 * the answer only lets the request go. */
static void
act_drop(Act *a)
{
	act_error(a, 0, 502, "The caller went away before the run started.");
}

/* A JSON object or array, as the answer of a run must be. */
int
result_valid(const char *line, size_t len)
{
	int c = js_check(line, len);

	return c == '{' || c == '[';
}

/* The function's answer line: 200 with it, or 502 when it is no dictionary. */
void
act_result(Act *a, const char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (result_valid(line, len))
		act_end(a, 1, 200, line, len);
	else
		act_fail(a, 502, "The action did not return a dictionary or array.");
}

void
act_timeout_text(Act *a, char *buf, size_t size)
{
	snprintf(buf, size, "The action exceeded its time limits of %llu milliseconds.",
	         (unsigned long long)(a->deadline > a->started ? a->deadline - a->started : 0));
}

/* Fail every act still waiting for a slot. */
void
act_fail_queued(Proxy *px, int status, const char *msg)
{
	Act *a;

	while ((a = TAILQ_FIRST(&px->queue)) != NULL) {
		TAILQ_REMOVE(&px->queue, a, link);
		px->inflight++; /* act_fail gives the slot back */
		act_fail(a, status, msg);
	}
}

/* The run object, parsed when something needs more than its text. */
json_t *
act_run(Act *a)
{
	if (a->run == NULL)
		a->run = json_loadb(a->line, a->linelen, JSON_ALLOW_NUL, NULL);
	return a->run;
}

/* "deadline": ms since the epoch, a string or a number; else --timeout. */
static uint64_t
deadline_of(Act *a, uint64_t now)
{
	char digits[24];
	const char *v;
	size_t n;
	int64_t ms;
	int c = js_member(a->line, a->linelen, "deadline", &v, &n);

	if ((c == '"' || (c >= '0' && c <= '9')) && n > 0 && n < sizeof digits) {
		memcpy(digits, v, n);
		digits[n] = '\0';
		if (num_int(digits, 0, INT64_MAX, &ms) == 0)
			return (uint64_t)ms;
	}
	return a->px->opt.timeout > 0 ? now + (uint64_t)a->px->opt.timeout : 0;
}

/* The run's own activation id into a->idbuf, when it has a usable one. */
static int
own_id(Act *a)
{
	const char *v = NULL;
	size_t n = 0;

	if (a->line && js_member(a->line, a->linelen, "activation_id", &v, &n) != '"')
		v = NULL;
	if (!a->line && (v = json_string_value(json_object_get(a->run, "activation_id"))))
		n = strlen(v);
	if (v == NULL || n == 0 || n >= sizeof a->idbuf || memchr(v, '\\', n))
		return -1;
	memcpy(a->idbuf, v, n);
	a->idbuf[n] = '\0';
	a->idlen = n;
	return 0;
}

/* With many activations in one process, answers are matched by activation
 * id (px->ids): give the run one of its own when it has none or one that
 * an act in flight has. */
static int
act_identify(Proxy *px, Act *a)
{
	a->id = a->idbuf;
	if (own_id(a) < 0 || idtab_get(&px->ids, a->idbuf, a->idlen)) {
		if (act_run(a) == NULL)
			return -EINVAL;
		do
			a->idlen = (size_t)snprintf(a->idbuf, sizeof a->idbuf, "faasfs-proxy-%lu", ++px->seq);
		while (idtab_get(&px->ids, a->idbuf, a->idlen));
		json_object_set_new(a->run, "activation_id", json_string(a->idbuf));
		a->line = NULL;
	}
	idtab_add(&px->ids, a);
	return 0;
}

static int
act_text(Act *a)
{
	if (a->line)
		return 0;
	if ((a->text = js_text(a->run, NULL)) == NULL)
		return -EINVAL;
	a->line = a->text;
	a->linelen = strlen(a->text);
	return 0;
}

/* A run to do: run is the run object (taken over) or NULL, text its JSON
 * text (the request body) or NULL; one of them must be given. */
void
act_submit(Proxy *px, HttpReq *req, json_t *run, const char *text, size_t len)
{
	Act *a = ecalloc(1, sizeof *a);

	a->px = px;
	a->req = req;
	a->run = run;
	a->line = text;
	a->linelen = len;
	a->id = "";
	a->started = now_ms();
	if ((px->action->limit > 1 && act_identify(px, a) < 0) || act_text(a) < 0) {
		reply_error(req, 500, "the run cannot be written as JSON");
		act_free(a);
		return;
	}
	a->deadline = deadline_of(a, a->started);
	capture_begin(px, a, req);
	TAILQ_INSERT_TAIL(&px->queue, a, link);
	act_dispatch(px);
}

/* Is there a process to take the next act? Starts one when there is none. */
static int
slot_ready(Proxy *px)
{
	char err[ERRMAX];

	if (px->action->kind->style == KIND_ONCE)
		return 1;
	if (px->proc == NULL && proc_start(px, err, sizeof err) < 0) {
		act_fail_queued(px, 502, err);
		return 0;
	}
	return px->proc && px->proc->state == PROC_READY;
}

void
act_dispatch(Proxy *px)
{
	char msg[256];
	Act *a;

	while (!px->stopping && !TAILQ_EMPTY(&px->queue) && px->action && px->action->state == ACTION_READY &&
	       px->inflight < px->action->limit && slot_ready(px)) {
		a = TAILQ_FIRST(&px->queue);
		TAILQ_REMOVE(&px->queue, a, link);
		px->inflight++;
		if (a->req->aborted) {
			act_drop(a);
			return; /* act_drop dispatched the rest */
		}
		if (a->deadline && a->deadline <= now_ms()) {
			act_timeout_text(a, msg, sizeof msg);
			act_fail(a, 502, msg);
			return; /* act_fail dispatched the rest */
		}
		if (px->action->kind->style == KIND_LOOP)
			proc_send(px->proc, a);
		else
			once_start(px, a);
	}
}
