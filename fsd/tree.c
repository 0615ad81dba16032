/* tree.c — the shape of the tree: what each name is, its attributes, each directory's list. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "dat.h"
#include "fns.h"

static int attr_fill(Node *n, struct stat *st);

/* The fixed name of dir called name: its Q, or 0. */
static int
fixedfind(Node *dir, const char *name)
{
	const int *q;

	for (q = file_of(dir->q)->kids; q && *q; q++)
		if (strcmp(file_of(*q)->name, name) == 0)
			return *q;
	return 0;
}

/* The mode of a node. */
mode_t
node_mode(Node *n)
{
	const File *f = file_of(n->q);

	return f->modeof ? f->modeof(n) : f->mode;
}

int
is_actid(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return i == 32;
}

/* An action's name from its collection (ename "" or "PKG") and its base. */
static void
actname(const char *coll, const char *base, char *out, size_t len)
{
	if (coll[0])
		snprintf(out, len, "%s/%s", coll, base);
	else
		snprintf(out, len, "%s", base);
}

int
kid_action(Node *dir, const char *name, Kid *k, char *buf, size_t len)
{
	size_t bl;
	char base[512];
	Ent *e;

	actname(dir->ename, name, buf, len);
	/* A staged action is only the name it is being written under. */
	if (strchr(name, '/') == NULL && (e = action_ent(buf)) != NULL && (!e->staged || e->stagekind == NULL)) {
		k->q = e->staged ? Qalias : Qaction;
		k->ekind = Eaction;
		k->ename = buf;
		return 0;
	}
	if (kind_of_name(name, &bl) != NULL && bl < sizeof base) {
		memcpy(base, name, bl);
		base[bl] = '\0';
		actname(dir->ename, base, buf, len);
		if (action_ent(buf) != NULL) {
			k->q = Qalias;
			k->ekind = Eaction;
			k->ename = buf;
			return 0;
		}
	}
	return -ENOENT;
}

/* A member of a collection: the row of dir names its kind and Q. */
int
kid_entity(Node *dir, const char *name, Kid *k, char *buf, size_t len)
{
	const File *f = file_of(dir->q);

	(void)buf, (void)len;
	if (ent_get(f->coll, name) == NULL)
		return -ENOENT;
	k->q = f->member;
	k->ekind = f->coll;
	k->ename = name;
	return 0;
}

int
kid_actlink(Node *dir, const char *name, Kid *k, char *buf, size_t len)
{
	(void)buf, (void)len;
	if (!act_of(name, dir->ename))
		return -ENOENT;
	k->q = Qactlink;
	return 0;
}

int
kid_activation(Node *dir, const char *name, Kid *k, char *buf, size_t len)
{
	(void)dir, (void)buf, (void)len;
	if (!is_actid(name))
		return -ENOENT;
	k->q = Qactivation;
	k->ename = name;
	return act_get(name) || live_text(name) ? 0 : -EAGAIN;
}

/*
 * What name in dir is: 0 with kid filled (kid->ename may point into buf),
 * -ENOENT, or -EAGAIN for an activation that must be fetched first.
 */
int
kid_of(Node *dir, const char *name, Kid *k, char *buf, size_t len)
{
	const File *f = file_of(dir->q);
	char *path;

	memset(k, 0, sizeof *k);
	k->ename = dir->ename ? dir->ename : "";
	k->ekind = dir->ekind;
	if ((k->q = fixedfind(dir, name)) != 0)
		return 0;
	path = path_join(dir->path, name);
	k->scratch = scratch_get(path);
	free(path);
	if (k->scratch != NULL) {
		k->q = Qscratch;
		return 0;
	}
	return f->kid ? f->kid(dir, name, k, buf, len) : -ENOENT;
}

/* The entity a node belongs to, or NULL (gone, or not an entity file). */
Ent *
node_ent(Node *n)
{
	const File *f = file_of(n->q);

	return f->ent ? f->ent(n) : NULL;
}

/* The entity of a file of an entity, or the entity itself. */
Ent *
ent_of(Node *n)
{
	return n->ekind == Eaction ? action_ent(n->ename) : ent_get(n->ekind, n->ename);
}

/* A package's actions/ belongs to the package; the top one to none. */
Ent *
ent_pkgdir(Node *n)
{
	return n->ename[0] ? ent_get(Epackage, n->ename) : NULL;
}

/* Does the node still name something? */
int
node_exists(Node *n)
{
	const File *f = file_of(n->q);

	return f->exists ? f->exists(n) : node_ent(n) != NULL;
}

int
exists_always(Node *n)
{
	(void)n;
	return 1;
}

int
actions_exist(Node *n)
{
	return n->ename[0] == '\0' || ent_get(Epackage, n->ename) != NULL;
}

int
actlink_exists(Node *n)
{
	return node_ent(n) != NULL && act_get(strrchr(n->path, '/') + 1) != NULL;
}

/*
 * The attributes of n as user uid sees them. 0, -ENOENT, or -EAGAIN when the entity's document
 * must be loaded first (the size of code or params depends on it).
 */
