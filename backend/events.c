/* events.c — GET /api/v1/namespaces/_/events?since=N: every change, one JSON line each.
 *
 * The store gives each change a sequence number in the same transaction
 * as the change (store_entity.c, the activation batch in store.c) and then
 * calls events_emit, which writes the line to every subscriber of that
 * namespace. A subscriber is a chunked response that never ends on its own:
 *
 *   {"seq":N,"kind":"actions|packages|triggers|rules|activations",
 *    "op":"put|delete|done","name":"NAME or PKG/NAME","version":"0.0.3"}
 *
 * and, for a finished activation, "activation" with the whole record and
 * "name" the action's path. With since=N the events after N that the store
 * still holds are replayed first; without it, only new ones come. A ping
 * line every 15 s keeps idle connections honest. A subscriber that lets
 * more than 16 MB pile up is cut off; it reconnects with the last seq it saw.
 *
 * With logs=true a subscriber also gets running activations' log lines as
 * they come (live.c), lines with no seq, never stored nor replayed:
 *
 *   {"kind":"logs","op":"start","name":PATH,"id":ID}       it started
 *   {"kind":"logs","op":"line","name":PATH,"id":ID,"line":"2026-...Z stdout: text"}
 *
 * and its "done" event as ever when it ends. The file system asks for them,
 * so `tail -f` shows a running activation's lines.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/queue.h>

#include "fns.h"
#include "log.h"

enum { PING_MS = 15000, BACKLOG_MAX = 16 << 20, REPLAY_MAX = 1000000 };

typedef struct Subscriber {
	LIST_ENTRY(Subscriber) link; /* on ev->subs */
	HttpReq *req;
	struct Events *ev;
	char ns[NAME_MAX_LEN + 1];
	int64_t seq; /* last sent */
	int logs;    /* asked for live log lines */
} Subscriber;

struct Events {
	Backend *b;
	LIST_HEAD(, Subscriber) subs;
	uv_timer_t ping;
	int64_t last; /* newest seq seen */
	int n;
	int nlogs; /* subscribers with logs */
};

static void
sub_end(Events *ev, Subscriber *s)
{
	LIST_REMOVE(s, link);
	ev->n--;
	ev->nlogs -= s->logs;
	s->req->abort_cb = NULL;
	s->req->data = NULL;
	http_stream_end(s->req);
	free(s);
}

static void
sub_write(Events *ev, Subscriber *s, const char *line, size_t len)
{
	http_stream_write(s->req, line, len);
	if (http_stream_pending(s->req) > BACKLOG_MAX) {
		log_warn("events: a subscriber of %s fell %d MB behind; cut off", s->ns, BACKLOG_MAX >> 20);
		sub_end(ev, s);
	}
}

/* The line, malloc'd: {"seq","kind","op","name"[,"version"][,"activation"]}
 * and a newline. act is a record's text, put in as it is: written once,
 * when it was committed, and not parsed to be written again. */
static char *
event_line(int64_t seq, const char *kind, const char *op, const char *name, const char *version, const char *act,
           size_t *len)
{
	Buf b = { 0 };

	buf_reserve(&b, act ? strlen(act) + 160 : 160);
	buf_str(&b, "{\"seq\":");
	js_append_int(&b, seq);
	buf_str(&b, ",\"kind\":");
	js_append_string(&b, kind);
	buf_str(&b, ",\"op\":");
	js_append_string(&b, op);
	buf_str(&b, ",\"name\":");
	js_append_string(&b, name);
	if (version) {
		buf_str(&b, ",\"version\":");
		js_append_string(&b, version);
	}
	if (act) {
		buf_str(&b, ",\"activation\":");
		buf_str(&b, act);
	}
	buf_str(&b, "}\n");
	*len = b.n;
	return b.p;
}

/* The store's hook: a committed change. */
void
events_emit(void *arg, int64_t seq, const char *ns, const char *kind, const char *op, const char *name,
            const char *version, const char *act)
{
	Events *ev = arg;
	Subscriber *s, *next;
	char *line = NULL;
	size_t len = 0;

	if (seq > ev->last)
		ev->last = seq;
	for (s = LIST_FIRST(&ev->subs); s; s = next) {
		next = LIST_NEXT(s, link);
		if (strcmp(s->ns, ns) || seq <= s->seq)
			continue;
		if (!line)
			line = event_line(seq, kind, op, name, version, act, &len);
		s->seq = seq;
		sub_write(ev, s, line, len);
	}
	free(line);
}

