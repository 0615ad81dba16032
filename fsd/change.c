/* change.c — the FUSE operations that make and remove names: create, mkdir, unlink, rmdir, rename. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "dat.h"
#include "fns.h"

/* A change waiting for the backend's answer. */
typedef struct Chg {
	fuse_req_t req;
	Node *dir;
	char *name;
	char *path;
	const char *op;
	char *ename; /* the entity's name, looked up again when done */
	int kind;
	struct fuse_file_info fi;
	int has_fi;
	Scratch *scratch; /* rename: the scratch file being committed */
	char *scratchpath;
} Chg;

static Chg *
chg_new(fuse_req_t req, Node *dir, const char *name, const char *op)
{
	Chg *c = ecalloc(1, sizeof *c);

	c->req = req;
	c->dir = dir;
	c->op = op;
	c->name = estrdup(name);
	c->path = path_join(dir->path, name);
	return c;
}

static void
chg_free(Chg *c)
{
	if (c->scratch)
		scratch_put(c->scratch);
	free(c->scratchpath);
	free(c->ename);
	free(c->name);
	free(c->path);
	free(c);
}

/* Answer c's request with err (0 for success), noting a failure. */
static void
chg_done(Chg *c, int err, const char *text)
{
	if (err < 0)
		err_note(c->req, c->op, c->path, c->ename ? ent_get(c->kind, c->ename) : NULL, err, text);
	fuse_reply_err(c->req, -err);
	chg_free(c);
}

/* Node for the entity in dir after the backend made it: answer the entry. */
static void
made(Resp *r, void *arg)
{
	Chg *c = arg;
	Kid k = { 0 };
	Ent *e;
	int rc;

	if (r->err < 0) {
		chg_done(c, r->err, r->text);
		return;
	}
	e = ent_make(c->kind, c->name);
	ent_update(e, resp_json(r), 1);
	k.q = c->kind == Epackage ? Qpackage : Qtrigger;
	k.ekind = c->kind;
	k.ename = e->name;
	rc = reply_entry(c->req, c->dir, c->name, &k, c->has_fi ? &c->fi : NULL);
	if (rc < 0) {
		chg_done(c, rc, "cannot answer");
		return;
	}
	chg_free(c);
}

/* PUT a new package or trigger named c->name. */
static int
make_entity(Chg *c, int kind)
{
	char *path = bk_path(kind, c->name, NULL);
	json_t *body = json_object();
	int rc;

	c->kind = kind;
	rc = bk_json("PUT", path, body, made, c);
	json_decref(body);
	free(path);
	return rc;
}

int
create_scratch(fuse_req_t req, Node *dir, const char *name, mode_t mode, struct fuse_file_info *fi)
{
	char *path = path_join(dir->path, name);
	Scratch *s = scratch_new(path, mode);
	Kid k = { .q = Qscratch, .scratch = s, .ename = "" };
	int rc;

	free(path);
	rc = reply_entry(req, dir, name, &k, fi);
	return rc;
}

/*
 * Stage a new action for name (NAME.EXT, or NAME for an executable) in the
 * actions collection dir: it exists here only until its code is committed.
 */
int
stage_action(Node *dir, const char *name, Kid *k, char *buf, size_t len)
{
	size_t bl = strlen(name);
	const char *kind = kind_of_name(name, &bl);
	Ent *e;

	if (dir->ename[0])
		snprintf(buf, len, "%s/%.*s", dir->ename, (int)bl, name);
	else
		snprintf(buf, len, "%.*s", (int)bl, name);
	if ((e = ent_get(Eaction, buf)) != NULL && !e->staged)
		return -EEXIST;
	e = ent_make(Eaction, buf);
	e->staged = 1;
	e->updated = now_ms();
	free(e->stagekind);
	e->stagekind = kind ? estrdup(kind) : NULL;
	*k = (Kid){ .q = Qalias, .ekind = Eaction, .ename = e->name };
	return 0;
}

int
create_action(fuse_req_t req, Node *dir, const char *name, mode_t mode, struct fuse_file_info *fi)
{
	char buf[1024];
	Kid k;
	int rc = stage_action(dir, name, &k, buf, sizeof buf);

	(void)mode;
	return rc < 0 ? rc : reply_entry(req, dir, name, &k, fi);
}

