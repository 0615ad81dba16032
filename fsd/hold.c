/* hold.c — activations/ID/debug/: a failed activation's container, held for inspection, as a folder.
 *
 * An action whose debug file says true (or seconds: annotation debug)
 * keeps the container of a failed activation for a while (the backend's
 * sched_hold.c); the record says until when (annotation heldUntil). While
 * it is held, activations/ID/debug/ is its working directory, read through
 * the backend: GET .../activations/ID/debug lists it (kept here a second,
 * as the kernel keeps the entry), GET .../debug/PATH gives a file's bytes
 * at each open. Files and folders only, read-only: the function's links
 * and sockets are left out, as the backend follows nothing. rm -r (or
 * rmdir) of debug/ releases the container (DELETE .../debug, change.c);
 * what is below it goes with it, as an action's files go with rm -r of the
 * action. A hold over, or released elsewhere, is ENOENT at the next look.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"

enum { HOLD_FRESH_MS = 1000 };

/* What this mount knows of one held container. */
typedef struct Hold {
	json_t *files; /* its listing: [{"path","type","size"}] */
	int64_t until; /* ms since the epoch */
	int64_t got;   /* when the listing came */
	int gone;      /* not held (any more) */
	int loading;   /* the listing is being fetched */
	Waitq waiters; /* waiting for it */
	Map bytes;     /* path -> Buf: files fetched by opens since */
} Hold;

static Map holds; /* activation id -> Hold */

static void
bytes_free(const char *key, void *val, void *arg)
{
	(void)key, (void)arg;
	buf_free(val);
	free(val);
}

static void
hold_forget(Hold *h)
{
	map_each(&h->bytes, bytes_free, NULL);
	map_free(&h->bytes);
	json_decref(h->files);
	h->files = NULL;
}

/* Does the activation's record say its container is held now? */
static int
held_by_record(const char *id)
{
	Act *a = act_get(id);
	json_t *ann = a ? kv_object(json_object_get(act_rec(a), "annotations")) : NULL;
	int64_t until = json_integer_value(json_object_get(ann, "heldUntil"));

	json_decref(ann);
	return until > now_ms();
}

static Hold *
hold_of(const char *id)
{
	Hold *h = map_get(&holds, id);

	return h && !h->gone && h->until > now_ms() ? h : NULL;
}

/* The path of n below its debug/ ("" for debug/ itself). */
static const char *
rel_of(Node *n)
{
	const char *p = strstr(n->path, "/debug");

	return p && p[6] == '/' ? p + 7 : "";
}

/* The listing's entry for path, or NULL. */
static json_t *
entry_of(Hold *h, const char *path)
{
	json_t *f;
	size_t i;

	json_array_foreach(h->files, i, f) if (strcmp(jstr(json_object_get(f, "path")), path) == 0) return f;
	return NULL;
}

static mode_t
entry_mode(json_t *f)
{
	const char *t = jstr(json_object_get(f, "type"));

	return !strcmp(t, "dir") ? S_IFDIR | 0755 : !strcmp(t, "file") ? S_IFREG | 0444 : 0;
}

/* ---- fetching ---- */

static void
listed(Resp *r, void *arg)
{
	char *id = arg;
	Hold *h = map_get(&holds, id);
	json_t *j = resp_json(r);
	int err = r->err == -ENOENT ? 0 : r->err;

	free(id);
	if (h == NULL)
		return;
	h->loading = 0;
	if (err == 0) {
		hold_forget(h);
		h->gone = r->err == -ENOENT;
		h->got = now_ms();
		h->until = json_integer_value(json_object_get(j, "until"));
		h->files = json_incref(json_object_get(j, "files"));
	}
	wait_wake(&h->waiters, err);
}

static int
fetch_list(const char *id, void (*fn)(void *arg, int err), void *arg)
{
	Hold *h = map_get(&holds, id);
	char path[128], *key = estrdup(id);
	int rc = 0;

	if (h == NULL) {
		h = ecalloc(1, sizeof *h);
		map_put(&holds, id, h);
	}
	snprintf(path, sizeof path, "activations/%s/debug", id);
	if (!h->loading && (rc = bk_json("GET", path, NULL, listed, key)) < 0) {
		free(key);
		return rc;
	}
	if (h->loading)
		free(key);
	h->loading = 1;
	wait_add(&h->waiters, fn, arg);
	return 0;
}

/* A file's bytes on their way to an open. */
typedef struct Got {
	char *id;
	char *path;
	void (*fn)(void *arg, int err);
	void *arg;
} Got;

static void
file_got(Resp *r, void *arg)
{
	Got *g = arg;
	Hold *h = hold_of(g->id);
	Buf *b = ecalloc(1, sizeof *b), *old;
	int err = r->err;

	if (err == 0 && h == NULL)
		err = -ENOENT;
	if (err == 0) {
		buf_add(b, r->body ? r->body : "", r->len);
		if ((old = map_get(&h->bytes, g->path)) != NULL)
			bytes_free(NULL, old, NULL);
		map_put(&h->bytes, g->path, b);
	} else
		bytes_free(NULL, b, NULL);
	g->fn(g->arg, err);
	free(g->id);
	free(g->path);
	free(g);
}

