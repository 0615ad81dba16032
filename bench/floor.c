/* floor.c — the loopback floor: the least an HTTP/1.1 server on libuv can do per request.
 *
 * usage: floor PORT
 *
 * Answers every request on 127.0.0.1:PORT with 200 and a fixed small JSON
 * body, keep-alive, parsed with the same http_parser the proxy uses, no
 * allocation per request. bench/proxy measures the proxy against it: what
 * the proxy costs beyond this is its own (routing, JSON, the pipes to the
 * function, the function).
 */
#include <http_parser.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 25\r\n\r\n"
                             "{\"greeting\":\"Hello you\"}\n";

typedef struct Conn {
	uv_tcp_t tcp;
	http_parser parser;
	char buf[65536];
} Conn;

static http_parser_settings settings;

static void
on_closed(uv_handle_t *h)
{
	free(h->data);
}

static void
on_written(uv_write_t *w, int status)
{
	(void)status;
	free(w);
}

/* Write the answer now; what the socket cannot take yet is queued. */
static int
on_complete(http_parser *p)
{
	Conn *c = p->data;
	uv_buf_t b = uv_buf_init((char *)answer, sizeof answer - 1);
	int n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
	uv_write_t *w;

	if (n == (int)b.len)
		return 0;
	n = n < 0 ? 0 : n;
	b = uv_buf_init((char *)answer + n, b.len - (size_t)n);
	if ((w = malloc(sizeof *w)) == NULL || uv_write(w, (uv_stream_t *)&c->tcp, &b, 1, on_written) < 0) {
		free(w);
		return -1;
	}
	return 0;
}

static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	Conn *c = h->data;

	(void)hint;
	*b = uv_buf_init(c->buf, sizeof c->buf);
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	Conn *c = s->data;

	if (n < 0 || (n > 0 && http_parser_execute(&c->parser, &settings, b->base, (size_t)n) != (size_t)n))
		uv_close((uv_handle_t *)s, on_closed);
}

static void
on_connection(uv_stream_t *server, int status)
{
	Conn *c = calloc(1, sizeof *c);

	if (status < 0 || c == NULL) {
		free(c);
		return;
	}
	uv_tcp_init(server->loop, &c->tcp);
	c->tcp.data = c->parser.data = c;
	http_parser_init(&c->parser, HTTP_REQUEST);
	if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0) {
		uv_close((uv_handle_t *)&c->tcp, on_closed);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

int
main(int argc, char **argv)
{
	uv_loop_t *loop = uv_default_loop();
	struct sockaddr_in addr;
	uv_tcp_t server;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: floor PORT\n");
		return 2;
	}
	settings.on_message_complete = on_complete;
	uv_ip4_addr("127.0.0.1", atoi(argv[1]), &addr);
	uv_tcp_init(loop, &server);
	if ((rc = uv_tcp_bind(&server, (struct sockaddr *)&addr, 0)) < 0 ||
	    (rc = uv_listen((uv_stream_t *)&server, 1024, on_connection)) < 0) {
		fprintf(stderr, "floor: %s\n", uv_strerror(rc));
		return 1;
	}
	return uv_run(loop, UV_RUN_DEFAULT);
}
