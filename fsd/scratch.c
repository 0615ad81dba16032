/* scratch.c — editors' and sed's scratch files, kept in memory only.
 *
 * sed -i, vim and most editors save by writing a new file beside the
 * target and renaming it over; vim also probes with a file named 4913. Such
 * names (text.c: is_scratch_name), and any name that is not one of an
 * action's own files inside its directory, live here and never reach the
 * backend. A rename onto an action's code commits the content (fsops.c).
 */
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"

static Map files;

Scratch *
scratch_get(const char *path)
{
	return map_get(&files, path);
}

Scratch *
scratch_new(const char *path, mode_t mode)
{
	Scratch *s = ecalloc(1, sizeof *s);

	s->mode = mode & 07777;
	s->mtime = now_ms();
	s->refs = 1; /* the table's */
	map_put(&files, path, s);
	return s;
}

/* Let go of a reference; the last one frees it. */
void
scratch_put(Scratch *s)
{
	if (s == NULL || --s->refs > 0)
		return;
	buf_free(&s->data);
	free(s);
}

/* Take path out of the table (unlink, or rename away). */
void
scratch_unlink(const char *path)
{
	Scratch *s = map_del(&files, path);

	if (s != NULL) {
		s->gone = 1;
		scratch_put(s);
	}
}

/* Rename within the scratch table; the target, if any, is replaced. */
int
scratch_rename(const char *from, const char *to)
{
	Scratch *s = map_del(&files, from);

	if (s == NULL)
		return -ENOENT;
	scratch_unlink(to);
	map_put(&files, to, s);
	return 0;
}

typedef struct Ls {
	const char *dir;
	size_t dlen;
	void (*fn)(const char *name, void *arg);
	void *arg;
} Ls;

static void
ls1(const char *key, void *val, void *arg)
{
	Ls *l = arg;

	(void)val;
	if (l->dlen == 0 && strchr(key, '/') == NULL)
		l->fn(key, l->arg);
	else if (l->dlen > 0 && strncmp(key, l->dir, l->dlen) == 0 && key[l->dlen] == '/' &&
	         strchr(key + l->dlen + 1, '/') == NULL)
		l->fn(key + l->dlen + 1, l->arg);
}

/* Call fn with the name of each scratch file in dir. */
void
scratch_each(const char *dir, void (*fn)(const char *name, void *arg), void *arg)
{
	Ls l = { dir, strlen(dir), fn, arg };

	map_each(&files, ls1, &l);
}

/* ---- the row of a scratch file (files.c) ---- */

mode_t
scratch_mode(Node *n)
{
	return S_IFREG | n->scratch->mode;
}

int
scratch_exists(Node *n)
{
	return !n->scratch->gone;
}

int
scratch_attr(Node *n, uid_t uid, Ent *e, struct stat *st)
{
	(void)uid, (void)e;
	st->st_size = n->scratch->data.n;
	st->st_mtim.tv_sec = n->scratch->mtime / 1000;
	return 0;
}

int
scratch_fill(Node *n, Ent *e, Buf *b)
{
	(void)e;
	buf_add(b, n->scratch->data.p ? n->scratch->data.p : "", n->scratch->data.n);
	return 0;
}

void
scratch_open(Open *o)
{
	o->scratch = o->node->scratch;
	o->scratch->refs++;
	if (o->flags & O_TRUNC)
		buf_reset(&o->scratch->data);
}

void
scratch_read(Open *o, fuse_req_t req, size_t size, off_t off)
{
	reply_slice(req, &o->scratch->data, size, off);
}

void
scratch_write(Open *o, fuse_req_t req, const char *buf, size_t size, off_t off)
{
	Scratch *s = o->scratch;

	buf_pwrite(&s->data, buf, size, off);
	s->mtime = now_ms();
	fuse_reply_write(req, size);
}

void
scratch_truncate(Node *n, Open *o, off_t size)
{
	(void)o;
	buf_pwrite(&n->scratch->data, "", 0, size);
	n->scratch->data.n = size;
}

void
scratch_chmod(Node *n, mode_t mode)
{
	n->scratch->mode = mode & 07777;
}
