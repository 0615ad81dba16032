/* fsops.c — the FUSE operations on names: lookup, getattr, readdir, create, mkdir, unlink, rename.
 *
 * Everything here answers from the cache (cache.c), except when a document
 * or an activation must be fetched first: then the operation is kept in a
 * Pend and run again when the fetch ends (again()). Operations that change
 * the backend (mkdir, rmdir, unlink, a trigger's create, a rename that
 * commits code) answer from the backend's callback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "dat.h"
#include "fns.h"

enum { Plookup, Pgetattr, Popen, Psetattr };

static void runpend(Pend *p);

Pend *
pend_new(int op, fuse_req_t req, fuse_ino_t ino, const char *name, struct fuse_file_info *fi)
{
	Pend *p = ecalloc(1, sizeof *p);

	p->op = op;
	p->req = req;
	p->ino = ino;
	if (name)
		p->name = estrdup(name);
	if (fi) {
		p->fi = *fi;
		p->has_fi = 1;
	}
	return p;
}

void
pend_free(Pend *p)
{
	free(p->name);
	free(p);
}

static void
again(void *arg, int err)
{
	Pend *p = arg;

	if (err < 0 || ++p->tries > 3) {
		fuse_reply_err(p->req, err < 0 ? -err : EIO);
		pend_free(p);
		return;
	}
	runpend(p);
}

/* Wait for what rc asks for (-EAGAIN: the node's document), then run p again. */
int
pend_wait(Pend *p, Node *n)
{
	const File *f = file_of(n->q);
	Ent *e = node_ent(n);

	if (f->wait)
		return f->wait(n, e, again, p);
	return e == NULL ? -ENOENT : ent_load(e, again, p);
}

/* The files made from every entity (manifest.yaml, crontab...) wait for all of them. */
int
wait_all(Node *n, Ent *e, void (*fn)(void *arg, int err), void *arg)
{
	(void)n, (void)e;
	return cache_load_all(fn, arg);
}

/*
 * The kernel may cache a node's attributes this long: directories and the
 * files made from an entity's document, which notify_changed() invalidates
 * when the entity changes, for a second; what changes on its own (err,
 * result, the log, scratch files...) not at all. invoke's attributes are
 * the action's: cached, its open (which default_permissions checks against
 * them) is one round trip, not two.
 */
double
attr_timeout(Node *n)
{
	if (node_is(n, Fcache))
		return DOC_ATTR_TIMEOUT;
	return S_ISDIR(node_mode(n)) ? DIR_ATTR_TIMEOUT : 0.0;
}

/* Fill e for node n (already counted by node_make). */
static void
entryof(Node *n, struct stat *st, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof *e);
	e->ino = node_ino(n);
	e->generation = 1;
	e->attr = *st;
	e->attr_timeout = attr_timeout(n);
	e->entry_timeout = ENTRY_TIMEOUT;
}

/*
 * Answer a lookup-like request for name in dir with its entry; for a create
 * (fi set), open it first with open_new. 0 or -errno (nothing answered).
 */
int
reply_entry(fuse_req_t req, Node *dir, const char *name, const Kid *k, struct fuse_file_info *fi)
{
	struct fuse_entry_param e;
	struct stat st;
	Node *n;
	Open *o;
	int rc;

	n = node_make(dir, name, k);
	if ((rc = node_attr(n, fuse_req_ctx(req)->uid, &st)) < 0) {
		node_forget(n, 1);
		return rc;
	}
	entryof(n, &st, &e);
	if (fi == NULL) {
		fuse_reply_entry(req, &e);
		return 0;
	}
	o = open_new(n, fi->flags);
	o->created = 1;
	fi->fh = (uintptr_t)o;
	fi->direct_io = 1;
	if (fuse_reply_create(req, &e, fi) < 0)
		open_free(o);
	return 0;
}

/* Entity files cannot be served while the backend is away. */
int
gate(Node *n)
{
	return fs.up || node_is(n, Flocal) ? 0 : -EIO;
}

