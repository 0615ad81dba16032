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
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "dat.h"
#include "fns.h"

enum { QUIET_MS = 300, SRC_MAX = 64 << 20 };

/* One file or folder of a tree. */
typedef struct Srcent {
	Buf data;
	mode_t mode; /* S_IFREG or S_IFDIR, and permissions */
	int64_t mtime;
} Srcent;

/* A commit's waiter: an fsync or an invocation. */
typedef struct Srcwait {
	SLIST_ENTRY(Srcwait) link;
	void (*fn)(void *arg, int err, const char *text);
	void *arg;
} Srcwait;

struct Src {
	Map ents;        /* relative path ("lib/util.py", "lib") -> Srcent */
	char docver[24]; /* the version unpacked, "" for a tree made here */
	char *ename;     /* the action */
	int dirty;       /* changed since unpacked or last committed */
	unsigned gen;    /* bumped by every change */
	int writers;     /* opens for writing of its files */
	int committing;
	uv_timer_t *quiet;
	SLIST_HEAD(, Srcwait) waits;
	uid_t uid; /* who changed it last, for err */
	pid_t pid;
};

/* The name a single-file action's code has in its tree. */
static const char *
entry_name(const char *kind)
{
	if (kind && strncmp(kind, "python", 6) == 0)
		return "__main__.py";
	if (kind && strncmp(kind, "nodejs", 6) == 0)
		return "index.js";
	return "exec";
}

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

static void
ents_clear(Src *s)
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
	ents_clear(s);
	free(s->ename);
	free(s);
}

static Srcent *
ent_add(Src *s, const char *path, mode_t mode)
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
static void
parents_add(Src *s, const char *path)
{
	char buf[4096];
	char *p;

	snprintf(buf, sizeof buf, "%s", path);
	for (p = strchr(buf, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (map_get(&s->ents, buf) == NULL)
			ent_add(s, buf, S_IFDIR | 0755);
		*p = '/';
	}
}

/* A member's path made relative and checked: no absolute paths, no "..". */
static int
clean_path(const char *in, char *out, size_t n)
{
	const char *p = in;
	size_t len;

	while (strncmp(p, "./", 2) == 0)
		p += 2;
	len = strlen(p);
	while (len > 0 && p[len - 1] == '/')
		len--;
	if (len == 0 || len >= n || p[0] == '/' || strstr(p, "../") == p || strstr(p, "/../") ||
	    (len >= 3 && strncmp(p + len - 3, "/..", 3) == 0) || (len == 2 && strncmp(p, "..", 2) == 0))
		return -EINVAL;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

static int
unpack_archive(Src *s, const char *p, size_t n)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	char path[4096];
	Srcent *x;
	int r, rc = 0;

	archive_read_support_format_zip(a);
	archive_read_support_format_tar(a);
	archive_read_support_filter_gzip(a);
	if (archive_read_open_memory(a, p, n) != ARCHIVE_OK) {
		archive_read_free(a);
		return -EINVAL;
	}
	while (rc == 0 && ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK || r == ARCHIVE_WARN)) {
		mode_t type = archive_entry_filetype(ae), perm = archive_entry_perm(ae) & 0777;
		la_ssize_t got;
		char chunk[16384];

		if ((type != AE_IFREG && type != AE_IFDIR) || clean_path(archive_entry_pathname(ae), path, sizeof path))
			continue;
		parents_add(s, path);
		x = ent_add(s, path, (type == AE_IFDIR ? S_IFDIR : S_IFREG) | (perm ? perm : 0644));
		if (type == AE_IFDIR)
			x->mode = S_IFDIR | 0755;
		if (archive_entry_mtime_is_set(ae))
			x->mtime = (int64_t)archive_entry_mtime(ae) * 1000;
		buf_reset(&x->data);
		while (type == AE_IFREG && (got = archive_read_data(a, chunk, sizeof chunk)) > 0)
			buf_add(&x->data, chunk, (size_t)got);
	}
	archive_read_free(a);
	return rc;
}

