/* http.h — HTTP/1.1 server on libuv, parsed by Debian's http_parser.
 *
 * One callback per complete request. The handler answers whenever it likes,
 * now or later from another callback: the request stays alive until it is
 * answered with http_respond() or, for a streamed answer, until
 * http_stream_end(). Requests on one connection are answered in order; the
 * next request on a keep-alive connection is not parsed before the current
 * one is answered.
 *
 * If the peer goes away before the answer, req->aborted is set and
 * req->abort_cb (if the handler set one) is called once; the handler must
 * still answer (or end the stream) to let the request go, and that answer is
 * dropped. Bodies may be Content-Length or chunked; a body or header block
 * over the limits gets 413/431 and the connection is closed.
 *
 * Before any byte of a body is read, the server's check callback (if any)
 * sees the request's line and headers and may refuse it at once (a missing
 * key, a declared length over the route's limit): the body is then never
 * read. Slow clients are timed out (see http_limits), and a server keeps a
 * reserve of descriptors: a client accepted when fewer than HTTP_FD_RESERVE
 * are left is answered 503 and let go, so a full table never locks a new
 * client out in silence. The first listener raises the process's soft
 * RLIMIT_NOFILE to its hard limit.
 */
#ifndef FAAS_HTTP_H
#define FAAS_HTTP_H

#include <stddef.h>
#include <uv.h>

typedef struct HttpServer HttpServer;
typedef struct HttpConn HttpConn;
typedef struct HttpReq HttpReq;

typedef void (*http_handler_cb)(HttpReq *req, void *arg);
typedef void (*http_abort_cb)(HttpReq *req);

typedef struct HttpHeader {
	char *name;
	char *value;
} HttpHeader;

struct HttpReq {
	const char *method; /* "GET", "POST", ... */
	char *url;          /* the request target as sent */
	char *path;         /* url up to '?', percent-decoded */
	char *query;        /* after '?', raw, or NULL */
	HttpHeader *headers;
	int nheaders;
	char *body; /* NUL-terminated for convenience; may hold NULs */
	size_t body_len;
	int aborted;            /* peer closed before the answer */
	http_abort_cb abort_cb; /* set by the handler to learn of it */
	void *data;             /* the handler's */
	HttpConn *conn;         /* internal */
	char peer[64];          /* "127.0.0.1:40312", or "unix" */
	long long declared;     /* Content-Length sent, -1 when chunked */
	size_t max_body;        /* this request's limit: the server's, or lower (check) */
};

/* Called when a request's headers are complete, before any body is read:
 * the request has its method, url, path, query, headers and declared length
 * (no body yet). The check may answer it at once with http_respond: that
 * refuses it, the body is never read and the connection closes after the
 * answer. Or it may lower req->max_body and return, and the request goes on. */
typedef void (*http_check_cb)(HttpReq *req, void *arg);

enum {
	HTTP_HEADER_MS = 20000, /* request line and headers, from their first byte */
	HTTP_BODY_MS = 30000,   /* the longest wait for more of a body */
	HTTP_IDLE_MS = 60000,   /* a connection with no request under way */
	HTTP_LINGER_MS = 2000,  /* after a refusal, reading to discard before closing */
	HTTP_FD_RESERVE = 64,   /* descriptors kept free: past them, new clients get 503 */
};

typedef struct HttpLimits {
	size_t max_header;   /* bytes of request line + headers; 0 = 64 KiB */
	size_t max_body;     /* bytes; 0 = 64 MiB */
	int header_ms;       /* 0 = HTTP_HEADER_MS, -1 = no limit */
	int body_ms;         /* 0 = HTTP_BODY_MS, -1 = no limit */
	int idle_ms;         /* 0 = HTTP_IDLE_MS, -1 = no limit */
	http_check_cb check; /* NULL: every request is read whole */
} HttpLimits;

/* Listen on host:port ("0.0.0.0", 8080); 0 or -errno. */
int http_listen(uv_loop_t *loop, const char *host, int port, const HttpLimits *lim, http_handler_cb cb, void *arg,
                HttpServer **out);
/* Listen on a Unix-domain socket made at path, mode 0600. A socket file
 * there that nobody accepts on is replaced; a live one or any other file is
 * not (-EADDRINUSE, -EEXIST). http_close removes it. 0 or -errno. */
int http_listen_unix(uv_loop_t *loop, const char *path, const HttpLimits *lim, http_handler_cb cb, void *arg,
                     HttpServer **out);
/* Serve on a TCP socket already bound and listening (made in another
 * network namespace, say); http_close closes it. 0 or -errno. */
int http_listen_fd(uv_loop_t *loop, int fd, const HttpLimits *lim, http_handler_cb cb, void *arg, HttpServer **out);
/* The bound port (useful after listening on port 0); -1 for a Unix socket. */
int http_server_port(HttpServer *s);
void http_close(HttpServer *s);

/* Header lookup, case-insensitive; NULL if absent. */
const char *http_header_get(const HttpReq *r, const char *name);
/* Query parameter, percent-decoded into buf; NULL if absent. */
const char *http_query_get(const HttpReq *r, const char *name, char *buf, size_t len);

/* Answer the request and let it go. extra_headers: NULL or "Name: value\r\n"
 * lines. Content-Length is added. */
void http_respond(HttpReq *r, int status, const char *ctype, const char *extra_headers, const char *body, size_t len);
/* A streamed (chunked) answer: start, write any number of chunks, end. */
void http_stream_start(HttpReq *r, int status, const char *ctype, const char *extra_headers);
void http_stream_write(HttpReq *r, const char *data, size_t len);
void http_stream_end(HttpReq *r);
/* Bytes queued for the peer but not yet written: lets a streamer back off. */
size_t http_stream_pending(HttpReq *r);

/* Decode %XX and '+' (when plus_is_space) in place; returns the new length. */
size_t http_url_decode(char *s, int plus_is_space);

#endif
