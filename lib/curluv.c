/* curluv.c — libcurl's multi interface driven by a libuv loop.
 *
 * libcurl tells us which sockets it wants watched (socket_cb) and when it
 * next wants to be called without socket activity (timer_cb). Each watched
 * socket gets a uv_poll_t; readiness and the timer both end in
 * curl_multi_socket_action(), after which finished transfers are collected
 * (check_done) and their done callbacks run. Connections stay in libcurl's
 * cache, so requests to the same host reuse a keep-alive socket.
 *
 * A socket's uv_poll_t lives as long as the socket, not as one transfer's
 * interest in it: libuv's uv_poll_start costs an epoll_ctl DEL and ADD even
 * when nothing changes, and a new poll handle three more syscalls. So the
 * watch of a kept-alive socket stays (watching for readability) when libcurl
 * says CURL_POLL_REMOVE, is restarted only when the events asked for change,
 * and goes when libcurl closes the socket (close_cb). An idle socket that
 * becomes readable (the server closed it) stops being polled until libcurl
 * wants it again; libcurl then finds it dead and opens another.
 *
 * Every easy handle run here carries a transfer (CURLOPT_PRIVATE) with the
 * caller's callback, the collected body and what must be freed with it.
 *
 * libcurl refuses curl_multi_add_handle() from inside its own callbacks (a
 * write callback of a streamed response, say). Such a transfer waits in
 * cu->deferred and is added on the next turn of the loop, so callers may
 * start requests from anywhere. Easy handles made by curluv_request are
 * reset and kept (up to SPARE_MAX) for the next request: that spares
 * curl_easy_init's allocations on every call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "buf.h"
#include "curluv.h"
#include "mem.h"

enum { SPARE_MAX = 32 };

struct Curluv {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer;
	int running;
	struct Transfer *transfers; /* all running, so curluv_free can cancel them */
	struct Transfer *deferred;  /* waiting to be added outside curl's callbacks */
	uv_timer_t defer_timer;
	CURL *spare[SPARE_MAX]; /* reset easy handles of finished requests */
	int nspare;
	int closing;            /* timers still closing at curluv_free */
	struct Watch **watches; /* by socket: its poll handle while it is open */
	int nwatches;
	char *unix_path; /* connect here instead of the URL's host (curluv_unix_socket) */
	char *cafile;    /* trust only these CAs for TLS peers (curluv_cafile) */
};

typedef struct Transfer {
	struct Transfer *next, *prev;
	CURL *easy;
	Curluv *cu;
	curluv_done_cb cb;
	void *arg;
	int collect;  /* made by curluv_request: collect, keep the handle */
	int deferred; /* on cu->deferred, not yet added */
	Buf body;     /* the response, when collected */
	char *send;   /* request body we own */
	struct curl_slist *headers;
	char errbuf[CURL_ERROR_SIZE];
} Transfer;

typedef struct Watch {
	uv_poll_t poll;
	curl_socket_t fd;
	Curluv *cu;
	int want;    /* UV_READABLE|UV_WRITABLE libcurl asks for, 0 after REMOVE */
	int polling; /* the events the poll handle was started with */
} Watch;

static void transfer_unlink(Transfer **list, Transfer *t);
static void on_defer_timer(uv_timer_t *tm);

static void
transfer_free(Transfer *t)
{
	transfer_unlink(t->deferred ? &t->cu->deferred : &t->cu->transfers, t);
	curl_slist_free_all(t->headers);
	free(t->send);
	buf_free(&t->body);
	free(t);
}

/* Take a transfer out of the multi handle, tell its owner, free it. */
static void
transfer_finish(Curluv *cu, CURL *easy, Transfer *t, CURLcode rc)
{
	CurluvResp resp;

	memset(&resp, 0, sizeof resp);
	resp.rc = rc;
	resp.easy = easy;
	if (rc != CURLE_ABORTED_BY_CALLBACK)
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &resp.status);
	resp.body = t->collect ? (t->body.p ? t->body.p : "") : NULL;
	resp.len = t->body.n;
	resp.error = t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc);
	curl_multi_remove_handle(cu->multi, easy);
	t->cb(&resp, t->arg);
	if (t->collect && cu->nspare < SPARE_MAX) {
		curl_easy_reset(easy);
		cu->spare[cu->nspare++] = easy;
	} else {
		curl_easy_cleanup(easy);
	}
	transfer_free(t);
}

static void
check_done(Curluv *cu)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(cu->multi, &left)) != NULL) {
		Transfer *t;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		transfer_finish(cu, m->easy_handle, t, m->data.result);
	}
}

