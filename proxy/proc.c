/* proc.c — the action loop: the function's process, started at init and kept.
 *
 * For a KIND_LOOP action one process serves every activation. It is started
 * by init (or again after it died) and is PROC_STARTING until it answers its
 * first fd-3 line, {"ok":true} ({"error": ...} or an exit means the code did
 * not load); kinds without an ack are ready at once. Each act sent to it is
 * its run object as one line on stdin, and the act joins p->busy. An answer
 * on fd 3 belongs to the oldest busy act, or, when the action takes many at
 * once, to the act whose activation id the answer carries, found in px->ids:
 *
 *     {"activation_id": "ID", "result": RESULT}
 *
 * One timer watches the earliest deadline of the busy acts, the top of
 * p->deadlines; it is set again only when that changes. When it passes, the
 * process group is killed. Nothing here walks the busy acts but a process
 * ending, so an answer costs the same with one act in flight or 10,000
 * (inflight.c says why that matters). Whatever ends the process (its own exit, a
 * crash, the deadline, fd 3 closed, a stray answer), every busy act fails
 * with an error that says what happened, and a new process is started at
 * once if the old one had been ready, so the next run finds a warm one. A
 * process that dies while starting is not restarted until a run needs it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"
#include "log.h"

static void proc_exit(Child *c);
static void proc_line(Child *c, char *line, size_t len);
static void proc_deadline(Child *c);
static void proc_gone(Proc *p, const char *startmsg);

static void
proc_closed(Child *c)
{
	Proc *p = c->data;

	buf_free(&c->line);
	heap_free(&p->deadlines);
	free(p);
}

/* The busy act with the earliest deadline, or NULL. */
static Act *
earliest(Proc *p)
{
	Heapnode *x = heap_first(&p->deadlines);

	return x ? heap_owner(x, Act, hn) : NULL;
}

/* Set the timer to the earliest deadline among the busy acts, unless it is
 * set so already, or fd 3 is closed (the grace of proc_ctl_eof runs). */
static void
proc_arm(Proc *p)
{
	Act *first = earliest(p);
	uint64_t at = first ? first->deadline : 0;

	if (at == p->armed || p->ctleof)
		return;
	p->armed = at;
	child_deadline(&p->c, at);
}

static char **
proc_env(Proxy *px)
{
	char **env = env_copy(px->action->env);

	if (px->action->limit > 1)
		env_set(&env, "__OW_ALLOW_CONCURRENT", "true");
	if (px->action->kind->ack || px->opt.wait_ack)
		env_set(&env, "__OW_WAIT_FOR_ACK", "1");
	return env;
}

static Proc *
proc_new(Proxy *px, const Kind *k)
{
	Proc *p = ecalloc(1, sizeof *p);

	p->px = px;
	TAILQ_INIT(&p->busy);
	p->kind = k;
	p->c.data = p;
	p->c.exit_cb = proc_exit;
	p->c.line_cb = proc_line;
	p->c.timer_cb = proc_deadline;
	p->c.closed_cb = proc_closed;
	return p;
}

/* Spawn a process of kind k for action a (NULL: a stem cell) in cwd:
 * *out, or a libuv error and err says why. */
static int
proc_spawn(Proxy *px, const Kind *k, const Action *a, char **env, const char *cwd, Proc **out, char *err, size_t errlen)
{
	Proc *p = proc_new(px, k);
	const char *argv[8];
	int rc;

	k->argv(px, a, argv);
	if ((rc = child_spawn(px, &p->c, argv, env, cwd, 1)) < 0) {
		snprintf(err, errlen, "Cannot start the action: %s: %s", argv[0], uv_strerror(rc));
		child_close(&p->c);
		return rc;
	}
	*out = p;
	return 0;
}

/* The stem cell the backend's zygote forked before our start (--adopt):
 * taken once; NULL when there is none, or it cannot be had. */
static Proc *
proc_adopted(Proxy *px, const Kind *k)
{
	int pid = px->opt.adopt_pid, rc;
	Proc *p;

	px->opt.adopt_pid = 0;
	if (pid <= 0 || (p = proc_new(px, k)) == NULL)
		return NULL;
	if ((rc = child_adopt(px, &p->c, pid, px->opt.adopt_fd)) < 0) {
		log_warn("cannot adopt the launcher the backend started: %s", uv_strerror(rc));
		child_close(&p->c);
		return NULL;
	}
	return p;
}

/* Start a launcher before any init when --kind names a kind that has one:
 * it starts the interpreter now and loads the code when the init comes
 * (proc_adopt), so the init does not wait for the interpreter. */