int
node_attr(Node *n, uid_t uid, struct stat *st)
{
	Ent *e;
	int rc;

	if (!node_exists(n))
		return -ENOENT;
	memset(st, 0, sizeof *st);
	st->st_ino = node_ino(n);
	st->st_mode = node_mode(n);
	st->st_nlink = S_ISDIR(st->st_mode) ? 2 : 1;
	st->st_uid = fs.uid;
	st->st_gid = fs.gid;
	st->st_blksize = 4096;
	st->st_mtim.tv_sec = fs.started / 1000;
	e = node_ent(n);
	if (e != NULL && e->updated) {
		st->st_mtim.tv_sec = e->updated / 1000;
		st->st_mtim.tv_nsec = e->updated % 1000 * 1000000;
	}
	if (file_of(n->q)->attr != NULL) {
		if ((rc = file_of(n->q)->attr(n, uid, e, st)) < 0)
			return rc;
	} else if (S_ISREG(st->st_mode) && (rc = attr_fill(n, st)) < 0)
		return rc;
	st->st_atim = st->st_ctim = st->st_mtim;
	st->st_blocks = (st->st_size + 511) / 512;
	return 0;
}

/* A file's size: what a read of it gives. */
static int
attr_fill(Node *n, struct stat *st)
{
	Buf b = { 0 };
	int rc = node_fill(n, &b);

	st->st_size = b.n;
	buf_free(&b);
	return rc;
}

/* Files whose size is 0: what they give depends on what was written to them. */
int
attr_none(Node *n, uid_t uid, Ent *e, struct stat *st)
{
	(void)n, (void)uid, (void)e, (void)st;
	return 0;
}

/* Code: the size of its bytes, decoded when binary. */
int
attr_code(Node *n, uid_t uid, Ent *e, struct stat *st)
{
	int rc = attr_fill(n, st);

	(void)uid;
	st->st_size = code_size(e);
	return rc;
}

int
attr_link(Node *n, uid_t uid, Ent *e, struct stat *st)
{
	char target[256];

	(void)uid, (void)e;
	st->st_size = link_target(n, target, sizeof target);
	return 0;
}

/* Where a link in an action's activations/ points: ../../activations/ID. */
int
link_target(Node *n, char *buf, size_t len)
{
	const char *p, *id = strrchr(n->path, '/') + 1;
	size_t used = 0;

	buf[0] = '\0';
	for (p = strchr(n->path, '/'); p != NULL; p = strchr(p + 1, '/'))
		used += snprintf(buf + used, used < len ? len - used : 0, "../");
	used += snprintf(buf + used, used < len ? len - used : 0, "activations/%s", id);
	return used;
}

/* ---- directory lists ---- */

typedef struct Lister {
	Node *dir;
	size_t plen;
	const char *prefix;
	void (*fn)(const char *name, mode_t mode, void *arg);
	void *arg;
} Lister;

static void
lsent(Ent *e, void *arg)
{
	Lister *l = arg;
	const char *name = e->name;

	if (e->kind == Eaction) {
		if (l->plen ? strncmp(name, l->prefix, l->plen) != 0 || name[l->plen] != '/'
		            : strchr(name, '/') != NULL)
			return;
		if (l->plen)
			name += l->plen + 1;
		if (strchr(name, '/') != NULL || e->staged)
			return;
	}
	l->fn(name, e->kind == Eaction || e->kind == Epackage ? S_IFDIR : S_IFREG, l->arg);
}

static void
lsscratch(const char *name, void *arg)
{
	Lister *l = arg;

	l->fn(name, S_IFREG, l->arg);
}

/* Is a fixed name of dir there? src/ is not in a sequence, secrets/ not in
 * a binding, neither in an action made by mkdir until its src is. */
static int
listed(Node *dir, int q)
{
	Node n = { .q = q, .ekind = dir->ekind, .ename = dir->ename, .path = dir->path };

	return file_of(q)->listed == NULL || file_of(q)->listed(&n);
}

void
list_actions(Node *dir, list_fn fn, void *arg)
{
	Lister l = { dir, 0, dir->ename, fn, arg };
	Ent *e;

	if (dir->ename[0] && (e = ent_get(Epackage, dir->ename)) != NULL && e->bindto)
		l.prefix = e->bindto;
	l.plen = strlen(l.prefix);
	cache_each(Eaction, lsent, &l);
}

/* The members of a collection: the row of dir names their kind. */
void
list_entities(Node *dir, list_fn fn, void *arg)
{
	Lister l = { dir, 0, "", fn, arg };

	cache_each(file_of(dir->q)->coll, lsent, &l);
}

void
list_activations(Node *dir, list_fn fn, void *arg)
{
	(void)dir;
	act_list(NULL, fn, arg);
}

void
list_acts(Node *dir, list_fn fn, void *arg)
{
	act_list(dir->ename, fn, arg);
}

/* Call fn for every name in dir (not "." and ".."). */
void
dir_list(Node *dir, list_fn fn, void *arg)
{
	const File *f = file_of(dir->q);
	Lister l = { dir, 0, "", fn, arg };
	const int *q;

	for (q = f->kids; q && *q; q++)
		if (listed(dir, *q))
			fn(file_of(*q)->name, node_mode(&(Node){ .q = *q }) & S_IFMT, arg);
	if (f->list)
		f->list(dir, fn, arg);
	scratch_each(dir->path, lsscratch, &l);
}