/* A rule or an API (the member the row of dir names): staged in memory until its first commit. */
int
create_staged(fuse_req_t req, Node *dir, const char *name, mode_t mode, struct fuse_file_info *fi)
{
	const File *f = file_of(dir->q);
	Kid k = { .q = f->member, .ekind = f->coll };
	Ent *e = ent_make(f->coll, name);

	(void)mode;
	e->staged = 1;
	e->updated = now_ms();
	k.ename = e->name;
	return reply_entry(req, dir, name, &k, fi);
}

/* A trigger is made in the backend at once: it is answered when it is. */
int
create_trigger(fuse_req_t req, Node *dir, const char *name, mode_t mode, struct fuse_file_info *fi)
{
	Chg *c = chg_new(req, dir, name, "create");
	int rc;

	(void)mode;
	c->fi = *fi;
	c->has_fi = 1;
	if ((rc = make_entity(c, Etrigger)) < 0)
		chg_free(c);
	return rc;
}

/* A file of a tree (src.c), or an editor's scratch file beside them. */
int
create_src(fuse_req_t req, Node *dir, const char *name, mode_t mode, struct fuse_file_info *fi)
{
	Kid k = { 0 };
	int rc;

	if (src_scratch_name(name))
		return create_scratch(req, dir, name, mode, fi);
	if ((rc = src_make(req, dir, name, S_IFREG | (mode & 0777), &k)) < 0)
		return rc;
	return reply_entry(req, dir, name, &k, fi);
}

int
create_secret(fuse_req_t req, Node *dir, const char *name, mode_t mode, struct fuse_file_info *fi)
{
	Kid k = { 0 };
	int rc;

	(void)mode;
	if ((rc = secret_create(dir, name, &k)) < 0)
		return rc;
	return reply_entry(req, dir, name, &k, fi);
}

/* create(2): the row of the directory says what it makes; an editor's
 * scratch names may be made where it says so too. */
void
fs_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, struct fuse_file_info *fi)
{
	Node *dir = node_of(parent);
	int rc = dir ? gate(dir) : -ENOENT;
	const File *f = dir ? file_of(dir->q) : NULL;

	if (rc == 0 && (f->flags & Fscratch) && is_scratch_name(name))
		rc = create_scratch(req, dir, name, mode, fi);
	else if (rc == 0)
		rc = f->create ? f->create(req, dir, name, mode, fi) : -EACCES;
	if (rc < 0)
		fail_req(req, "create", dir ? dir->path : "?", name, rc,
		         rc == -EACCES ? "nothing can be created here" : NULL);
}

/* mkdir in actions/: a new action, its src the empty tree it is made from (src.c). */
int
mkdir_action(fuse_req_t req, Node *dir, const char *name)
{
	char buf[1024];
	Kid k = { 0 };
	int rc;

	if (kind_of_name(name, &(size_t){ 0 }) != NULL)
		return -EINVAL; /* NAME.py is a file's name: copy the file */
	if ((rc = stage_action(dir, name, &k, buf, sizeof buf)) < 0)
		return rc;
	k.q = Qaction;
	return reply_entry(req, dir, name, &k, NULL);
}

/* mkdir of an action's src/: its code as a tree. */
int
mkdir_src(fuse_req_t req, Node *dir, const char *name)
{
	Kid k = { .q = Qsrc, .ekind = Eaction, .ename = dir->ename };
	int rc;

	if (strcmp(name, "src") != 0)
		return -EPERM;
	if ((rc = src_start(node_ent(dir))) < 0)
		return rc;
	return reply_entry(req, dir, name, &k, NULL);
}

/* A folder in a tree. */
int
mkdir_srcent(fuse_req_t req, Node *dir, const char *name)
{
	Kid k = { 0 };
	int rc;

	if ((rc = src_make(req, dir, name, S_IFDIR | 0755, &k)) < 0)
		return rc;
	return reply_entry(req, dir, name, &k, NULL);
}

/* A package, made in the backend: answered when it is. */
int
mkdir_package(fuse_req_t req, Node *dir, const char *name)
{
	Chg *c = chg_new(req, dir, name, "mkdir");
	int rc;

	if ((rc = make_entity(c, Epackage)) < 0)
		chg_free(c);
	return rc;
}

