/* tree.c — the shape of the tree: what each name is, its attributes, each directory's list. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "dat.h"
#include "fns.h"

/* The fixed names of a directory; node_mode() says what each is. */
typedef struct Fixed {
	const char *name;
	int q;
} Fixed;

static const Fixed rootfiles[] = {
	{ "ctl", Qctl },
	{ "status", Qstatus },
	{ "err", Qerr },
	{ "manifest.yaml", Qmanifest },
	{ "crontab", Qcrontab },
	{ "watches", Qwatches },
	{ "subscriptions", Qsubs },
	{ "actions", Qactions },
	{ "packages", Qpackages },
	{ "triggers", Qtriggers },
	{ "rules", Qrules },
	{ "apis", Qapis },
	{ "activations", Qactivations },
	{ NULL, 0 },
};
static const Fixed actionfiles[] = {
	{ "code", Qcode },         { "kind", Qkind },     { "main", Qmain },        { "params", Qparams },
	{ "annotations", Qannot }, { "limits", Qlimits }, { "version", Qversion },  { "invoke", Qinvoke },
	{ "result", Qresult },     { "logs", Qlogs },     { "err", Qobjerr },       { "url", Qurl },
	{ "web", Qweb },           { "debug", Qdebug },   { "activations", Qacts }, { "src", Qsrc },
	{ "secrets", Qsecrets },   { NULL, 0 },
};
static const Fixed packagefiles[] = {
	{ "params", Qparams }, { "annotations", Qannot }, { "binding", Qbinding },
	{ "err", Qobjerr },    { "actions", Qactions },   { "secrets", Qsecrets },
	{ NULL, 0 },
};
static const Fixed activfiles[] = {
	{ "log", Qactlog },
	{ "stream", Qactstream },
	{ NULL, 0 },
};
static const Fixed recordfiles[] = {
	{ "record", Qarecord }, { "status", Qastatus },
	{ "result", Qaresult }, { "logs", Qalogs },
	{ "name", Qaname },     { "start", Qastart },
	{ "end", Qaend },       { "duration", Qaduration },
	{ "cause", Qacause },   { NULL, 0 },
};

static const Fixed *
fixedof(int q)
{
	switch (q) {
	case Qroot: return rootfiles;
	case Qaction: return actionfiles;
	case Qpackage: return packagefiles;
	case Qactivations: return activfiles;
	case Qactivation: return recordfiles;
	}
	return NULL;
}

