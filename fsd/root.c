/* root.c — the top files: status, err (the error rings) and ctl; backend up and down.
 *
 * Only an errno crosses FUSE; the text of an error goes here, as Plan 9
 * keeps a connection's in /net/tcp/N/err (ip(3)): every failure is noted with
 * err_note, which keeps it in a ring per uid (read by that uid's `cat err`,
 * cleared by a write), in the entity's own err file, and in the log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "dat.h"
#include "fns.h"
#include "log.h"

enum { Nerr = 32 };

typedef struct Errline {
	uid_t uid;
	char *text;
} Errline;

static Errline errs[Nerr];
static unsigned nerrs;

/* Continuation lines of a long error (a traceback) start with a tab. */
static void
indent(char **line)
{
	Buf b = { 0 };
	char *s;

	for (s = *line; *s; s++) {
		buf_add(&b, s, 1);
		if (*s == '\n' && s[1] != '\0')
			buf_add(&b, "\t", 1);
	}
	if (b.p != NULL) {
		free(*line);
		*line = b.p;
	}
}

/* Note a failure: the ring, the entity's err, the log. */
void
err_note(fuse_req_t req, const char *op, const char *path, Ent *e, int err, const char *text)
{
	const struct fuse_ctx *ctx = req ? fuse_req_ctx(req) : NULL;

	err_note_as(ctx ? ctx->uid : fs.uid, ctx ? ctx->pid : 0, op, path, e, err, text);
}

/* The same for a user and process of our choosing: what a request made
 * fail later, when the request is answered (a tree's commit, src.c). */
void
err_note_as(uid_t uid, pid_t pid, const char *op, const char *path, Ent *e, int err, const char *text)
{
	char when[32], *line;
	time_t t = time(NULL);
	struct tm tm;
	Errline *l = &errs[nerrs++ % Nerr];

	if (text == NULL || text[0] == '\0')
		text = strerror(-err);
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	line = easprintf("%s pid=%d %s %s: %s", when, (int)pid, op, path, text);
	indent(&line);
	free(l->text);
	l->text = line;
	l->uid = uid;
	if (e != NULL)
		ent_seterr(e, text);
	log_info("%s", line);
}

/* Note a failure of op on dir/name and answer req with it. */
void
fail_req(fuse_req_t req, const char *op, const char *dir, const char *name, int err, const char *text)
{
	char *path = name ? path_join(dir, name) : NULL;

	err_note(req, op, path ? path : dir, NULL, err, text);
	free(path);
	fuse_reply_err(req, -err);
}

/* A request answered when something it started is done (a commit). */
typedef struct Later {
	fuse_req_t req;
	const char *op;
	char *path;
} Later;

/* The argument for later_reply: req, answered later as op on path. */
void *
later(fuse_req_t req, const char *op, const char *path)
{
	Later *l = emalloc(sizeof *l);

	l->req = req;
	l->op = op;
	l->path = estrdup(path);
	return l;
}

/* Answer a later() request with err, noting a failure and its text. */
void
later_reply(void *arg, int err, const char *text)
{
	Later *l = arg;

	if (err < 0)
		err_note(l->req, l->op, l->path, NULL, err, text);
	fuse_reply_err(l->req, -err);
	free(l->path);
	free(l);
}

/* The errors of uid, oldest first. */
int
err_fill(uid_t uid, Buf *b)
{
	unsigned i = nerrs > Nerr ? nerrs - Nerr : 0;

	for (; i < nerrs; i++) {
		Errline *l = &errs[i % Nerr];
		if (l->text && l->uid == uid)
			buf_printf(b, "%s\n", l->text);
	}
	return 0;
}

void
err_clear(uid_t uid)
{
	unsigned i;

	for (i = 0; i < Nerr; i++)
		if (errs[i].text && errs[i].uid == uid) {
			free(errs[i].text);
			errs[i].text = NULL;
		}
}

