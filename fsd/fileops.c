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
	Open *o = calloc(1, sizeof *o);

	if (o == NULL)
		return NULL;
	o->node = n;
	o->flags = flags;
	park_init(&o->reads);
	o->callt = &o->calls;
	if (n->q == Qscratch) {
		o->scratch = n->scratch;
		o->scratch->refs++;
		if (flags & O_TRUNC)
			buf_reset(&o->scratch->data);
	}
	if (n->q == Qactstream)
		stream_open(o);
	if (n->q == Qsrcent)
		src_open(o);
	return o;
}

void
open_free(Open *o)
{
	Node *n = o->node;
	Ent *e = node_ent(n);

	if (o->created && e != NULL && e->staged && n->q != Qsrcent && n->q != Qsecret) {
		char *slash = strrchr(n->path, '/');
		ent_drop(e);
		if (slash) {
			*slash = '\0';
			notify_entry(n->path, slash + 1);
			*slash = '/';
		}
	}
	park_drain(&o->reads, EINTR);
	if (o->ph != NULL)
		fuse_pollhandle_destroy(o->ph);
	if (n->q == Qactstream)
		stream_close(o);
	if (n->q == Qinvoke)
		invoke_close(o);
	if (n->q == Qsrcent)
		src_release(o);
	if (n->q == Qsecret && o->created)
		secret_forget(n);
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
	switch (n->q) {
	case Qactlog:
	case Qactstream:
	case Qinvoke:
	case Qresult:
	case Qscratch:
	case Qsrcent:
	case Qsecret:
	case Qctl:
	case Qalogs:
	case Qlogs: return 0;
	}
	return (flags & O_ACCMODE) != O_WRONLY || (stages(n) && !(flags & O_TRUNC));
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
	if (rc == 0 && n->q == Qsecret && acc != O_WRONLY)
		rc = -EACCES; /* a secret is never read back */
	if (rc == 0 && n->q == Qsrcent)
		rc = src_ready(n);
	if (rc == 0 && n->q == Qerr && (p->fi.flags & O_TRUNC))
		err_clear(fuse_req_ctx(p->req)->uid); /* : > err */
	if (rc == 0 && n->q == Qerr)
		rc = err_fill(fuse_req_ctx(p->req)->uid, &b);
	else if (rc == 0 && snapshot(n, p->fi.flags))
		rc = node_fill(n, &b);
	if (rc == -EAGAIN && (rc = pend_wait(p, n)) == 0) {
		buf_free(&b);
		return;
	}
	if (rc == 0 && (o = open_new(n, p->fi.flags)) == NULL)
		rc = -ENOMEM;
	if (rc < 0) {
		buf_free(&b);
		fuse_reply_err(p->req, -rc);
		pend_free(p);
		return;
	}
	o->out = b;
	if (acc != O_RDONLY && !(p->fi.flags & O_TRUNC) && stages(n))
		buf_add(&o->stage, b.p ? b.p : "", b.n);
	p->fi.fh = (uintptr_t)o;
	p->fi.direct_io = 1;
	p->fi.keep_cache = 0;
	/* Spare the FLUSH round trip where a close has nothing to say: nothing
	 * commits at the close of a read-only open of a snapshot, and an invoke
	 * open that reads reports an incomplete message at its reads. */
	p->fi.noflush = (acc == O_RDONLY && snapshot(n, p->fi.flags)) || (n->q == Qinvoke && acc != O_WRONLY);
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

/* An action's logs, as they are at each read: they grow, and tail -f follows them. */
static void
logs_read(Open *o, fuse_req_t req, size_t size, off_t off)
{
	Ent *e = node_ent(o->node);
	static const Buf none;

	reply_slice(req, e != NULL ? action_logs(e) : &none, size, off);
}

void
fs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	Open *o = (Open *)(uintptr_t)fi->fh;

	(void)ino;
	o->flags = fi->flags;
	switch (o->node->q) {
	case Qactlog: act_log_read(req, size, off); break;
	case Qlogs: logs_read(o, req, size, off); break;
	case Qalogs: alogs_read(o->node, req, size, off); break;
	case Qactstream: stream_read(o, req, size); break;
	case Qinvoke: invoke_read(o, req, size); break;
	case Qresult: result_read(o, req, size, off); break;
	case Qscratch: reply_slice(req, &o->scratch->data, size, off); break;
	case Qsrcent: src_read(o, req, size, off); break;
	case Qctl:
		/* the reply to the commands written, whatever the offset */
		if (o->outoff < o->out.n)
			stream_reply(o, req, size);
		else
			fuse_reply_buf(req, NULL, 0);
		break;
	default: reply_slice(req, &o->out, size, off); break;
	}
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

	if (!is_feedtab(o->node->q) || o->stage.n == 0 || o->stage.p[o->stage.n - 1] != '\n')
		return 0;
	if ((w = calloc(1, sizeof *w)) == NULL || (w->path = strdup(o->node->path)) == NULL) {
		free(w);
		return -ENOMEM;
	}
	*w = (Wr){ req, size, w->path, o };
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
	if ((rc = buf_pwrite(&o->stage, buf, size, off)) == 0) {
		o->dirty = o->wrote = 1;
		rc = stage_check(o, text, sizeof text);
	}
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
	Scratch *s = o->scratch;

	(void)ino;
	switch (o->node->q) {
	case Qscratch:
		if (buf_pwrite(&s->data, buf, size, off) < 0) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		s->mtime = now_ms();
		fuse_reply_write(req, size);
		return;
	case Qinvoke: invoke_write(o, req, buf, size); return;
	case Qsrcent: src_write(o, req, buf, size, off); return;
	case Qtrigger: fire_write(o, req, buf, size); return;
	case Qctl: ctl_write(o, req, buf, size); return;
	case Qerr:
		err_clear(fuse_req_ctx(req)->uid);
		fuse_reply_write(req, size);
		return;
	}
	if (!stages(o->node)) {
		fuse_reply_err(req, EBADF);
		return;
	}
	stage_write(o, req, buf, size, off);
}

