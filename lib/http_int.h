/* http_int.h — what http.c (requests, answers) and http_listen.c (listeners, accepting) share. */
#ifndef FAAS_HTTP_INT_H
#define FAAS_HTTP_INT_H

#include <http_parser.h>
#include "buf.h"
#include "http.h"

/* A listener or a connection: TCP or a Unix-domain socket. */
typedef union HttpStream {
	uv_stream_t s;
	uv_tcp_t tcp;
	uv_pipe_t pipe;
} HttpStream;

struct HttpServer {
	HttpStream h;
	char *path; /* the socket file we made, unlinked at close */
	uv_loop_t *loop;
	http_handler_cb cb;
	void *arg;
	HttpLimits lim; /* with the defaults filled in */
};

/* What a connection's timer is timing. */
enum { T_IDLE, T_HEADER, T_BODY, T_LINGER, T_NONE };

struct HttpConn {
	HttpStream h;
	uv_timer_t timer; /* idle, header, body or linger time */
	uv_shutdown_t shut;
	HttpServer *srv;
	http_parser parser;
	HttpReq *req;     /* being parsed, or in the handler's hands */
	int in_handler;   /* req belongs to the handler */
	int closed;       /* uv_close called */
	int handles_open; /* the stream and the timer: freed at 0 */
	int keep_alive;
	int header_value; /* last header callback was a value */
	size_t header_bytes;
	Buf rest;      /* unparsed bytes after a complete message */
	Buf url;       /* the url being read */
	Buf body;      /* the body being read */
	int failed;    /* answered before the handler: the rest is not read */
	int lingering; /* answered and shut down: reading only to discard */
	int no_linger; /* refused for want of descriptors: close at once */
	int timing;    /* T_* */
	int reading;
	char peer[64];
};

/* http.c */
void http_settings_init(void);
void http_conn_start(HttpConn *c);
void http_conn_fail(HttpConn *c, int status, const char *msg);

#endif
