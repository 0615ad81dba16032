/* invoke.c — invoke and result files: invocations as writes, results as reads.
 *
 * invoke is an RPC file (factotum's rpc, webfs's clone): each open is a
 * private channel. Every message written (msg.c) starts one blocking
 * invocation at once, and the write returns; reads return each result, one
 * JSON line per invocation in the order they were written, parked until it
 * is there, and EOF once nothing is pending. A read of an open that was never
 * written invokes once with no parameters, so `cat invoke` runs the action.
 * An invocation whose open is closed goes on; its result is dropped (echo >
 * invoke is fire and forget), but still becomes the action's latest result.
 *
 * result returns the action's latest result: it waits while invocations
 * made through this mount are in flight (so `echo > invoke; cat result`
 * gives that invocation's result), else it is the last result seen on the
 * event stream, or the backend's latest activation of the action.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"

/* Give parked reads of an invoke open what is ready. */
static void
invoke_serve(Open *o)
{
	Park *p;

	while (!TAILQ_EMPTY(&o->reads)) {
		while (!STAILQ_EMPTY(&o->calls) && STAILQ_FIRST(&o->calls)->done) {
			Call *c = STAILQ_FIRST(&o->calls);
			buf_str(&o->out, c->line);
			STAILQ_REMOVE_HEAD(&o->calls, link);
			free(c->line);
			free(c->ename);
			free(c);
		}
		if (o->outoff < o->out.n) {
			p = unpark(&o->reads);
			stream_reply(o, p->req, p->size);
			free(p);
		} else if (STAILQ_EMPTY(&o->calls)) {
			p = unpark(&o->reads);
			fuse_reply_buf(p->req, NULL, 0);
			free(p);
		} else
			return;
	}
}

/* Answer the reads of result waiting on e. */
static void
result_wake(Ent *e)
{
	Park *p;

	while ((p = unpark(&e->resultq)) != NULL) {
		Open *o = p->o;
		buf_reset(&o->out);
		if (e->last) {
			buf_str(&o->out, e->last);
			buf_add(&o->out, "\n", 1);
		}
		o->invoked = 1;
		reply_slice(p->req, &o->out, p->size, p->off);
		free(p);
	}
	ent_unhold(e);
}

/* An invocation ended with result, the JSON text p (a value or {"error":...}). */
static void
call_done(Call *c, const char *p, size_t n)
{
	Ent *e = c->ent;

	c->done = 1;
	if ((c->line = emalloc(n + 2)) != NULL) {
		memcpy(c->line, p, n);
		memcpy(c->line + n, "\n", 2);
	} else
		c->line = estrdup("{\"error\":\"out of memory\"}\n");
	ent_setlast(e, p, n);
	e->inflight--;
	if (c->o != NULL) {
		poll_wake(c->o);
		invoke_serve(c->o);
	} else {
		free(c->line);
		free(c->ename);
		free(c);
	}
	if (e->inflight == 0)
		result_wake(e);
}

static void
call_done_json(Call *c, json_t *result)
{
	char *s = js_text(result, NULL);

	call_done(c, s ? s : "{\"error\":\"out of memory\"}", s ? strlen(s) : 25);
	free(s);
}

static void
waited(void *arg, int err)
{
	Call *c = arg;
	Act *a = act_get(c->actid);
	json_t *res = a ? json_object_get(json_object_get(act_rec(a), "response"), "result") : NULL;
	json_t *v = res ? json_incref(res) : json_pack("{s:s}", "error", err < 0 ? strerror(-err) : "no result");

	call_done_json(c, v);
	json_decref(v);
}

static void
invoked(Resp *r, void *arg)
{
	Call *c = arg;
	json_t *v;

	if (r->status == 202 && json_is_string(json_object_get(resp_json(r), "activationId"))) {
		snprintf(c->actid, sizeof c->actid, "%s",
		         json_string_value(json_object_get(resp_json(r), "activationId")));
		if (act_wait(c->actid, waited, c) == 0)
			return;
	}
	/* The backend's answer is the result as one line of compact JSON: pass it on. */
	if ((r->err == 0 || r->status == 502) && r->len > 0 && (r->body[0] == '{' || r->body[0] == '[') &&
	    memchr(r->body, '\n', r->len) == NULL) {
		call_done(c, r->body, r->len);
		return;
	}
	if ((r->err == 0 || r->status == 502) && resp_json(r) != NULL)
		v = json_incref(resp_json(r));
	else {
		v = json_pack("{s:s}", "error", r->text);
		ent_seterr(c->ent, r->text);
	}
	call_done_json(c, v);
	json_decref(v);
}

