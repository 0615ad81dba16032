/* container_http.c — keep-alive HTTP/1.1 client to a container's proxy, on libuv and http_parser.
 *
 * Why not libcurl: the local domain's calls are all POSTs to a proxy on
 * this host (a Unix socket, or 127.0.0.1:PORT) with a JSON body and a
 * Content-Length answer; the whole client is a write and a parse. Doing
 * it here costs one write and one read per call, which keeps the backend's
 * share of a warm invocation small (the goal is 100 µs p50): bench/chttp-curluv
 * counts about 4,400 instructions per warm POST /run here against about
 * 59,000 through curluv (libcurl multi) on the same proxy.
 *
 * A connection carries one call at a time (the proxy answers in order and
 * we never pipeline). Connections live on two lists: idle (connected, no
 * call) and busy. A call that finds no idle connection opens one, so the
 * number of connections follows the container's concurrency by itself.
 * A connection is a uv_tcp_t or a uv_pipe_t; past the connect both are the
 * same stream to us.
 *
 * At most CONNECTING_MAX connects are under way at once; a connection
 * beyond waits its turn on h->waiting (first come, first served). A burst
 * of calls to a container that takes thousands at once would otherwise
 * connect thousands of times in one loop turn, before the proxy accepts
 * any: over a Unix socket a full listen backlog (the proxy's 1024) fails
 * the connect at once with EAGAIN, where TCP would retry.
 *
 * That bound counts connects, not connections the proxy has accepted: a
 * Unix connect ends as soon as it is in the backlog, so a burst of
 * thousands can still fill it while the proxy is off the CPU (10,000 runs
 * at once to one node container, unpinned: thousands failed as "exited
 * unexpectedly"). A connect that finds the backlog full is made again:
 * its call moves to a new connection at the head of the queue, and no
 * connect starts for RETRY_MS, time for the proxy to accept those it has.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/un.h>

#include <http_parser.h>

#include "buf.h"
#include "container_http.h"
#include "mem.h"

typedef struct Hconn Hconn;

enum { CONNECTING_MAX = 256 }; /* well under the proxy's listen backlog */
enum { RETRY_MS = 2 };         /* after a full backlog, connects wait this */

struct Chttp {
	uv_loop_t *loop;
	int port;                                             /* 127.0.0.1:port, when path is "" */
	char path[sizeof((struct sockaddr_un *)0)->sun_path]; /* a Unix socket */
	size_t max_body;
	int closing;
	int handles; /* connections not yet closed */
	LIST_HEAD(, Hconn) idle;
	LIST_HEAD(, Hconn) busy;
	int connecting;            /* connects under way */
	TAILQ_HEAD(, Hconn) waitq; /* waiting to connect, oldest first */
	uv_timer_t retry;          /* while it runs the backlog was full: connects wait */
	char auth[96];             /* "Authorization: Bearer TOKEN\r\n", or "" */
	char rbuf[65536];
};

typedef union Cstream {
	uv_handle_t h;
	uv_stream_t s;
	uv_tcp_t tcp;
	uv_pipe_t pipe;
} Cstream;

struct Hconn {
	Cstream io;
	uv_connect_t creq;
	uv_write_t wreq;
	http_parser parser;
	Chttp *h;
	LIST_ENTRY(Hconn) link;  /* on h->idle or h->busy (le_prev NULL: on neither) */
	TAILQ_ENTRY(Hconn) wait; /* on h->waitq, when waiting */
	int waiting;
	int connected;
	int closing;
	chttp_done_cb cb; /* the call in flight, or NULL */
	void *arg;
	int probe;        /* the call is a connection probe */
	const char *path; /* "/init" or "/run": a literal */
	char head[256];
	char *req; /* request body (owned) */
	size_t reqlen;
	Buf body; /* answer body */
	int status;
	int complete;
	int keep_alive;
	int err;
};

static http_parser_settings settings;

static void
conn_unlink(Hconn *c)
{
	if (!c->link.le_prev)
		return;
	LIST_REMOVE(c, link);
	c->link.le_prev = NULL;
}

