/* cache.c — the in-memory listing of actions, packages, triggers and rules.
 *
 * Lookups, getattr and readdir never go to the network: they are answered
 * from this cache. It is filled by listing every collection (cache_prime, at
 * start, after the backend comes back, and on `sync`), kept current by the
 * event stream (cache_event, called from events.c), and by the answers to
 * our own writes. An entity's whole document (code, parameters, ...) is
 * fetched only when a file needs it (ent_load) and kept until its version
 * changes.
 *
 * An entity deleted while something still holds it (a load in flight, an
 * invocation, a parked read of result) is marked gone and freed when the
 * last holder lets go (ent_unhold).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"
#include "log.h"

static Map ents[Nekind];
static Map tombs[Nekind]; /* deleted here, their delete not yet seen in the event stream */
static const char *collname[Nekind] = { "actions", "packages", "triggers", "rules", "apis" };
static unsigned listing;

Ent *
ent_get(int kind, const char *name)
{
	Ent *e = map_get(&ents[kind], name);

	return e && !e->gone ? e : NULL;
}

/* The entity, made if it is not there (or revived if gone). */
Ent *
ent_make(int kind, const char *name)
{
	Ent *e = map_get(&ents[kind], name);

	if (e != NULL) {
		e->gone = 0;
		return e;
	}
	e = ecalloc(1, sizeof *e);
	e->name = estrdup(name);
	e->kind = kind;
	e->size = -1;
	park_init(&e->resultq);
	map_put(&ents[kind], name, e);
	return e;
}

static int
ent_busy(Ent *e)
{
	return e->loading || e->holds > 0 || e->inflight > 0 || !TAILQ_EMPTY(&e->resultq);
}

/* e's latest result becomes the JSON text p (n bytes). */
void
ent_setlast(Ent *e, const char *p, size_t n)
{
	char *s = emalloc(n + 1);

	memcpy(s, p, n);
	s[n] = '\0';
	free(e->last);
	e->last = s;
	e->lastknown = 1;
}

static void
ent_free(Ent *e)
{
	map_del(&ents[e->kind], e->name);
	json_decref(e->doc);
	free(e->last);
	buf_free(&e->logs);
	free(e->stagekind);
	src_free(e->src);
	json_decref(e->secnew);
	free(e->bindto);
	free(e->err);
	free(e->name);
	free(e);
}

/*
 * The backend deleted an entity at our asking. Till the event stream says
 * so, its events are older than the delete and must not bring it back (a
 * put of it that came late would make it again).
 */
void
cache_deleted(int kind, const char *name)
{
	map_put(&tombs[kind], name, (void *)1);
}

/* Forget an entity; kept, marked gone, while something holds it. */
void
ent_drop(Ent *e)
{
	if (ent_busy(e)) {
		e->gone = 1;
		e->staged = 0;
		return;
	}
	ent_free(e);
}

/* Something stopped holding e: free it if it is gone. */
void
ent_unhold(Ent *e)
{
	if (e->gone && !ent_busy(e))
		ent_free(e);
}

/* Note which package of ours a package binds, if the document says. */
static void
ent_binding(Ent *e, json_t *doc)
{
	json_t *b = json_object_get(doc, "binding");
	const char *ns = json_string_value(json_object_get(b, "namespace"));
	const char *name = json_string_value(json_object_get(b, "name"));

	if (e->kind != Epackage || !json_is_object(b))
		return;
	free(e->bindto);
	e->bindto = name && (ns == NULL || fs.ns == NULL || strcmp(ns, fs.ns) == 0) ? estrdup(name) : NULL;
}

/* An action by the name a user sees: "b/hello" in a binding b of utils is utils/hello. */
Ent *
action_ent(const char *name)
{
	Ent *e = ent_get(Eaction, name), *p;
	const char *slash = strchr(name, '/');
	char buf[1024];

	if (e != NULL || slash == NULL)
		return e;
	snprintf(buf, sizeof buf, "%.*s", (int)(slash - name), name);
	if ((p = ent_get(Epackage, buf)) == NULL || p->bindto == NULL)
		return NULL;
	snprintf(buf, sizeof buf, "%s/%s", p->bindto, slash + 1);
	return ent_get(Eaction, buf);
}

