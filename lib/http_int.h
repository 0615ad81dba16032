/* http_int.h — what http.c (requests, answers) and http_listen.c (listeners, accepting) share. */
#ifndef FAAS_HTTP_INT_H
#define FAAS_HTTP_INT_H

#include <http_parser.h>
#include "buf.h"
#include "http.h"

/* A listener or a connection: TCP or a Unix-domain socket. */
typedef union http_stream {
	uv_stream_t s;
	uv_tcp_t tcp;
	uv_pipe_t pipe;
} http_stream;

struct http_server {
	http_stream h;
	char *path; /* the socket file we made, unlinked at close */
	uv_loop_t *loop;
	http_handler_cb cb;
	void *arg;
	http_limits lim; /* with the defaults filled in */
};

/* What a connection's timer is timing. */
enum { T_IDLE, T_HEADER, T_BODY, T_LINGER, T_NONE };

struct http_conn {
	http_stream h;
	uv_timer_t timer; /* idle, header, body or linger time */
	uv_shutdown_t shut;
	http_server *srv;
	http_parser parser;
	http_req *req;    /* being parsed, or in the handler's hands */
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
void http_conn_start(http_conn *c);
void http_conn_fail(http_conn *c, int status, const char *msg);

#endif