static void
conn_unwait(Hconn *c)
{
	if (!c->waiting)
		return;
	TAILQ_REMOVE(&c->h->waitq, c, wait);
	c->waiting = 0;
}

static void
on_close(uv_handle_t *hd)
{
	Hconn *c = hd->data;
	Chttp *h = c->h;
	chttp_done_cb cb = c->cb;

	c->cb = NULL;
	if (cb)
		cb(c->err ? c->err : -ECANCELED, 0, NULL, 0, c->arg);
	free(c->req);
	buf_free(&c->body);
	free(c);
	if (--h->handles == 0 && h->closing)
		free(h);
}

static void
retry_closed(uv_handle_t *hd)
{
	Chttp *h = hd->data;

	if (--h->handles == 0)
		free(h);
}

static void
conn_close(Hconn *c, int err)
{
	if (c->closing)
		return;
	c->closing = 1;
	if (!c->err)
		c->err = err;
	conn_unlink(c);
	conn_unwait(c);
	uv_close(&c->io.h, on_close);
}

/* End the call in flight; the connection goes idle or closes. */
static void
conn_finish(Hconn *c, int err)
{
	chttp_done_cb cb = c->cb;
	Chttp *h = c->h;
	int reuse = !err && c->keep_alive && !c->probe;

	if (c->probe)
		reuse = !err;
	c->cb = NULL;
	conn_unlink(c);
	free(c->req);
	c->req = NULL;
	if (cb)
		cb(err, c->status, c->body.p ? c->body.p : "", c->body.n, c->arg);
	buf_reset(&c->body);
	c->complete = 0;
	c->probe = 0;
	if (reuse && !h->closing && !c->closing) {
		http_parser_init(&c->parser, HTTP_RESPONSE);
		c->parser.data = c;
		LIST_INSERT_HEAD(&h->idle, c, link);
	} else {
		conn_close(c, err);
	}
}

static int
on_body(http_parser *p, const char *at, size_t n)
{
	Hconn *c = p->data;

	if (c->body.n + n > c->h->max_body) {
		c->err = -EFBIG;
		return 1;
	}
	buf_add(&c->body, at, n);
	return 0;
}

static int
on_complete(http_parser *p)
{
	Hconn *c = p->data;

	c->status = p->status_code;
	c->keep_alive = http_should_keep_alive(p);
	c->complete = 1;
	http_parser_pause(p, 1);
	return 0;
}

static void
alloc_cb(uv_handle_t *hd, size_t hint, uv_buf_t *buf)
{
	Hconn *c = hd->data;

	(void)hint;
	buf->base = c->h->rbuf;
	buf->len = sizeof c->h->rbuf;
}

static void
read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	Hconn *c = st->data;
	size_t used;

	if (n == 0)
		return;
	if (!c->cb) { /* an idle connection hung up, or sent junk */
		conn_close(c, n < 0 ? (int)n : -EPROTO);
		return;
	}
	if (n < 0) {
		http_parser_execute(&c->parser, &settings, NULL, 0);
		conn_finish(c, c->complete ? 0 : c->err ? c->err : -ECONNRESET);
		return;
	}
	used = http_parser_execute(&c->parser, &settings, buf->base, (size_t)n);
	if (c->complete)
		conn_finish(c, 0);
	else if (used != (size_t)n || HTTP_PARSER_ERRNO(&c->parser) != HPE_OK)
		conn_finish(c, c->err ? c->err : -EPROTO);
}

static void
write_cb(uv_write_t *w, int status)
{
	Hconn *c = w->data;

	if (status < 0 && c->cb && !c->closing)
		conn_finish(c, status);
}

/* Send the request: most often at once with uv_try_write (one writev, no
 * request to complete later, no change to what epoll watches); what the
 * socket did not take goes through uv_write. */
