/* live.c — running activations by id, and their logs followed while they run.
 *
 * Every activation is in b->running (id -> the activation) from its start
 * until its record is committed: fnkey.c finds a function's key there, and
 *
 *   GET /api/v1/namespaces/NS/activations/ID/logs?follow=true
 *
 * streams its log lines as they come, as text/plain, one stored line
 * ("2026-11-27T10:00:00.123456Z stdout: text") a line, chunked: the lines
 * so far at once, then each as the domain reads it from the function
 * (container_logs.c: line_cb; the knative domain's come with the answer),
 * and the answer ends once the record is committed, so a GET of the record
 * after the stream's end finds it. What the record keeps that was not sent
 * (a truncation or collection note, a sequence's component ids) comes
 * before the end. An activation already done gets its record's lines and
 * the end at once; an id the namespace never had, 404 as without follow.
 * The event stream carries the same lines to subscribers that ask
 * (events.c: logs=true), with each activation's start.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fns.h"
#include "log.h"

enum { BACKLOG_MAX = 8 << 20 }; /* bytes a follower may fall behind before it is cut off */

struct Follower {
	HttpReq *req;
	Activation *a;
	size_t sent;               /* lines of the activation written */
	LIST_ENTRY(Follower) link; /* on a->followers */
};

void
live_register(Activation *a)
{
	Backend *b = a->b;

	if (!b->running && !(b->running = json_object()))
		return;
	json_object_set_new(b->running, a->id, json_integer((json_int_t)(intptr_t)a));
	events_live(b->ev, a->who.ns, a->res.path, a->id, NULL);
}

Activation *
live_find(Backend *b, const char *id)
{
	json_t *v = json_object_get(b->running, id);

	return v ? (Activation *)(intptr_t)json_integer_value(v) : NULL;
}

static void
write_line(HttpReq *req, const json_t *line)
{
	const char *s = json_string_value(line);

	if (!s)
		return;
	http_stream_write(req, s, json_string_length(line));
	http_stream_write(req, "\n", 1);
}

static void
follower_end(Follower *f)
{
	LIST_REMOVE(f, link);
	f->req->abort_cb = NULL;
	f->req->data = NULL;
	http_stream_end(f->req);
	free(f);
}

static void
follower_abort(HttpReq *req)
{
	if (req->data)
		follower_end(req->data);
}

/* Write what of lines f has not had yet. */
static void
catch_up(Follower *f, const json_t *lines)
{
	while (f->sent < json_array_size(lines))
		write_line(f->req, json_array_get(lines, f->sent++));
}

/* A line of a's run as it comes (run_spec.line_cb). */
void
live_line(const json_t *line, void *arg)
{
	Activation *a = arg;
	Follower *f, *next;

	if (!a->lines && !(a->lines = json_array()))
		return;
	json_array_append(a->lines, (json_t *)line);
	events_live(a->b->ev, a->who.ns, a->res.path, a->id, line);
	for (f = LIST_FIRST(&a->followers); f; f = next) {
		next = LIST_NEXT(f, link);
		catch_up(f, a->lines);
		if (http_stream_pending(f->req) > BACKLOG_MAX) {
			log_warn("a follower of activation %s fell %d MB behind; cut off", a->id, BACKLOG_MAX >> 20);
			follower_end(f);
		}
	}
}

/* a's record is committed: followers get the rest of its lines, and their end. */
void
live_end(Activation *a)
{
	Follower *f;

	while ((f = LIST_FIRST(&a->followers))) {
		catch_up(f, a->rec.logs);
		follower_end(f);
	}
}

/* a is freed: out of the table. */
void
live_unregister(Activation *a)
{
	live_end(a);
	if (a->b && a->b->running && live_find(a->b, a->id) == a)
		json_object_del(a->b->running, a->id);
	json_decref(a->lines);
	a->lines = NULL;
}

/* GET .../activations/ID/logs?follow=true */
void
live_follow(ApiReq *ar, const char *id)
{
	Activation *a = live_find(ar->b, id);
	json_t *doc = NULL;
	Follower *f;
	int rc;

	if (a && strcmp(a->who.ns, ar->who.ns) == 0) {
		f = ecalloc(1, sizeof *f);
		f->req = ar->req;
		f->a = a;
		http_stream_start(ar->req, 200, "text/plain; charset=utf-8", "Cache-Control: no-cache\r\n");
		catch_up(f, a->lines);
		LIST_INSERT_HEAD(&a->followers, f, link);
		ar->req->data = f;
		ar->req->abort_cb = follower_abort;
		return;
	}
	rc = store_act_get(ar->b->st, ar->who.ns, id, &doc);
	if (rc) {
		api_error(ar->req, rc == -ENOENT || rc == -EINPROGRESS ? 404 : 500,
		          rc == -ENOENT || rc == -EINPROGRESS ? "The requested resource does not exist."
		                                              : "The store could not be read.");
		return;
	}
	http_stream_start(ar->req, 200, "text/plain; charset=utf-8", "Cache-Control: no-cache\r\n");
	f = &(Follower){ .req = ar->req };
	catch_up(f, json_object_get(doc, "logs"));
	http_stream_end(ar->req);
	json_decref(doc);
}