static void
do_lookup(Pend *p)
{
	Node *dir = node_of(p->ino), tmp;
	char buf[1024];
	Kid k;
	int rc;

	if (dir == NULL) {
		rc = -ENOENT;
		goto out;
	}
	if ((rc = gate(dir)) < 0)
		goto out;
	if ((rc = kid_of(dir, p->name, &k, buf, sizeof buf)) == -EAGAIN) {
		tmp = (Node){ .q = k.q, .ename = (char *)k.ename };
		if ((rc = pend_wait(p, &tmp)) == 0)
			return;
	}
	if (rc == 0 && (rc = reply_entry(p->req, dir, p->name, &k, NULL)) == -EAGAIN) {
		tmp = (Node){ .q = k.q, .ekind = k.ekind, .ename = (char *)k.ename };
		if ((rc = pend_wait(p, &tmp)) == 0)
			return;
	}
out:
	if (rc < 0)
		fuse_reply_err(p->req, -rc);
	pend_free(p);
}

static void
do_getattr(Pend *p)
{
	Node *n = node_of(p->ino);
	struct stat st;
	int rc = n ? gate(n) : -ENOENT;

	if (rc == 0)
		rc = node_attr(n, fuse_req_ctx(p->req)->uid, &st);
	if (rc == -EAGAIN && (rc = pend_wait(p, n)) == 0)
		return;
	if (rc < 0)
		fuse_reply_err(p->req, -rc);
	else
		fuse_reply_attr(p->req, &st, attr_timeout(n));
	pend_free(p);
}

static void
runpend(Pend *p)
{
	switch (p->op) {
	case Plookup: do_lookup(p); break;
	case Pgetattr:
	case Psetattr: do_getattr(p); break;
	case Popen: file_open(p); break;
	}
}

static void
start(int op, fuse_req_t req, fuse_ino_t ino, const char *name, struct fuse_file_info *fi)
{
	runpend(pend_new(op, req, ino, name, fi));
}

void
fs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	start(Plookup, req, parent, name, NULL);
}

void
fs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)fi;
	start(Pgetattr, req, ino, NULL, NULL);
}

void
fs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	start(Popen, req, ino, NULL, fi);
}

void
fs_readlink(fuse_req_t req, fuse_ino_t ino)
{
	Node *n = node_of(ino);
	char target[256];

	if (n == NULL || n->q != Qactlink || !node_exists(n)) {
		fuse_reply_err(req, n && n->q != Qactlink ? EINVAL : ENOENT);
		return;
	}
	link_target(n, target, sizeof target);
	fuse_reply_readlink(req, target);
}

void
fs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	Node *n = node_of(ino);

	if (n)
		node_forget(n, nlookup);
	fuse_reply_none(req);
}

void
fs_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *f)
{
	size_t i;

	for (i = 0; i < count; i++) {
		Node *n = node_of(f[i].ino);
		if (n)
			node_forget(n, f[i].nlookup);
	}
	fuse_reply_none(req);
}

/*
 * setattr: truncation of what an open stages, chmod of scratch files;
 * times and owners are accepted and ignored (cp -p, touch).
 */
void
fs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set, struct fuse_file_info *fi)
{
	Node *n = node_of(ino);
	Open *o = fi ? (Open *)(uintptr_t)fi->fh : NULL;
	const File *f;

	if (n == NULL) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	f = file_of(n->q);
	if (to_set & FUSE_SET_ATTR_SIZE) {
		if (f->truncate) {
			f->truncate(n, o, attr->st_size);
		} else if (o != NULL) {
			buf_pwrite(&o->stage, "", 0, attr->st_size);
			o->stage.n = attr->st_size;
			o->dirty = 1;
		}
	}
	if ((to_set & FUSE_SET_ATTR_MODE) && f->chmod)
		f->chmod(n, attr->st_mode);
	start(Psetattr, req, ino, NULL, NULL);
}

/* ---- directories ---- */

typedef struct Dir {
	Node *node;
	Buf names; /* NUL-separated */
	Buf modes; /* mode_t per name */
	size_t count;
} Dir;