void
fs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	Node *dir = node_of(parent);
	int rc = dir ? gate(dir) : -ENOENT;

	(void)mode;
	if (rc == 0)
		rc = file_of(dir->q)->mkdir ? file_of(dir->q)->mkdir(req, dir, name) : -EPERM;
	if (rc < 0)
		fail_req(req, "mkdir", dir ? dir->path : "?", name, rc,
		         rc == -EPERM    ? "only packages/, actions/ and an action's src/ take new directories"
		         : rc == -EEXIST ? "it exists (an action's src/ is made by mkdir only in a new action)"
		                         : NULL);
}

static void
deleted(Resp *r, void *arg)
{
	Chg *c = arg;
	Ent *e;

	if (r->err == -EEXIST && c->kind == Epackage)
		r->err = -ENOTEMPTY;
	if (r->err == 0)
		cache_deleted(c->kind, c->ename);
	if (r->err == 0 && (e = ent_get(c->kind, c->ename)) != NULL) {
		/* The entity's other names (hello/ when hello.py went) are
		 * queued now: the notifier waits for the directory lock our
		 * answer releases, and so comes before the caller's next look. */
		notify_gone(e);
		ent_drop(e);
	}
	if (r->err == 0 && c->kind == Erule)
		cache_stale(Etrigger);
	chg_done(c, r->err, r->text);
}

/* DELETE entity e; the answer goes to req. */
static int
delete_entity(fuse_req_t req, Node *dir, const char *name, Ent *e, const char *op)
{
	Chg *c = chg_new(req, dir, name, op);
	char *path = bk_path(e->kind, e->name, NULL);
	int rc;

	c->kind = e->kind;
	c->ename = estrdup(e->name);
	rc = bk_json("DELETE", path, NULL, deleted, c);
	free(path);
	if (rc < 0)
		chg_free(c);
	return rc;
}

static void
released(Resp *r, void *arg)
{
	Chg *c = arg;

	if (r->err == 0 || r->err == -ENOENT)
		hold_released(c->dir->ename);
	chg_done(c, r->err, r->text);
}

/* rm -r (rmdir) of activations/ID/debug: release the held container (hold.c). */
int
rmdir_hold(fuse_req_t req, Node *dir, const char *name, Kid *k, char *text, size_t len)
{
	Chg *c = chg_new(req, dir, name, "rmdir");
	char path[128];
	int rc;

	(void)k, (void)text, (void)len;
	snprintf(path, sizeof path, "activations/%s/debug", dir->ename);
	if ((rc = bk_json("DELETE", path, NULL, released, c)) < 0)
		chg_free(c);
	return rc < 0 ? rc : Answered;
}

/* What name in directory parent is, for unlink and rmdir. */
static int
kid_in(fuse_ino_t parent, const char *name, Node **dir, Kid *k, char *buf, size_t len)
{
	int rc;

	if ((*dir = node_of(parent)) == NULL)
		return -ENOENT;
	if ((rc = gate(*dir)) < 0)
		return rc;
	return kid_of(*dir, name, k, buf, len);
}

static void
secret_gone(void *arg, int err, const char *text)
{
	Chg *c = arg;

	chg_done(c, err, text);
}

/* rm of a secret: DELETE it (secret.c); one only made here just goes. */
int
unlink_secret(fuse_req_t req, Node *dir, const char *name, Kid *k)
{
	char *path = path_join(dir->path, name);
	Node n = { .q = Qsecret, .ekind = k->ekind, .ename = (char *)k->ename, .path = path };
	Ent *e = node_ent(&n);
	Chg *c;
	int rc;

	if (e != NULL && json_object_get(e->secnew, name)) {
		json_object_del(e->secnew, name);
		free(path);
		return 0;
	}
	c = chg_new(req, dir, name, "unlink");
	if ((rc = secret_put(&n, NULL, 0, secret_gone, c)) < 0)
		chg_free(c);
	free(path);
	return rc < 0 ? rc : Answered;
}

int
unlink_scratch(fuse_req_t req, Node *dir, const char *name, Kid *k)
{
	char *path = path_join(dir->path, name);

	(void)req, (void)k;
	scratch_unlink(path);
	free(path);
	return 0;
}

int
unlink_src(fuse_req_t req, Node *dir, const char *name, Kid *k)
{
	(void)k;
	return src_remove(req, dir, name, 0);
}

