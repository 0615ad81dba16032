/* init.c — answering init requests: at once, or when the action's process is ready. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"
#include "log.h"

static const char OK[] = "{\"ok\":true}";

/* The init went well: answer it, or go on with the run it carried. */
static void
init_answer(Proxy *px, HttpReq *req, json_t *run)
{
	if (run)
		act_submit(px, req, run, NULL, 0);
	else
		http_respond(req, 200, "application/json", NULL, OK, sizeof OK - 1);
}

static void
initq_add(Proxy *px, HttpReq *req, json_t *run)
{
	Initwait *w = ecalloc(1, sizeof *w);

	w->req = req;
	w->run = run;
	STAILQ_INSERT_TAIL(&px->initq, w, link);
}

static Initwait *
initq_take(Proxy *px)
{
	Initwait *w = STAILQ_FIRST(&px->initq);

	if (w)
		STAILQ_REMOVE_HEAD(&px->initq, link);
	return w;
}

/* The action's process loaded the code. */
void
init_ready(Proxy *px)
{
	Initwait *w;

	px->action->state = ACTION_READY;
	while ((w = initq_take(px)) != NULL) {
		init_answer(px, w->req, w->run);
		free(w);
	}
	act_dispatch(px);
}

/* The init failed: every request waiting on it hears why, with the
 * sentinels after whatever the code logged; the proxy is uninitialised. */
void
init_failed(Proxy *px, const char *msg)
{
	char err[ERRMAX];
	Initwait *w;

	log_sentinels(px);
	while ((w = initq_take(px)) != NULL) {
		reply_error(w->req, 502, msg);
		json_decref(w->run);
		free(w);
	}
	act_fail_queued(px, 502, msg);
	action_free(px->action);
	px->action = NULL;
	proc_prelaunch(px, err, sizeof err); /* a fresh stem cell for the next init */
}

/* a is the action now: start it; req (with run) waits for it, when given. */
static void
init_start(Proxy *px, Action *a, HttpReq *req, json_t *run)
{
	char err[ERRMAX];

	px->action = a;
	a->state = ACTION_STARTING;
	if (req)
		initq_add(px, req, run);
	if (a->kind->style == KIND_ONCE) {
		proc_stop(px); /* a stem cell of --kind is of no use now */
		init_ready(px);
	} else if (proc_start(px, err, sizeof err) < 0)
		init_failed(px, err);
	else if (px->proc->state == PROC_READY)
		init_ready(px);
}

/* An init: value is the init object, run what to run after it (or NULL);
 * both are taken over. */
void
init_request(Proxy *px, HttpReq *req, json_t *value, json_t *run)
{
	json_t *code = json_object_get(value, "code");
	const char *text = json_string_value(code);
	size_t len = json_string_length(code);
	char err[ERRMAX];
	Action *a;

	if (px->action && !action_same(px, value, text ? text : "", text ? len : 0)) {
		reply_error(req, 403, "Cannot initialize the action more than once.");
		json_decref(run);
	} else if (px->action && px->action->state == ACTION_READY) {
		init_answer(px, req, run);
	} else if (px->action) {
		initq_add(px, req, run);
	} else if (text == NULL || len == 0) {
		reply_error(req, 403, "Missing main/no code to execute.");
		json_decref(run);
	} else if (action_new(px, value, text, len, &a, err, sizeof err) < 0) {
		log_sentinels(px);
		reply_error(req, 502, err);
		json_decref(run);
	} else {
		init_start(px, a, req, run);
	}
	json_decref(value);
}

/* FAASFS_INIT, the init object as JSON text, is the action from the start:
 * a Knative Service carries its function so, and its pods need no /init.
 * 0, or -EINVAL with the error logged (the pod then exits and says why). */
int
init_from_env(Proxy *px)
{
	const char *v = getenv("FAASFS_INIT");
	json_t *value, *code;
	char err[ERRMAX];
	Action *a;
	int rc = 0;

	if (v == NULL || *v == '\0')
		return 0;
	value = json_loads(v, 0, NULL);
	code = json_object_get(value, "code");
	if (!json_is_object(value) || json_string_length(code) == 0) {
		log_error("FAASFS_INIT is not an init object with code");
		rc = -EINVAL;
	} else if (action_new(px, value, json_string_value(code), json_string_length(code), &a, err, sizeof err) < 0) {
		log_error("FAASFS_INIT: %s", err);
		rc = -EINVAL;
	} else
		init_start(px, a, NULL, NULL);
	json_decref(value);
	return rc;
}
