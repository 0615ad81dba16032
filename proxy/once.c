/* once.c — native and bash actions: a process per activation, blackbox style.
 *
 * The parameters (the run's "value") go to the process as JSON in argv[1]
 * (unless longer than the 128 KiB a single argument may be) and on stdin,
 * which is closed after them. The run's string fields are in the
 * environment as __OW_<FIELD>. When the process exits, the last line of its
 * stdout is the result and every line before it is a log line; stderr is
 * logged as it comes. stdout is logged as it comes too, all but its last
 * line (once_collect), so a chatty function does not grow the proxy. A
 * deadline kills the process group; so does the proxy stopping.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"

#define ARGMAX 131071

static void
once_closed(Child *c)
{
	Once *o = c->data;

	buf_free(&o->out);
	free(o);
}

static void
once_unlink(Once *o)
{
	if (o->link.le_prev == NULL)
		return;
	LIST_REMOVE(o, link);
	o->link.le_prev = NULL;
}

static Once *
o_of(Stream *s)
{
	return s->child->data;
}

/* Split stdout into the logs and the last line with text, the result:
 * where that line starts (all before it is logs); its length, without the
 * line ends after it, in *len. */
static size_t
last_line(const Buf *b, size_t *len)
{
	size_t end = b->n, start;

	while (end > 0 && (b->p[end - 1] == '\n' || b->p[end - 1] == '\r'))
		end--;
	start = end;
	while (start > 0 && b->p[start - 1] != '\n')
		start--;
	*len = end - start;
	return start;
}

/* stdout came in: log every line but the last one that has text, which may
 * yet be the result. */
static void
once_collect(Stream *s)
{
	Buf *b = s->collect;
	size_t len, keep = last_line(b, &len);

	if (b->n - keep > answer_max(s->child->px)) {
		o_of(s)->toolong = 1;
		child_kill(s->child);
		return;
	}
	if (keep == 0)
		return;
	log_write(s->child->px, 1, b->p, keep);
	buf_consume(b, keep);
}

/* Shutting down: kill every process running. */
void
once_stop(Proxy *px)
{
	Once *o;

	LIST_FOREACH(o, &px->onces, link)
		child_kill(&o->c);
}

static void
once_deadline(Child *c)
{
	Once *o = c->data;

	o->timedout = 1;
	child_kill(c);
}

static void
once_exit(Child *c)
{
	Once *o = c->data;
	Act *a = o->act;
	char how[1400], msg[ERRMAX];
	size_t len, start = last_line(&o->out, &len);
	const char *line = o->out.p + start;

	once_unlink(o);
	log_write(c->px, 1, o->out.p, start);
	child_exit_text(c, how, sizeof how);
	if (o->timedout) {
		act_timeout_text(a, msg, sizeof msg);
		act_fail(a, 502, msg);
	} else if (o->toolong) {
		act_fail(a, 502, "The action wrote a result longer than the proxy takes.");
	} else if (len == 0) {
		snprintf(msg, sizeof msg, "The action wrote no result on stdout (%s", how);
		act_fail(a, 502, msg);
	} else if ((c->status != 0 || c->signal) && !result_valid(line, len)) {
		snprintf(msg, sizeof msg, "The action did not return a dictionary or array (%s", how);
		act_fail(a, 502, msg);
	} else
		act_result(a, line, len);
	child_close(c);
}

static char **
once_env(Proxy *px, Act *a)
{
	char **env = env_copy(px->action->env);

	env_add_run(&env, act_run(a));
	return env;
}

void
once_start(Proxy *px, Act *a)
{
	Once *o = ecalloc(1, sizeof *o);
	json_t *value = json_object_get(act_run(a), "value");
	char *params = value ? js_text(value, NULL) : estrdup("{}");
	char **env = once_env(px, a), err[ERRMAX];
	const char *argv[10];
	int i, rc;

	if (o == NULL || params == NULL || env == NULL) {
		free(o), free(params), env_free(env);
		act_fail(a, 500, "out of memory");
		return;
	}
	o->act = a;
	o->c.data = o;
	o->c.exit_cb = once_exit;
	o->c.timer_cb = once_deadline;
	o->c.closed_cb = once_closed;
	o->c.out.collect = &o->out;
	o->c.out.collected = once_collect;
	px->action->kind->argv(px, px->action, argv);
	for (i = 0; argv[i]; i++)
		;
	argv[i] = strlen(params) <= ARGMAX ? params : NULL;
	argv[i + 1] = NULL;
	rc = child_spawn(px, &o->c, argv, env, px->action->dir, 0);
	env_free(env);
	if (rc < 0) {
		snprintf(err, sizeof err, "Cannot start the action: %s: %s", argv[0], uv_strerror(rc));
		act_fail(a, 502, err);
	} else {
		child_write(&o->c, params, strlen(params), W_CLOSE);
		child_deadline(&o->c, a->deadline);
		LIST_INSERT_HEAD(&px->onces, o, link);
	}
	free(params);
	if (rc < 0)
		child_close(&o->c);
}
