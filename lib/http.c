/* http.c — HTTP/1.1 server on libuv, parsed by Debian's http_parser.
 *
 * How a connection works. Each accepted socket gets an http_conn with its own
 * parser. Bytes read are fed to the parser; its callbacks build an http_req
 * (url, headers, body) piece by piece. When a message is complete the parser
 * is paused, reading stops, and the handler is called. Whatever the parser
 * had not consumed yet (a pipelined next request) is kept in conn->rest.
 *
 * The handler answers when it likes. Answering (http_respond, or the end of a
 * stream) releases the request, then resumes: first the kept bytes are
 * parsed, then reading starts again. So a connection has at most one request
 * in the handler's hands, answers go out in order, and a slow handler
 * applies back-pressure to its own peer only.
 *
 * Lifetimes. A connection is freed when both its socket is closed and it has
 * no request in the handler's hands. If the peer leaves first, the request
 * is marked aborted and its abort_cb runs; the handler's later answer is
 * dropped and frees it.
 *
 * Writes try uv_try_write first and copy only what the kernel did not take,
 * so a small answer costs no allocation.
 *
 * Refusing early. When the headers are complete, the server's check sees
 * the request before its body: an answer there refuses it, and the body is
 * never read nor kept (a caller without a key cannot make us hold 48 MB).
 * A connection that closes after an answer without reading the whole
 * request lingers: its writing side is shut down and what still arrives is
 * read and dropped for up to HTTP_LINGER_MS, so that the peer reads our
 * answer before any reset.
 *
 * Time. One timer per connection times what the connection waits for: the
 * next request (idle_ms; it is closed without a word), the rest of the
 * headers from their first byte (header_ms) or the next bytes of a body
 * (body_ms; both answered 408), or the end of lingering. While the handler
 * holds a request nothing is timed.
 *
 * Listening and accepting are in http_listen.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "http_int.h"
#include "log.h"
#include "mem.h"

typedef struct WriteReq {
	uv_write_t w;
	HttpConn *conn;
	int close_after;
	char data[];
} WriteReq;

static http_parser_settings settings;

static void conn_close(HttpConn *c);
static void conn_resume(HttpConn *c);
static void conn_time(HttpConn *c, int what);

static char *
xmemdup(const char *s, size_t n)
{
	char *p = emalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* n more bytes on the end of the NUL-terminated string *s (a header's name
 * or value sent in pieces; xmemdup made it, so its room is its length + 1). */
static void
add_str(char **s, const char *more, size_t n)
{
	size_t len = strlen(*s);
	Buf b = { *s, len, len + 1 };

	buf_add(&b, more, n);
	*s = b.p;
}

static void
req_free(HttpReq *r)
{
	int i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	free(r->url);
	free(r->path);
	free(r->body);
	free(r);
}

static void
conn_maybe_free(HttpConn *c)
{
	if (c->handles_open > 0 || c->in_handler)
		return;
	req_free(c->req);
	buf_free(&c->rest);
	buf_free(&c->url);
	buf_free(&c->body);
	free(c);
}

static void
on_conn_closed(uv_handle_t *h)
{
	HttpConn *c = h->data;

	c->handles_open--;
	conn_maybe_free(c);
}

static void
conn_close(HttpConn *c)
{
	HttpReq *r = c->req;

	if (c->closed)
		return;
	c->closed = 1;
	if (c->in_handler && r != NULL && !r->aborted) {
		r->aborted = 1;
		if (r->abort_cb != NULL)
			r->abort_cb(r);
	}
	uv_close((uv_handle_t *)&c->h, on_conn_closed);
	uv_close((uv_handle_t *)&c->timer, on_conn_closed);
}

static void
on_shutdown(uv_shutdown_t *sh, int status)
{
	(void)sh;
	(void)status;
}

/* After the last answer: close, or when the peer may still be sending a
 * request we did not read, shut our side down and read to discard for a
 * while first, so that it sees the answer rather than a reset. */