/* Note the version, time and (if given) whole document of an entity. */
void
ent_update(Ent *e, json_t *doc, int whole)
{
	json_t *v = json_object_get(doc, "version");
	json_t *u = json_object_get(doc, "updated");

	if (json_is_string(v))
		snprintf(e->version, sizeof e->version, "%s", json_string_value(v));
	if (json_is_integer(u))
		e->updated = json_integer_value(u);
	else if (e->updated == 0)
		e->updated = now_ms();
	e->staged = 0;
	ent_binding(e, doc);
	if (whole) {
		json_decref(e->doc);
		e->doc = json_incref(doc);
		e->loadedat = now_ms();
		snprintf(e->docver, sizeof e->docver, "%s", e->version);
		e->size = -1;
	}
}

static void
loaded(Resp *r, void *arg)
{
	Ent *e = arg;

	e->loading = 0;
	if (r->err == 0 && json_is_object(resp_json(r)))
		ent_update(e, resp_json(r), 1);
	else if (r->err == 0)
		r->err = -EIO;
	if (r->err < 0)
		ent_seterr(e, r->text);
	wait_wake(&e->waiters, r->err);
	ent_unhold(e);
}

/*
 * Make sure e->doc is the current document, then call fn(arg, 0), or
 * fn(arg, -errno). fn may run before this returns, when the document is
 * already here. Returns 0 or -errno (then fn is not called).
 */
int
ent_load(Ent *e, void (*fn)(void *arg, int err), void *arg)
{
	char *path;
	int rc;

	if (ent_docfresh(e)) {
		fn(arg, 0);
		return 0;
	}
	if (!e->loading) {
		path = bk_path(e->kind, e->name, NULL);
		rc = bk_json("GET", path, NULL, loaded, e);
		free(path);
		if (rc < 0)
			return rc;
		e->loading = 1;
	}
	wait_add(&e->waiters, fn, arg);
	return 0;
}

void
ent_seterr(Ent *e, const char *text)
{
	free(e->err);
	e->err = text ? estrdup(text) : NULL;
}

typedef struct Each {
	void (*fn)(Ent *e, void *arg);
	void *arg;
} Each;

static void
each1(const char *key, void *val, void *arg)
{
	Each *x = arg;
	Ent *e = val;

	(void)key;
	if (!e->gone)
		x->fn(e, x->arg);
}

void
cache_each(int kind, void (*fn)(Ent *e, void *arg), void *arg)
{
	Each x = { fn, arg };

	map_each(&ents[kind], each1, &x);
}

static void
count1(Ent *e, void *arg)
{
	if (!e->staged)
		(*(size_t *)arg)++;
}

/* How many entities of a kind the backend has, as far as we know. */
size_t
cache_count(int kind)
{
	size_t n = 0;

	cache_each(kind, count1, &n);
	return n;
}

/*
 * An entity's name from a listing or an event: "NAME", or "PKG/NAME" for an
 * action whose namespace is "NS/PKG".
 */
static int
docname(json_t *doc, char *out, size_t len)
{
	const char *name = json_string_value(json_object_get(doc, "name"));
	const char *ns = json_string_value(json_object_get(doc, "namespace"));
	const char *slash = ns ? strchr(ns, '/') : NULL;

	if (name == NULL)
		return -EINVAL;
	if (slash)
		snprintf(out, len, "%s/%s", slash + 1, name);
	else
		snprintf(out, len, "%s", name);
	return 0;
}

/* A whole document from a listing (faasfs sync's actions?code=true): kept as if loaded. */
void
cache_put_whole(int kind, json_t *doc)
{
	char name[512];
	Ent *e;

	if (docname(doc, name, sizeof name) == 0 && (e = ent_make(kind, name)) != NULL)
		ent_update(e, doc, 1);
}

/* Are all documents here, and current? */
static void
fresh1(Ent *e, void *arg)
{
	if (!ent_docfresh(e))
		*(int *)arg = 0;
}

int
cache_all_fresh(void)
{
	int k, all = 1;

	for (k = 0; k < Nekind; k++)
		cache_each(k, fresh1, &all);
	return all;
}

typedef struct All {
	int pending;
	int err;
	void (*fn)(void *arg, int err);
	void *arg;
} All;

