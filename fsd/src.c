/* src.c — an action as a directory: src/ is its tree of source files, packed as a zip when it is committed.
 *
 * Every action but a sequence has two faces: code, the form the backend
 * stores (a file's text, or a zip), and src/, that form unpacked: a zip's
 * files and folders, or the one file of a single-file action under the name
 * the runtime gives it (__main__.py, index.js, exec). They are the same
 * action: writing either changes it. A tree packs back to the single-file
 * form only when the action has that form and the tree is that one file;
 * any other tree is sent as a zip, which the platform unpacks for the
 * runtime (faasfs-proxy(8)).
 *
 * This mount keeps a working copy of each tree it has shown (Src, unpacked
 * from the document once per version). create, write, truncate, chmod,
 * mkdir, unlink, rmdir and rename change the copy at once, so the tree
 * reads back as written, sizes and all. The copy is committed, as one new
 * version validated as any code (validate=true), when it has been quiet:
 * no file of it open for writing and no change for QUIET_MS, so that cp -r
 * of fifty files, which closes each before it opens the next, makes one
 * version and not fifty half-trees that fail to load. An invocation
 * through this mount, and fsync(2) of a file of the tree (editors do it
 * when they save), commit at once and wait: fsync fails with EINVAL when
 * the code does not load, and err says why, as a close of code does.
 * A failed commit leaves the copy as it was, still to be committed; its
 * text is in the err files (the mount's and the action's).
 *
 * Editors' own files (a vim swap file .NAME.swp, a backup NAME~, vim's
 * probe 4913, emacs' #NAME# and .#NAME) are scratch files in memory
 * (scratch.c), never part of the tree; a rename of one onto a name of the
 * tree puts its content there, and a rename of a tree file onto such a name
 * takes it out. Every other name is the user's, dot files too.
 *
 * A new action is made as a directory with mkdir actions/NAME, then
 * mkdir (or cp -r) of its src: `cp -r app/ $FAAS/actions/app/src`. Its kind
 * is told from the tree as an archive's (archive.c); an existing action
 * keeps its kind, unless the tree is of another family (a python tree
 * made a node one): the kind file, written, is what the user says.
 *
 * src.c keeps the tree and answers for its names and files; src_zip.c
 * unpacks it from the code and packs it back; src_commit.c commits it.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "dat.h"
#include "fns.h"
#include "src_int.h"

/* Names that stay scratch files in a tree: editors' own. */
int
src_scratch_name(const char *name)
{
	size_t n = strlen(name), i;

	if (n == 0 || name[n - 1] == '~' || strncmp(name, ".#", 2) == 0 || (name[0] == '#' && name[n - 1] == '#'))
		return 1;
	if (name[0] == '.' && n > 4 && (strcmp(name + n - 4, ".swp") == 0 || strcmp(name + n - 4, ".swx") == 0))
		return 1;
	for (i = 0; i < n && isdigit((unsigned char)name[i]); i++)
		;
	return i == n;
}

/* The path of n inside its tree: "" for src itself. Node paths are
 * actions/NAME/src/... or packages/PKG/actions/NAME/src/... */
const char *
src_rel(Node *n)
{
	const char *p = n->path;
	int skip = strncmp(p, "packages/", 9) == 0 ? 5 : 3;

	while (skip-- > 0 && (p = strchr(p, '/')) != NULL)
		p++;
	return p ? p : "";
}

static void
ent_free1(const char *key, void *val, void *arg)
{
	Srcent *s = val;

	(void)key, (void)arg;
	if (s == NULL)
		return;
	buf_free(&s->data);
	free(s);
}

void
srcents_clear(Src *s)
{
	map_each(&s->ents, ent_free1, NULL);
	map_free(&s->ents);
	memset(&s->ents, 0, sizeof s->ents);
}

static void
timer_closed(uv_handle_t *h)
{
	free(h);
}

void
src_free(Src *s)
{
	Srcwait *w;

	if (s == NULL)
		return;
	while ((w = SLIST_FIRST(&s->waits)) != NULL) {
		SLIST_REMOVE_HEAD(&s->waits, link);
		w->fn(w->arg, -ENOENT, "the action is gone");
		free(w);
	}
	if (s->quiet)
		uv_close((uv_handle_t *)s->quiet, timer_closed);
	srcents_clear(s);
	free(s->ename);
	free(s);
}

Srcent *
srcent_add(Src *s, const char *path, mode_t mode)
{
	Srcent *x = map_get(&s->ents, path);

	if (x == NULL) {
		x = ecalloc(1, sizeof *x);
		map_put(&s->ents, path, x);
	}
	x->mode = mode;
	x->mtime = now_ms();
	return x;
}

