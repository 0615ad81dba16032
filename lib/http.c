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
 * A server listens on TCP or on a Unix-domain socket (a local client's
 * round trip is cheaper there). Both are libuv streams, so the listener and
 * every connection hold an http_stream and only accepting differs: TCP
 * connections get TCP_NODELAY and a peer address, socket ones the peer
 * "unix". The socket file is made 0600 before it listens, replaces only a
 * socket nobody accepts on (one a killed server left), and goes at
 * http_close.
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
#include <http_parser.h>
#include "http.h"
#include "log.h"

/* A listener or a connection: TCP or a Unix-domain socket. */
typedef union http_stream {
	uv_stream_t s;
	uv_tcp_t tcp;
	uv_pipe_t pipe;
} http_stream;

struct http_server {
	http_stream h;
	char *path;           /* the socket file we made, unlinked at close */
	uv_loop_t *loop;
	http_handler_cb cb;
	void *arg;
	http_limits lim;
};

struct http_conn {
	http_stream h;
	http_server *srv;
	http_parser parser;
	http_req *req;        /* being parsed, or in the handler's hands */
	int in_handler;       /* req belongs to the handler */
	int closed;           /* uv_close called */
	int handle_gone;      /* close callback ran */
	int keep_alive;
	int header_value;     /* last header callback was a value */
	size_t header_bytes;
	char *rest;           /* unparsed bytes after a complete message */
	size_t rest_len;
	char *url_acc;        /* url being accumulated */
	size_t url_len;
	int failed;           /* answered with an error before the handler */
	int reading;
	char peer[64];
};

typedef struct write_req {
	uv_write_t w;
	http_conn *conn;
	int close_after;
	char data[];
} write_req;

static http_parser_settings settings;

static void conn_close(http_conn *c);
static void conn_resume(http_conn *c);

static char *
xmemdup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p == NULL)
		abort();
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Append n bytes to a NUL-terminated growing string. */
static void
append(char **dst, size_t *len, const char *s, size_t n)
{
	*dst = realloc(*dst, *len + n + 1);
	if (*dst == NULL)
		abort();
	memcpy(*dst + *len, s, n);
	*len += n;
	(*dst)[*len] = '\0';
}

static void
req_free(http_req *r)
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
conn_maybe_free(http_conn *c)
{
	if (!c->handle_gone || c->in_handler)
		return;
	req_free(c->req);
	free(c->rest);
	free(c->url_acc);
	free(c);
}

static void
on_conn_closed(uv_handle_t *h)
{
	http_conn *c = h->data;

	c->handle_gone = 1;
	conn_maybe_free(c);
}

static void
conn_close(http_conn *c)
{
	http_req *r = c->req;

	if (c->closed)
		return;
	c->closed = 1;
	if (c->in_handler && r != NULL && !r->aborted) {
		r->aborted = 1;
		if (r->abort_cb != NULL)
			r->abort_cb(r);
	}
	uv_close((uv_handle_t *)&c->h, on_conn_closed);
}

static void
on_write_done(uv_write_t *w, int status)
{
	write_req *wr = (write_req *)w;

	if (status < 0 || wr->close_after)
		conn_close(wr->conn);
	free(wr);
}

/* Send bufs; copy whatever the kernel does not take at once. */
static void
conn_send(http_conn *c, uv_buf_t *bufs, int n, int close_after)
{
	size_t total = 0, off = 0;
	int i, done;
	write_req *wr;

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
			conn_close(c);
		return;
	}
	wr = malloc(sizeof *wr + total - done);
	if (wr == NULL)
		abort();
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

/* An answer made before the handler got the request: a parse error or a
 * limit. The connection closes after it. */
static void
conn_fail(http_conn *c, int status, const char *msg)
{
	static const char hex[] = "0123456789abcdef";
	char head[256], body[320], code[33];
	unsigned char rnd[16] = {0};
	int blen, hlen;
	uv_buf_t bufs[2];

	if (c->failed)
		return;
	c->failed = 1;
	/* {"error","code"} as every other answer, the code an id as the API's */
	if (getrandom(rnd, sizeof rnd, 0) < 0)
		memcpy(rnd, &c, sizeof c);
	for (int i = 0; i < 16; i++) {
		code[2 * i] = hex[rnd[i] >> 4];
		code[2 * i + 1] = hex[rnd[i] & 15];
	}
	code[32] = 0;
	blen = snprintf(body, sizeof body, "{\"error\":\"%s\",\"code\":\"%s\"}\n",
	                msg, code);
	hlen = snprintf(head, sizeof head,
	                "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
	                "Content-Length: %d\r\nConnection: close\r\n\r\n",
	                status, http_status_text(status), blen);
	bufs[0] = uv_buf_init(head, hlen);
	bufs[1] = uv_buf_init(body, blen);
	conn_send(c, bufs, 2, 1);
}