static void
conn_send(Hconn *c)
{
	uv_buf_t bufs[2];
	int n, rc, i = 0;

	n = snprintf(c->head, sizeof c->head,
	             "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s"
	             "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
	             c->path, c->h->auth, c->reqlen);
	bufs[0] = uv_buf_init(c->head, (unsigned)n);
	bufs[1] = uv_buf_init(c->req, (unsigned)c->reqlen);
	if ((rc = uv_try_write(&c->io.s, bufs, 2)) < 0 && rc != UV_EAGAIN) {
		conn_close(c, rc);
		return;
	}
	for (n = rc > 0 ? rc : 0; i < 2 && (size_t)n >= bufs[i].len; i++)
		n -= (int)bufs[i].len;
	if (i == 2)
		return; /* all written */
	bufs[i].base += n;
	bufs[i].len -= (size_t)n;
	c->wreq.data = c;
	if ((rc = uv_write(&c->wreq, &c->io.s, bufs + i, (unsigned)(2 - i), write_cb)) < 0)
		conn_close(c, rc);
}

static void connect_next(Chttp *h);
static int conn_new(Chttp *h, Hconn **out);

static void
retry_cb(uv_timer_t *t)
{
	connect_next(t->data);
}

/* The proxy's listen backlog was full: c's call moves to a new connection,
 * first in the queue, and connects wait RETRY_MS. 0, or -1 when it cannot. */
static int
conn_again(Hconn *c)
{
	Chttp *h = c->h;
	Hconn *n;

	if (h->closing || c->closing || conn_new(h, &n) < 0)
		return -1;
	n->cb = c->cb, n->arg = c->arg, n->probe = c->probe, n->path = c->path;
	n->req = c->req, n->reqlen = c->reqlen;
	c->cb = NULL, c->req = NULL;
	conn_close(c, UV_EAGAIN);
	LIST_INSERT_HEAD(&h->busy, n, link);
	TAILQ_INSERT_HEAD(&h->waitq, n, wait);
	n->waiting = 1;
	if (!uv_is_active((uv_handle_t *)&h->retry))
		uv_timer_start(&h->retry, retry_cb, RETRY_MS, 0);
	return 0;
}

static void
connect_cb(uv_connect_t *req, int status)
{
	Hconn *c = req->data;

	c->h->connecting--;
	if (status == UV_EAGAIN && c->h->path[0] && conn_again(c) == 0)
		return;
	connect_next(c->h);
	if (c->closing)
		return;
	if (status < 0) {
		conn_close(c, status);
		return;
	}
	c->connected = 1;
	if (c->io.h.type == UV_TCP)
		uv_tcp_nodelay(&c->io.tcp, 1);
	if ((status = uv_read_start(&c->io.s, alloc_cb, read_cb)) < 0) {
		conn_close(c, status);
		return;
	}
	if (c->probe)
		conn_finish(c, 0);
	else
		conn_send(c);
}

/* Start connecting c->io to the endpoint: a pipe's connect reports every
 * failure to connect_cb, a TCP connect some at once. */
static int
conn_connect(Chttp *h, Hconn *c)
{
	struct sockaddr_in sa;

	if (h->path[0]) {
		uv_pipe_connect(&c->creq, &c->io.pipe, h->path, connect_cb);
		return 0;
	}
	uv_ip4_addr("127.0.0.1", h->port, &sa);
	return uv_tcp_connect(&c->creq, &c->io.tcp, (struct sockaddr *)&sa, connect_cb);
}

/* Connect c now, or when a connect under way ends: 0 or -errno. */
static int
conn_start(Chttp *h, Hconn *c)
{
	int rc;

	if (h->connecting >= CONNECTING_MAX || uv_is_active((uv_handle_t *)&h->retry)) {
		TAILQ_INSERT_TAIL(&h->waitq, c, wait);
		c->waiting = 1;
		return 0;
	}
	if ((rc = conn_connect(h, c)) == 0)
		h->connecting++;
	return rc;
}

/* A connect ended: the oldest waiting connection may start its own. */
static void
connect_next(Chttp *h)
{
	Hconn *c;
	int rc;

	while (!h->closing && !uv_is_active((uv_handle_t *)&h->retry) && h->connecting < CONNECTING_MAX &&
	       (c = TAILQ_FIRST(&h->waitq)) != NULL) {
		conn_unwait(c);
		if ((rc = conn_start(h, c)) < 0)
			conn_close(c, rc); /* its call hears of it from on_close */
	}
}

