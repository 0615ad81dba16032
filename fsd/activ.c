/* activ.c — activations: the ring of recent ones, activations/log, activations/stream, ID/ files.
 *
 * Finished activations come from the event stream (act_add). The last Ring
 * of them are kept, each numbered by a sequence that only grows; an
 * activation looked up by ID that is not among them is fetched from the
 * backend (act_fetch) and kept in a small second table.
 *
 * activations/log is for tail -f, which on FUSE polls the size once a second
 * and reads what was added (coreutils' tail counts FUSE_SUPER_MAGIC as a
 * remote file system, where it does not use inotify): one line per
 * activation is appended, and the file's size is the honest length of the
 * text (attributes are never cached). When it outgrows Logcap the older
 * half is dropped; the size shrinks and tail says "file truncated".
 *
 * activations/stream has a cursor per open, set at open (acme's log): a read
 * returns the records after it, one JSON line each, and parks while there
 * are none (park.c). A record longer than the read keeps its rest for the
 * next read; a live stream never returns 0 bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "dat.h"
#include "fns.h"

enum { Ring = 2048, Fetched = 256, Logcap = 4 << 20 };

static Act *ring[Ring];
static uint64_t seq; /* the last sequence given */
static Map byid;     /* ring and fetched, by id */
static Act *fetched[Fetched];
static unsigned nfetched;
static Buf logbuf;
static int64_t logtime; /* when the log last grew */
static LIST_HEAD(, Open) streams = LIST_HEAD_INITIALIZER(streams);

static Map awaited; /* activation id -> Waitq of those waiting for it to be done */

Act *
act_get(const char *id)
{
	return map_get(&byid, id);
}

static void
act_free(Act *a)
{
	if (a == NULL)
		return;
	if (map_get(&byid, a->id) == a)
		map_del(&byid, a->id);
	json_decref(a->rec);
	free(a->text);
	free(a);
}

static Act *
act_new(json_t *rec)
{
	const char *id = json_string_value(json_object_get(rec, "activationId"));
	Act *a;

	if (id == NULL)
		return NULL;
	a = ecalloc(1, sizeof *a);
	snprintf(a->id, sizeof a->id, "%s", id);
	a->rec = json_incref(rec);
	return a;
}

/* The path annotation of a record ("guest/pkg/hello"), or NULL. */
static const char *
act_path(json_t *rec)
{
	json_t *kv;
	size_t i;

	json_array_foreach(json_object_get(rec, "annotations"), i,
	                   kv) if (json_is_string(json_object_get(kv, "value")) &&
	                           strcmp(jstr(json_object_get(kv, "key")), "path") ==
	                                   0) return json_string_value(json_object_get(kv, "value"));
	return NULL;
}

/* The action an activation ran, as named in this namespace ("pkg/hello"), from its path annotation, namespace and name. */
static void
name_of(const char *path, const char *ns, const char *name, char *out, size_t len)
{
	const char *slash = path ? strchr(path, '/') : NULL;

	if (slash != NULL) {
		snprintf(out, len, "%s", slash + 1);
		return;
	}
	slash = ns ? strchr(ns, '/') : NULL;
	snprintf(out, len, "%s%s%s", slash ? slash + 1 : "", slash ? "/" : "", name ? name : "?");
}

static void
act_name(json_t *rec, char *out, size_t len)
{
	name_of(act_path(rec), json_string_value(json_object_get(rec, "namespace")),
	        json_string_value(json_object_get(rec, "name")), out, len);
}

/* The same from the spans of a record's members annotations (an..ae), namespace and name. */
static void
text_name(const char *an, const char *ae, const char *ns, const char *nse, const char *nm, const char *nme, char *out,
          size_t len)
{
	static const char *const keys[] = { "key", "value" };
	char path[512], nsb[512], nameb[512], key[8];
	const char *kv, *ke, *v[2], *ve[2];
	size_t i;
	int found = 0;

	for (i = 0; an != NULL && !found && js_elem(an, ae, i, &kv, &ke) == 0; i++)
		found = js_fields(kv, ke, keys, 2, v, ve) == 0 && js_strv(v[0], ve[0], key, sizeof key) == 0 &&
		        strcmp(key, "path") == 0 && js_strv(v[1], ve[1], path, sizeof path) == 0;
	name_of(found ? path : NULL, js_strv(ns, nse, nsb, sizeof nsb) == 0 ? nsb : NULL,
	        js_strv(nm, nme, nameb, sizeof nameb) == 0 ? nameb : NULL, out, len);
}