static void
dir_add(const char *name, mode_t mode, void *arg)
{
	Dir *d = arg;

	buf_add(&d->names, name, strlen(name) + 1);
	buf_add(&d->modes, &mode, sizeof mode);
	d->count++;
}

void
fs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	Node *n = node_of(ino);
	Dir *d;
	int rc = n ? gate(n) : -ENOENT;

	if (rc == 0 && !node_exists(n))
		rc = -ENOENT;
	if (rc < 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	d = ecalloc(1, sizeof *d);
	d->node = n;
	dir_add(".", S_IFDIR, d);
	dir_add("..", S_IFDIR, d);
	dir_list(n, dir_add, d);
	fi->fh = (uintptr_t)d;
	fuse_reply_open(req, fi);
}

/* The inode number of entry i, name, of directory d: "." is d's, ".." its parent's. */
static fuse_ino_t
entry_ino(Dir *d, size_t i, const char *name)
{
	const char *slash = strrchr(d->node->path, '/');
	char *path;
	fuse_ino_t ino;

	if (i == 0 || (i == 1 && d->node->path[0] == '\0'))
		return node_ino(d->node);
	if (i == 1) {
		path = slash ? estrndup(d->node->path, slash - d->node->path) : estrdup("");
		ino = path ? path_ino(path) : FUSE_ROOT_ID;
	} else {
		path = path_join(d->node->path, name);
		ino = path ? path_ino(path) : FUSE_ROOT_ID;
	}
	if (path && node_bypath(path) != NULL) /* a node renamed keeps its number */
		ino = node_ino(node_bypath(path));
	free(path);
	return ino;
}

/*
 * One entry with its attributes for readdirplus, counted as a lookup; an
 * entry whose attributes need a fetch goes without them (nodeid 0, which
 * the kernel takes as "look it up when you must"), but always with its
 * inode number: an entry whose d_ino is 0 is skipped by glibc's readdir.
 */
static size_t
addplus(fuse_req_t req, Dir *d, size_t i, const char *name, char *buf, size_t room, off_t next)
{
	struct fuse_entry_param e;
	char kbuf[1024];
	struct stat st;
	Node *n = NULL;
	Kid k;
	size_t len;

	memset(&e, 0, sizeof e);
	e.attr.st_mode = ((mode_t *)d->modes.p)[i];
	e.attr.st_ino = entry_ino(d, i, name);
	if (i >= 2 && kid_of(d->node, name, &k, kbuf, sizeof kbuf) == 0 && (n = node_make(d->node, name, &k)) != NULL) {
		if (node_attr(n, fuse_req_ctx(req)->uid, &st) == 0)
			entryof(n, &st, &e);
		else {
			node_forget(n, 1);
			n = NULL;
		}
	}
	len = fuse_add_direntry_plus(req, buf, room, name, &e, next);
	if (len > room && n != NULL)
		node_forget(n, 1);
	return len;
}

static void
readdir1(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi, int plus)
{
	Dir *d = (Dir *)(uintptr_t)fi->fh;
	char *buf = emalloc(size), *name = d->names.p;
	size_t used = 0, i, n;
	struct stat st;

	memset(&st, 0, sizeof st);
	for (i = 0; i < d->count; i++, name += strlen(name) + 1) {
		if ((off_t)i < off)
			continue;
		if (plus)
			n = addplus(req, d, i, name, buf + used, size - used, i + 1);
		else {
			st.st_ino = entry_ino(d, i, name);
			st.st_mode = ((mode_t *)d->modes.p)[i];
			n = fuse_add_direntry(req, buf + used, size - used, name, &st, i + 1);
		}
		if (n > size - used)
			break;
		used += n;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

void
fs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)ino;
	readdir1(req, size, off, fi, 0);
}

void
fs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)ino;
	readdir1(req, size, off, fi, 1);
}

void
fs_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	Dir *d = (Dir *)(uintptr_t)fi->fh;

	(void)ino;
	buf_free(&d->names);
	buf_free(&d->modes);
	free(d);
	fuse_reply_err(req, 0);
}