static void
on_poll(uv_poll_t *p, int status, int events)
{
	Watch *w = p->data;
	int flags = 0;

	if (w->want == 0) {
		/* idle in libcurl's cache and readable: closed by the server */
		uv_poll_stop(&w->poll);
		w->polling = 0;
		return;
	}
	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(w->cu->multi, w->fd, flags, &w->cu->running);
	check_done(w->cu);
}

static void
on_timer(uv_timer_t *tm)
{
	Curluv *cu = tm->data;

	curl_multi_socket_action(cu->multi, CURL_SOCKET_TIMEOUT, 0, &cu->running);
	check_done(cu);
}

static int
timer_cb(CURLM *multi, long ms, void *arg)
{
	Curluv *cu = arg;

	(void)multi;
	if (ms < 0)
		uv_timer_stop(&cu->timer);
	else
		uv_timer_start(&cu->timer, on_timer, ms, 0);
	return 0;
}

static void
on_watch_closed(uv_handle_t *h)
{
	free(h->data);
}

static Watch *
watch_get(Curluv *cu, curl_socket_t fd)
{
	return fd >= 0 && fd < cu->nwatches ? cu->watches[fd] : NULL;
}

static Watch *
watch_new(Curluv *cu, curl_socket_t fd)
{
	Watch *w;

	if (fd < 0)
		return NULL;
	if (fd >= cu->nwatches) {
		int n = fd + 64;
		Watch **v = erealloc(cu->watches, n * sizeof *v);
		memset(v + cu->nwatches, 0, (n - cu->nwatches) * sizeof *v);
		cu->watches = v;
		cu->nwatches = n;
	}
	w = ecalloc(1, sizeof *w);
	w->fd = fd;
	w->cu = cu;
	if (uv_poll_init_socket(cu->loop, &w->poll, fd) < 0) {
		free(w);
		return NULL;
	}
	w->poll.data = w;
	cu->watches[fd] = w;
	return w;
}

/* (Re)start w's poll handle for events, unless it already watches them. */
static void
watch_poll(Watch *w, int events)
{
	if (events == w->polling)
		return;
	w->polling = events;
	uv_poll_start(&w->poll, events, on_poll);
}

static int
socket_cb(CURL *easy, curl_socket_t fd, int what, void *arg, void *sockp)
{
	Curluv *cu = arg;
	Watch *w = watch_get(cu, fd);

	(void)easy;
	(void)sockp;
	if (what == CURL_POLL_REMOVE) {
		if (w != NULL) {
			w->want = 0;
			if (w->polling)
				watch_poll(w, UV_READABLE);
		}
		return 0;
	}
	if (w == NULL && (w = watch_new(cu, fd)) == NULL)
		return -1;
	w->want = (what & CURL_POLL_IN ? UV_READABLE : 0) | (what & CURL_POLL_OUT ? UV_WRITABLE : 0);
	watch_poll(w, w->want);
	return 0;
}

/* libcurl closes a socket: its watch goes first (see the top of the file). */
static int
close_cb(void *arg, curl_socket_t fd)
{
	Curluv *cu = arg;
	Watch *w = watch_get(cu, fd);

	if (w != NULL) {
		cu->watches[fd] = NULL;
		uv_poll_stop(&w->poll);
		uv_close((uv_handle_t *)&w->poll, on_watch_closed);
	}
	return close(fd);
}

int
curluv_init(uv_loop_t *loop, Curluv **out)
{
	Curluv *cu;

	if (mem_curl() < 0)
		return -EIO;
	cu = ecalloc(1, sizeof *cu);
	cu->loop = loop;
	cu->multi = curl_multi_init();
	uv_timer_init(loop, &cu->timer);
	cu->timer.data = cu;
	uv_timer_init(loop, &cu->defer_timer);
	cu->defer_timer.data = cu;
	curl_multi_setopt(cu->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(cu->multi, CURLMOPT_SOCKETDATA, cu);
	curl_multi_setopt(cu->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(cu->multi, CURLMOPT_TIMERDATA, cu);
	curl_multi_setopt(cu->multi, CURLMOPT_MAXCONNECTS, 1024L);
	*out = cu;
	return 0;
}

static void
on_timer_closed(uv_handle_t *h)
{
	Curluv *cu = h->data;

	if (--cu->closing == 0)
		free(cu);
}

void
curluv_free(Curluv *cu)
{
	/* Cancel what is still running so every callback runs once. */
	on_defer_timer(&cu->defer_timer);
	while (cu->transfers != NULL)
		curluv_cancel(cu, cu->transfers->easy);
	while (cu->nspare > 0)
		curl_easy_cleanup(cu->spare[--cu->nspare]);
	curl_multi_cleanup(cu->multi);
	free(cu->watches);
	cu->watches = NULL;
	cu->nwatches = 0;
	free(cu->unix_path);
	cu->unix_path = NULL;
	free(cu->cafile);
	cu->cafile = NULL;
	cu->closing = 2;
	uv_close((uv_handle_t *)&cu->defer_timer, on_timer_closed);
	uv_close((uv_handle_t *)&cu->timer, on_timer_closed);
}

static Transfer *
transfer_new(Curluv *cu, CURL *easy, curluv_done_cb cb, void *arg)
{
	Transfer *t = ecalloc(1, sizeof *t);

	t->cu = cu;
	t->easy = easy;
	t->cb = cb;
	t->arg = arg;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, close_cb);
	curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, cu);
	/* every time: curl_easy_reset cleared it on a spare handle; when there
	 * is none, a handle the caller set up (curluv_add) keeps its own */
	if (cu->unix_path)
		curl_easy_setopt(easy, CURLOPT_UNIX_SOCKET_PATH, cu->unix_path);
	if (cu->cafile)
		curl_easy_setopt(easy, CURLOPT_CAINFO, cu->cafile);
	return t;
}