static json_t *
response(json_t *rec, const char *key)
{
	return json_object_get(json_object_get(rec, "response"), key);
}

static void
log_append(const char *id, const char *name, const char *st, int64_t start, int64_t duration)
{
	char when[64];
	time_t t = start / 1000;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	if (logbuf.n > Logcap) {
		char *nl = memchr(logbuf.p + logbuf.n / 2, '\n', logbuf.n - logbuf.n / 2);
		buf_consume(&logbuf, nl ? (size_t)(nl - logbuf.p) + 1 : logbuf.n);
	}
	logtime = now_ms();
	buf_printf(&logbuf, "%s.%03dZ %s %s %s %lldms\n", when, (int)(start % 1000), id, name, st ? st : "?",
	           (long long)duration);
}

static void
wake_awaiters(const char *id, int err)
{
	Waitq *q = map_del(&awaited, id);

	if (q == NULL)
		return;
	wait_wake(q, err);
	free(q);
}

/* Call fn(arg, 0) when activation id is done (now, if it is). */
int
act_wait(const char *id, void (*fn)(void *arg, int err), void *arg)
{
	Waitq *q;

	if (act_get(id) != NULL) {
		fn(arg, 0);
		return 0;
	}
	if ((q = map_get(&awaited, id)) == NULL) {
		q = ecalloc(1, sizeof *q);
		map_put(&awaited, id, q);
	}
	wait_add(q, fn, arg);
	return 0;
}

static void stream_wake(void);

/*
 * A finished activation from the event stream, its record's text p..p+n:
 * kept as text, read here only for what the log and the action's result
 * need, and parsed when one of its files is read (act_rec).
 */
void
act_add(const char *p, size_t n)
{
	static const char *const keys[] = { "activationId", "response", "namespace",  "name",
		                            "start",        "duration", "annotations" };
	static const char *const rkeys[] = { "status", "result" };
	const char *v[7], *ve[7], *r[2], *re[2];
	char id[40], name[512], st[64];
	Act *a, *old;
	Ent *ent;

	if (js_fields(p, p + n, keys, 7, v, ve) < 0 || js_strv(v[0], ve[0], id, sizeof id) < 0 ||
	    ((old = act_get(id)) != NULL && old->seq != 0))
		return;
	a = ecalloc(1, sizeof *a);
	a->text = emalloc(n);
	memcpy(a->text, p, n);
	a->len = n;
	snprintf(a->id, sizeof a->id, "%s", id);
	if (old != NULL) {
		unsigned i;
		for (i = 0; i < Fetched; i++)
			if (fetched[i] == old)
				fetched[i] = NULL;
		act_free(old);
	}
	a->seq = ++seq;
	act_free(ring[a->seq % Ring]);
	ring[a->seq % Ring] = a;
	map_put(&byid, a->id, a);
	live_done(a->id);
	if (v[1] == NULL || js_fields(v[1], ve[1], rkeys, 2, r, re) < 0)
		r[0] = r[1] = NULL;
	text_name(v[6], ve[6], v[2], ve[2], v[3], ve[3], name, sizeof name);
	log_append(a->id, name, js_strv(r[0], re[0], st, sizeof st) == 0 ? st : NULL, js_intv(v[4], ve[4]),
	           js_intv(v[5], ve[5]));
	if ((ent = ent_get(Eaction, name)) != NULL && ent->inflight == 0 && r[1] != NULL) {
		ent_setlast(ent, r[1], re[1] - r[1]);
	}
	wake_awaiters(a->id, 0);
	stream_wake();
}

/* a's record, parsed on first use. */
json_t *
act_rec(Act *a)
{
	if (a->rec == NULL && a->text != NULL)
		a->rec = json_loadb(a->text, a->len, JSON_ALLOW_NUL, NULL);
	return a->rec;
}

uint64_t
act_seq(void)
{
	return seq;
}