int
proc_prelaunch(Proxy *px, char *err, size_t errlen)
{
	const Kind *k = px->opt.kind ? kind_lookup(px->opt.kind) : NULL;
	char **env;
	Proc *p;
	int rc;

	if (k == NULL || !k->stem || px->proc != NULL || px->stopping)
		return 0;
	if ((p = proc_adopted(px, k)) == NULL) {
		env = env_copy(px->baseenv);
		env_set(&env, "__OW_WAIT_FOR_ACK", "1");
		rc = proc_spawn(px, k, NULL, env, px->workdir, &p, err, errlen);
		env_free(env);
		if (rc < 0)
			return rc;
	}
	p->state = PROC_STEM;
	px->proc = p;
	return 0;
}

/* Give a stem cell its action: one line, {"entry", "main", "cwd", "env"};
 * it answers like a launcher started with them. */
static int
proc_adopt(Proc *p, char *err, size_t errlen)
{
	Action *a = p->px->action;
	char **env = proc_env(p->px), *eq, *text = NULL;
	json_t *e = json_object(), *o;
	int i;

	for (i = 0; env && e && env[i]; i++)
		if ((eq = strchr(env[i], '=')) != NULL)
			json_object_setn_new(e, env[i], (size_t)(eq - env[i]), json_string(eq + 1));
	o = json_pack("{s:s,s:s,s:s,s:o}", "entry", a->entry, "main", a->main, "cwd", a->dir, "env", e);
	if (env && o)
		text = js_text(o, NULL);
	env_free(env);
	json_decref(o);
	if (text == NULL || child_write(&p->c, text, strlen(text), W_LINE) < 0) {
		free(text);
		snprintf(err, errlen, "Cannot start the action: its launcher is gone");
		return -EPIPE;
	}
	free(text);
	p->state = PROC_STARTING;
	return 0;
}

int
proc_start(Proxy *px, char *err, size_t errlen)
{
	Action *a = px->action;
	Proc *p = px->proc;
	char **env;
	int rc;

	if (p && p->state == PROC_STEM && p->kind == a->kind && proc_adopt(p, err, errlen) == 0)
		return 0;
	if (p && p->state == PROC_STEM)
		proc_gone(p, NULL); /* of another kind, or it went away */
	env = proc_env(px);
	rc = proc_spawn(px, a->kind, a, env, a->dir, &p, err, errlen);
	env_free(env);
	if (rc < 0)
		return rc;
	p->state = a->kind->ack || px->opt.wait_ack ? PROC_STARTING : PROC_READY;
	px->proc = p;
	return 0;
}

/* One activation at a time and a quick function: wait for the answer here
 * (child_spin). Not when many are in flight, where answers come in any
 * order and waiting for one would hold up the others. */
static void
proc_spin(Proc *p)
{
	if (p->spinning || p->px->opt.spin <= 0 || p->px->action->limit > 1)
		return;
	p->spinning = 1;
	child_spin(&p->c, &p->nbusy, (uint64_t)p->px->opt.spin * 1000);
	p->spinning = 0;
}

/* a joins the busy acts, at the end. */
static void
busy_add(Proc *p, Act *a)
{
	a->proc = p;
	TAILQ_INSERT_TAIL(&p->busy, a, link);
	p->nbusy++;
}

void
proc_send(Proc *p, Act *a)
{
	if (a->deadline)
		heap_push(&p->deadlines, &a->hn, (int64_t)a->deadline);
	busy_add(p, a);
	child_write(&p->c, a->line, a->linelen, W_LINE);
	if (a->deadline)
		proc_arm(p);
	proc_spin(p);
}

/* a (a busy act, or NULL: the oldest), no longer busy; NULL when none is. */
static Act *
busy_take(Proc *p, Act *a)
{
	if (a == NULL && (a = TAILQ_FIRST(&p->busy)) == NULL)
		return NULL;
	TAILQ_REMOVE(&p->busy, a, link);
	a->proc = NULL;
	heap_remove(&p->deadlines, &a->hn);
	p->nbusy--;
	return a;
}

/* The first line: {"ok":true}, or {"error": "..."} when the code did not load. */
static void
proc_ack(Proc *p, const char *line, size_t len)
{
	json_t *j = json_loadb(line, len, JSON_ALLOW_NUL, NULL);
	const char *err = json_string_value(json_object_get(j, "error"));
	char msg[ERRMAX];

	if (json_is_true(json_object_get(j, "ok"))) {
		p->state = PROC_READY;
		json_decref(j);
		if (p->px->action->state == ACTION_STARTING)
			init_ready(p->px);
		else
			act_dispatch(p->px);
		return;
	}
	snprintf(msg, sizeof msg, "%s", err ? err : "The action did not initialize properly.");
	json_decref(j);
	proc_gone(p, msg); /* kills it: a launcher that says so exits anyway */
}