/* An action's NAME.EXT, a trigger, a rule, an API: DELETE it; a staged one just goes. */
int
unlink_entity(fuse_req_t req, Node *dir, const char *name, Kid *k)
{
	Ent *e = ent_get(k->ekind, k->ename);
	int rc;

	if (e == NULL)
		return -ENOENT;
	if (e->staged) {
		ent_drop(e);
		return 0;
	}
	rc = delete_entity(req, dir, name, e, "unlink");
	return rc < 0 ? rc : Answered;
}

int
unlink_dir(fuse_req_t req, Node *dir, const char *name, Kid *k)
{
	(void)req, (void)dir, (void)name, (void)k;
	return -EISDIR;
}

/* unlink(2): the row of the name says what removing it does; an action's
 * or package's own files and links, a held container's files, are nothing
 * to remove, but success, so that rm -r reaches the rmdir that deletes
 * (releases). */
void
fs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	Node *dir;
	char buf[1024];
	Kid k;
	int rc = kid_in(parent, name, &dir, &k, buf, sizeof buf);

	if (rc == 0 && file_of(k.q)->unlink)
		rc = file_of(k.q)->unlink(req, dir, name, &k);
	else if (rc == 0)
		rc = node_is(dir, Frmfiles) ? 0 : -EPERM;
	if (rc == Answered)
		return;
	if (rc < 0)
		fail_req(req, "unlink", dir ? dir->path : "?", name, rc, NULL);
	else
		fuse_reply_err(req, 0);
}

/* Does package pkg hold any action? */
typedef struct Has {
	const char *pkg;
	size_t len;
	int n;
} Has;

static void
has1(Ent *e, void *arg)
{
	Has *h = arg;

	if (strncmp(e->name, h->pkg, h->len) == 0 && e->name[h->len] == '/')
		h->n++;
}

static int
pkg_actions(const char *pkg)
{
	Has h = { pkg, strlen(pkg), 0 };

	cache_each(Eaction, has1, &h);
	return h.n;
}

/* rmdir of an action or a package: DELETE it, a package only once it holds no action. */
int
rmdir_entity(fuse_req_t req, Node *dir, const char *name, Kid *k, char *text, size_t len)
{
	Ent *e = ent_get(k->ekind, k->ename);
	int rc;

	if (e == NULL)
		return -ENOENT;
	if (k->q == Qpackage && pkg_actions(e->name) > 0) {
		snprintf(text, len, "package %s is not empty: it holds %d action%s", e->name, pkg_actions(e->name),
		         pkg_actions(e->name) == 1 ? "" : "s");
		return -ENOTEMPTY;
	}
	rc = delete_entity(req, dir, name, e, "rmdir");
	return rc < 0 ? rc : Answered;
}

int
rmdir_actions(fuse_req_t req, Node *dir, const char *name, Kid *k, char *text, size_t len)
{
	(void)req, (void)dir, (void)name, (void)text, (void)len;
	return pkg_actions(k->ename) > 0 ? -ENOTEMPTY : 0;
}

int
rmdir_src(fuse_req_t req, Node *dir, const char *name, Kid *k, char *text, size_t len)
{
	(void)k, (void)text, (void)len;
	return src_remove(req, dir, name, 1);
}

/* activations/, src/, secrets/: they go with their action; a held container's folders with it. */
int
rmdir_none(fuse_req_t req, Node *dir, const char *name, Kid *k, char *text, size_t len)
{
	(void)req, (void)dir, (void)name, (void)k, (void)text, (void)len;
	return 0;
}

void
fs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	Node *dir;
	char buf[1024], text[256] = "";
	Kid k;
	int rc = kid_in(parent, name, &dir, &k, buf, sizeof buf);

	if (rc == -EAGAIN && k.q == Qhold)
		rc = 0; /* its listing is not fresh: the DELETE says whether it is held */
	if (rc == 0 && file_of(k.q)->rmdir)
		rc = file_of(k.q)->rmdir(req, dir, name, &k, text, sizeof text);
	else if (rc == 0)
		rc = S_ISDIR(node_mode(&(Node){ .q = k.q, .scratch = k.scratch })) ? -EPERM : -ENOTDIR;
	if (rc == Answered)
		return;
	if (rc < 0)
		fail_req(req, "rmdir", dir ? dir->path : "?", name, rc, text[0] ? text : NULL);
	else
		fuse_reply_err(req, 0);
}