static int
fetch_file(Node *n, void (*fn)(void *arg, int err), void *arg)
{
	Got *g = ecalloc(1, sizeof *g);
	Buf path = { 0 };
	int rc;

	g->id = estrdup(n->ename);
	g->path = estrdup(rel_of(n));
	buf_printf(&path, "activations/%s/debug/", n->ename);
	url_escape(&path, g->path);
	g->fn = fn;
	g->arg = arg;
	if ((rc = bk_request("GET", path.p, NULL, NULL, 0, 30000, file_got, g)) < 0) {
		free(g->id);
		free(g->path);
		free(g);
	}
	buf_free(&path);
	return rc;
}

/* Fetch what n needs (debug/'s listing, or a file's bytes), then fn(arg, err). */
int
hold_fetch(Node *n, Ent *e, void (*fn)(void *arg, int err), void *arg)
{
	(void)e;
	return n->q == Qhold ? fetch_list(n->ename, fn, arg) : fetch_file(n, fn, arg);
}

/* ---- the tree ---- */

/*
 * What name in dir is (activations/ID for "debug", or below it): 0,
 * -ENOENT, or -EAGAIN with k->q Qhold when the listing must be fetched.
 */
int
hold_kid(Node *dir, const char *name, Kid *k, char *buf, size_t len)
{
	Hold *h = map_get(&holds, dir->ename);
	json_t *f;
	char *path;

	(void)buf, (void)len;
	if (dir->q == Qactivation) {
		if (strcmp(name, "debug") != 0 || !held_by_record(dir->ename))
			return -ENOENT;
		k->q = Qhold;
		if (h == NULL || h->loading || now_ms() - h->got > HOLD_FRESH_MS)
			return -EAGAIN;
		return hold_of(dir->ename) ? 0 : -ENOENT;
	}
	if ((h = hold_of(dir->ename)) == NULL)
		return -ENOENT;
	path = *rel_of(dir) ? path_join(rel_of(dir), name) : estrdup(name);
	f = entry_of(h, path);
	free(path);
	if (f == NULL || entry_mode(f) == 0)
		return -ENOENT;
	k->q = Qholdent;
	return 0;
}

int
hold_exists(Node *n)
{
	Hold *h = hold_of(n->ename);

	return h && (n->q == Qhold || entry_mode(entry_of(h, rel_of(n))) != 0);
}

mode_t
hold_mode(Node *n)
{
	Hold *h = hold_of(n->ename);
	mode_t m = h && n->q == Qholdent ? entry_mode(entry_of(h, rel_of(n))) : 0;

	return m ? m : n->q == Qhold ? S_IFDIR | 0755 : S_IFREG | 0444;
}

int
hold_attr(Node *n, uid_t uid, Ent *e, struct stat *st)
{
	Hold *h = hold_of(n->ename);

	(void)uid, (void)e;
	if (h && n->q == Qholdent && S_ISREG(st->st_mode))
		st->st_size = json_integer_value(json_object_get(entry_of(h, rel_of(n)), "size"));
	return 0;
}

/* A file's bytes, once an open fetched them: 0, -EAGAIN, -ENOENT. */
int
hold_fill(Node *n, Ent *e, Buf *b)
{
	Hold *h = hold_of(n->ename);
	Buf *got = h ? map_get(&h->bytes, rel_of(n)) : NULL;

	(void)e;
	if (h == NULL)
		return -ENOENT;
	if (got == NULL)
		return -EAGAIN;
	buf_add(b, got->p ? got->p : "", got->n);
	bytes_free(NULL, map_del(&h->bytes, rel_of(n)), NULL); /* the next open fetches them again */
	return 0;
}

/* activations/ID lists debug/ while the record says it is held; debug/ and its folders list their entries. */
void
hold_list(Node *dir, void (*fn)(const char *name, mode_t mode, void *arg), void *arg)
{
	const char *rel = rel_of(dir), *p;
	size_t i, len = strlen(rel);
	Hold *h;
	json_t *f;

	if (dir->q == Qactivation) {
		h = map_get(&holds, dir->ename);
		if (held_by_record(dir->ename) && (h == NULL || !h->gone))
			fn("debug", S_IFDIR, arg);
		return;
	}
	if ((h = hold_of(dir->ename)) == NULL)
		return;
	json_array_foreach(h->files, i, f)
	{
		p = jstr(json_object_get(f, "path"));
		if (len && (strncmp(p, rel, len) != 0 || p[len] != '/'))
			continue;
		p += len ? len + 1 : 0;
		if (*p && !strchr(p, '/') && entry_mode(f))
			fn(p, entry_mode(f) & S_IFMT, arg);
	}
}

/* The backend released it (rm -r of debug/): it is gone here at once. */
void
hold_released(const char *id)
{
	Hold *h = map_get(&holds, id);

	if (h == NULL)
		return;
	hold_forget(h);
	h->gone = 1;
}