static void
conn_finish(HttpConn *c)
{
	if (c->closed || c->lingering)
		return;
	if (!c->failed || c->no_linger || uv_shutdown(&c->shut, &c->h.s, on_shutdown) < 0) {
		conn_close(c);
		return;
	}
	c->lingering = 1;
	if (!c->reading) {
		c->reading = 1;
		uv_read_start(&c->h.s, c->h.s.alloc_cb, c->h.s.read_cb);
	}
	conn_time(c, T_LINGER);
}

static void
on_timer(uv_timer_t *t)
{
	HttpConn *c = t->data;

	if (c->timing == T_HEADER || c->timing == T_BODY)
		http_conn_fail(c, 408,
		               c->timing == T_HEADER ? "The request header took too long."
		                                     : "The request body took too long.");
	else
		conn_close(c);
}

/* Time what the connection waits for now (T_NONE: nothing). */
static void
conn_time(HttpConn *c, int what)
{
	const HttpLimits *l = &c->srv->lim;
	int ms = what == T_IDLE     ? l->idle_ms
	         : what == T_HEADER ? l->header_ms
	         : what == T_BODY   ? l->body_ms
	         : what == T_LINGER ? HTTP_LINGER_MS
	                            : -1;

	if (c->closed)
		return;
	c->timing = what;
	if (ms < 0)
		uv_timer_stop(&c->timer);
	else
		uv_timer_start(&c->timer, on_timer, (uint64_t)ms, 0);
}

static void
on_write_done(uv_write_t *w, int status)
{
	WriteReq *wr = (WriteReq *)w;

	if (status < 0)
		conn_close(wr->conn);
	else if (wr->close_after)
		conn_finish(wr->conn);
	free(wr);
}

/* Send bufs; copy whatever the kernel does not take at once. */
/* The reason phrase of a status line: http_parser's, or none (RFC 9112
 * allows an empty one) for a code it does not name, such as 418. */
static const char *
reason(int status)
{
	const char *s = http_status_str((enum http_status)status);

	return *s == '<' ? "" : s;
}

static void
conn_send(HttpConn *c, uv_buf_t *bufs, int n, int close_after)
{
	size_t total = 0, off = 0;
	int i, done;
	WriteReq *wr;

	if (c->closed)
		return;
	for (i = 0; i < n; i++)
		total += bufs[i].len;
	done = 0;
	if (uv_stream_get_write_queue_size(&c->h.s) == 0) {
		done = uv_try_write(&c->h.s, bufs, n);
		if (done < 0 && done != UV_EAGAIN) {
			conn_close(c);
			return;
		}
		if (done < 0)
			done = 0;
	}
	if ((size_t)done == total) {
		if (close_after)
			conn_finish(c);
		return;
	}
	wr = emalloc(sizeof *wr + total - done);
	wr->conn = c;
	wr->close_after = close_after;
	for (i = 0; i < n; i++) {
		size_t skip = 0;
		if ((size_t)done > 0) {
			skip = (size_t)done < bufs[i].len ? (size_t)done : bufs[i].len;
			done -= skip;
		}
		memcpy(wr->data + off, bufs[i].base + skip, bufs[i].len - skip);
		off += bufs[i].len - skip;
	}
	uv_buf_t b = uv_buf_init(wr->data, off);
	if (uv_write(&wr->w, &c->h.s, &b, 1, on_write_done) < 0) {
		free(wr);
		conn_close(c);
	}
}

/* An answer made before the handler got the request: a parse error, a
 * limit, a timeout, no room. The connection closes after it. */
void
http_conn_fail(HttpConn *c, int status, const char *msg)
{
	static const char hex[] = "0123456789abcdef";
	char head[256], body[320], code[33];
	unsigned char rnd[16] = { 0 };
	int blen, hlen;
	uv_buf_t bufs[2];

	if (c->failed || c->closed)
		return;
	c->failed = 1;
	conn_time(c, T_NONE);
	/* {"error","code"} as every other answer, the code an id as the API's */
	if (getrandom(rnd, sizeof rnd, 0) < 0)
		memcpy(rnd, &c, sizeof c);
	for (int i = 0; i < 16; i++) {
		code[2 * i] = hex[rnd[i] >> 4];
		code[2 * i + 1] = hex[rnd[i] & 15];
	}
	code[32] = 0;
	blen = snprintf(body, sizeof body, "{\"error\":\"%s\",\"code\":\"%s\"}\n", msg, code);
	hlen = snprintf(head, sizeof head,
	                "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
	                "Content-Length: %d\r\nConnection: close\r\n\r\n",
	                status, reason(status), blen);
	bufs[0] = uv_buf_init(head, hlen);
	bufs[1] = uv_buf_init(body, blen);
	conn_send(c, bufs, 2, 1);
}