/* ---- rename ---- */

static void
renamed(void *arg, int err, const char *text)
{
	Chg *c = arg;
	Ent *e;

	if (err == 0)
		scratch_unlink(c->scratchpath);
	else if ((e = ent_get(c->kind, c->ename)) != NULL && e->staged)
		ent_drop(e);
	notify_entry(c->dir->path, c->name);
	chg_done(c, err, text);
}

/*
 * rename(scratch, target): commit the scratch file's content as the target
 * (an action's code or NAME.EXT, a params file, a rule...). The target may
 * be a new NAME.EXT in actions/: that makes the action.
 */
static int
rename_commit(fuse_req_t req, Node *sdir, const char *sname, Node *dir, const char *name, Scratch *s)
{
	char buf[1024];
	Kid k;
	Node *n;
	Chg *c;
	Ent *e;
	int rc = kid_of(dir, name, &k, buf, sizeof buf);

	if (rc == -ENOENT && dir->q == Qactions && !is_scratch_name(name))
		rc = stage_action(dir, name, &k, buf, sizeof buf);
	if (rc < 0)
		return rc;
	if (k.q == Qaction || k.q == Qpackage || k.q == Qactivation || k.q == Qactions)
		return -EISDIR;
	c = chg_new(req, dir, name, "rename");
	c->scratch = s;
	s->refs++;
	c->scratchpath = path_join(sdir->path, sname);
	n = node_make(dir, name, &k);
	if ((e = node_ent(n)) != NULL) {
		c->kind = e->kind;
		c->ename = estrdup(e->name);
	}
	rc = commit(n, s->data.p ? s->data.p : "", s->data.n, renamed, c);
	node_forget(n, 1);
	if (rc < 0)
		chg_free(c);
	return rc;
}

static int
exists_in(Node *dir, const char *name)
{
	char buf[1024];
	Kid k;

	return kid_of(dir, name, &k, buf, sizeof buf) == 0;
}

/*
 * An action's NAME.EXT or a rule can be moved by copying it and removing
 * the old: EXDEV has mv(1) do just that.
 */
static int
copyable(Node *dir, const char *name)
{
	char buf[1024];
	Kid k;

	return kid_of(dir, name, &k, buf, sizeof buf) == 0 && (k.q == Qalias || k.q == Qrule) && !is_scratch_name(name);
}

void
fs_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent, const char *newname,
          unsigned int flags)
{
	Node *sdir = node_of(parent), *dir = node_of(newparent);
	char *from = sdir ? path_join(sdir->path, name) : NULL;
	char *to = dir ? path_join(dir->path, newname) : NULL;
	Scratch *s = from ? scratch_get(from) : NULL;
	int rc = 0;

	if (sdir == NULL || dir == NULL || from == NULL || to == NULL)
		rc = -ENOENT;
	else if (is_src(sdir) || is_src(dir))
		rc = src_rename(req, sdir, name, dir, newname, flags);
	else if (s == NULL && (flags & ~RENAME_NOREPLACE) == 0 &&
	         (rc = action_move(req, sdir, name, dir, newname)) == 0) {
		free(from);
		free(to);
		return;
	} else if (rc < 0)
		;
	else if (s == NULL && copyable(sdir, name))
		rc = -EXDEV;
	else if (s == NULL || (flags & ~RENAME_NOREPLACE) != 0)
		rc = -EPERM;
	else if ((flags & RENAME_NOREPLACE) && exists_in(dir, newname))
		rc = -EEXIST;
	else if (is_scratch_name(newname) || scratch_get(to) != NULL)
		rc = scratch_rename(from, to);
	else if ((rc = rename_commit(req, sdir, name, dir, newname, s)) == 0) {
		free(from);
		free(to);
		return;
	}
	if (rc < 0)
		fail_req(req, "rename", from ? from : "?", NULL, rc,
		         rc == -EEXIST  ? "an action of that name exists: remove it first"
		         : rc == -EPERM ? "only an action, and a scratch file (which commits it), can be renamed"
		         : rc == -EXDEV ? "moved by copying: mv does that"
		                        : NULL);
	else
		fuse_reply_err(req, 0);
	free(from);
	free(to);
}
