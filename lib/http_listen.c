/* http_listen.c — listening on TCP or a Unix socket, accepting, and the reserve of descriptors.
 *
 * A server listens on TCP or on a Unix-domain socket (a local client's
 * round trip is cheaper there). Both are libuv streams, so the listener and
 * every connection hold an http_stream and only accepting differs: TCP
 * connections get TCP_NODELAY and a peer address, socket ones the peer
 * "unix". The socket file is made 0600 before it listens, replaces only a
 * socket nobody accepts on (one a killed server left), and goes at
 * http_close.
 *
 * Descriptors. The first server raises the soft RLIMIT_NOFILE to the hard
 * one. The kernel gives the lowest free descriptor, so an accepted socket
 * numbered within HTTP_FD_RESERVE of the limit means the table is nearly
 * full: that client is answered 503 at once and closed (without the
 * lingering of other refusals, which would hold the descriptor), and the reserve
 * stays for the rest of the program (the store, containers) and for the
 * next clients' answers. (When the table is full all the same, libuv
 * accepts and closes with a descriptor of its own.)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "http_int.h"
#include "log.h"
#include "mem.h"

/* "127.0.0.1:40312" for a TCP peer. */
static void
conn_name_tcp_peer(HttpConn *c)
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
on_conn_handle_closed(uv_handle_t *h)
{
	HttpConn *c = h->data;

	if (--c->handles_open == 0)
		free(c);
}

/* Is the descriptor table nearly full? fd is the lowest that was free. */
static int
fd_in_reserve(HttpConn *c)
{
	struct rlimit rl;
	uv_os_fd_t fd;

	if (uv_fileno((uv_handle_t *)&c->h, &fd) < 0 || getrlimit(RLIMIT_NOFILE, &rl) < 0 ||
	    rl.rlim_cur == RLIM_INFINITY)
		return 0;
	return (rlim_t)fd + HTTP_FD_RESERVE >= rl.rlim_cur;
}

static void
on_connection(uv_stream_t *ls, int status)
{
	HttpServer *s = ls->data;
	int is_tcp = ls->type == UV_TCP;
	HttpConn *c;

	if (status < 0)
		return;
	c = ecalloc(1, sizeof *c);
	c->srv = s;
	if (is_tcp)
		uv_tcp_init(s->loop, &c->h.tcp);
	else
		uv_pipe_init(s->loop, &c->h.pipe, 0);
	uv_timer_init(s->loop, &c->timer);
	c->h.s.data = c->timer.data = c;
	c->handles_open = 2;
	if (uv_accept(ls, &c->h.s) < 0) {
		c->closed = 1;
		uv_close((uv_handle_t *)&c->h, on_conn_handle_closed);
		uv_close((uv_handle_t *)&c->timer, on_conn_handle_closed);
		return;
	}
	if (is_tcp) {
		uv_tcp_nodelay(&c->h.tcp, 1);
		conn_name_tcp_peer(c);
	} else {
		snprintf(c->peer, sizeof c->peer, "unix");
	}
	http_conn_start(c);
	if (fd_in_reserve(c)) {
		log_warn("http: descriptors nearly all taken: %s refused with 503", c->peer);
		c->no_linger = 1; /* its descriptor is wanted back now */
		http_conn_fail(c, 503, "There are too many connections; try again later.");
	}
}

/* Once per process: the soft descriptor limit up to the hard one. */
static void
raise_nofile(void)
{
	static int done;
	struct rlimit rl;

	if (done++ || getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_warn("http: cannot raise the descriptor limit: %s", strerror(errno));
}

static HttpServer *
server_new(uv_loop_t *loop, const HttpLimits *lim, http_handler_cb cb, void *arg)
{
	HttpServer *s = ecalloc(1, sizeof *s);
	HttpLimits *l;

	http_settings_init();
	raise_nofile();
	s->loop = loop;
	s->cb = cb;
	s->arg = arg;
	if (lim != NULL)
		s->lim = *lim;
	l = &s->lim;
	l->max_header = l->max_header ? l->max_header : 64 * 1024;
	l->max_body = l->max_body ? l->max_body : 64u << 20;
	l->header_ms = l->header_ms ? l->header_ms : HTTP_HEADER_MS;
	l->body_ms = l->body_ms ? l->body_ms : HTTP_BODY_MS;
	l->idle_ms = l->idle_ms ? l->idle_ms : HTTP_IDLE_MS;
	return s;
}

static void
on_server_closed(uv_handle_t *h)
{
	HttpServer *s = h->data;

	free(s->path);
	free(s);
}

/* Listen on s's bound handle, or close it when binding failed (rc < 0). */
static int
server_listen(HttpServer *s, int rc, HttpServer **out)
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
http_listen(uv_loop_t *loop, const char *host, int port, const HttpLimits *lim, http_handler_cb cb, void *arg,
            HttpServer **out)
{
	HttpServer *s;
	struct sockaddr_storage addr;

	if (uv_ip4_addr(host, port, (struct sockaddr_in *)&addr) != 0 &&
	    uv_ip6_addr(host, port, (struct sockaddr_in6 *)&addr) != 0)
		return -EINVAL;
	s = server_new(loop, lim, cb, arg);
	uv_tcp_init(loop, &s->h.tcp);
	return server_listen(s, uv_tcp_bind(&s->h.tcp, (struct sockaddr *)&addr, 0), out);
}

int
http_listen_fd(uv_loop_t *loop, int fd, const HttpLimits *lim, http_handler_cb cb, void *arg, HttpServer **out)
{
	HttpServer *s;

	s = server_new(loop, lim, cb, arg);
	uv_tcp_init(loop, &s->h.tcp);
	return server_listen(s, uv_tcp_open(&s->h.tcp, fd), out);
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
unix_bind(HttpServer *s, const char *path)
{
	int rc;

	if ((rc = uv_pipe_bind(&s->h.pipe, path)) < 0)
		return rc;
	s->path = estrdup(path);
	return chmod(path, 0600) < 0 ? -errno : 0;
}

int
http_listen_unix(uv_loop_t *loop, const char *path, const HttpLimits *lim, http_handler_cb cb, void *arg,
                 HttpServer **out)
{
	HttpServer *s;
	int rc;

	/* libuv 1.44 would cut a longer path short without a word */
	if (strlen(path) >= sizeof((struct sockaddr_un *)0)->sun_path)
		return -ENAMETOOLONG;
	if ((rc = unix_remove_stale(path)) < 0)
		return rc;
	s = server_new(loop, lim, cb, arg);
	uv_pipe_init(loop, &s->h.pipe, 0);
	return server_listen(s, unix_bind(s, path), out);
}

int
http_server_port(HttpServer *s)
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
http_close(HttpServer *s)
{
	if (s->path != NULL)
		unlink(s->path);
	uv_close((uv_handle_t *)&s->h, on_server_closed);
}