/* ---- parser callbacks ---- */

static int
on_message_begin(http_parser *p)
{
	http_conn *c = p->data;
	http_req *r = calloc(1, sizeof *r);

	if (r == NULL)
		abort();
	r->conn = c;
	memcpy(r->peer, c->peer, sizeof r->peer);
	req_free(c->req);
	c->req = r;
	c->header_value = 0;
	c->header_bytes = 0;
	c->url_len = 0;
	free(c->url_acc);
	c->url_acc = NULL;
	return 0;
}

static int
count_header_bytes(http_conn *c, size_t n)
{
	size_t max = c->srv->lim.max_header ? c->srv->lim.max_header : 64 * 1024;

	c->header_bytes += n;
	if (c->header_bytes > max) {
		conn_fail(c, 431, "The request header is too large.");
		return -1;
	}
	return 0;
}

static int
on_url(http_parser *p, const char *at, size_t n)
{
	http_conn *c = p->data;

	if (count_header_bytes(c, n) < 0)
		return -1;
	append(&c->url_acc, &c->url_len, at, n);
	return 0;
}

static int
on_header_field(http_parser *p, const char *at, size_t n)
{
	http_conn *c = p->data;
	http_req *r = c->req;
	http_header *h;
	size_t len;

	if (count_header_bytes(c, n) < 0)
		return -1;
	if (r->nheaders == 0 || c->header_value) {
		r->headers = realloc(r->headers, (r->nheaders + 1) * sizeof *r->headers);
		if (r->headers == NULL)
			abort();
		h = &r->headers[r->nheaders++];
		h->name = xmemdup(at, n);
		h->value = xmemdup("", 0);
		c->header_value = 0;
		return 0;
	}
	h = &r->headers[r->nheaders - 1];
	len = strlen(h->name);
	append(&h->name, &len, at, n);
	return 0;
}

static int
on_header_value(http_parser *p, const char *at, size_t n)
{
	http_conn *c = p->data;
	http_header *h;
	size_t len;

	if (count_header_bytes(c, n) < 0)
		return -1;
	if (c->req->nheaders == 0)
		return 0;
	h = &c->req->headers[c->req->nheaders - 1];
	len = strlen(h->value);
	append(&h->value, &len, at, n);
	c->header_value = 1;
	return 0;
}

static void
req_split_url(http_req *r)
{
	char *q = strchr(r->url, '?');
	size_t plen = q ? (size_t)(q - r->url) : strlen(r->url);

	r->path = xmemdup(r->url, plen);
	http_url_decode(r->path, 0);
	r->query = q ? q + 1 : NULL;
}

static int
on_headers_complete(http_parser *p)
{
	http_conn *c = p->data;
	http_req *r = c->req;
	size_t max = c->srv->lim.max_body ? c->srv->lim.max_body : 64u << 20;
	const char *expect;

	r->url = c->url_acc ? c->url_acc : xmemdup("/", 1);
	c->url_acc = NULL;
	r->method = http_method_str(p->method);
	req_split_url(r);
	if ((p->flags & F_CONTENTLENGTH) && p->content_length > max) {
		conn_fail(c, 413, "The request content is too large.");
		return -1;
	}
	if ((p->flags & F_CONTENTLENGTH) && p->content_length > 0) {
		r->body = malloc(p->content_length + 1);
		if (r->body == NULL)
			abort();
	}
	expect = http_header_get(r, "Expect");
	if (expect != NULL && strcasecmp(expect, "100-continue") == 0) {
		uv_buf_t b = uv_buf_init("HTTP/1.1 100 Continue\r\n\r\n", 25);
		conn_send(c, &b, 1, 0);
	}
	return 0;
}

static int
on_body(http_parser *p, const char *at, size_t n)
{
	http_conn *c = p->data;
	http_req *r = c->req;
	size_t max = c->srv->lim.max_body ? c->srv->lim.max_body : 64u << 20;

	if (r->body_len + n > max) {
		conn_fail(c, 413, "The request content is too large.");
		return -1;
	}
	if (!(p->flags & F_CONTENTLENGTH) || r->body == NULL) {
		append(&r->body, &r->body_len, at, n);
		return 0;
	}
	memcpy(r->body + r->body_len, at, n);
	r->body_len += n;
	r->body[r->body_len] = '\0';
	return 0;
}