static void
all1(void *arg, int err)
{
	All *a = arg;

	if (err < 0 && err != -ENOENT)
		a->err = err;
	if (--a->pending > 0)
		return;
	a->fn(a->arg, a->err);
	free(a);
}

static void
load1(Ent *e, void *arg)
{
	All *a = arg;

	if (ent_docfresh(e))
		return;
	a->pending++;
	if (ent_load(e, all1, a) < 0)
		a->pending--;
}

/* Load every entity's document, then fn(arg, 0 or -errno). */
int
cache_load_all(void (*fn)(void *arg, int err), void *arg)
{
	All *a = ecalloc(1, sizeof *a);
	int k;

	a->fn = fn;
	a->arg = arg;
	a->pending = 1; /* ours, until every load is asked for */
	for (k = 0; k < Nekind; k++)
		cache_each(k, load1, a);
	all1(a, 0);
	return 0;
}

/* ---- priming: list every collection, page by page ---- */

enum { Page = 200 };

typedef struct Prime {
	unsigned listing; /* this listing's number: the marks it leaves */
	int kind;
	int skip;
	int whole; /* the actions with their code (actions?code=true, ours) */
	void (*done)(int err);
} Prime;

static int primepage(Prime *p);

/* Collect the entities the last listing did not see (the map cannot change while walked). */
static void
sweep1(Ent *e, void *arg)
{
	Buf *gone = arg;

	if (e->mark != listing && !e->staged)
		buf_add(gone, &e, sizeof e);
}

static void
sweep(int kind)
{
	Buf gone = { 0 };
	size_t i;

	cache_each(kind, sweep1, &gone);
	for (i = 0; i < gone.n / sizeof(Ent *); i++) {
		Ent *e = ((Ent **)gone.p)[i];
		notify_gone(e);
		ent_drop(e);
	}
	buf_free(&gone);
}

static void
primed(Prime *p, int err)
{
	int k;

	/* Only the latest listing sweeps: an older one (a sync came meanwhile)
	 * has not seen what the newer one has. */
	if (err == 0 && p->listing == listing) {
		for (k = 0; k < Nekind; k++)
			sweep(k);
		fs.primed = 1;
	}
	p->done(err);
	free(p);
}

/* Is an action listed with code=true whole? A backend that ignores it
 * gives no code: the action is then fetched alone. */
static int
action_whole(json_t *doc)
{
	json_t *exec = json_object_get(doc, "exec");

	return json_object_get(exec, "code") != NULL || strcmp(jstr(json_object_get(exec, "kind")), "sequence") == 0;
}

static void
pagecb(Resp *r, void *arg)
{
	Prime *p = arg;
	size_t i, n = json_array_size(resp_json(r));
	char name[512];

	if (r->err < 0 || !json_is_array(resp_json(r))) {
		log_warn("listing %s: %s", collname[p->kind], r->err < 0 ? r->text : "not a JSON array");
		primed(p, r->err < 0 ? r->err : -EIO);
		return;
	}
	for (i = 0; i < n; i++) {
		json_t *doc = json_array_get(resp_json(r), i);
		Ent *e;
		if (docname(doc, name, sizeof name) < 0 || (e = ent_make(p->kind, name)) == NULL)
			continue;
		if (strcmp(e->version, jstr(json_object_get(doc, "version"))) != 0)
			notify_changed(e);
		ent_update(e, doc, p->whole && p->kind == Eaction && action_whole(doc));
		if (e->mark < p->listing)
			e->mark = p->listing;
	}
	if (n == Page)
		p->skip += Page;
	else {
		p->kind++;
		p->skip = 0;
	}
	if (p->kind == Nekind) {
		primed(p, 0);
		return;
	}
	if ((i = primepage(p)) != 0)
		primed(p, (int)i);
}

static int
primepage(Prime *p)
{
	char path[128];

	snprintf(path, sizeof path, "%s?limit=%d&skip=%d%s", collname[p->kind], Page, p->skip,
	         p->whole && p->kind == Eaction ? "&code=true" : "");
	return bk_json("GET", path, NULL, pagecb, p);
}

