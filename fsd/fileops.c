/* fileops.c — the FUSE operations on open files: open, read, write, flush, release.
 *
 * Every file is opened direct_io: its content is made by us, its size is
 * honest but may change under the page cache's feet, which reads no further
 * than the size it last saw (plan9port's 9pfuse opens every file
 * FOPEN_DIRECT_IO so, src/cmd/9pfuse/main.c). What an open reads is a snapshot taken at open (o->out), except for
 * the files that are channels (invoke, activations/stream), waits (result),
 * the live log (activations/log), and scratch files.
 *
 * Writes to documents (code, params, limits, a rule...) are staged in the
 * open (o->stage), checked as they come — so that bash's echo, which never
 * reports an error from close, reports a bad value from write — and
 * committed at the first flush after new data: cp reports an error there
 * (`cp: failed to close`). Writes to invoke and trigger files are messages
 * and act at once (invoke.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "dat.h"
#include "fns.h"

Open *
open_new(Node *n, int flags)
{
	Open *o = ecalloc(1, sizeof *o);

	o->node = n;
	o->flags = flags;
	park_init(&o->reads);
	STAILQ_INIT(&o->calls);
	if (file_of(n->q)->open)
		file_of(n->q)->open(o);
	return o;
}

/* An open that created a staged entity (NAME.py, a rule) and never
 * committed it: the entity goes with it. */
static void
drop_made(Open *o)
{
	Node *n = o->node;
	Ent *e = node_ent(n);
	char *slash = strrchr(n->path, '/');

	if (!o->created || e == NULL || !e->staged)
		return;
	ent_drop(e);
	if (slash) {
		*slash = '\0';
		notify_entry(n->path, slash + 1);
		*slash = '/';
	}
}

void
open_free(Open *o)
{
	const File *f = file_of(o->node->q);

	park_drain(&o->reads, EINTR);
	if (o->ph != NULL)
		fuse_pollhandle_destroy(o->ph);
	if (f->close)
		f->close(o);
	else
		drop_made(o);
	scratch_put(o->scratch);
	buf_free(&o->out);
	buf_free(&o->stage);
	buf_free(&o->part);
	free(o);
}

static int
writable(Node *n)
{
	return (node_mode(n) & 0222) != 0;
}

/*
 * Is the content made at open: for reading, or as the start of what a
 * write changes (>> appends to it; O_TRUNC starts empty)?
 */
static int
snapshot(Node *n, int flags)
{
	if (node_is(n, Flive))
		return 0;
	return (flags & O_ACCMODE) != O_WRONLY || (node_is(n, Fstage) && !(flags & O_TRUNC));
}

/* What an open starts from: the content, when it is a snapshot. */
static int
opening(Pend *p, Node *n, Buf *b)
{
	const File *f = file_of(n->q);

	if (f->opening)
		return f->opening(p, n, b);
	return snapshot(n, p->fi.flags) ? node_fill(n, b) : 0;
}

void
file_open(Pend *p)
{
	Node *n = node_of(p->ino);
	int acc = p->fi.flags & O_ACCMODE, rc = n ? gate(n) : -ENOENT;
	Buf b = { 0 };
	Open *o = NULL;

	/* The kernel names a node that has gone since it looked it up (a rule
	 * whose create failed, removed at its release, which comes after
	 * close(2) returned): ESTALE makes the kernel look the name up again
	 * and, for O_CREAT, create it, where ENOENT failed the open. */
	if (rc == 0 && !node_exists(n))
		rc = -ESTALE;
	if (rc == 0 && acc != O_RDONLY && !writable(n))
		rc = -EACCES;
	if (rc == 0)
		rc = opening(p, n, &b);
	if (rc == -EAGAIN && (rc = pend_wait(p, n)) == 0) {
		buf_free(&b);
		return;
	}
	if (rc < 0) {
		buf_free(&b);
		fuse_reply_err(p->req, -rc);
		pend_free(p);
		return;
	}
	o = open_new(n, p->fi.flags);
	o->out = b;
	if (acc != O_RDONLY && !(p->fi.flags & O_TRUNC) && node_is(n, Fstage))
		buf_add(&o->stage, b.p ? b.p : "", b.n);
	p->fi.fh = (uintptr_t)o;
	p->fi.direct_io = 1;
	p->fi.keep_cache = 0;
	/* Spare the FLUSH round trip where a close has nothing to say: nothing
	 * commits at the close of a read-only open of a snapshot, and an invoke
	 * open that reads reports an incomplete message at its reads. */
	p->fi.noflush = (acc == O_RDONLY && snapshot(n, p->fi.flags)) || (node_is(n, Fnoflush) && acc != O_WRONLY);
	if (fuse_reply_open(p->req, &p->fi) < 0)
		open_free(o);
	pend_free(p);
}