/* Fail every busy act with what ended the process. */
static void
proc_fail_busy(Proc *p)
{
	char how[1400], msg[ERRMAX];
	Act *a;

	child_exit_text(&p->c, how, sizeof how);
	while ((a = busy_take(p, NULL)) != NULL) {
		if (a->timedout)
			act_timeout_text(a, msg, sizeof msg);
		else if (p->why)
			snprintf(msg, sizeof msg, "The action %s (%s", p->why, how);
		else
			snprintf(msg, sizeof msg, "The action exited during the activation (%s", how);
		act_fail(a, 502, msg);
	}
}

/* The process is done for: tell whoever waits on it, start the next. */
static void
proc_gone(Proc *p, const char *startmsg)
{
	Proxy *px = p->px;
	char how[1400], msg[ERRMAX];
	int was = p->state;

	p->state = PROC_DEAD;
	if (px->proc == p)
		px->proc = NULL;
	if (was == PROC_STEM) {
		child_close(&p->c); /* nobody waits on a stem cell */
		return;
	}
	if (was == PROC_STARTING) {
		child_exit_text(&p->c, how, sizeof how);
		if (startmsg == NULL)
			snprintf(msg, sizeof msg, "The action exited while starting (%s", how);
		if (px->action->state == ACTION_STARTING)
			init_failed(px, startmsg ? startmsg : msg);
		else
			act_fail_queued(px, 502, startmsg ? startmsg : msg);
	} else if (!px->stopping && px->action && px->action->state == ACTION_READY && px->proc == NULL &&
	           proc_start(px, msg, sizeof msg) < 0) {
		log_error("%s", msg);
	}
	proc_fail_busy(p);
	child_close(&p->c);
}

static void
proc_exit(Child *c)
{
	Proc *p = c->data;

	proc_gone(p, NULL);
}

/* fd 3 closed while the process runs: unless it is exiting anyway, it can
 * answer nothing more; proc_deadline kills it after a short grace. */
static void
proc_ctl_eof(Proc *p)
{
	p->ctleof = 1;
	child_deadline(&p->c, now_ms() + 100);
}

/* Many in flight: the answer names its activation,
 * {"activation_id": ID, "result": RESULT}, read without building it. */
static void
proc_answer_tagged(Proc *p, const char *line, size_t len)
{
	const char *id, *res;
	size_t idlen, reslen;
	Act *a = NULL;

	if (js_check(line, len) == '{' && js_member(line, len, "activation_id", &id, &idlen) == '"' &&
	    js_member(line, len, "result", &res, &reslen) >= 0 && (a = idtab_get(&p->px->ids, id, idlen)) != NULL &&
	    a->proc == p)
		busy_take(p, a);
	else
		a = NULL;
	if (a == NULL) {
		p->why = "wrote an answer on fd 3 that names no activation it was given";
		child_kill(&p->c);
		return;
	}
	proc_arm(p);
	act_result(a, res, reslen);
}

static void
proc_line(Child *c, char *line, size_t len)
{
	Proc *p = c->data;
	Act *a;

	if (line == NULL && c->toolong) {
		p->why = "wrote an answer longer than the proxy takes";
		child_kill(c);
		return;
	}
	if (line == NULL) {
		proc_ctl_eof(p);
		return;
	}
	if (p->state == PROC_STARTING) {
		proc_ack(p, line, len);
		return;
	}
	if (p->state == PROC_STEM) {
		log_warn("a stem cell wrote on fd 3 before it had code; dropped");
		return;
	}
	child_drain(c);
	if (p->px->action->limit > 1) {
		proc_answer_tagged(p, line, len);
		return;
	}
	if ((a = busy_take(p, NULL)) == NULL) {
		log_warn("the action wrote on fd 3 with no activation running; dropped");
		return;
	}
	proc_arm(p);
	act_result(a, line, len);
}

static void
proc_deadline(Child *c)
{
	Proc *p = c->data;
	uint64_t now = now_ms();
	int n = 0;
	Act *a;

	p->armed = 0; /* it went off */
	while ((a = earliest(p)) != NULL && a->deadline <= now) {
		heap_remove(&p->deadlines, &a->hn);
		a->timedout = 1, n++;
	}
	if (n > 0) {
		p->why = "was killed because another activation in it exceeded its time limit";
		child_kill(c);
	} else if (p->ctleof) {
		p->why = "closed fd 3 without answering";
		child_kill(c);
	} else
		proc_arm(p);
}

/* The process goes, its acts fail: the proxy is shutting down, or a stem
 * cell is not needed. */
void
proc_stop(Proxy *px)
{
	Proc *p = px->proc;

	if (p == NULL)
		return;
	px->proc = NULL;
	p->state = PROC_DEAD;
	p->why = "was stopped because the proxy is shutting down";
	proc_fail_busy(p);
	child_close(&p->c);
}
