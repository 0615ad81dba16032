/* fire.c — trigger files: every message written fires the trigger once.
 *
 * A write to triggers/NAME is split into messages (msg.c): each JSON value
 * is one event, anything else one raw event. Every event is one POST to
 * the trigger, all of a write's at once, and the write returns when the
 * backend has taken them all — or refused one: then the write fails with
 * the errno that fits (EINVAL, ENOENT, ...) and err says why, so even
 * bash's echo reports it. A value left incomplete fails at close.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"

/* One write (or close) of a trigger file, until all its events are sent. */
typedef struct Msgs {
	Open *o;
	Ent *e;
	int rc;
	fuse_req_t req;
	size_t size;
	int pending;
	int isflush;
	int err;
	char text[512];
} Msgs;

static void
fired(Resp *r, void *arg)
{
	Msgs *m = arg;
	json_t *id = json_object_get(resp_json(r), "activationId");
	Ent *t;

	if (json_is_string(id) && (t = ent_get(Etrigger, m->o->node->ename)) != NULL)
		snprintf(t->lastfire, sizeof t->lastfire, "%s", json_string_value(id));
	if (r->err < 0 && m->err == 0) {
		m->err = r->err;
		snprintf(m->text, sizeof m->text, "%s", r->text);
	}
	if (--m->pending > 0)
		return;
	if (m->err < 0)
		fail_req(m->req, m->isflush ? "close" : "write", m->o->node->path, NULL, m->err, m->text);
	else if (m->isflush)
		fuse_reply_err(m->req, 0);
	else
		fuse_reply_write(m->req, m->size);
	free(m);
}

static void
fire_msg(const char *p, size_t n, int json, void *arg)
{
	Msgs *m = arg;
	char *path = bk_path(Etrigger, m->e->name, NULL);
	int rc = bk_request("POST", path, msg_ctype(p, n, json), p, n, 30000, fired, m);

	free(path);
	if (rc < 0)
		m->rc = rc;
	else
		m->pending++;
}

static void
fire(Open *o, fuse_req_t req, const char *buf, size_t size, int final)
{
	Msgs *m = ecalloc(1, sizeof *m);
	int n;

	if ((m->e = node_ent(o->node)) == NULL) {
		free(m);
		fail_req(req, "write", o->node->path, NULL, -ENOENT, NULL);
		return;
	}
	m->o = o;
	m->req = req;
	m->size = size;
	m->pending = 1; /* ours, until every message is sent */
	n = msg_split(&o->part, buf, size, final, fire_msg, m, m->text, sizeof m->text);
	if (n == 0 && o->part.n == 0 && !final)
		fire_msg("{}", 2, 1, m);
	if (n < 0 || m->rc < 0) {
		m->err = n < 0 ? n : m->rc;
		if (m->text[0] == '\0')
			snprintf(m->text, sizeof m->text, "cannot fire: %s", strerror(-m->err));
	}
	m->isflush = final;
	fired(&(Resp){ .err = 0 }, m); /* our own count */
}

void
fire_write(Open *o, fuse_req_t req, const char *buf, size_t size, off_t off)
{
	(void)off;
	o->wrote = 1;
	fire(o, req, buf, size, 0);
}

void
fire_flush(Open *o, fuse_req_t req)
{
	if (o->part.n == 0) {
		fuse_reply_err(req, 0);
		return;
	}
	fire(o, req, "", 0, 1);
}