/* Is id a kept activation of action name? */
int
act_of(const char *id, const char *name)
{
	Act *a = act_get(id);
	char an[512];

	if (a == NULL)
		return 0;
	act_name(act_rec(a), an, sizeof an);
	return strcmp(an, name) == 0;
}

/* The kept activations, oldest first: all (directories), or action name's (links). */
void
act_list(const char *name, void (*fn)(const char *name, mode_t mode, void *arg), void *arg)
{
	uint64_t s = seq > Ring ? seq - Ring + 1 : 1;

	for (; s <= seq; s++)
		if (ring[s % Ring] != NULL && (name == NULL || act_of(ring[s % Ring]->id, name)))
			fn(ring[s % Ring]->id, name ? S_IFLNK : S_IFDIR, arg);
}

/* ---- fetching one by id ---- */

typedef struct Fetch {
	char id[40];
} Fetch;

static void
fetchedcb(Resp *r, void *arg)
{
	Fetch *f = arg;
	Act *a;

	if (r->err == 0 && json_is_object(resp_json(r)) && act_get(f->id) == NULL &&
	    (a = act_new(resp_json(r))) != NULL) {
		act_free(fetched[nfetched % Fetched]);
		fetched[nfetched++ % Fetched] = a;
		map_put(&byid, a->id, a);
	}
	wake_awaiters(f->id, r->err < 0 ? r->err : act_get(f->id) ? 0 : -ENOENT);
	free(f);
}

/* Fetch activation id from the backend, then fn(arg, 0 or -errno). */
int
act_fetch(const char *id, void (*fn)(void *arg, int err), void *arg)
{
	Fetch *f;
	char path[128];
	int rc;

	if (act_get(id) != NULL || !is_actid(id)) {
		fn(arg, act_get(id) ? 0 : -ENOENT);
		return 0;
	}
	f = ecalloc(1, sizeof *f);
	snprintf(f->id, sizeof f->id, "%s", id);
	snprintf(path, sizeof path, "activations/%s", id);
	if ((rc = bk_json("GET", path, NULL, fetchedcb, f)) < 0) {
		free(f);
		return rc;
	}
	return act_wait(id, fn, arg);
}

/* ---- the latest, at mount and after the backend was away ---- */

/* What latestcb calls at its end (ISO C carries no function in a void *). */
typedef struct Latest {
	void (*done)(void);
} Latest;

static void
latestcb(Resp *r, void *arg)
{
	Latest *l = arg;
	void (*done)(void) = l->done;
	json_t *arr = resp_json(r), *rec;
	const char *id;
	char *text;
	size_t i;

	for (i = json_array_size(arr); r->err == 0 && i-- > 0;) {
		rec = json_array_get(arr, i);
		id = json_string_value(json_object_get(rec, "activationId"));
		if (id == NULL || (act_get(id) != NULL && act_get(id)->seq != 0))
			continue;
		if ((text = json_dumps(rec, JSON_COMPACT)) != NULL)
			act_add(text, strlen(text));
		free(text);
	}
	free(l);
	done();
}

/*
 * Add the namespace's latest activations that this mount has not seen
 * finish (made before it, or while the backend was away), oldest first,
 * as if the event stream had given them; then done(), whether they came or not.
 */
void
act_latest(void (*done)(void))
{
	Latest *l = emalloc(sizeof *l);

	l->done = done;
	if (bk_json("GET", "activations?limit=200&docs=true", NULL, latestcb, l) < 0) {
		free(l);
		done();
	}
}

/* ---- the files ---- */

static int
rec_logs(json_t *rec, Buf *b)
{
	json_t *l;
	size_t i;

	json_array_foreach(json_object_get(rec, "logs"), i, l) if (json_is_string(l))
	        buf_printf(b, "%s\n", json_string_value(l));
	return 0;
}

static int
fill_int(json_t *rec, const char *key, Buf *b)
{
	json_t *v = json_object_get(rec, key);

	if (json_is_integer(v))
		buf_printf(b, "%lld\n", (long long)json_integer_value(v));
	return 0;
}

/* A running activation's directory and logs (live.c), before its record comes. */
int
act_live(Node *n)
{
	return (n->q == Qactivation || n->q == Qalogs) && live_text(n->ename) != NULL;
}

/* ---- the fills of an activation's files (rows of files.c) ---- */