/* ---- parser callbacks ---- */

static int
on_message_begin(http_parser *p)
{
	HttpConn *c = p->data;
	HttpReq *r = ecalloc(1, sizeof *r);

	r->conn = c;
	memcpy(r->peer, c->peer, sizeof r->peer);
	req_free(c->req);
	c->req = r;
	c->header_value = 0;
	c->header_bytes = 0;
	buf_reset(&c->url);
	buf_reset(&c->body);
	conn_time(c, T_HEADER);
	return 0;
}

static int
count_header_bytes(HttpConn *c, size_t n)
{
	c->header_bytes += n;
	if (c->header_bytes > c->srv->lim.max_header) {
		http_conn_fail(c, 431, "The request header is too large.");
		return -1;
	}
	return 0;
}

static int
on_url(http_parser *p, const char *at, size_t n)
{
	HttpConn *c = p->data;

	if (count_header_bytes(c, n) < 0)
		return -1;
	buf_add(&c->url, at, n);
	return 0;
}

static int
on_header_field(http_parser *p, const char *at, size_t n)
{
	HttpConn *c = p->data;
	HttpReq *r = c->req;
	HttpHeader *h;

	if (count_header_bytes(c, n) < 0)
		return -1;
	if (r->nheaders == 0 || c->header_value) {
		r->headers = erealloc(r->headers, (r->nheaders + 1) * sizeof *r->headers);
		h = &r->headers[r->nheaders++];
		h->name = xmemdup(at, n);
		h->value = xmemdup("", 0);
		c->header_value = 0;
		return 0;
	}
	add_str(&r->headers[r->nheaders - 1].name, at, n);
	return 0;
}

static int
on_header_value(http_parser *p, const char *at, size_t n)
{
	HttpConn *c = p->data;

	if (count_header_bytes(c, n) < 0)
		return -1;
	if (c->req->nheaders == 0)
		return 0;
	add_str(&c->req->headers[c->req->nheaders - 1].value, at, n);
	c->header_value = 1;
	return 0;
}

static void
req_split_url(HttpReq *r)
{
	char *q = strchr(r->url, '?');
	size_t plen = q ? (size_t)(q - r->url) : strlen(r->url);

	r->path = xmemdup(r->url, plen);
	http_url_decode(r->path, 0);
	r->query = q ? q + 1 : NULL;
}

/* The server's check, before the body: 1 when it answered (refused). */
static int
req_check(HttpConn *c, HttpReq *r)
{
	if (c->srv->lim.check == NULL)
		return 0;
	c->keep_alive = 0; /* a refusal closes; on_message_complete says otherwise */
	c->in_handler = 1;
	c->failed = 1; /* if answered, nothing more is parsed, and it lingers */
	c->srv->lim.check(r, c->srv->arg);
	if (c->in_handler) {
		c->in_handler = 0;
		c->failed = 0;
		return 0;
	}
	return 1;
}

