/* src_commit.c — committing an action's tree: once it has been quiet, or at once for an fsync or an invocation, which wait for it.
 *
 * The tree is committed as one new version, validated as any code, when
 * no file of it is open for writing and nothing has changed for QUIET_MS
 * (src.c says why); src_settle commits at once and calls back when it is
 * done. A failed commit leaves the tree dirty and says why in err.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"
#include "src_int.h"

static void src_commit(Src *s);

static void
waits_done(Src *s, int err, const char *text)
{
	Srcwait *w = SLIST_FIRST(&s->waits), *next;

	SLIST_INIT(&s->waits);
	for (; w != NULL; w = next) {
		next = SLIST_NEXT(w, link);
		w->fn(w->arg, err, text);
		free(w);
	}
}

typedef struct Sc {
	char *ename;
	unsigned gen;
} Sc;

static void
committed(void *arg, int err, const char *text)
{
	Sc *c = arg;
	Ent *e = action_ent(c->ename);
	Src *s = e ? e->src : NULL;
	char path[1024];

	if (s != NULL) {
		s->committing = 0;
		if (err == 0 && s->gen == c->gen)
			s->dirty = 0;
		if (err == 0)
			snprintf(s->docver, sizeof s->docver, "%s", e->version);
		if (err < 0) {
			snprintf(path, sizeof path, "actions/%s/src", c->ename);
			src_err(s, path, err, text);
		}
		waits_done(s, err, text);
		if (err == 0 && s->dirty && s->writers == 0)
			src_commit(s); /* changed while it was being committed */
	}
	free(c->ename);
	free(c);
}

/* Commit the tree now. */
static void
src_commit(Src *s)
{
	Ent *e = action_ent(s->ename);
	Node n = { .q = Qsrc, .ekind = Eaction };
	char path[1024];
	Buf code = { 0 };
	Sc *c;
	int rc;

	if (e == NULL || s->committing)
		return;
	if (s->quiet)
		uv_timer_stop(s->quiet);
	snprintf(path, sizeof path, "actions/%s/src", s->ename);
	n.ename = s->ename;
	n.path = path;
	if ((rc = src_pack(s, e, &code)) < 0) {
		/* an empty tree (rm -r on its way to the action) is not an error until someone waits */
		if (rc != -ENOENT || !SLIST_EMPTY(&s->waits))
			src_err(s, path, rc, rc == -ENOENT ? "the tree has no file" : "cannot pack the tree as a zip");
		waits_done(s, rc, rc == -ENOENT ? "the tree has no file" : NULL);
		return;
	}
	c = ecalloc(1, sizeof *c);
	c->ename = estrdup(s->ename);
	c->gen = s->gen;
	s->committing = 1;
	if ((rc = commit(&n, code.p ? code.p : "", code.n, committed, c)) < 0)
		committed(c, rc, "cannot commit the tree");
	buf_free(&code);
}

static void
quiet_fired(uv_timer_t *t)
{
	Src *s = t->data;

	if (s->dirty && s->writers == 0)
		src_commit(s);
}

/* Commit s once it has had no change for QUIET_MS. */
void
src_quiet(Src *s)
{
	uv_timer_start(s->quiet, quiet_fired, QUIET_MS, 0);
}

/* The tree changed: commit it once it is quiet. */
void
src_changed(Src *s, fuse_req_t req)
{
	if (req) {
		s->uid = fuse_req_ctx(req)->uid;
		s->pid = fuse_req_ctx(req)->pid;
	}
	s->dirty = 1;
	s->gen++;
	if (s->quiet == NULL) {
		s->quiet = ecalloc(1, sizeof *s->quiet);
		uv_timer_init(fs.loop, s->quiet);
		s->quiet->data = s;
	}
	if (s->writers == 0)
		src_quiet(s);
	else
		uv_timer_stop(s->quiet);
}

/* Run fn(arg, err, text) once e's tree holds nothing uncommitted:
 * at once when it is so (1), else after committing it now (0). */
int
src_settle(Ent *e, void (*fn)(void *arg, int err, const char *text), void *arg)
{
	Src *s = e ? e->src : NULL;
	Srcwait *w;

	if (s == NULL || (!s->dirty && !s->committing))
		return 1;
	w = ecalloc(1, sizeof *w);
	w->fn = fn;
	w->arg = arg;
	SLIST_INSERT_HEAD(&s->waits, w, link);
	if (!s->committing)
		src_commit(s);
	return 0;
}

/* fsync(2) of a file of a tree: commit it and say how that went. */
void
src_fsync(Open *o, fuse_req_t req)
{
	void *l = later(req, "fsync", o->node->path);
	int rc;

	if ((rc = src_settle(node_ent(o->node), later_reply, l)) != 0)
		later_reply(l, rc < 0 ? rc : 0, NULL);
}

/* A commit's failure, in the err of whoever changed the tree last. */
void
src_err(Src *s, const char *path, int err, const char *text)
{
	Ent *e = action_ent(s->ename);

	err_note_as(s->uid, s->pid, "commit", path, e, err, text);
}