static int
on_message_complete(http_parser *p)
{
	http_conn *c = p->data;
	http_req *r = c->req;

	if (r->body == NULL)
		r->body = xmemdup("", 0);
	c->keep_alive = http_should_keep_alive(p);
	c->in_handler = 1;
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
conn_parse(http_conn *c, const char *data, size_t n)
{
	size_t used = http_parser_execute(&c->parser, &settings, data, n);
	enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);

	if (c->closed || c->failed)
		return -1;
	if (e == HPE_PAUSED) {
		if (used < n)
			append(&c->rest, &c->rest_len, data + used, n - used);
		c->srv->cb(c->req, c->srv->arg);
		return 0;
	}
	if (e != HPE_OK) {
		char msg[160];

		snprintf(msg, sizeof msg, "The request is not valid HTTP/1.1: %s.", http_errno_description(e));
		conn_fail(c, 400, msg);
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
	http_conn *c = s->data;

	if (n < 0) {
		conn_close(c);
		return;
	}
	if (n == 0 || c->failed)
		return;
	if (!c->in_handler) {
		conn_parse(c, buf->base, n);
		return;
	}
	append(&c->rest, &c->rest_len, buf->base, n);
	if (c->rest_len > (1u << 20)) {
		uv_read_stop(s);
		c->reading = 0;
	}
}

/* The handler is done with the request: parse what was kept, read again. */
static void
conn_resume(http_conn *c)
{
	char *rest = c->rest;
	size_t n = c->rest_len;

	c->rest = NULL;
	c->rest_len = 0;
	if (c->closed) {
		free(rest);
		return;
	}
	http_parser_pause(&c->parser, 0);
	if (rest != NULL) {
		int rc = conn_parse(c, rest, n);
		free(rest);
		if (rc < 0)
			return;
	}
	if (!c->reading && !c->closed) {
		c->reading = 1;
		uv_read_start(&c->h.s, on_alloc, on_read);
	}
}

static void
req_release(http_req *r)
{
	http_conn *c = r->conn;

	c->in_handler = 0;
	req_free(c->req);
	c->req = NULL;
	if (c->handle_gone) {
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
head_format(http_req *r, char *buf, size_t size, int status, const char *ctype,
            const char *extra, const char *length_or_chunked)
{
	http_conn *c = r->conn;

	return snprintf(buf, size, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n%s%s%s\r\n", status,
	                http_status_text(status), ctype ? ctype : "application/json",
	                length_or_chunked, extra ? extra : "",
	                c->keep_alive ? (c->parser.http_minor == 0 ? "Connection: keep-alive\r\n" : "")
	                              : "Connection: close\r\n");
}

void
http_respond(http_req *r, int status, const char *ctype, const char *extra, const char *body,
             size_t len)
{
	http_conn *c = r->conn;
	char stack[1024], clen[48], *head = stack;
	int hlen;
	uv_buf_t bufs[2];

	if (!r->aborted && !c->closed) {
		snprintf(clen, sizeof clen, "Content-Length: %zu\r\n", len);
		hlen = head_format(r, stack, sizeof stack, status, ctype, extra, clen);
		if ((size_t)hlen >= sizeof stack) {
			head = malloc(hlen + 1);
			if (head == NULL)
				abort();
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
http_stream_start(http_req *r, int status, const char *ctype, const char *extra)
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
http_stream_write(http_req *r, const char *data, size_t len)
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
http_stream_end(http_req *r)
{
	uv_buf_t b = uv_buf_init("0\r\n\r\n", 5);

	if (!r->aborted && !r->conn->closed)
		conn_send(r->conn, &b, 1, !r->conn->keep_alive);
	req_release(r);
}

size_t
http_stream_pending(http_req *r)
{
	if (r->aborted || r->conn->closed)
		return 0;
	return uv_stream_get_write_queue_size(&r->conn->h.s);
}

/* ---- listening ---- */

/* "127.0.0.1:40312" for a TCP peer. */
static void
conn_name_tcp_peer(http_conn *c)
{
	struct sockaddr_storage ss;
	int sl = sizeof ss;
	char ip[48] = "?";

	memset(&ss, 0, sizeof ss);
	if (uv_tcp_getpeername(&c->h.tcp, (struct sockaddr *)&ss, &sl) == 0 && ss.ss_family == AF_INET)
		uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof ip);
	snprintf(c->peer, sizeof c->peer, "%s:%d", ip, ntohs(((struct sockaddr_in *)&ss)->sin_port));
}

static void
on_connection(uv_stream_t *ls, int status)
{
	http_server *s = ls->data;
	int is_tcp = ls->type == UV_TCP;
	http_conn *c;

	if (status < 0)
		return;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		abort();
	c->srv = s;
	if (is_tcp)
		uv_tcp_init(s->loop, &c->h.tcp);
	else
		uv_pipe_init(s->loop, &c->h.pipe, 0);
	c->h.s.data = c;
	if (uv_accept(ls, &c->h.s) < 0) {
		c->closed = 1;
		uv_close((uv_handle_t *)&c->h, on_conn_closed);
		return;
	}
	if (is_tcp) {
		uv_tcp_nodelay(&c->h.tcp, 1);
		conn_name_tcp_peer(c);
	} else {
		snprintf(c->peer, sizeof c->peer, "unix");
	}
	http_parser_init(&c->parser, HTTP_REQUEST);
	c->parser.data = c;
	c->reading = 1;
	uv_read_start(&c->h.s, on_alloc, on_read);
}

static http_server *
server_new(uv_loop_t *loop, const http_limits *lim, http_handler_cb cb, void *arg)
{
	http_server *s = calloc(1, sizeof *s);

	settings.on_message_begin = on_message_begin;
	settings.on_url = on_url;
	settings.on_header_field = on_header_field;
	settings.on_header_value = on_header_value;
	settings.on_headers_complete = on_headers_complete;
	settings.on_body = on_body;
	settings.on_message_complete = on_message_complete;
	if (s == NULL)
		return NULL;
	s->loop = loop;
	s->cb = cb;
	s->arg = arg;
	if (lim != NULL)
		s->lim = *lim;
	return s;
}

static void
on_server_closed(uv_handle_t *h)
{
	http_server *s = h->data;

	free(s->path);
	free(s);
}

/* Listen on s's bound handle, or close it when binding failed (rc < 0). */
static int
server_listen(http_server *s, int rc, http_server **out)
{
	s->h.s.data = s;
	if (rc == 0)
		rc = uv_listen(&s->h.s, 1024, on_connection);
	if (rc < 0) {
		if (s->path != NULL)
			unlink(s->path);
		uv_close((uv_handle_t *)&s->h, on_server_closed);
		return rc;
	}
	*out = s;
	return 0;
}

int
http_listen(uv_loop_t *loop, const char *host, int port, const http_limits *lim, http_handler_cb cb,
            void *arg, http_server **out)
{
	http_server *s;
	struct sockaddr_storage addr;

	if (uv_ip4_addr(host, port, (struct sockaddr_in *)&addr) != 0 &&
	    uv_ip6_addr(host, port, (struct sockaddr_in6 *)&addr) != 0)
		return -EINVAL;
	if ((s = server_new(loop, lim, cb, arg)) == NULL)
		return -ENOMEM;
	uv_tcp_init(loop, &s->h.tcp);
	return server_listen(s, uv_tcp_bind(&s->h.tcp, (struct sockaddr *)&addr, 0), out);
}

/* Remove a socket file nobody accepts on (a killed server's); anything else
 * at path stays, and binding there fails. */
static int
unix_remove_stale(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	memcpy(a.sun_path, path, strlen(path) + 1);
	rc = connect(fd, (struct sockaddr *)&a, sizeof a) == 0 ? -EADDRINUSE : -errno;
	close(fd);
	if (rc != -ECONNREFUSED)
		return rc;
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

/* The file is 0600 before anyone can connect: only its owner (and root)
 * may talk to the server. */
static int
unix_bind(http_server *s, const char *path)
{
	int rc;

	if ((rc = uv_pipe_bind(&s->h.pipe, path)) < 0)
		return rc;
	if ((s->path = strdup(path)) == NULL)
		return -ENOMEM;
	return chmod(path, 0600) < 0 ? -errno : 0;
}

int
http_listen_unix(uv_loop_t *loop, const char *path, const http_limits *lim, http_handler_cb cb,
                 void *arg, http_server **out)
{
	http_server *s;
	int rc;

	/* libuv 1.44 would cut a longer path short without a word */
	if (strlen(path) >= sizeof ((struct sockaddr_un *)0)->sun_path)
		return -ENAMETOOLONG;
	if ((rc = unix_remove_stale(path)) < 0)
		return rc;
	if ((s = server_new(loop, lim, cb, arg)) == NULL)
		return -ENOMEM;
	uv_pipe_init(loop, &s->h.pipe, 0);
	return server_listen(s, unix_bind(s, path), out);
}

int
http_server_port(http_server *s)
{
	struct sockaddr_storage ss;
	int len = sizeof ss;

	if (s->h.s.type != UV_TCP || uv_tcp_getsockname(&s->h.tcp, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

void
http_close(http_server *s)
{
	if (s->path != NULL)
		unlink(s->path);
	uv_close((uv_handle_t *)&s->h, on_server_closed);
}