/* A running activation's start (line NULL) or log line, to the subscribers who asked (live.c). */
void
events_live(Events *ev, const char *ns, const char *name, const char *id, const json_t *line)
{
	Subscriber *s, *next;
	Buf b = { 0 };

	if (!ev || ev->nlogs == 0)
		return;
	buf_str(&b, "{\"kind\":\"logs\",\"op\":");
	js_append_string(&b, line ? "line" : "start");
	buf_str(&b, ",\"name\":");
	js_append_string(&b, name);
	buf_str(&b, ",\"id\":");
	js_append_string(&b, id);
	if (line) {
		buf_str(&b, ",\"line\":");
		js_append_string(&b, json_string_value(line));
	}
	buf_str(&b, "}\n");
	for (s = LIST_FIRST(&ev->subs); s; s = next) {
		next = LIST_NEXT(s, link);
		if (s->logs && strcmp(s->ns, ns) == 0)
			sub_write(ev, s, b.p, b.n);
	}
	buf_free(&b);
}

static void
replay_one(void *arg, int64_t seq, const char *ns, const char *kind, const char *op, const char *name,
           const char *version, const char *act)
{
	Subscriber *s = arg;
	size_t len;
	char *line = event_line(seq, kind, op, name, version, act, &len);

	(void)ns;
	http_stream_write(s->req, line, len);
	free(line);
	s->seq = seq;
}

static void
sub_abort(HttpReq *req)
{
	Subscriber *s = req->data;
	if (s)
		sub_end(s->ev, s);
}

static void
ping_cb(uv_timer_t *t)
{
	Events *ev = t->data;
	Subscriber *s, *next;
	char line[64];
	int len = snprintf(line, sizeof line, "{\"seq\":%lld,\"kind\":\"ping\"}\n", (long long)ev->last);

	for (s = LIST_FIRST(&ev->subs); s; s = next) {
		next = LIST_NEXT(s, link);
		sub_write(ev, s, line, len);
	}
}

void
events_handle(ApiReq *ar)
{
	Events *ev = ar->b->ev;
	Subscriber *s;
	int64_t since = -1;
	char buf[32];

	if (strcmp(ar->req->method, "GET")) {
		api_error(ar->req, 405, "Method not allowed.");
		return;
	}
	if (http_query_get(ar->req, "since", buf, sizeof buf) && num_int(buf, 0, INT64_MAX, &since)) {
		api_error(ar->req, 400, "since must be a sequence number.");
		return;
	}
	s = ecalloc(1, sizeof *s);
	s->req = ar->req;
	s->ev = ev;
	snprintf(s->ns, sizeof s->ns, "%s", ar->who.ns);
	s->seq = since >= 0 ? since : ev->last;
	s->logs = query_bool(ar->req, "logs", 0);
	ev->nlogs += s->logs;
	http_stream_start(ar->req, 200, "application/x-ndjson", "Cache-Control: no-cache\r\n");
	if (since >= 0 && store_events_since(ar->b->st, s->ns, since, REPLAY_MAX, replay_one, s) < 0)
		log_warn("events: replay from %lld failed", (long long)since);
	LIST_INSERT_HEAD(&ev->subs, s, link);
	ev->n++;
	ar->req->data = s;
	ar->req->abort_cb = sub_abort;
}

int
events_new(Backend *b, Events **out)
{
	Events *ev = ecalloc(1, sizeof *ev);

	ev->b = b;
	ev->last = store_last_seq(b->st);
	uv_timer_init(b->loop, &ev->ping);
	ev->ping.data = ev;
	uv_timer_start(&ev->ping, ping_cb, PING_MS, PING_MS);
	uv_unref((uv_handle_t *)&ev->ping);
	*out = ev;
	return 0;
}

static void
ping_closed(uv_handle_t *h)
{
	free(h->data);
}

void
events_free(Events *ev)
{
	while (!LIST_EMPTY(&ev->subs))
		sub_end(ev, LIST_FIRST(&ev->subs));
	uv_close((uv_handle_t *)&ev->ping, ping_closed);
}

int
events_subscribers(Events *ev)
{
	return ev->n;
}
