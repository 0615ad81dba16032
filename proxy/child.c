/* child.c — a function process with its stdin, stdout, stderr and fd 3 pipes.
 *
 * Proc (the action loop) and Once (a process per activation) both start
 * their processes here. The pipes are made with pipe2(O_CLOEXEC) and handed
 * to uv_spawn as inherited descriptors, so the child gets exactly fds 0-3 and
 * nothing else of the proxy's. Our ends are non-blocking: stdin is a uv_pipe
 * (libuv queues what the pipe cannot take yet), the others are read on
 * uv_poll handles so that logs.c can drain them synchronously before writing
 * a sentinel.
 *
 * The child is a process group leader (UV_PROCESS_DETACHED calls setsid), so
 * a kill reaches everything it started. A stem cell the backend's zygote
 * forked before our start (--adopt) is taken over with child_adopt: the
 * same pipes, already made, and a pidfd for its exit instead of libuv's
 * process handle. A Child is closed in two steps: the
 * process is killed and reaped first (closing a libuv process handle before
 * the exit would leave a zombie), then every handle is closed, and when the
 * last close callback has run the owner's closed_cb frees the memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "dat.h"
#include "fns.h"
#include "log.h"

static void ctl_read(Child *c);

typedef struct Wreq {
	uv_write_t w;
	char data[];
} Wreq;

static void
on_closed(uv_handle_t *h)
{
	Child *c = h->data;

	if (--c->handles == 0 && c->closed_cb)
		c->closed_cb(c);
}

static void
on_stream_closed(uv_handle_t *h)
{
	Stream *s = h->data;

	on_closed((uv_handle_t *)&s->child->timer);
}

static void
child_exited(Child *c, int64_t status, int sig)
{
	c->running = 0;
	c->status = status;
	c->signal = sig;
	stream_read(&c->out);
	stream_read(&c->err);
	ctl_read(c);
	if (c->closing) {
		child_close(c);
		return;
	}
	if (c->exit_cb)
		c->exit_cb(c);
}

static void
on_child_exit(uv_process_t *p, int64_t status, int sig)
{
	child_exited(p->data, status, sig);
}

/* An adopted process's pidfd is readable: it has ended; reap it. */
static void
on_adopted_exit(uv_poll_t *h, int status, int events)
{
	Child *c = h->data;
	int ws;

	(void)status, (void)events;
	if (waitpid(c->pid, &ws, WNOHANG) == 0)
		return;
	uv_poll_stop(h);
	child_exited(c, WIFEXITED(ws) ? WEXITSTATUS(ws) : 0, WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
}

static void
on_output(uv_poll_t *h, int status, int events)
{
	Stream *s = h->data;

	(void)events;
	if (status < 0 || stream_read(s))
		uv_poll_stop(h);
}

/* Hand every whole line in c->line to the owner; keep the rest. */
static void
ctl_lines(Child *c)
{
	size_t used = 0, end;
	char *nl;

	while (!c->closing && (nl = memchr(c->line.p + c->scanned, '\n', c->line.n - c->scanned))) {
		end = (size_t)(nl - c->line.p);
		*nl = '\0';
		c->scanned = end + 1;
		c->lines++;
		c->line_cb(c, c->line.p + used, end - used);
		used = c->scanned;
	}
	if (c->closing)
		return;
	buf_consume(&c->line, used);
	c->scanned = c->line.n;
}

/* Read fd 3 until it would block. At EOF the owner hears of it (a NULL
 * line) unless the process has already exited, when EOF is no news. */
static void
ctl_read_lines(Child *c)
{
	size_t want = 0;
	ssize_t n;

	while (!c->closing && c->ctlfd >= 0 && !c->ctleof) {
		buf_reserve(&c->line, 65536);
		if ((n = read(c->ctlfd, c->line.p + c->line.n, want = c->line.cap - c->line.n - 1)) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
		}
		if (n <= 0) {
			uv_poll_stop(&c->ctl);
			c->ctleof = 1;
			if (c->running)
				c->line_cb(c, NULL, 0);
			return;
		}
		c->line.n += (size_t)n;
		ctl_lines(c);
		if (c->line.n > answer_max(c->px)) {
			uv_poll_stop(&c->ctl);
			c->ctleof = c->toolong = 1;
			c->line_cb(c, NULL, 0);
			return;
		}
		if ((size_t)n < want)
			return; /* the pipe is empty: a short read */
	}
}

/* Not re-entered: an owner's line_cb may start a spin (child_spin), which
 * reads fd 3 too, and must not move the buffer under the outer reader. */
static void
ctl_read(Child *c)
{
	if (c->reading)
		return;
	c->reading = 1;
	ctl_read_lines(c);
	c->reading = 0;
}

static void
on_ctl(uv_poll_t *h, int status, int events)
{
	Child *c = h->data;

	(void)status, (void)events;
	ctl_read(c);
}

static int
nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -errno : 0;
}