/* Answer a read from a buffer, honouring off and size. */
void
reply_slice(fuse_req_t req, const Buf *b, size_t size, off_t off)
{
	if ((size_t)off >= b->n)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, b->p + off, b->n - off < size ? b->n - off : size);
}

void
fs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	Open *o = (Open *)(uintptr_t)fi->fh;

	(void)ino;
	o->flags = fi->flags;
	if (file_of(o->node->q)->read)
		file_of(o->node->q)->read(o, req, size, off);
	else
		reply_slice(req, &o->out, size, off);
}

typedef struct Wr {
	fuse_req_t req;
	size_t size;
	char *path;
	Open *o;
} Wr;

static void
write_committed(void *arg, int err, const char *text)
{
	Wr *w = arg;

	if (err < 0) {
		w->o->bad = 1;
		fail_req(w->req, "write", w->path, NULL, err, text);
	} else {
		fuse_reply_write(w->req, w->size);
	}
	free(w->path);
	free(w);
}

/* A table of fed triggers is applied at each write that ends a line, so
 * that bash's echo reports what the backend refuses (feedtab.c). */
static int
apply_now(Open *o, fuse_req_t req, size_t size)
{
	Wr *w;
	int rc;

	if (!node_is(o->node, Fapply) || o->stage.n == 0 || o->stage.p[o->stage.n - 1] != '\n')
		return 0;
	w = ecalloc(1, sizeof *w);
	*w = (Wr){ req, size, estrdup(o->node->path), o };
	o->dirty = 0;
	if ((rc = commit(o->node, o->stage.p, o->stage.n, write_committed, w)) < 0) {
		free(w->path);
		free(w);
		return rc;
	}
	return 1;
}

static void
stage_write(Open *o, fuse_req_t req, const char *buf, size_t size, off_t off)
{
	char text[512] = "";
	int rc;

	/* >> adds at the end of what is staged, whatever size the kernel last
	 * saw: its size of one of an entity's names (NAME.EXT) may be older
	 * than a change made through another (code), or by another client */
	if (o->flags & O_APPEND)
		off = o->stage.n;
	buf_pwrite(&o->stage, buf, size, off);
	o->dirty = o->wrote = 1;
	rc = stage_check(o, text, sizeof text);
	if (rc == 0 && (rc = apply_now(o, req, size)) > 0)
		return; /* answered when applied */
	if (rc < 0) {
		o->bad = 1;
		fail_req(req, "write", o->node->path, NULL, rc, text[0] ? text : NULL);
		return;
	}
	fuse_reply_write(req, size);
}

void
fs_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	Open *o = (Open *)(uintptr_t)fi->fh;
	const File *f = file_of(o->node->q);

	(void)ino;
	if (f->write)
		f->write(o, req, buf, size, off);
	else if (f->flags & Fstage)
		stage_write(o, req, buf, size, off);
	else
		fuse_reply_err(req, EBADF);
}

void
fs_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	Open *o = (Open *)(uintptr_t)fi->fh;
	void *l;
	int rc;

	(void)ino;
	if (file_of(o->node->q)->flush) {
		file_of(o->node->q)->flush(o, req);
		return;
	}
	if (!node_is(o->node, Fstage) || !o->dirty) {
		fuse_reply_err(req, o->bad ? EINVAL : 0);
		return;
	}
	o->dirty = 0;
	if (o->bad) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	l = later(req, "close", o->node->path);
	if ((rc = commit(o->node, o->stage.p ? o->stage.p : "", o->stage.n, later_reply, l)) < 0)
		later_reply(l, rc, NULL);
}

/* fsync(2): a file of a tree commits the tree and says how that went
 * (editors sync what they save); for anything else there is nothing to do. */
void
fs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	Open *o = (Open *)(uintptr_t)fi->fh;

	(void)ino, (void)datasync;
	if (file_of(o->node->q)->fsync)
		file_of(o->node->q)->fsync(o, req);
	else
		fuse_reply_err(req, 0);
}

/* poll(2): streams and invoke say when a read would not wait. */
void
fs_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct fuse_pollhandle *ph)
{
	Open *o = (Open *)(uintptr_t)fi->fh;
	int (*ready)(Open * o) = file_of(o->node->q)->ready;

	(void)ino;
	park_poll(o, req, ph, ready ? ready(o) : 1);
}

void
fs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	Open *o = (Open *)(uintptr_t)fi->fh;

	(void)ino;
	if (file_of(o->node->q)->release)
		file_of(o->node->q)->release(o, req);
	open_free(o);
	fuse_reply_err(req, 0);
}