/* A connection not yet connecting. */
static int
conn_new(Chttp *h, Hconn **out)
{
	Hconn *c;
	int rc;

	c = ecalloc(1, sizeof *c);
	c->h = h;
	c->creq.data = c;
	http_parser_init(&c->parser, HTTP_RESPONSE);
	c->parser.data = c;
	rc = h->path[0] ? uv_pipe_init(h->loop, &c->io.pipe, 0) : uv_tcp_init(h->loop, &c->io.tcp);
	if (rc < 0) {
		free(c);
		return rc;
	}
	c->io.h.data = c;
	h->handles++;
	*out = c;
	return 0;
}

static int
conn_open(Chttp *h, Hconn **out)
{
	Hconn *c;
	int rc;

	if ((rc = conn_new(h, &c)) < 0)
		return rc;
	if ((rc = conn_start(h, c)) < 0) {
		conn_close(c, rc);
		return rc;
	}
	*out = c;
	return 0;
}

static Chttp *
chttp_alloc(uv_loop_t *loop, size_t max_body)
{
	Chttp *h;

	settings.on_body = on_body;
	settings.on_message_complete = on_complete;
	h = ecalloc(1, sizeof *h);
	h->loop = loop;
	h->max_body = max_body;
	TAILQ_INIT(&h->waitq);
	uv_timer_init(loop, &h->retry);
	h->retry.data = h;
	h->handles = 1; /* the retry timer, closed by chttp_close */
	return h;
}

int
chttp_new(uv_loop_t *loop, int port, size_t max_body, Chttp **out)
{
	Chttp *h;

	h = chttp_alloc(loop, max_body);
	h->port = port;
	*out = h;
	return 0;
}

int
chttp_new_unix(uv_loop_t *loop, const char *path, size_t max_body, Chttp **out)
{
	Chttp *h;

	/* libuv 1.44 would cut a longer path short without a word */
	if (strlen(path) >= sizeof h->path)
		return -ENAMETOOLONG;
	h = chttp_alloc(loop, max_body);
	memcpy(h->path, path, strlen(path) + 1);
	*out = h;
	return 0;
}

void
chttp_close(Chttp *h)
{
	h->closing = 1;
	while (!LIST_EMPTY(&h->idle))
		conn_close(LIST_FIRST(&h->idle), -ECANCELED);
	while (!LIST_EMPTY(&h->busy))
		conn_close(LIST_FIRST(&h->busy), -ECANCELED);
	uv_close((uv_handle_t *)&h->retry, retry_closed);
}

int
chttp_post(Chttp *h, const char *path, char *body, size_t len, chttp_done_cb cb, void *arg)
{
	Hconn *c = LIST_FIRST(&h->idle);
	int rc;

	if (h->closing)
		return -ECANCELED;
	if (c)
		conn_unlink(c);
	else if ((rc = conn_open(h, &c)) < 0)
		return rc;
	c->path = path;
	c->req = body;
	c->reqlen = len;
	c->cb = cb;
	c->arg = arg;
	c->err = 0;
	LIST_INSERT_HEAD(&h->busy, c, link);
	if (c->connected)
		conn_send(c);
	return 0;
}

int
chttp_token(Chttp *h, const char *token)
{
	int n = snprintf(h->auth, sizeof h->auth, "Authorization: Bearer %s\r\n", token);

	if (n < 0 || (size_t)n >= sizeof h->auth) {
		h->auth[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

int
chttp_probe(Chttp *h, chttp_done_cb cb, void *arg)
{
	Hconn *c;
	int rc;

	if (h->closing)
		return -ECANCELED;
	if ((rc = conn_open(h, &c)) < 0)
		return rc;
	c->probe = 1;
	c->cb = cb;
	c->arg = arg;
	LIST_INSERT_HEAD(&h->busy, c, link);
	return 0;
}
