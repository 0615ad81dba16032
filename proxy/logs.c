/* logs.c — the functions' stdout and stderr, passed on to the proxy's own.
 *
 * A function's stdout and stderr are pipes the proxy reads (a Stream each),
 * not the proxy's own descriptors, for three reasons: an activation's logs
 * must end with the sentinel line on both streams, and the sentinel must come
 * after every byte the function wrote before it answered; logs beyond the
 * limit are cut with a marker; and when a function dies, the last lines of
 * its stderr go into the error that says so.
 *
 * Ordering: a launcher flushes stdout and stderr before it writes its answer
 * on fd 3, so when the answer is read those bytes are already in the pipes.
 * Before writing the sentinels the proxy drains both pipes (non-blocking reads
 * until EAGAIN), so they land before the sentinel however the loop ordered
 * the readiness events.
 *
 * Counting: the limit applies to all log bytes since the last sentinels,
 * stdout and stderr together (OpenWhisk's logs limit). The first byte over it
 * is replaced by OpenWhisk's truncation message; the rest is dropped until the
 * next sentinel. Writes to the proxy's stdout and stderr are blocking: the
 * reader (the backend, a terminal, a file) is expected to keep up.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "dat.h"
#include "fns.h"

static void
out(Proxy *px, int to, const char *p, size_t len)
{
	if (len == 0)
		return;
	write_all(to, p, len);
	capture_out(px, to, p, len);
	px->lastnl[to] = p[len - 1] == '\n';
}

/* Pass len bytes of a function's output on to fd `to` (1 or 2). */
void
log_write(Proxy *px, int to, const char *p, size_t len)
{
	char msg[160];
	size_t room;
	int n;

	if (px->truncated)
		return;
	room = px->opt.log_limit > px->logged ? px->opt.log_limit - px->logged : 0;
	if (len <= room) {
		px->logged += len;
		out(px, to, p, len);
		return;
	}
	out(px, to, p, room);
	px->logged += room;
	px->truncated = 1;
	n = snprintf(msg, sizeof msg,
	             "%sLogs were truncated because the total bytes size exceeds the limit of %zu bytes.\n",
	             px->lastnl[to] ? "" : "\n", px->opt.log_limit);
	out(px, to, msg, (size_t)n);
}

/* End an activation's logs: the sentinel line on stdout and on stderr. */
void
log_sentinels(Proxy *px)
{
	int to;

	for (to = 1; to <= 2; to++) {
		if (!px->lastnl[to])
			out(px, to, "\n", 1);
		write_all(to, SENTINEL, sizeof SENTINEL - 1); /* not a log line */
	}
	px->logged = 0;
	px->truncated = 0;
}

static void
tail_add(Stream *s, const char *p, size_t len)
{
	size_t i;

	if (len > TAILMAX) {
		p += len - TAILMAX;
		len = TAILMAX;
	}
	for (i = 0; i < len; i++)
		s->tail[(s->tailn + i) % TAILMAX] = p[i];
	s->tailn += len;
}

/* Copy out the last `lines` lines of what the stream carried, NUL-terminated. */
void
stream_tail(Stream *s, char *buf, size_t size, int lines)
{
	size_t have = s->tailn < TAILMAX ? s->tailn : TAILMAX;
	size_t start = s->tailn - have, i, n;
	char *p;

	if (size > have + 1)
		size = have + 1;
	n = size - 1;
	for (i = 0; i < n; i++)
		buf[i] = s->tail[(start + have - n + i) % TAILMAX];
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	for (p = buf + n; p > buf; p--)
		if (p[-1] == '\n' && --lines == 0)
			break;
	memmove(buf, p, strlen(p) + 1);
}

/* At EOF stop watching; the descriptor is closed with the poll handle, so
 * libuv never sees a number that another handle may have reused. */
static void
stream_stop(Stream *s)
{
	uv_poll_stop(&s->poll);
	s->eof = 1;
}

/* Read what the pipe holds now; 1 at EOF, 0 when it would block. */
int
stream_read(Stream *s)
{
	char buf[65536];
	ssize_t n;

	while (!s->eof) {
		n = read(s->fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0) {
			stream_stop(s);
			return 1;
		}
		if (s->to == 2)
			tail_add(s, buf, (size_t)n);
		if (s->collect) {
			buf_add(s->collect, buf, (size_t)n);
			if (s->collected)
				s->collected(s);
		} else
			log_write(s->child->px, s->to, buf, (size_t)n);
		if ((size_t)n < sizeof buf)
			return 0;
	}
	return 1;
}