static int
on_headers_complete(http_parser *p)
{
	HttpConn *c = p->data;
	HttpReq *r = c->req;
	const char *expect;

	r->url = c->url.p ? c->url.p : xmemdup("/", 1);
	c->url = (Buf){ 0 };
	r->method = http_method_str(p->method);
	req_split_url(r);
	r->declared = (p->flags & F_CONTENTLENGTH) ? (long long)p->content_length : (p->flags & F_CHUNKED) ? -1 : 0;
	r->max_body = c->srv->lim.max_body;
	if (req_check(c, r))
		return -1;
	if (r->declared > 0 && (uint64_t)r->declared > r->max_body) {
		http_conn_fail(c, 413, "The request content is too large.");
		return -1;
	}
	if (r->declared > 0) { /* room for exactly the declared body: it may be most of a sandbox's memory */
		buf_free(&c->body);
		c->body.p = emalloc(p->content_length + 1);
		c->body.p[0] = '\0';
		c->body.cap = p->content_length + 1;
	}
	expect = http_header_get(r, "Expect");
	if (expect != NULL && strcasecmp(expect, "100-continue") == 0) {
		uv_buf_t b = uv_buf_init("HTTP/1.1 100 Continue\r\n\r\n", 25);
		conn_send(c, &b, 1, 0);
	}
	conn_time(c, r->declared ? T_BODY : T_NONE);
	return 0;
}

static int
on_body(http_parser *p, const char *at, size_t n)
{
	HttpConn *c = p->data;
	HttpReq *r = c->req;

	if (c->body.n + n > r->max_body) {
		http_conn_fail(c, 413, "The request content is too large.");
		return -1;
	}
	buf_add(&c->body, at, n);
	if (p->flags & F_CONTENTLENGTH)
		conn_time(c, T_BODY);
	return 0;
}

static int
on_message_complete(http_parser *p)
{
	HttpConn *c = p->data;
	HttpReq *r = c->req;

	r->body = c->body.p ? c->body.p : xmemdup("", 0);
	r->body_len = c->body.n;
	c->body = (Buf){ 0 };
	c->keep_alive = http_should_keep_alive(p);
	c->in_handler = 1;
	conn_time(c, T_NONE);
	http_parser_pause(p, 1);
	return 0;
}

/* ---- reading ---- */

static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)h;
	(void)hint;
	static char slab[64 * 1024];
	/* One loop thread: a static slab is safe, the parser copies what it keeps. */
	*buf = uv_buf_init(slab, sizeof slab);
}

/* Feed bytes to the parser; keep what a paused parser left. Returns -1 when
 * the connection was failed. */
static int
conn_parse(HttpConn *c, const char *data, size_t n)
{
	size_t used = http_parser_execute(&c->parser, &settings, data, n);
	enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);

	if (c->closed || c->failed)
		return -1;
	if (e == HPE_PAUSED) {
		if (used < n)
			buf_add(&c->rest, data + used, n - used);
		c->srv->cb(c->req, c->srv->arg);
		return 0;
	}
	if (e != HPE_OK) {
		char msg[160];

		snprintf(msg, sizeof msg, "The request is not valid HTTP/1.1: %s.", http_errno_description(e));
		http_conn_fail(c, 400, msg);
		return -1;
	}
	return 0;
}

/* While the handler holds a request, reading goes on so that a peer who
 * leaves is noticed (abort_cb); what arrives is kept for later, up to a cap
 * past which reading pauses. */
static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	HttpConn *c = s->data;

	if (n < 0) {
		conn_close(c);
		return;
	}
	if (n == 0 || c->failed || c->lingering)
		return;
	if (!c->in_handler) {
		conn_parse(c, buf->base, n);
		return;
	}
	buf_add(&c->rest, buf->base, n);
	if (c->rest.n > (1u << 20)) {
		uv_read_stop(s);
		c->reading = 0;
	}
}

/* The handler is done with the request: parse what was kept, read again. */
static void
conn_resume(HttpConn *c)
{
	Buf rest = c->rest;

	c->rest = (Buf){ 0 };
	if (c->closed) {
		buf_free(&rest);
		return;
	}
	http_parser_pause(&c->parser, 0);
	conn_time(c, T_IDLE);
	if (rest.p != NULL) {
		int rc = conn_parse(c, rest.p, rest.n);
		buf_free(&rest);
		if (rc < 0)
			return;
	}
	if (!c->reading && !c->closed) {
		c->reading = 1;
		uv_read_start(&c->h.s, on_alloc, on_read);
	}
}