/* The record of the activation n is a file of, or NULL. */
static json_t *
recof(Node *n)
{
	Act *a = act_get(n->ename);

	return a ? act_rec(a) : NULL;
}

int
afill_record(Node *n, Ent *e, Buf *b)
{
	json_t *rec = recof(n);

	(void)e;
	return rec ? buf_json(b, rec) : -ENOENT;
}

int
afill_status(Node *n, Ent *e, Buf *b)
{
	json_t *rec = recof(n), *v = response(rec, "status");

	(void)e;
	if (!(rec))
		return -ENOENT;
	buf_printf(b, "%s\n", json_is_string(v) ? json_string_value(v) : "?");
	return 0;
}

int
afill_result(Node *n, Ent *e, Buf *b)
{
	json_t *rec = recof(n), *v = response(rec, "result");

	(void)e;
	if (rec == NULL)
		return -ENOENT;
	return v ? buf_json(b, v) : 0;
}

/* Its record's logs, or the lines of it running so far. */
int
afill_logs(Node *n, Ent *e, Buf *b)
{
	json_t *rec = recof(n);

	(void)e;
	if (rec == NULL && act_live(n)) {
		buf_add(b, live_text(n->ename)->p, live_text(n->ename)->n);
		return 0;
	}
	return rec ? rec_logs(rec, b) : -ENOENT;
}

int
afill_name(Node *n, Ent *e, Buf *b)
{
	json_t *rec = recof(n);
	char name[512];

	(void)e;
	if (rec == NULL)
		return -ENOENT;
	act_name(rec, name, sizeof name);
	buf_printf(b, "%s\n", name);
	return 0;
}

/* start, end, duration: the row's arg */
int
afill_int(Node *n, Ent *e, Buf *b)
{
	json_t *rec = recof(n);

	(void)e;
	return rec ? fill_int(rec, file_of(n->q)->arg, b) : -ENOENT;
}

int
afill_cause(Node *n, Ent *e, Buf *b)
{
	json_t *rec = recof(n), *v = json_object_get(rec, "cause");

	(void)e;
	if (rec == NULL)
		return -ENOENT;
	if (json_is_string(v))
		buf_printf(b, "%s\n", json_string_value(v));
	return 0;
}

/* A kept activation's files are there while it is, or while it runs. */
int
act_exists(Node *n)
{
	return act_get(n->ename) != NULL || act_live(n);
}

int
wait_act(Node *n, Ent *e, void (*fn)(void *arg, int err), void *arg)
{
	(void)e;
	return act_fetch(n->ename, fn, arg);
}

int
act_attr(Node *n, uid_t uid, Ent *e, struct stat *st)
{
	Act *a = act_get(n->ename);
	int64_t start = a ? json_integer_value(json_object_get(act_rec(a), "start")) : 0;
	int (*fill)(Node *, Ent *, Buf *) = file_of(n->q)->fill;
	Buf b = { 0 };

	(void)uid, (void)e;
	st->st_mtim.tv_sec = start / 1000;
	st->st_mtim.tv_nsec = start % 1000 * 1000000;
	if (fill != NULL && fill(n, NULL, &b) == 0)
		st->st_size = b.n;
	buf_free(&b);
	return 0;
}

/*
 * The logs of the kept activations of action e, oldest first, built once
 * and extended by the activations that came since: a read costs its size,
 * not the log's. When the oldest of them leaves the ring the text is made
 * anew (a reader sees the file shrink, as tail -f does with a rotated log).
 */
const Buf *
act_logs(Ent *e)
{
	uint64_t low = seq > Ring ? seq - Ring + 1 : 1, s;
	char an[512];

	if (e->logfirst != 0 && e->logfirst < low) {
		buf_reset(&e->logs);
		e->logfirst = e->logupto = 0;
	}
	for (s = e->logupto + 1 > low ? e->logupto + 1 : low; s <= seq; s++) {
		Act *a = ring[s % Ring];
		if (a == NULL)
			continue;
		act_name(act_rec(a), an, sizeof an);
		if (strcmp(an, e->name) != 0)
			continue;
		if (e->logfirst == 0)
			e->logfirst = s;
		rec_logs(act_rec(a), &e->logs);
	}
	e->logupto = seq;
	return &e->logs;
}