int
status_fill(Node *n, Ent *e, Buf *b)
{
	char when[32];
	time_t t = fs.downsince / 1000;
	struct tm tm;

	(void)n, (void)e;
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (fs.up)
		buf_printf(b, "backend %s up\n", fs.base);
	else
		buf_printf(b, "backend %s down since %s: %s\n", fs.base, when,
		           fs.downwhy ? fs.downwhy : "not reached yet");
	buf_printf(b, "namespace %s\n", fs.ns ? fs.ns : "?");
	buf_printf(b, "actions %zu\npackages %zu\ntriggers %zu\nrules %zu\n", cache_count(Eaction),
	           cache_count(Epackage), cache_count(Etrigger), cache_count(Erule));
	buf_printf(b, "activations %llu\n", (unsigned long long)act_seq());
	buf_printf(b, "inflight %d\nnodes %zu\n", fs.inflight, node_count());
	return 0;
}

/* err: each user has one of their own; : > err empties it, as a write does. */
int
err_open(Pend *p, Node *n, Buf *b)
{
	(void)n;
	if (p->fi.flags & O_TRUNC)
		err_clear(fuse_req_ctx(p->req)->uid);
	return err_fill(fuse_req_ctx(p->req)->uid, b);
}

int
err_attr(Node *n, uid_t uid, Ent *e, struct stat *st)
{
	Buf b = { 0 };

	(void)n, (void)e;
	err_fill(uid, &b);
	st->st_size = b.n;
	buf_free(&b);
	return 0;
}

void
err_write(Open *o, fuse_req_t req, const char *buf, size_t size, off_t off)
{
	(void)o, (void)buf, (void)off;
	err_clear(fuse_req_ctx(req)->uid);
	fuse_reply_write(req, size);
}

/* The backend could not be reached: say why in status. */
void
fs_down(const char *why)
{
	if (!fs.up && fs.downwhy)
		return;
	fs.up = 0;
	fs.downsince = now_ms();
	free(fs.downwhy);
	fs.downwhy = estrdup(why);
	log_warn("backend down: %s", why);
}

void
fs_up(void)
{
	if (!fs.up)
		log_info("backend %s up, namespace %s, %zu actions", fs.base, fs.ns ? fs.ns : "?",
		         cache_count(Eaction));
	fs.up = 1;
}

/* ---- ctl ---- */

static void
synced(int err)
{
	(void)err;
}

static int
ctl_line(Open *o, char *line, char *err, size_t len)
{
	(void)o;
	if (strcmp(line, "sync") == 0) {
		int rc = cache_prime(synced);
		if (rc < 0)
			snprintf(err, len, "sync: %s", strerror(-rc));
		return rc;
	}
	if (line[0] == '\0')
		return 0;
	snprintf(err, len, "ctl: unknown command '%s' (sync)", line);
	return -EINVAL;
}

/* Commands, one a line; the reply "ok" or "error TEXT" reads back. */
void
ctl_write(Open *o, fuse_req_t req, const char *buf, size_t size, off_t off)
{
	char *text = estrndup(buf, size), *s, *line, err[512] = "";
	int rc = 0;

	(void)off;
	for (s = text; rc == 0 && (line = strsep(&s, "\n")) != NULL;)
		rc = ctl_line(o, line, err, sizeof err);
	free(text);
	buf_reset(&o->out);
	o->outoff = 0;
	if (rc < 0) {
		buf_printf(&o->out, "error %s\n", err);
		fail_req(req, "write", "ctl", NULL, rc, err);
		return;
	}
	buf_str(&o->out, "ok\n");
	fuse_reply_write(req, size);
}

/* The reply to the commands written, whatever the offset. */
void
ctl_read(Open *o, fuse_req_t req, size_t size, off_t off)
{
	(void)off;
	if (o->outoff < o->out.n)
		stream_reply(o, req, size);
	else
		fuse_reply_buf(req, NULL, 0);
}