static int
prime(void (*done)(int err), int whole)
{
	Prime *p = ecalloc(1, sizeof *p);
	int rc;

	p->done = done;
	p->whole = whole;
	p->listing = ++listing;
	for (rc = 0; rc < Nekind; rc++)
		map_free(&tombs[rc]); /* the listing is the truth now */
	if ((rc = primepage(p)) < 0)
		free(p);
	return rc;
}

/* List everything; done(0) once the cache holds the backend's view. */
int
cache_prime(void (*done)(int err))
{
	return prime(done, 0);
}

/* The same with every action's whole document: one listing for the
 * verbs that compare them all (sync, undeploy). */
int
cache_prime_whole(void (*done)(int err))
{
	return prime(done, 1);
}

static void
stale1(Ent *e, void *arg)
{
	(void)arg;
	e->docver[0] = '\0';
}

/* Forget the documents of one kind: a rule changed, so did its trigger's. */
void
cache_stale(int kind)
{
	cache_each(kind, stale1, NULL);
}

/* ---- events ---- */

static int
kindof(const char *s)
{
	int k;

	for (k = 0; k < Nekind; k++)
		if (strcmp(collname[k], s) == 0)
			return k;
	return -1;
}

static void
rechecked(Resp *r, void *arg)
{
	Ent *e = arg;

	e->holds--;
	if (r->err == -ENOENT && !e->gone && !e->staged) {
		notify_gone(e);
		ent_drop(e);
		return;
	}
	if (r->err == 0 && json_is_object(resp_json(r)))
		ent_update(e, resp_json(r), 1);
	ent_unhold(e);
}

/*
 * A delete event: our own answers and the stream are not ordered with each
 * other (an entity deleted and made again here may hear of the delete after
 * it is back), so ask the backend whether it is really gone.
 */
static void
recheck(Ent *e)
{
	char *path = bk_path(e->kind, e->name, "code=false");

	if (path != NULL && bk_json("GET", path, NULL, rechecked, e) == 0)
		e->holds++;
	free(path);
}

static void
ignore(void *arg, int err)
{
	(void)arg;
	(void)err;
}

/* Versions are MAJOR.MINOR.PATCH; each update of an entity has a greater one. */
static int
vercmp(const char *a, const char *b)
{
	unsigned long x[3] = { 0 }, y[3] = { 0 };
	int i;

	sscanf(a, "%lu.%lu.%lu", &x[0], &x[1], &x[2]);
	sscanf(b, "%lu.%lu.%lu", &y[0], &y[1], &y[2]);
	for (i = 0; i < 3; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/*
 * Apply one entity event {"kind","op","name","version"} from the stream.
 * The stream is in order, but our own answers are not ordered with it: the
 * event of an update may come after the answer to a later update of ours
 * (cp, then sed -i), and must not take the version back (cat version said
 * 0.0.2 after the 0.0.3 commit, t0100, t0420). Only a delete lets the
 * version start over (the entity made anew).
 */
void
cache_event(json_t *ev)
{
	const char *kind = json_string_value(json_object_get(ev, "kind"));
	const char *op = json_string_value(json_object_get(ev, "op"));
	const char *name = json_string_value(json_object_get(ev, "name"));
	const char *version;
	int k = kind ? kindof(kind) : -1;
	Ent *e;

	if (k < 0 || op == NULL || name == NULL)
		return;
	if (k == Erule)
		cache_stale(Etrigger);
	if (strcmp(op, "delete") == 0) {
		map_del(&tombs[k], name);
		if ((e = ent_get(k, name)) != NULL && !e->staged) {
			e->reborn = 1;
			recheck(e);
		}
		return;
	}
	if (map_get(&tombs[k], name) != NULL)
		return; /* from before our delete: the stream is in order */
	e = ent_make(k, name);
	version = jstr(json_object_get(ev, "version"));
	if (!e->reborn && vercmp(version, e->version) < 0)
		return; /* from before an update of ours whose answer came first */
	e->reborn = 0;
	if (strcmp(e->version, version) != 0) {
		int isnew = e->version[0] == '\0';
		ent_update(e, ev, 0);
		e->updated = now_ms();
		if (isnew)
			notify_new(e);
		else
			notify_changed(e);
		if (k == Epackage)
			ent_load(e, ignore, NULL); /* learn whether it binds */
	}
}
