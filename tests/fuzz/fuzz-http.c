/* fuzz-http.c — libFuzzer target: lib/http's request parsing, on a real Unix socket.
 *
 * The input is what a client sends, pipelined requests included; the
 * server answers each (a check refuses /x before its body and lowers the
 * limit of /small; /s is streamed), then the client shuts its side and
 * reads to the end. Whatever the bytes, the server must answer, close, and
 * free every connection. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "http.h"

static uv_loop_t *loop;
static struct sockaddr_un addr = { .sun_family = AF_UNIX };

static void
check(HttpReq *r, void *arg)
{
	(void)arg;
	if (strcmp(r->path, "/x") == 0)
		http_respond(r, 401, NULL, NULL, "{}", 2);
	else if (strcmp(r->path, "/small") == 0)
		r->max_body = 16;
}

static void
handler(HttpReq *r, void *arg)
{
	char q[64];

	(void)arg;
	http_query_get(r, "a", q, sizeof q);
	http_header_get(r, "Content-Type");
	if (strcmp(r->path, "/s") == 0) {
		http_stream_start(r, 200, "text/plain", NULL);
		http_stream_write(r, r->body, r->body_len);
		http_stream_end(r);
		return;
	}
	http_respond(r, 200, "text/plain", NULL, r->body, r->body_len);
}

static void
setup(void)
{
	static char dir[] = "/tmp/fuzz-http.XXXXXX";
	HttpLimits lim = { .max_header = 8192, .max_body = 65536, .check = check };
	HttpServer *srv;

	loop = uv_default_loop();
	if (!mkdtemp(dir))
		abort();
	snprintf(addr.sun_path, sizeof addr.sun_path, "%s/s", dir);
	if (http_listen_unix(loop, addr.sun_path, &lim, handler, NULL, &srv) != 0)
		abort();
}

/* Turn the loop and wait a little for fd to be ready for events. */
static void
turn(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	uv_run(loop, UV_RUN_NOWAIT);
	poll(&p, 1, 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[65536];
	size_t off = 0;
	ssize_t n;
	int fd, i;

	if (!loop)
		setup();
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
		abort();
	while (off < size) {
		n = write(fd, data + off, size - off);
		if (n < 0 && errno != EAGAIN)
			break; /* the server closed on a bad request */
		off += n > 0 ? (size_t)n : 0;
		turn(fd, POLLOUT);
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		n = read(fd, buf, sizeof buf);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			break;
		if (n < 0)
			turn(fd, POLLIN);
	}
	close(fd);
	for (i = 0; i < 4; i++)
		uv_run(loop, UV_RUN_NOWAIT);
	return 0;
}