/* Add path's folders, a/ and a/b/ for a/b/c. */
void
srcent_parents(Src *s, const char *path)
{
	char buf[4096];
	char *p;

	snprintf(buf, sizeof buf, "%s", path);
	for (p = strchr(buf, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (map_get(&s->ents, buf) == NULL)
			srcent_add(s, buf, S_IFDIR | 0755);
		*p = '/';
	}
}

static int
is_sequence(Ent *e)
{
	const char *kind = json_string_value(json_object_get(json_object_get(e->doc, "exec"), "kind"));

	return kind && strcmp(kind, "sequence") == 0;
}

static Src *
src_new(Ent *e)
{
	Src *s = ecalloc(1, sizeof *s);

	s->ename = estrdup(e->name);
	return s;
}

/* The action's tree, unpacked from its document when that is newer
 * and the copy holds nothing uncommitted. 0, -EAGAIN (the document must
 * be loaded first), -ENOENT (a sequence, or a staged action whose src was
 * never made). */
int
src_of(Ent *e, Src **out)
{
	Src *s = e ? e->src : NULL;
	int rc;

	*out = NULL;
	if (e == NULL)
		return -ENOENT;
	if (s != NULL && (s->dirty || s->committing || e->staged || strcmp(s->docver, e->version) == 0)) {
		*out = s;
		return 0;
	}
	if (e->staged)
		return -ENOENT;
	if (!ent_docfresh(e))
		return -EAGAIN;
	if (is_sequence(e))
		return -ENOENT;
	if (s == NULL)
		s = e->src = src_new(e);
	if ((rc = src_unpack(s, e)) < 0)
		return rc;
	*out = s;
	return 0;
}

static Srcent *
ent_at(Node *n, Src **sp)
{
	Src *s;

	if (src_of(node_ent(n), &s) < 0)
		return NULL;
	if (sp)
		*sp = s;
	return map_get(&s->ents, src_rel(n));
}

/* ---- names ---- */

/* Does n name something (or may it: its document is not loaded yet)? */
int
src_exists(Node *n)
{
	Src *s;
	int rc = src_of(node_ent(n), &s);

	if (rc == -EAGAIN || (rc == 0 && n->q == Qsrc))
		return rc != -ENOENT;
	return rc == 0 && map_get(&s->ents, src_rel(n)) != NULL;
}

/* A file of a tree is there while its action and the tree are. */
int
src_there(Node *n)
{
	return node_ent(n) != NULL && src_exists(n);
}

/* An open of a file of a tree: 0 when the tree is at hand, -EAGAIN when
 * its document must be loaded; what it reads is the tree's, not a snapshot. */
int
src_opening(Pend *p, Node *n, Buf *b)
{
	Src *s;

	(void)p, (void)b;
	return src_of(node_ent(n), &s);
}

/* What name in the tree's folder dir is. */
int
src_kid(Node *dir, const char *name, Kid *k, char *buf, size_t len)
{
	char *path = path_join(src_rel(dir), name);
	Src *s;
	int rc = src_of(node_ent(dir), &s);

	if (rc == 0 && map_get(&s->ents, path) == NULL)
		rc = -ENOENT;
	free(path);
	(void)buf, (void)len;
	k->q = Qsrcent; /* for -EAGAIN too: what waits for the document */
	k->ekind = Eaction;
	k->ename = dir->ename;
	return rc;
}

mode_t
src_mode(Node *n)
{
	Srcent *x = n->q == Qsrc ? NULL : ent_at(n, NULL);

	if (n->q == Qsrc)
		return S_IFDIR | 0755;
	return x ? x->mode : S_IFREG | 0644;
}

int
src_attr(Node *n, uid_t uid, Ent *e, struct stat *st)
{
	Src *s;
	Srcent *x;
	int rc = src_of(node_ent(n), &s);

	(void)uid, (void)e;
	if (rc < 0)
		return rc;
	st->st_mode = S_IFDIR | 0755;
	if (n->q == Qsrc)
		return 0;
	if ((x = map_get(&s->ents, src_rel(n))) == NULL)
		return -ENOENT;
	st->st_mode = x->mode;
	st->st_size = S_ISREG(x->mode) ? (off_t)x->data.n : 0;
	st->st_mtim.tv_sec = x->mtime / 1000;
	st->st_mtim.tv_nsec = x->mtime % 1000 * 1000000;
	return 0;
}

typedef struct Lsrc {
	const char *dir;
	size_t len;
	void (*fn)(const char *name, mode_t mode, void *arg);
	void *arg;
} Lsrc;

static void
ls1(const char *key, void *val, void *arg)
{
	Lsrc *l = arg;
	Srcent *x = val;

	if (l->len && (strncmp(key, l->dir, l->len) != 0 || key[l->len] != '/'))
		return;
	key += l->len ? l->len + 1 : 0;
	if (strchr(key, '/') == NULL)
		l->fn(key, x->mode & S_IFMT, l->arg);
}

void
src_list(Node *dir, void (*fn)(const char *name, mode_t mode, void *arg), void *arg)
{
	Lsrc l = { src_rel(dir), 0, fn, arg };
	Src *s;

	l.len = strlen(l.dir);
	if (src_of(node_ent(dir), &s) == 0)
		map_each(&s->ents, ls1, &l);
}

/* ---- files ---- */

void
src_open(Open *o)
{
	Src *s;
	Srcent *x = ent_at(o->node, &s);

	if (x == NULL)
		return;
	if ((o->flags & O_ACCMODE) != O_RDONLY) {
		o->srcw = 1;
		s->writers++;
		if (s->quiet)
			uv_timer_stop(s->quiet);
	}
	if ((o->flags & O_TRUNC) && x->data.n) {
		buf_reset(&x->data);
		x->mtime = now_ms();
		src_changed(s, NULL);
	}
}

void
src_read(Open *o, fuse_req_t req, size_t size, off_t off)
{
	static const Buf none;
	Srcent *x = ent_at(o->node, NULL);

	reply_slice(req, x ? &x->data : &none, size, off);
}

void
src_write(Open *o, fuse_req_t req, const char *buf, size_t size, off_t off)
{
	Src *s;
	Srcent *x = ent_at(o->node, &s);

	if (x == NULL || S_ISDIR(x->mode)) {
		fuse_reply_err(req, x ? EISDIR : ENOENT);
		return;
	}
	if ((size_t)off + size > SRC_MAX) {
		fail_req(req, "write", o->node->path, NULL, -EFBIG, "a file of a tree is at most 64 MB");
		return;
	}
	if (o->flags & O_APPEND)
		off = (off_t)x->data.n;
	buf_pwrite(&x->data, buf, size, off);
	x->mtime = now_ms();
	src_changed(s, req);
	fuse_reply_write(req, size);
}

void
src_release(Open *o)
{
	Src *s;
	Ent *e = node_ent(o->node);

	if (!o->srcw || e == NULL || (s = e->src) == NULL)
		return;
	o->srcw = 0;
	if (--s->writers == 0 && s->dirty && !s->committing && s->quiet)
		src_quiet(s);
}

void
src_truncate(Node *n, Open *o, off_t size)
{
	Src *s;
	Srcent *x = ent_at(n, &s);

	(void)o;
	if (x == NULL || !S_ISREG(x->mode) || (size_t)size == x->data.n)
		return;
	buf_pwrite(&x->data, "", 0, size);
	x->data.n = (size_t)size;
	x->mtime = now_ms();
	src_changed(s, NULL);
}

void
src_chmod(Node *n, mode_t mode)
{
	Src *s;
	Srcent *x = ent_at(n, &s);

	if (x == NULL || (x->mode & 0777) == (mode & 0777))
		return;
	x->mode = (x->mode & S_IFMT) | (mode & 0777);
	src_changed(s, NULL);
}

/* ---- changing names ---- */

/* A new file or folder name in the tree's folder dir. */
int
src_make(fuse_req_t req, Node *dir, const char *name, mode_t mode, Kid *k)
{
	char *path = path_join(src_rel(dir), name);
	Src *s;
	int rc = src_of(node_ent(dir), &s);

	if (rc == 0 && map_get(&s->ents, path) != NULL && S_ISDIR(mode))
		rc = -EEXIST;
	if (rc == 0)
		srcent_add(s, path, S_ISDIR(mode) ? S_IFDIR | 0755 : S_IFREG | (mode & 0777));
	free(path);
	if (rc < 0)
		return rc;
	src_changed(s, req);
	*k = (Kid){ .q = Qsrcent, .ekind = Eaction, .ename = dir->ename };
	return 0;
}

/* mkdir of src in a staged action's folder (made by mkdir): an empty tree. */
int
src_start(Ent *e)
{
	if (e == NULL || !e->staged)
		return -EEXIST;
	if (e->src == NULL)
		e->src = src_new(e);
	return 0;
}

typedef struct Under {
	const char *dir;
	size_t len;
	int n;
} Under;

static void
under1(const char *key, void *val, void *arg)
{
	Under *u = arg;

	(void)val;
	u->n += strncmp(key, u->dir, u->len) == 0 && key[u->len] == '/';
}

static int
count_under(Src *s, const char *dir)
{
	Under u = { dir, strlen(dir), 0 };

	map_each(&s->ents, under1, &u);
	return u.n;
}

/* unlink (dir 0) or rmdir (dir 1) of name in the tree's folder parent. */
int
src_remove(fuse_req_t req, Node *parent, const char *name, int dir)
{
	char *path = path_join(src_rel(parent), name);
	Src *s;
	Srcent *x = NULL;
	int rc = src_of(node_ent(parent), &s);

	if (rc == 0 && (x = map_get(&s->ents, path)) == NULL)
		rc = -ENOENT;
	if (rc == 0 && dir != S_ISDIR(x->mode))
		rc = dir ? -ENOTDIR : -EISDIR;
	if (rc == 0 && dir && count_under(s, path) > 0)
		rc = -ENOTEMPTY;
	if (rc == 0) {
		ent_free1(path, map_del(&s->ents, path), NULL);
		src_changed(s, req);
	}
	free(path);
	return rc;
}

typedef struct Mv {
	const char *from;
	size_t len;
	Buf keys; /* NUL-separated: the entries under from */
} Mv;

static void
mv1(const char *key, void *val, void *arg)
{
	Mv *m = arg;

	(void)val;
	if (strncmp(key, m->from, m->len) == 0 && (key[m->len] == '/' || key[m->len] == '\0'))
		buf_add(&m->keys, key, strlen(key) + 1);
}

/* Move the entry from (and what is under it) to to, within s. */
static void
move_within(Src *s, const char *from, const char *to)
{
	Mv m = { from, strlen(from), { 0 } };
	char *k, *nk;
	Srcent *x;

	map_each(&s->ents, mv1, &m);
	for (k = m.keys.p; k && k < m.keys.p + m.keys.n; k += strlen(k) + 1) {
		nk = easprintf("%s%s", to, k + m.len);
		x = map_del(&s->ents, k);
		ent_free1(nk, map_del(&s->ents, nk), NULL); /* what it replaces */
		map_put(&s->ents, nk, x);
		free(nk);
	}
	buf_free(&m.keys);
}

/* Is node n of a tree (src or below it)? */
int
is_src(Node *n)
{
	return n != NULL && (n->q == Qsrc || n->q == Qsrcent);
}

/*
 * rename within a tree, or between the tree and an editor's scratch file
 * (either way): a scratch file onto a tree name puts its content there; a
 * tree file onto a scratch name takes it out of the tree.
 */
int
src_rename(fuse_req_t req, Node *sdir, const char *name, Node *dir, const char *newname, unsigned flags)
{
	char *from = NULL, *to = NULL, *spath = path_join(sdir->path, name), *dpath = path_join(dir->path, newname);
	Ent *se = is_src(sdir) ? node_ent(sdir) : NULL, *de = is_src(dir) ? node_ent(dir) : NULL;
	Scratch *sc = scratch_get(spath);
	Src *s = NULL;
	Srcent *x;
	int rc = 0;

	if (se && de && se != de)
		rc = -EXDEV; /* another action's tree: mv copies */
	else if ((rc = src_of(se ? se : de, &s)) < 0)
		;
	else {
		if (se)
			from = path_join(src_rel(sdir), name);
		if (de)
			to = path_join(src_rel(dir), newname);
		if ((flags & RENAME_NOREPLACE) && to && map_get(&s->ents, to))
			rc = -EEXIST;
		else if (de && !src_scratch_name(newname) && sc && se == NULL) { /* scratch -> tree */
			x = srcent_add(s, to, S_IFREG | (sc->mode & 0777));
			buf_reset(&x->data);
			buf_add(&x->data, sc->data.p ? sc->data.p : "", sc->data.n);
			scratch_unlink(spath);
			src_changed(s, req);
		} else if (se && from && (x = map_get(&s->ents, from)) != NULL &&
		           (de == NULL || src_scratch_name(newname))) {
			/* tree -> scratch: a backup of the file being saved */
			Scratch *n = S_ISREG(x->mode) ? scratch_new(dpath, x->mode & 0777) : NULL;
			if (n == NULL)
				rc = -EPERM;
			else {
				buf_add(&n->data, x->data.p ? x->data.p : "", x->data.n);
				ent_free1(from, map_del(&s->ents, from), NULL);
				src_changed(s, req);
			}
		} else if (se && de && from && to && map_get(&s->ents, from)) {
			move_within(s, from, to);
			node_unpath(dpath);
			node_rename(spath, dpath, se->name, de->name);
			src_changed(s, req);
		} else
			rc = -ENOENT;
	}
	free(from);
	free(to);
	free(spath);
	free(dpath);
	return rc;
}