static const Fixed *
fixedfind(const Fixed *t, const char *name)
{
	for (; t && t->name; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

/* The mode of a node. */
mode_t
node_mode(Node *n)
{
	switch (n->q) {
	case Qroot:
	case Qactions:
	case Qaction:
	case Qpackages:
	case Qpackage:
	case Qtriggers:
	case Qrules:
	case Qapis:
	case Qactivations:
	case Qactivation:
	case Qacts: return S_IFDIR | 0755;
	case Qactlink: return S_IFLNK | 0777;
	case Qscratch: return S_IFREG | n->scratch->mode;
	case Qsrc:
	case Qsrcent: return src_mode(n);
	case Qsecrets: return S_IFDIR | 0755;
	case Qsecret: return S_IFREG | 0200;
	case Qhold:
	case Qholdent: return hold_mode(n);
	case Qinvoke: return S_IFREG | 0666;
	case Qstatus:
	case Qversion:
	case Qresult:
	case Qlogs:
	case Qobjerr:
	case Qurl:
	case Qactlog:
	case Qactstream: return S_IFREG | 0444;
	}
	return S_IFREG | (n->q > Qactivation && n->q < Qscratch ? 0444 : 0644);
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

static int
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

static int
kid_entity(int kind, int q, const char *name, Kid *k)
{
	if (ent_get(kind, name) == NULL)
		return -ENOENT;
	k->q = q;
	k->ekind = kind;
	k->ename = name;
	return 0;
}

/*
 * What name in dir is: 0 with kid filled (kid->ename may point into buf),
 * -ENOENT, or -EAGAIN for an activation that must be fetched first.
 */
int
kid_of(Node *dir, const char *name, Kid *k, char *buf, size_t len)
{
	const Fixed *f = fixedfind(fixedof(dir->q), name);
	char *path;

	memset(k, 0, sizeof *k);
	k->ename = dir->ename ? dir->ename : "";
	k->ekind = dir->ekind;
	if (f != NULL) {
		k->q = f->q;
		return 0;
	}
	if ((path = path_join(dir->path, name)) == NULL)
		return -ENOMEM;
	k->scratch = scratch_get(path);
	free(path);
	if (k->scratch != NULL) {
		k->q = Qscratch;
		return 0;
	}
	switch (dir->q) {
	case Qactions: return kid_action(dir, name, k, buf, len);
	case Qpackages: return kid_entity(Epackage, Qpackage, name, k);
	case Qtriggers: return kid_entity(Etrigger, Qtrigger, name, k);
	case Qrules: return kid_entity(Erule, Qrule, name, k);
	case Qapis: return kid_entity(Eapi, Qapi, name, k);
	case Qsrc:
	case Qsrcent: return src_kid(dir, name, k);
	case Qsecrets: return secret_kid(dir, name, k);
	case Qactivation:
	case Qhold:
	case Qholdent: return hold_kid(dir, name, k);
	case Qacts:
		if (!act_of(name, dir->ename))
			return -ENOENT;
		k->q = Qactlink;
		return 0;
	case Qactivations:
		if (!is_actid(name))
			return -ENOENT;
		k->q = Qactivation;
		k->ename = name;
		return act_get(name) || live_text(name) ? 0 : -EAGAIN;
	}
	return -ENOENT;
}

/* The entity a node belongs to, or NULL (gone, or not an entity file). */
Ent *
node_ent(Node *n)
{
	switch (n->q) {
	case Qactions: return n->ename[0] ? ent_get(Epackage, n->ename) : NULL;
	case Qaction:
	case Qalias:
	case Qcode:
	case Qkind:
	case Qmain:
	case Qparams:
	case Qannot:
	case Qlimits:
	case Qversion:
	case Qinvoke:
	case Qresult:
	case Qlogs:
	case Qobjerr:
	case Qurl:
	case Qweb:
	case Qdebug:
	case Qacts:
	case Qactlink:
	case Qsrc:
	case Qsrcent:
	case Qsecrets:
	case Qsecret:
	case Qpackage:
	case Qbinding:
	case Qtrigger:
	case Qrule:
	case Qapi: return n->ekind == Eaction ? action_ent(n->ename) : ent_get(n->ekind, n->ename);
	}
	return NULL;
}

/* Does the node still name something? */
int
node_exists(Node *n)
{
	switch (n->q) {
	case Qroot:
	case Qctl:
	case Qstatus:
	case Qerr:
	case Qmanifest:
	case Qpackages:
	case Qtriggers:
	case Qrules:
	case Qapis:
	case Qactivations:
	case Qactlog:
	case Qactstream:
	case Qcrontab:
	case Qwatches:
	case Qsubs: return 1;
	case Qactions: return n->ename[0] == '\0' || ent_get(Epackage, n->ename) != NULL;
	case Qscratch: return !n->scratch->gone;
	case Qsrc:
	case Qsrcent: return node_ent(n) != NULL && src_exists(n);
	case Qsecrets:
	case Qsecret: return secret_exists(n);
	case Qhold:
	case Qholdent: return hold_exists(n);
	case Qactlink: return node_ent(n) != NULL && act_get(strrchr(n->path, '/') + 1) != NULL;
	}
	if (n->q >= Qactivation && n->q < Qscratch)
		return act_get(n->ename) != NULL || act_live(n);
	return node_ent(n) != NULL;
}

/*
 * The attributes of n as user uid sees them. 0, -ENOENT, or -EAGAIN when the entity's document
 * must be loaded first (the size of code or params depends on it).
 */
int
node_attr(Node *n, uid_t uid, struct stat *st)
{
	Ent *e;
	Buf b = { 0 };
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
	if (n->q == Qsrc || n->q == Qsrcent) {
		if ((rc = src_attr(n, st)) < 0)
			return rc;
	} else if (n->q == Qerr) {
		err_fill(uid, &b); /* each user has an err of their own */
		st->st_size = b.n;
		buf_free(&b);
	} else if (n->q == Qscratch) {
		st->st_size = n->scratch->data.n;
		st->st_mtim.tv_sec = n->scratch->mtime / 1000;
	} else if (n->q == Qactlink) {
		char target[256];
		st->st_size = link_target(n, target, sizeof target);
	} else if (n->q == Qactlog) {
		int64_t t;
		st->st_size = act_log_size(&t);
		if (t > 0) {
			st->st_mtim.tv_sec = t / 1000;
			st->st_mtim.tv_nsec = t % 1000 * 1000000;
		}
	} else if (n->q >= Qactivation && n->q < Qscratch) {
		act_attr(n, st);
	} else if (n->q == Qhold || n->q == Qholdent) {
		hold_attr(n, st);
	} else if (n->q == Qresult) {
		if (e == NULL || (rc = result_size(e, &st->st_size)) < 0)
			return e == NULL ? -ENOENT : rc;
	} else if (n->q == Qlogs) {
		st->st_size = e != NULL ? (off_t)action_logs(e)->n : 0;
	} else if (S_ISREG(st->st_mode) && n->q != Qinvoke && n->q != Qctl && n->q != Qsecret) {
		if ((rc = node_fill(n, &b)) < 0) {
			buf_free(&b);
			return rc;
		}
		st->st_size = n->q == Qcode || n->q == Qalias ? code_size(e) : (off_t)b.n;
		buf_free(&b);
	}
	st->st_atim = st->st_ctim = st->st_mtim;
	st->st_blocks = (st->st_size + 511) / 512;
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

	if (q == Qsrc)
		return src_exists(&n);
	if (q == Qsecrets)
		return secret_exists(&n);
	return 1;
}

/* Call fn for every name in dir (not "." and ".."). */
void
dir_list(Node *dir, void (*fn)(const char *name, mode_t mode, void *arg), void *arg)
{
	Lister l = { dir, 0, "", fn, arg };
	const Fixed *f;
	Ent *e;

	for (f = fixedof(dir->q); f && f->name; f++)
		if (listed(dir, f->q))
			fn(f->name, node_mode(&(Node){ .q = f->q }) & S_IFMT, arg);
	switch (dir->q) {
	case Qactions:
		l.prefix = dir->ename;
		if (dir->ename[0] && (e = ent_get(Epackage, dir->ename)) != NULL && e->bindto)
			l.prefix = e->bindto;
		l.plen = strlen(l.prefix);
		cache_each(Eaction, lsent, &l);
		break;
	case Qpackages: cache_each(Epackage, lsent, &l); break;
	case Qtriggers: cache_each(Etrigger, lsent, &l); break;
	case Qrules: cache_each(Erule, lsent, &l); break;
	case Qapis: cache_each(Eapi, lsent, &l); break;
	case Qactivations: act_list(NULL, fn, arg); break;
	case Qacts: act_list(dir->ename, fn, arg); break;
	case Qsrc:
	case Qsrcent: src_list(dir, fn, arg); break;
	case Qsecrets: secret_list(dir, fn, arg); break;
	case Qactivation:
	case Qhold:
	case Qholdent: hold_list(dir, fn, arg); break;
	}
	scratch_each(dir->path, lsscratch, &l);
}