/* Unpack the action's code (its document's) into s. */
static int
unpack(Src *s, Ent *e)
{
	json_t *exec = json_object_get(e->doc, "exec");
	const char *kind = json_string_value(json_object_get(exec, "kind"));
	Buf code = { 0 };
	Srcent *x;
	int rc;

	ents_clear(s);
	if ((rc = code_bytes(e, &code)) < 0) {
		buf_free(&code);
		return rc;
	}
	if (is_archive(code.p ? code.p : "", code.n))
		rc = unpack_archive(s, code.p, code.n);
	else {
		x = ent_add(s, entry_name(kind), S_IFREG | 0644);
		if (strcmp(entry_name(kind), "exec") == 0)
			x->mode = S_IFREG | 0755;
		x->mtime = e->updated;
		x->data = code;
		code = (Buf){ 0 };
	}
	buf_free(&code);
	snprintf(s->docver, sizeof s->docver, "%s", e->docver);
	return rc;
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
	if ((rc = unpack(s, e)) < 0)
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

/* ---- committing ---- */

typedef struct Zbuf {
	Buf *b;
} Zbuf;

static la_ssize_t
zwrite(struct archive *a, void *arg, const void *p, size_t n)
{
	(void)a;
	buf_add(((Zbuf *)arg)->b, p, n);
	return (la_ssize_t)n;
}

typedef struct Zctx {
	struct archive *a;
	int rc;
	int files;
	const char *only; /* the one file's path */
} Zctx;

static void
zadd(const char *key, void *val, void *arg)
{
	Zctx *z = arg;
	Srcent *x = val;
	struct archive_entry *ae;

	if (z->rc < 0)
		return;
	if ((ae = archive_entry_new()) == NULL)
		oom(0);
	archive_entry_set_pathname(ae, key);
	archive_entry_set_filetype(ae, S_ISDIR(x->mode) ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(ae, x->mode & 0777);
	archive_entry_set_mtime(ae, x->mtime / 1000, 0);
	archive_entry_set_size(ae, S_ISREG(x->mode) ? (la_int64_t)x->data.n : 0);
	if (archive_write_header(z->a, ae) != ARCHIVE_OK ||
	    (S_ISREG(x->mode) && x->data.n && archive_write_data(z->a, x->data.p, x->data.n) < 0))
		z->rc = -EIO;
	archive_entry_free(ae);
	if (S_ISREG(x->mode) && z->files++ == 0)
		z->only = key;
}

/* The tree as the code to send: its one file's bytes when the action is
 * a single file and the tree is that file, else a zip. */
static int
pack(Src *s, Ent *e, Buf *out)
{
	struct archive *a = archive_write_new();
	Buf zip = { 0 };
	Zbuf zb = { &zip };
	Zctx z = { a, 0, 0, NULL };
	const char *kind = json_string_value(json_object_get(json_object_get(e->doc, "exec"), "kind"));
	Buf code = { 0 };
	Srcent *x;

	archive_write_set_format_zip(a);
	if (archive_write_open2(a, &zb, NULL, zwrite, NULL, NULL) != ARCHIVE_OK) {
		archive_write_free(a);
		return -EIO;
	}
	map_each(&s->ents, zadd, &z);
	if (archive_write_close(a) != ARCHIVE_OK && z.rc == 0)
		z.rc = -EIO;
	archive_write_free(a);
	if (z.rc == 0 && z.files == 0)
		z.rc = -ENOENT;
	if (z.rc == 0 && z.files == 1 && !e->staged && strcmp(z.only, entry_name(kind)) == 0 &&
	    code_bytes(e, &code) == 0 && !is_archive(code.p ? code.p : "", code.n) &&
	    (x = map_get(&s->ents, z.only)) != NULL) {
		buf_free(&zip);
		buf_add(&zip, x->data.p ? x->data.p : "", x->data.n);
	}
	buf_free(&code);
	if (z.rc < 0)
		buf_free(&zip);
	*out = zip;
	return z.rc;
}

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
	if ((rc = pack(s, e, &code)) < 0) {
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
		uv_timer_start(s->quiet, quiet_fired, QUIET_MS, 0);
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
		uv_timer_start(s->quiet, quiet_fired, QUIET_MS, 0);
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

typedef struct Fs1 {
	fuse_req_t req;
	char *path;
} Fs1;

static void
synced(void *arg, int err, const char *text)
{
	Fs1 *f = arg;

	if (err < 0)
		err_note(f->req, "fsync", f->path, NULL, err, text);
	fuse_reply_err(f->req, -err);
	free(f->path);
	free(f);
}

/* fsync(2) of a file of a tree: commit it and say how that went. */
void
src_fsync(Open *o, fuse_req_t req)
{
	Fs1 *f = ecalloc(1, sizeof *f);
	Node *n = o->node;
	int rc;

	f->path = estrdup(n->path);
	f->req = req;
	if ((rc = src_settle(node_ent(n), synced, f)) != 0)
		synced(f, rc < 0 ? rc : 0, NULL);
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
		ent_add(s, path, S_ISDIR(mode) ? S_IFDIR | 0755 : S_IFREG | (mode & 0777));
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
			x = ent_add(s, to, S_IFREG | (sc->mode & 0777));
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

/* A commit's failure, in the err of whoever changed the tree last. */
void
src_err(Src *s, const char *path, int err, const char *text)
{
	Ent *e = action_ent(s->ename);

	err_note_as(s->uid, s->pid, "commit", path, e, err, text);
}
