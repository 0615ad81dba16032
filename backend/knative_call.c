/* knative_call.c — the knative domain's runs: POST to a Service's URL, retry a cold Knative, the logs in the answer.
 *
 * See domain_knative.c for the protocol. A call keeps its run body so it
 * can be posted again: after a cold Knative's 502/503/504 or a refused
 * connection (backoff 25 ms doubling to 800 ms, until FAASFS_KNATIVE_COLD_MS),
 * and once with the init when the pod has no code. A call cancelled by
 * stop() has answered already; its transfer's callback only frees it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fns.h"
#include "knative_int.h"
#include "log.h"

static void call_post(Kcall *k);

static void
call_free(Kcall *k)
{
	free(k->run);
	uv_close((uv_handle_t *)&k->timer, later_closed);
}

static void
call_end(Kcall *k, DomainReply *rep)
{
	Kct *x = k->x;

	if (!k->done) /* else off x->calls already */
		LIST_REMOVE(k, link);
	k->done = 1;
	k->cb(x->c, rep, k->arg);
	call_free(k);
}

/* Bytes of the text of a log line "STAMP STREAM: text". */
static size_t
line_text_len(const char *line)
{
	const char *p = strstr(line, ": ");

	return p ? strlen(p + 2) : strlen(line);
}

/* The lines of the answer, cut at limit bytes of text as locally. */
static json_t *
logs_of(json_t *lines, long limit)
{
	json_t *out = json_array(), *l;
	size_t i, bytes = 0, n;
	char msg[160];

	json_array_foreach(lines, i, l)
	{
		if (!json_is_string(l))
			continue;
		n = line_text_len(json_string_value(l));
		if (bytes + n > (size_t)limit) {
			snprintf(msg, sizeof msg,
			         "Logs were truncated because the total bytes size exceeds the limit of %ld bytes.",
			         limit);
			json_array_append_new(out, json_sprintf("%.27s stderr: %s", json_string_value(l), msg));
			break;
		}
		bytes += n;
		json_array_append(out, l);
	}
	return out;
}

static void
call_answer(Kcall *k, long status, const char *body, size_t len, int logs)
{
	DomainReply rep = { .err = 0, .status = (int)status, .body = body, .len = len };
	json_t *w = NULL, *lines = NULL;

	if (logs && (w = json_loadb(body, len, 0, NULL)) && json_is_string(json_object_get(w, "body"))) {
		rep.body = json_string_value(json_object_get(w, "body"));
		rep.len = json_string_length(json_object_get(w, "body"));
		lines = logs_of(json_object_get(w, "logs"), k->logs_limit);
	}
	if (k->logs_limit >= 0 && !lines)
		lines = json_array();
	if (rep.len > RESULT_MAX)
		rep.err = -EFBIG;
	rep.logs = lines;
	call_end(k, &rep);
	json_decref(lines);
	json_decref(w);
}

/* A cold Knative's answer, not the proxy's: try again. */
static int
retryable(long status, const char *body, size_t len, int logs)
{
	json_t *j;
	int proxy;

	if (logs || (status != 502 && status != 503 && status != 504))
		return 0;
	j = json_loadb(body, len, 0, NULL);
	proxy = json_is_string(json_object_get(j, "error"));
	json_decref(j);
	return !proxy;
}

static void
retry_cb(uv_timer_t *t)
{
	call_post(t->data);
}

static void
post_cb(int err, long status, const char *body, size_t len, int logs, const char *errtext, void *arg)
{
	Kcall *k = arg;
	DomainReply rep = { .err = err, .body = "", .len = 0 };
	int64_t now = now_ms();

	k->posting = 0;
	if (k->done) { /* cancelled meanwhile */
		call_free(k);
		return;
	}
	if (now < k->until && ((err == 0 && retryable(status, body, len, logs)) || err == -ECONNREFUSED)) {
		int wait = 25 << (k->tries < 5 ? k->tries : 5);
		k->tries++;
		log_debug("knative: %s answered %ld%s; again in %d ms", k->x->sv ? k->x->sv->name : "?", status,
		          err ? " (no connection)" : "", wait);
		uv_timer_start(&k->timer, retry_cb, (uint64_t)wait, 0);
		return;
	}
	if (err == 0 && status == 403 && !k->with_init && len < 200 && memmem(body, len, "not initialized", 15)) {
		k->with_init = 1; /* the pod has no code: its environment could not hold it */
		call_post(k);
		return;
	}
	if (err) {
		log_warn("knative: %s", errtext ? errtext : "a run was lost");
		call_end(k, &rep);
		return;
	}
	call_answer(k, status, body, len, logs);
}

static void
call_post(Kcall *k)
{
	Kct *x = k->x;
	Ksv *sv = x->sv;
	const char *hdrs[] = { k->logs_limit >= 0 ? "X-Faasfs-Logs: 1" : NULL, NULL };
	DomainReply rep = { .err = -ESRCH, .body = "", .len = 0 };
	char *init = NULL;
	Buf b = { 0 };
	int rc;

	if (!sv || sv->state != KS_READY) {
		call_end(k, &rep);
		return;
	}
	buf_str(&b, "{");
	if (k->with_init) {
		init = json_dumps(sv->init, JSON_COMPACT);
		buf_str(&b, "\"init\":");
		buf_str(&b, init);
		buf_str(&b, ",");
		free(init);
	}
	buf_str(&b, "\"activation\":");
	buf_add(&b, k->run, k->len);
	buf_str(&b, "}");
	rc = kube_post(x->d->k, "POST", sv->url, x->d->ingress[0] ? x->d->ingress : NULL, hdrs, b.p, b.n,
	               (long)x->c->pool->lim.timeout_ms + CALL_GRACE_MS, post_cb, k);
	if (rc < 0) {
		rep.err = rc;
		call_end(k, &rep);
		return;
	}
	k->posting = 1;
}

static void
init_cb(uv_timer_t *t)
{
	Kcall *k = t->data;
	DomainReply rep = { .err = 0, .status = 200, .body = "{\"ok\":true}", .len = 11 };

	call_end(k, &rep);
}

int
knative_call(Container *c, const char *path, char *body, size_t len, long logs_limit, domain_reply_cb cb, void *arg)
{
	Kct *x = c->priv;
	Kcall *k;

	if (!x || x->stopped || !x->sv || x->sv->state != KS_READY) {
		free(body);
		return -ESRCH;
	}
	k = ecalloc(1, sizeof *k);
	k->x = x;
	k->cb = cb;
	k->arg = arg;
	k->logs_limit = logs_limit;
	k->until = now_ms() + x->d->cold_ms;
	uv_timer_init(x->d->loop, &k->timer);
	k->timer.data = k;
	LIST_INSERT_HEAD(&x->calls, k, link);
	if (strcmp(path, "/init") == 0) {
		free(body); /* the code is in the Service */
		uv_timer_start(&k->timer, init_cb, 0, 0);
		return 0;
	}
	k->run = body;
	k->len = len;
	uv_timer_start(&k->timer, retry_cb, 0, 0);
	return 0;
}

void
calls_cancel(Kct *x)
{
	Kcall *k;
	DomainReply rep = { .err = -ECANCELED, .body = "", .len = 0 };

	while ((k = LIST_FIRST(&x->calls))) {
		LIST_REMOVE(k, link);
		k->done = 1;
		k->cb(x->c, &rep, k->arg);
		if (!k->posting)
			uv_close((uv_handle_t *)&k->timer, later_closed);
		/* else kube_post's callback frees it */
	}
}

void
later_closed(uv_handle_t *h)
{
	free(h->data);
}