typedef struct Fl {
	fuse_req_t req;
	char *path;
	Ent *ent;
} Fl;

static void
committed(void *arg, int err, const char *text)
{
	Fl *f = arg;

	if (err < 0)
		err_note(f->req, "close", f->path, NULL, err, text);
	fuse_reply_err(f->req, -err);
	free(f->path);
	free(f);
}

void
fs_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	Open *o = (Open *)(uintptr_t)fi->fh;
	Fl *f;
	int rc;

	(void)ino;
	switch (o->node->q) {
	case Qtrigger: fire_flush(o, req); return;
	case Qinvoke: invoke_flush(o, req); return;
	}
	if (!stages(o->node) || !o->dirty) {
		fuse_reply_err(req, o->bad ? EINVAL : 0);
		return;
	}
	o->dirty = 0;
	if (o->bad) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if ((f = calloc(1, sizeof *f)) == NULL || (f->path = strdup(o->node->path)) == NULL) {
		free(f);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	f->req = req;
	if ((rc = commit(o->node, o->stage.p ? o->stage.p : "", o->stage.n, committed, f)) < 0)
		committed(f, rc, NULL);
}

/* fsync(2): a file of a tree commits the tree and says how that went
 * (editors sync what they save); for anything else there is nothing to do. */
void
fs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	Open *o = (Open *)(uintptr_t)fi->fh;

	(void)ino, (void)datasync;
	if (o->node->q == Qsrcent)
		src_fsync(o->node, req);
	else
		fuse_reply_err(req, 0);
}

/* poll(2): streams and invoke say when a read would not wait. */
void
fs_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct fuse_pollhandle *ph)
{
	Open *o = (Open *)(uintptr_t)fi->fh;
	int ready = 1;

	(void)ino;
	switch (o->node->q) {
	case Qactstream: ready = o->outoff < o->out.n || o->cursor <= act_seq() || fs.shutting; break;
	case Qinvoke: ready = o->outoff < o->out.n || o->calls == NULL || o->calls->done; break;
	}
	park_poll(o, req, ph, ready);
}

void
fs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	Open *o = (Open *)(uintptr_t)fi->fh;

	(void)ino;
	if (o->node->q == Qinvoke)
		invoke_release(o, req);
	open_free(o);
	fuse_reply_err(req, 0);
}
