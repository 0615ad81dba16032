/* secret.c — secrets/ of an action or a package: a file a secret, written to set it, never read back.
 *
 * The backend keeps a secret's value apart from every document and never
 * gives it back (faasfs-backend(8), SECRETS): the entity names its secrets
 * in the annotation "secrets", and that is what secrets/ lists. A secret
 * is a file of mode 0200, size 0: writing it stages the value, and the
 * close (flush) sets it, as PUT .../secrets/NAME with the bytes written,
 * which is a new version of the entity; opening one for reading is EACCES.
 * rm deletes one. A name made here (echo v > secrets/NEW) exists in this
 * mount from its create until its close sets it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"

/* The names the entity's annotation "secrets" gives, an array. */
static json_t *
names_of(Ent *e)
{
	json_t *ann = json_object_get(e->doc, "annotations"), *p;
	size_t i;

	json_array_foreach(ann, i, p) if (strcmp(jstr(json_object_get(p, "key")), "secrets") ==
	                                  0) return json_object_get(p, "value");
	return NULL;
}

static int
named(Ent *e, const char *name)
{
	json_t *v;
	size_t i;

	if (json_object_get(e->secnew, name))
		return 1;
	json_array_foreach(names_of(e), i, v) if (strcmp(jstr(v), name) == 0) return 1;
	return 0;
}

/* 0, -ENOENT, or -EAGAIN: the document (which names them) must be loaded. */
static int
loaded(Ent *e)
{
	if (e == NULL || e->staged)
		return -ENOENT;
	if (!ent_docfresh(e))
		return -EAGAIN;
	if (e->kind == Epackage && e->bindto)
		return -ENOENT; /* a binding has none of its own */
	return 0;
}

int
secret_kid(Node *dir, const char *name, Kid *k, char *buf, size_t len)
{
	Ent *e = node_ent(dir);
	int rc = loaded(e);

	(void)buf, (void)len;
	k->q = Qsecret; /* for -EAGAIN too: what waits for the document */
	k->ekind = dir->ekind;
	k->ename = dir->ename;
	if (rc < 0)
		return rc;
	return named(e, name) ? 0 : -ENOENT;
}

int
secret_exists(Node *n)
{
	Ent *e = node_ent(n);
	int rc = loaded(e);

	if (n->q == Qsecrets)
		return rc != -ENOENT;
	return rc == -EAGAIN || (rc == 0 && named(e, strrchr(n->path, '/') + 1));
}

void
secret_list(Node *dir, void (*fn)(const char *name, mode_t mode, void *arg), void *arg)
{
	Ent *e = node_ent(dir);
	json_t *v;
	const char *k;
	size_t i;

	if (loaded(e) < 0)
		return;
	json_array_foreach(names_of(e), i, v) if (json_is_string(v)) fn(json_string_value(v), S_IFREG, arg);
	json_object_foreach(e->secnew, k, v) fn(k, S_IFREG, arg); /* made here, not set yet: never among those */
}

/* create in secrets/: the name exists here until its close sets it. */
int
secret_create(Node *dir, const char *name, Kid *k)
{
	Ent *e = node_ent(dir);
	int rc = loaded(e);

	if (rc < 0)
		return rc == -EAGAIN ? -EIO : rc;
	if (strchr(name, '/') || name[0] == '.' || strlen(name) > 128)
		return -EINVAL;
	if (e->secnew == NULL)
		e->secnew = json_object();
	if (!named(e, name))
		json_object_set_new(e->secnew, name, json_false());
	*k = (Kid){ .q = Qsecret, .ekind = dir->ekind, .ename = dir->ename };
	return 0;
}

/* An open made a name that was never set: it goes. */
void
secret_forget(Node *n)
{
	Ent *e = node_ent(n);

	if (e != NULL && e->secnew != NULL)
		json_object_del(e->secnew, strrchr(n->path, '/') + 1);
}

/* A secret is never read back. */
int
secret_opening(Pend *p, Node *n, Buf *b)
{
	(void)n, (void)b;
	return (p->fi.flags & O_ACCMODE) != O_WRONLY ? -EACCES : 0;
}

void
secret_close(Open *o)
{
	if (o->created)
		secret_forget(o->node);
}

typedef struct Sput {
	int kind;
	char *ename;
	char *name;
	commit_cb cb;
	void *arg;
} Sput;

static void
sput_done(Resp *r, void *arg)
{
	Sput *s = arg;
	Ent *e = ent_get(s->kind, s->ename);

	if (r->err == 0 && e != NULL) {
		ent_update(e, resp_json(r), json_is_object(resp_json(r)));
		if (e->secnew)
			json_object_del(e->secnew, s->name);
		ent_seterr(e, NULL);
		notify_changed(e);
	} else if (e != NULL)
		ent_seterr(e, r->text);
	s->cb(s->arg, r->err, r->text);
	free(s->ename);
	free(s->name);
	free(s);
}

/* Set (data) or delete (data NULL) the secret n names. */
int
secret_put(Node *n, const char *data, size_t len, commit_cb cb, void *arg)
{
	Ent *e = node_ent(n);
	const char *name = strrchr(n->path, '/') + 1;
	char *base, *path;
	Sput *s;
	int rc;

	if (e == NULL)
		return -ENOENT;
	base = bk_path(e->kind, e->name, NULL);
	path = easprintf("%s/secrets/%s", base, name);
	s = ecalloc(1, sizeof *s);
	s->ename = estrdup(e->name);
	s->name = estrdup(name);
	s->kind = e->kind;
	s->cb = cb;
	s->arg = arg;
	rc = bk_request(data ? "PUT" : "DELETE", path, "application/octet-stream", data ? data : "", data ? len : 0, 0,
	                sput_done, s);
	if (rc < 0) {
		free(s->ename);
		free(s->name);
		free(s);
	}
	free(base);
	free(path);
	return rc;
}