static void
req_release(HttpReq *r)
{
	HttpConn *c = r->conn;

	c->in_handler = 0;
	req_free(c->req);
	c->req = NULL;
	if (c->handles_open == 0) {
		conn_maybe_free(c);
		return;
	}
	if (!c->keep_alive) {
		/* conn_send closes after the last write; nothing more to read */
		return;
	}
	conn_resume(c);
}

/* ---- answering ---- */

static int
head_format(HttpReq *r, char *buf, size_t size, int status, const char *ctype, const char *extra,
            const char *length_or_chunked)
{
	HttpConn *c = r->conn;

	return snprintf(buf, size, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n%s%s%s\r\n", status, reason(status),
	                ctype ? ctype : "application/json", length_or_chunked, extra ? extra : "",
	                c->keep_alive ? (c->parser.http_minor == 0 ? "Connection: keep-alive\r\n" : "")
	                              : "Connection: close\r\n");
}

void
http_respond(HttpReq *r, int status, const char *ctype, const char *extra, const char *body, size_t len)
{
	HttpConn *c = r->conn;
	char stack[1024], clen[48], *head = stack;
	int hlen;
	uv_buf_t bufs[2];

	if (!r->aborted && !c->closed) {
		snprintf(clen, sizeof clen, "Content-Length: %zu\r\n", len);
		hlen = head_format(r, stack, sizeof stack, status, ctype, extra, clen);
		if ((size_t)hlen >= sizeof stack) {
			head = emalloc(hlen + 1);
			head_format(r, head, hlen + 1, status, ctype, extra, clen);
		}
		bufs[0] = uv_buf_init(head, hlen);
		bufs[1] = uv_buf_init((char *)body, len);
		/* HEAD: the length the body would have, and no body */
		conn_send(c, bufs, len && strcmp(r->method, "HEAD") ? 2 : 1, !c->keep_alive);
		if (head != stack)
			free(head);
	}
	req_release(r);
}

void
http_stream_start(HttpReq *r, int status, const char *ctype, const char *extra)
{
	char head[1024];
	int hlen;
	uv_buf_t b;

	if (r->aborted || r->conn->closed)
		return;
	hlen = head_format(r, head, sizeof head, status, ctype, extra, "Transfer-Encoding: chunked\r\n");
	if ((size_t)hlen >= sizeof head)
		hlen = sizeof head - 1;
	b = uv_buf_init(head, hlen);
	conn_send(r->conn, &b, 1, 0);
}

void
http_stream_write(HttpReq *r, const char *data, size_t len)
{
	char size[24];
	uv_buf_t bufs[3];

	if (r->aborted || r->conn->closed || len == 0)
		return;
	bufs[0] = uv_buf_init(size, snprintf(size, sizeof size, "%zx\r\n", len));
	bufs[1] = uv_buf_init((char *)data, len);
	bufs[2] = uv_buf_init("\r\n", 2);
	conn_send(r->conn, bufs, 3, 0);
}

void
http_stream_end(HttpReq *r)
{
	uv_buf_t b = uv_buf_init("0\r\n\r\n", 5);

	if (!r->aborted && !r->conn->closed)
		conn_send(r->conn, &b, 1, !r->conn->keep_alive);
	req_release(r);
}

size_t
http_stream_pending(HttpReq *r)
{
	if (r->aborted || r->conn->closed)
		return 0;
	return uv_stream_get_write_queue_size(&r->conn->h.s);
}

/* ---- a new connection ---- */

/* Start a connection accepted on its server: parse, read, time its idleness. */
void
http_conn_start(HttpConn *c)
{
	http_parser_init(&c->parser, HTTP_REQUEST);
	c->parser.data = c;
	c->reading = 1;
	uv_read_start(&c->h.s, on_alloc, on_read);
	conn_time(c, T_IDLE);
}

void
http_settings_init(void)
{
	settings.on_message_begin = on_message_begin;
	settings.on_url = on_url;
	settings.on_header_field = on_header_field;
	settings.on_header_value = on_header_value;
	settings.on_headers_complete = on_headers_complete;
	settings.on_body = on_body;
	settings.on_message_complete = on_message_complete;
}