static int
call_send(Call *c, const char *p, size_t n, int json)
{
	char *path = bk_path(Eaction, c->ename, "blocking=true&result=true");
	int rc = bk_request("POST", path, msg_ctype(p, n, json), p, n, 0, invoked, c);

	free(path);
	return rc;
}

/* The action's tree is committed (src.c): now the invocation runs the new code. */
static void
settled(void *arg, int err, const char *text)
{
	Call *c = arg;
	json_t *v;

	if (err == 0 && (err = call_send(c, c->msg.p ? c->msg.p : "", c->msg.n, c->json)) == 0) {
		buf_free(&c->msg);
		return;
	}
	buf_free(&c->msg);
	v = json_pack("{s:s}", "error", text && *text ? text : strerror(-err));
	call_done_json(c, v);
	json_decref(v);
}

/* Start one invocation of o's action with a message as its body, once
 * what its tree holds uncommitted is committed. */
static int
invoke_start(Open *o, Ent *e, const char *p, size_t n, int json)
{
	Call *c = ecalloc(1, sizeof *c);
	int rc;

	c->ename = estrdup(o->node->ename);
	c->o = o;
	c->ent = e;
	c->json = json;
	buf_add(&c->msg, p, n);
	if ((rc = src_settle(e, settled, c)) > 0) {
		buf_free(&c->msg);
		rc = call_send(c, p, n, json);
	}
	if (rc < 0) {
		buf_free(&c->msg);
		free(c->ename);
		free(c);
		return rc;
	}
	STAILQ_INSERT_TAIL(&o->calls, c, link);
	o->invoked = 1;
	e->inflight++;
	return 0;
}

typedef struct Msgs {
	Open *o;
	Ent *e;
	int rc;
} Msgs;

static void
invoke_msg(const char *p, size_t n, int json, void *arg)
{
	Msgs *m = arg;
	int rc = invoke_start(m->o, m->e, p, n, json);

	if (rc < 0)
		m->rc = rc;
}

/* A JSON value still incomplete when the writing is over is an error. */
static int
invoke_finish(Open *o, char *text, size_t len)
{
	Msgs m = { .o = o, .e = node_ent(o->node) };
	int n = 0;

	if (o->part.n > 0 && m.e != NULL)
		n = msg_split(&o->part, "", 0, 1, invoke_msg, &m, text, len);
	return n < 0 ? n : 0;
}

void
invoke_write(Open *o, fuse_req_t req, const char *buf, size_t size, off_t off)
{
	Ent *e = node_ent(o->node);
	Msgs m = { .o = o, .e = e };
	char text[512] = "";
	int n;

	(void)off;
	if (e == NULL) {
		fail_req(req, "write", o->node->path, NULL, -ENOENT, "the action is gone");
		return;
	}
	o->wrote = 1;
	n = msg_split(&o->part, buf, size, 0, invoke_msg, &m, text, sizeof text);
	if (n == 0 && o->part.n == 0)
		invoke_msg("{}", 2, 1, &m);
	if (n < 0 || m.rc < 0) {
		fail_req(req, "write", o->node->path, NULL, n < 0 ? n : m.rc, text[0] ? text : NULL);
		return;
	}
	fuse_reply_write(req, size);
}

/* No call is out, or the first is done: a read has something to say. */
static int
calls_ready(Open *o)
{
	return STAILQ_EMPTY(&o->calls) || STAILQ_FIRST(&o->calls)->done;
}

void
invoke_read(Open *o, fuse_req_t req, size_t size, off_t off)
{
	Ent *e = node_ent(o->node);
	int rc;

	(void)off;
	if (!o->invoked && !o->wrote && e != NULL) {
		Msgs m = { .o = o, .e = e };
		invoke_msg("{}", 2, 1, &m);
		if (m.rc < 0) {
			fail_req(req, "read", o->node->path, NULL, m.rc, NULL);
			return;
		}
	}
	if (o->outoff >= o->out.n && STAILQ_EMPTY(&o->calls) && o->part.n > 0) {
		char text[512] = "";
		if ((rc = invoke_finish(o, text, sizeof text)) < 0) {
			fail_req(req, "read", o->node->path, NULL, rc, text);
			return;
		}
	}
	if (o->outoff < o->out.n || calls_ready(o)) {
		if ((rc = park(&o->reads, req, size, 0, o)) == 0)
			invoke_serve(o);
		return;
	}
	park_read(&o->reads, req, size, 0, o);
}

/* poll: a read would not wait. */
int
invoke_ready(Open *o)
{
	return o->outoff < o->out.n || calls_ready(o);
}