static int
stream_open(Child *c, Stream *s, int fd, int to)
{
	int rc;

	s->fd = fd;
	s->to = to;
	s->child = c;
	s->poll.data = s;
	if ((rc = nonblock(fd)) < 0 || (rc = uv_poll_init(c->px->loop, &s->poll, fd)) < 0)
		return rc;
	c->handles++;
	return uv_poll_start(&s->poll, UV_READABLE, on_output);
}

static void
close_fds(int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Our ends of the pipes: the uv_pipe for stdin, polls for the rest. */
static int
open_ours(Child *c, int *ours, int nfd)
{
	int rc;

	if ((rc = uv_pipe_init(c->px->loop, &c->in, 0)) < 0)
		return rc;
	c->in.data = c;
	c->handles++;
	if ((rc = uv_pipe_open(&c->in, ours[0])) < 0)
		return rc;
	ours[0] = -1;
	if ((rc = stream_open(c, &c->out, ours[1], 1)) < 0)
		return rc;
	ours[1] = -1;
	if ((rc = stream_open(c, &c->err, ours[2], 2)) < 0)
		return rc;
	ours[2] = -1;
	if (nfd < 4)
		return 0;
	c->ctlfd = ours[3];
	ours[3] = -1;
	c->ctl.data = c;
	if ((rc = nonblock(c->ctlfd)) < 0 || (rc = uv_poll_init(c->px->loop, &c->ctl, c->ctlfd)) < 0)
		return rc;
	c->handles++;
	return uv_poll_start(&c->ctl, UV_READABLE, on_ctl);
}

static int
make_pipes(int *theirs, int *ours, int nfd)
{
	int i, p[2];

	for (i = 0; i < nfd; i++) {
		if (pipe2(p, O_CLOEXEC) < 0)
			return -errno;
		theirs[i] = i == 0 ? p[0] : p[1];
		ours[i] = i == 0 ? p[1] : p[0];
	}
	return 0;
}

/* What a started and an adopted child begin with: no fds, no output to
 * come yet, the timer (one handle to close). */
static void
child_init(Proxy *px, Child *c)
{
	c->px = px;
	c->ctlfd = -1;
	c->out.fd = c->err.fd = -1;
	c->out.eof = c->err.eof = 1;
	c->timer.data = c;
	uv_timer_init(px->loop, &c->timer);
	c->handles++;
}

/* Start argv with env in cwd; with ctl, the child also gets fd 3. On
 * failure the Child must still be closed with child_close. */
int
child_spawn(Proxy *px, Child *c, const char **argv, char **env, const char *cwd, int ctl)
{
	uv_process_options_t o = { 0 };
	uv_stdio_container_t io[4];
	int theirs[4] = { -1, -1, -1, -1 }, ours[4] = { -1, -1, -1, -1 };
	int i, rc, nfd = ctl ? 4 : 3;

	child_init(px, c);
	c->proc.data = c;
	if ((rc = make_pipes(theirs, ours, nfd)) < 0)
		goto out;
	for (i = 0; i < nfd; i++) {
		io[i].flags = UV_INHERIT_FD;
		io[i].data.fd = theirs[i];
	}
	o.file = argv[0];
	o.args = (char **)argv;
	o.env = env;
	o.cwd = cwd;
	o.flags = UV_PROCESS_DETACHED;
	o.stdio_count = nfd;
	o.stdio = io;
	o.exit_cb = on_child_exit;
	if ((rc = uv_spawn(px->loop, &c->proc, &o)) < 0) {
		uv_close((uv_handle_t *)&c->proc, on_closed);
		c->handles++;
		goto out;
	}
	c->handles++;
	c->running = 1;
	c->out.eof = c->err.eof = 0;
	rc = open_ours(c, ours, nfd);
out:
	close_fds(theirs, nfd);
	close_fds(ours, nfd);
	return rc;
}

/* Take over a process that is already running, our child (the backend's
 * zygote forked it as a stem cell, --adopt), with our ends of its stdin,
 * stdout, stderr and fd 3 in fds, which are ours from now on, whatever
 * happens. On failure the Child must still be closed with child_close. */
int
child_adopt(Proxy *px, Child *c, int pid, const int *fds)
{
	int ours[4] = { fds[0], fds[1], fds[2], fds[3] }, rc;

	child_init(px, c);
	c->pidw.data = c;
	c->adopted = 1;
	c->pid = pid;
	if ((c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0) {
		rc = -errno;
		goto out;
	}
	if ((rc = uv_poll_init(px->loop, &c->pidw, c->pidfd)) < 0)
		goto out;
	c->handles++;
	c->running = 1;
	c->out.eof = c->err.eof = 0;
	if ((rc = uv_poll_start(&c->pidw, UV_READABLE, on_adopted_exit)) == 0)
		rc = open_ours(c, ours, 4);
out:
	close_fds(ours, 4);
	return rc;
}

static void
on_written(uv_write_t *w, int status)
{
	Child *c = w->handle->data;

	(void)status;
	free(w);
	if (c->close_in && uv_stream_get_write_queue_size((uv_stream_t *)&c->in) == 0)
		child_close_stdin(c);
}

/* Write to the child's stdin. W_LINE: drop the text's CR and LF bytes (JSON
 * needs none) and end it with one LF. W_CLOSE: close stdin after it. */
int
child_write(Child *c, const char *p, size_t len, int flags)
{
	uv_buf_t b[2] = { uv_buf_init((char *)p, len), uv_buf_init("\n", 1) };
	Wreq *r;
	size_t i, n = 0;
	int done = 0, nb = flags & W_LINE ? 2 : 1;

	if (c->closing || !c->running)
		return -EPIPE;
	if (!(flags & W_LINE) || (!memchr(p, '\n', len) && !memchr(p, '\r', len)))
		if ((done = uv_try_write((uv_stream_t *)&c->in, b, nb)) < 0)
			done = 0;
	if ((size_t)done == len + (nb - 1))
		goto sent;
	r = emalloc(sizeof *r + len + 1);
	for (i = (size_t)done; i < len; i++)
		if (!(flags & W_LINE) || (p[i] != '\n' && p[i] != '\r'))
			r->data[n++] = p[i];
	if (flags & W_LINE)
		r->data[n++] = '\n';
	b[0] = uv_buf_init(r->data, n);
	if (uv_write(&r->w, (uv_stream_t *)&c->in, b, 1, on_written) < 0) {
		free(r);
		return -EPIPE;
	}
	if (flags & W_CLOSE)
		c->close_in = 1;
	return 0;
sent:
	if (flags & W_CLOSE)
		child_close_stdin(c);
	return 0;
}

/* No more input: the child reads EOF. (uv_shutdown cannot do this: it
 * is shutdown(2), which pipes do not have.) */
void
child_close_stdin(Child *c)
{
	if (!uv_is_closing((uv_handle_t *)&c->in))
		uv_close((uv_handle_t *)&c->in, on_closed);
}

static void
on_timer(uv_timer_t *t)
{
	Child *c = t->data;

	if (c->timer_cb)
		c->timer_cb(c);
}

/* Call timer_cb at `at` (ms since the epoch); 0 disarms. */
void
child_deadline(Child *c, uint64_t at)
{
	uint64_t now = now_ms();

	if (at == 0)
		uv_timer_stop(&c->timer);
	else
		uv_timer_start(&c->timer, on_timer, at > now ? at - now : 0, 0);
}

/* "exit status 3" or "killed by signal 9", and the end of its stderr. */
void
child_exit_text(Child *c, char *buf, size_t size)
{
	char tail[1024];
	int n;

	if (c->signal)
		n = snprintf(buf, size, "killed by signal %d", c->signal);
	else
		n = snprintf(buf, size, "exit status %lld", (long long)c->status);
	stream_tail(&c->err, tail, sizeof tail, 5);
	if (*tail && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, "); the last lines of its stderr:\n%s", tail);
	else if (n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, ")");
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wait for answers on fd 3 by polling it, not the loop, while *busy > 0 and
 * each answer comes within budget_ns of the last. Why: a child that answers
 * in a few microseconds would otherwise cost the proxy a sleep in
 * epoll_wait and a wakeup, which on a virtual machine is the larger part of
 * a warm run. No sched_yield between tries: on a busy machine it hands the
 * CPU to whatever else runs there for a whole time slice, milliseconds; the
 * proxy spins only when it has another CPU for the child (main.c). */
void
child_spin(Child *c, const int *busy, uint64_t budget_ns)
{
	uint64_t last = mono_ns();
	unsigned long seen;

	while (*busy > 0 && !c->reading && !c->closing && !c->ctleof && c->running) {
		seen = c->lines;
		ctl_read(c);
		if (c->lines != seen)
			last = mono_ns();
		else if (mono_ns() - last > budget_ns)
			return;
	}
}

/* Pass on what the child's stdout and stderr hold now: one poll(2) tells
 * which of them have anything, so quiet functions cost one call, not two. */
void
child_drain(Child *c)
{
	struct pollfd p[2] = { { .fd = c->out.eof ? -1 : c->out.fd, .events = POLLIN },
		               { .fd = c->err.eof ? -1 : c->err.fd, .events = POLLIN } };

	if (poll(p, 2, 0) <= 0)
		return;
	if (p[0].revents)
		stream_read(&c->out);
	if (p[1].revents)
		stream_read(&c->err);
}

/* Kill the child and everything it started. */
void
child_kill(Child *c)
{
	if (!c->running)
		return;
	if (c->adopted) {
		if (kill(-c->pid, SIGKILL) < 0)
			kill(c->pid, SIGKILL);
	} else if (kill(-c->proc.pid, SIGKILL) < 0)
		uv_process_kill(&c->proc, SIGKILL);
}

static void
close_handle(uv_handle_t *h, uv_close_cb cb)
{
	if (h->loop && !uv_is_closing(h))
		uv_close(h, cb);
}

static void
close_stream(Stream *s)
{
	if (s->fd < 0)
		return;
	close_handle((uv_handle_t *)&s->poll, on_stream_closed);
	close(s->fd);
	s->fd = -1;
}

/* Kill, reap, close every handle; closed_cb runs when all are closed. */
void
child_close(Child *c)
{
	c->closing = 1;
	if (c->running) {
		child_kill(c);
		return; /* on_exit comes back here */
	}
	close_handle((uv_handle_t *)&c->timer, on_closed);
	close_handle((uv_handle_t *)&c->in, on_closed);
	close_stream(&c->out);
	close_stream(&c->err);
	if (c->ctlfd >= 0) {
		close_handle((uv_handle_t *)&c->ctl, on_closed);
		close(c->ctlfd);
		c->ctlfd = -1;
	}
	close_handle((uv_handle_t *)&c->proc, on_closed);
	if (c->adopted) {
		close_handle((uv_handle_t *)&c->pidw, on_closed);
		if (c->pidfd >= 0)
			close(c->pidfd);
		c->pidfd = -1;
	}
}