/* One setting of a string kept for every transfer: *slot becomes a copy of val (or NULL). */
static void
keep_str(char **slot, const char *val)
{
	free(*slot);
	*slot = val != NULL ? estrdup(val) : NULL;
}

void
curluv_cafile(Curluv *cu, const char *path)
{
	keep_str(&cu->cafile, path);
}

void
curluv_unix_socket(Curluv *cu, const char *path)
{
	keep_str(&cu->unix_path, path);
}

static void
transfer_link(Transfer **list, Transfer *t)
{
	t->prev = NULL;
	t->next = *list;
	if (t->next != NULL)
		t->next->prev = t;
	*list = t;
}

static void
transfer_unlink(Transfer **list, Transfer *t)
{
	if (t->prev != NULL)
		t->prev->next = t->next;
	else if (*list == t)
		*list = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	t->next = t->prev = NULL;
}

static void
on_defer_timer(uv_timer_t *tm)
{
	Curluv *cu = tm->data;

	while (cu->deferred != NULL) {
		Transfer *t = cu->deferred;
		transfer_unlink(&cu->deferred, t);
		t->deferred = 0;
		transfer_link(&cu->transfers, t);
		if (curl_multi_add_handle(cu->multi, t->easy) != CURLM_OK)
			transfer_finish(cu, t->easy, t, CURLE_FAILED_INIT);
	}
}

static int
transfer_start(Curluv *cu, CURL *easy, Transfer *t)
{
	CURLMcode mc = curl_multi_add_handle(cu->multi, easy);

	if (mc == CURLM_RECURSIVE_API_CALL) {
		t->deferred = 1;
		transfer_link(&cu->deferred, t);
		uv_timer_start(&cu->defer_timer, on_defer_timer, 0, 0);
		return 0;
	}
	if (mc != CURLM_OK) {
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		transfer_free(t);
		return -EIO;
	}
	transfer_link(&cu->transfers, t);
	return 0;
}

int
curluv_add(Curluv *cu, CURL *easy, curluv_done_cb cb, void *arg)
{
	Transfer *t = transfer_new(cu, easy, cb, arg);

	return transfer_start(cu, easy, t);
}

static size_t
collect_cb(char *data, size_t size, size_t n, void *arg)
{
	Transfer *t = arg;
	size_t len = size * n;

	buf_add(&t->body, data, len);
	return len;
}

int
curluv_request(Curluv *cu, const char *method, const char *url, const char *const *headers, const char *body,
               size_t len, long timeout_ms, curluv_done_cb cb, void *arg)
{
	CURL *easy = cu->nspare > 0 ? cu->spare[--cu->nspare] : curl_easy_init();
	Transfer *t;
	int i, rc;

	t = transfer_new(cu, easy, cb, arg);
	t->collect = 1;
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, collect_cb);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, t);
	if (timeout_ms > 0)
		curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
	/* no 100-continue round trip for large bodies */
	t->headers = curl_slist_append(NULL, "Expect:");
	for (i = 0; headers != NULL && headers[i] != NULL; i++)
		t->headers = curl_slist_append(t->headers, headers[i]);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->headers);
	if (body != NULL) {
		t->send = emalloc(len ? len : 1);
		memcpy(t->send, body, len);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, t->send);
	}
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") != 0 && !(strcmp(method, "POST") == 0 && body != NULL))
		curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
	rc = transfer_start(cu, easy, t);
	if (rc < 0) {
		curl_easy_cleanup(easy);
		return rc;
	}
	return 0;
}

void
curluv_cancel(Curluv *cu, CURL *easy)
{
	Transfer *t = NULL;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
	if (t != NULL)
		transfer_finish(cu, easy, t, CURLE_ABORTED_BY_CALLBACK);
}