/* The writing is over: a JSON value still incomplete is an error. At the
 * FLUSH of a write-only open it fails close(2); at the last close of an open
 * that reads (which has no FLUSH, fileops.c: its reads report it) it can only
 * go to err. */
static void
invoke_end(Open *o, fuse_req_t req, int flush)
{
	char text[512] = "";
	int rc = invoke_finish(o, text, sizeof text);

	if (rc < 0)
		err_note(req, "close", o->node->path, NULL, rc, text);
	if (flush)
		fuse_reply_err(req, -rc);
}

void
invoke_flush(Open *o, fuse_req_t req)
{
	invoke_end(o, req, 1);
}

void
invoke_release(Open *o, fuse_req_t req)
{
	invoke_end(o, req, 0);
}

/* The open goes away: its invocations go on, their results dropped. */
void
invoke_close(Open *o)
{
	Call *c, *next;

	for (c = STAILQ_FIRST(&o->calls); c != NULL; c = next) {
		next = STAILQ_NEXT(c, link);
		if (c->done) {
			free(c->line);
			free(c->ename);
			free(c);
		} else
			c->o = NULL;
	}
	STAILQ_INIT(&o->calls);
}

/* ---- result ---- */

static void
latest(Resp *r, void *arg)
{
	Ent *e = arg;
	json_t *rec = json_array_get(resp_json(r), 0);
	json_t *res = json_object_get(json_object_get(rec, "response"), "result");

	e->holds--;
	e->fetching = 0;
	if (res != NULL && e->inflight == 0 && e->last == NULL) {
		char *s = js_text(res, NULL);
		if (s != NULL)
			ent_setlast(e, s, strlen(s));
		free(s);
	}
	if (r->err == 0)
		e->lastknown = 1;
	wait_wake(&e->lastwait, r->err);
	if (e->inflight == 0)
		result_wake(e);
}

static int
fetch_latest(Ent *e)
{
	char q[600], *path, *name = curl_easy_escape(NULL, e->name, 0);
	int rc;

	snprintf(q, sizeof q, "activations?name=%s&limit=1&docs=true", name ? name : "");
	curl_free(name);
	path = estrdup(q);
	rc = bk_json("GET", path, NULL, latest, e);
	free(path);
	if (rc == 0) {
		e->holds++;
		e->fetching = 1;
	}
	return rc;
}

/* Call fn(arg, 0 or -errno) once e's latest result is known (now, if it is): result's size. */
int
result_load(Ent *e, void (*fn)(void *arg, int err), void *arg)
{
	int rc;

	if (e->lastknown || e->inflight > 0) {
		fn(arg, 0);
		return 0;
	}
	if (!e->fetching && (rc = fetch_latest(e)) < 0)
		return rc;
	wait_add(&e->lastwait, fn, arg);
	return 0;
}

/* What a read of result would give now, or -EAGAIN until that is known (result_load). */
int
result_size(Ent *e, off_t *size)
{
	if (!e->lastknown && e->inflight == 0)
		return -EAGAIN;
	*size = e->last ? (off_t)strlen(e->last) + 1 : 0;
	return 0;
}

void
result_read(Open *o, fuse_req_t req, size_t size, off_t off)
{
	Ent *e = node_ent(o->node);
	int rc;

	if (o->invoked) {
		reply_slice(req, &o->out, size, off);
		return;
	}
	if (e == NULL) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (e->inflight == 0 && (e->last != NULL || e->lastknown)) {
		if (e->last != NULL) {
			buf_str(&o->out, e->last);
			buf_add(&o->out, "\n", 1);
		}
		o->invoked = 1;
		reply_slice(req, &o->out, size, off);
		return;
	}
	/* Only an invocation running is a wait that O_NONBLOCK refuses (EAGAIN);
	 * fetching the latest result is not one (grep -r opens O_NONBLOCK). */
	if (e->inflight > 0) {
		park_read(&e->resultq, req, size, off, o);
		return;
	}
	if (park(&e->resultq, req, size, off, o) < 0)
		return;
	if (!e->fetching && (rc = fetch_latest(e)) < 0)
		result_wake(e);
}

/* result's size: the latest result's, once known (-EAGAIN: wait_result). */
int
attr_result(Node *n, uid_t uid, Ent *e, struct stat *st)
{
	(void)n, (void)uid;
	return e == NULL ? -ENOENT : result_size(e, &st->st_size);
}

int
wait_result(Node *n, Ent *e, void (*fn)(void *arg, int err), void *arg)
{
	(void)n;
	return e == NULL ? -ENOENT : result_load(e, fn, arg);
}