/* An activation's logs as they are at each read: its record's, or the lines of it running so far. */
void
alogs_read(Open *o, fuse_req_t req, size_t size, off_t off)
{
	static Buf b;

	buf_reset(&b);
	afill_logs(o->node, NULL, &b);
	reply_slice(req, &b, size, off);
}

/* An action's logs, as they are at each read: they grow, and tail -f follows them. */
void
logs_read(Open *o, fuse_req_t req, size_t size, off_t off)
{
	Ent *e = node_ent(o->node);
	static const Buf none;

	reply_slice(req, e != NULL ? action_logs(e) : &none, size, off);
}

int
attr_logs(Node *n, uid_t uid, Ent *e, struct stat *st)
{
	(void)n, (void)uid;
	st->st_size = e != NULL ? (off_t)action_logs(e)->n : 0;
	return 0;
}

/* An action's logs: its kept activations' (act_logs), then its running ones' lines so far (live.c). */
const Buf *
action_logs(Ent *e)
{
	static Buf b;
	const Buf *done = act_logs(e);

	buf_reset(&b);
	live_action(e->name, &b);
	if (b.n == 0)
		return done;
	buf_reset(&b);
	buf_add(&b, done->p, done->n);
	live_action(e->name, &b);
	return &b;
}

/* activations/log's size, and the time it last grew. */
int
act_log_attr(Node *n, uid_t uid, Ent *e, struct stat *st)
{
	(void)n, (void)uid, (void)e;
	st->st_size = logbuf.n;
	if (logtime > 0) {
		st->st_mtim.tv_sec = logtime / 1000;
		st->st_mtim.tv_nsec = logtime % 1000 * 1000000;
	}
	return 0;
}

void
act_log_read(Open *o, fuse_req_t req, size_t size, off_t off)
{
	(void)o;
	reply_slice(req, &logbuf, size, off);
}

/* ---- the stream ---- */

void
stream_open(Open *o)
{
	o->cursor = seq + 1;
	LIST_INSERT_HEAD(&streams, o, slink);
	o->streaming = 1;
}

void
stream_close(Open *o)
{
	if (!o->streaming)
		return;
	LIST_REMOVE(o, slink);
	o->streaming = 0;
}

/* Move the records after o's cursor into its output. */
static void
stream_fill(Open *o)
{
	if (seq >= Ring && o->cursor + Ring <= seq)
		o->cursor = seq - Ring + 1;
	for (; o->cursor <= seq; o->cursor++)
		if (ring[o->cursor % Ring] != NULL)
			buf_json(&o->out, act_rec(ring[o->cursor % Ring]));
}

/* Reply with at most size bytes of o's unread output. */
void
stream_reply(Open *o, fuse_req_t req, size_t size)
{
	size_t n = o->out.n - o->outoff;

	if (n > size)
		n = size;
	fuse_reply_buf(req, o->out.p + o->outoff, n);
	o->outoff += n;
	if (o->outoff == o->out.n) {
		buf_reset(&o->out);
		o->outoff = 0;
	}
}

void
stream_read(Open *o, fuse_req_t req, size_t size, off_t off)
{
	(void)off;
	if (o->outoff == o->out.n)
		stream_fill(o);
	if (o->outoff < o->out.n) {
		stream_reply(o, req, size);
		return;
	}
	if (fs.shutting) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	park_read(&o->reads, req, size, 0, o);
}

/* poll: a read would not wait. */
int
stream_ready(Open *o)
{
	return o->outoff < o->out.n || o->cursor <= act_seq() || fs.shutting;
}

static void
stream_wake(void)
{
	Open *o;
	Park *p;

	LIST_FOREACH(o, &streams, slink) {
		poll_wake(o);
		if (TAILQ_EMPTY(&o->reads))
			continue;
		stream_fill(o);
		while (o->outoff < o->out.n && (p = unpark(&o->reads)) != NULL) {
			stream_reply(o, p->req, p->size);
			free(p);
		}
	}
}

/* Shutdown: every parked stream read gets EOF. */
void
stream_shutdown(void)
{
	Open *o;

	LIST_FOREACH(o, &streams, slink)
		park_drain(&o->reads, 0);
}
