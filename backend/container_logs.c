/* container_logs.c — split a container's stdout and stderr into stamped lines per activation.
 *
 * The proxy writes each activation's output to its own stdout and stderr and
 * ends each with the sentinel line. We read both pipes all the time (a full
 * pipe would stall the function), split lines, stamp each with the time we
 * read it ("2026-11-27T10:00:00.123456Z stdout: text", as OpenWhisk stores
 * them) and give it to the oldest activation whose sentinel has not yet come
 * on that stream. Lines that come while no activation is collecting (output
 * of the code's import at /init, or of a background thread between runs) are
 * kept, up to a bound, for the next activation.
 *
 * With concurrency > 1 in one container the lines of activations that run at
 * the same time interleave in the pipes; we cannot tell them apart, so each
 * line goes to the oldest activation still collecting on that stream (first
 * in, first out). That is exact for one activation at a time and a fair
 * approximation otherwise (the man page says so).
 *
 * With hundreds of activations in one container, finding that sink must not
 * walk the queue: per stream, the sinks whose sentinel has come are the
 * oldest ones (sentinels end sinks in queue order), so cur[w] points at the
 * first still collecting on stream w and moves on as sentinels come. The
 * queue is doubly linked with a tail, so adding a sink and removing one from
 * the middle (its call ended first) cost the same at any length.
 *
 * A line longer than LINE_MAX is cut into pieces. Invalid UTF-8 is replaced
 * byte by byte with U+FFFD, so every line is a JSON string. A sink's line_cb
 * sees each line as it is kept, for those who follow an activation's logs
 * while it runs (live.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "container_logs.h"
#include "utf8.h"
#include "mem.h"

enum { LINE_MAX_BYTES = 16384, PENDING_MAX = 256 * 1024 };

typedef struct Lstream {
	uv_pipe_t pipe;
	Clogs *l;
	int which; /* 0 stdout, 1 stderr */
	int open;
	size_t plen;
	char part[LINE_MAX_BYTES];
} Lstream;

struct Clogs {
	Lstream s[2];
	TAILQ_HEAD(, Logsink) queue; /* activations collecting, oldest first */
	Logsink *cur[2];             /* per stream, the oldest still collecting on it */
	Logsink pending;             /* lines for nobody yet */
	int eof[2];
	int handles;
	int closing;
	char rbuf[65536];
};

static const char *const stream_names[2] = { "stdout", "stderr" };

static void
stamp_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06ldZ", ts.tv_nsec / 1000);
}

/* A JSON string of "STAMP STREAM: text", valid UTF-8 whatever text holds. */
static json_t *
line_json(const char *stream, const char *text, size_t n)
{
	char stamp[48], *buf;
	size_t i = 0, o, k, cap;
	json_t *j;

	stamp_now(stamp, sizeof stamp);
	cap = strlen(stamp) + strlen(stream) + 4 + n * 3;
	buf = emalloc(cap);
	o = (size_t)snprintf(buf, cap, "%s %s: ", stamp, stream);
	while (i < n) {
		k = utf8_seq((const unsigned char *)text + i, n - i);
		if (k == 0) {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(buf + o, text + i, k);
		o += k;
		i += k;
	}
	j = json_stringn_nocheck(buf, o);
	free(buf);
	return j;
}

/* Keep a line (a reference taken) and hand it to whoever follows the sink live. */
static void
sink_keep(Logsink *k, json_t *line)
{
	if (!line || json_array_append(k->lines, line))
		return;
	if (k->line_cb)
		k->line_cb(line, k->arg);
}

static void
sink_keep_new(Logsink *k, json_t *line)
{
	sink_keep(k, line);
	json_decref(line);
}

static void
sink_append(Logsink *k, const char *stream, const char *text, size_t n)
{
	char msg[128];

	if (k->truncated)
		return;
	if (k->bytes + n > k->limit) {
		k->truncated = 1;
		snprintf(msg, sizeof msg,
		         "Logs were truncated because the total bytes size exceeds the limit of %zu bytes.", k->limit);
		sink_keep_new(k, line_json("stderr", msg, strlen(msg)));
		return;
	}
	k->bytes += n;
	sink_keep_new(k, line_json(stream, text, n));
}

void
logsink_note(Logsink *k, const char *stream, const char *text)
{
	sink_keep_new(k, line_json(stream, text, strlen(text)));
}

void
logsink_init(Logsink *k, size_t limit, logsink_cb cb, void *arg)
{
	memset(k, 0, sizeof *k);
	k->lines = json_array();
	k->limit = limit;
	k->cb = cb;
	k->arg = arg;
}

int
logsink_done(const Logsink *k)
{
	return k->ended[0] && k->ended[1];
}

/* The oldest activation still collecting on stream w, or the pending sink. */
static Logsink *
sink_for(Clogs *l, int w)
{
	return l->cur[w] ? l->cur[w] : &l->pending;
}

static void
sink_unqueue(Clogs *l, Logsink *k)
{
	int w;

	for (w = 0; w < 2; w++)
		if (l->cur[w] == k)
			l->cur[w] = TAILQ_NEXT(k, link);
	TAILQ_REMOVE(&l->queue, k, link);
	k->queued = 0;
}

/* k's stream w has ended; when both have, k leaves the queue and is told. */
static void
sink_end(Clogs *l, Logsink *k, int w)
{
	k->ended[w] = 1;
	if (l->cur[w] == k)
		l->cur[w] = TAILQ_NEXT(k, link);
	if (!logsink_done(k))
		return;
	sink_unqueue(l, k);
	if (k->cb)
		k->cb(k, k->arg);
}

static void
stream_line(Lstream *st, const char *text, size_t n)
{
	Clogs *l = st->l;
	Logsink *k;

	if (n && text[n - 1] == '\r')
		n--;
	k = sink_for(l, st->which);
	if (n == sizeof LOG_SENTINEL - 1 && memcmp(text, LOG_SENTINEL, n) == 0) {
		if (k != &l->pending)
			sink_end(l, k, st->which);
		return;
	}
	sink_append(k, stream_names[st->which], text, n);
}

static void
stream_data(Lstream *st, const char *p, size_t n)
{
	const char *nl;
	size_t take;

	while (n > 0) {
		nl = memchr(p, '\n', n);
		take = nl ? (size_t)(nl - p) : n;
		if (st->plen + take > LINE_MAX_BYTES)
			take = LINE_MAX_BYTES - st->plen;
		memcpy(st->part + st->plen, p, take);
		st->plen += take;
		p += take;
		n -= take;
		if (n > 0 && *p == '\n') {
			p++;
			n--;
		} else if (st->plen < LINE_MAX_BYTES) {
			break; /* wait for the rest of the line */
		}
		stream_line(st, st->part, st->plen);
		st->plen = 0;
	}
}

static void
on_close(uv_handle_t *h)
{
	Lstream *st = h->data;
	Clogs *l = st->l;

	if (--l->handles == 0 && l->closing) {
		json_decref(l->pending.lines);
		free(l);
	}
}

/* A stream closed: nothing more will come on it for anybody. */
static void
stream_eof(Lstream *st)
{
	Clogs *l = st->l;
	Logsink *k;

	if (st->plen) {
		stream_line(st, st->part, st->plen);
		st->plen = 0;
	}
	l->eof[st->which] = 1;
	while ((k = l->cur[st->which]) != NULL)
		sink_end(l, k, st->which);
	if (st->open) {
		st->open = 0;
		uv_close((uv_handle_t *)&st->pipe, on_close);
	}
}

static void
alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	Lstream *st = h->data;

	(void)hint;
	buf->base = st->l->rbuf;
	buf->len = sizeof st->l->rbuf;
}

static void
read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	Lstream *st = s->data;

	if (n > 0)
		stream_data(st, buf->base, (size_t)n);
	else if (n < 0)
		stream_eof(st);
}

static int
stream_open(Clogs *l, uv_loop_t *loop, int which, int *child_fd)
{
	Lstream *st = &l->s[which];
	int fds[2], rc;

	st->l = l;
	st->which = which;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	if ((rc = uv_pipe_init(loop, &st->pipe, 0)) < 0) {
		close(fds[0]);
		close(fds[1]);
		return rc;
	}
	st->pipe.data = st;
	st->open = 1;
	l->handles++;
	if ((rc = uv_pipe_open(&st->pipe, fds[0])) < 0 ||
	    (rc = uv_read_start((uv_stream_t *)&st->pipe, alloc_cb, read_cb)) < 0) {
		close(fds[1]);
		return rc;
	}
	*child_fd = fds[1];
	return 0;
}

int
clogs_open(uv_loop_t *loop, Clogs **out, int *out_fd, int *err_fd)
{
	Clogs *l;
	int rc;

	l = ecalloc(1, sizeof *l);
	logsink_init(&l->pending, PENDING_MAX, NULL, NULL);
	TAILQ_INIT(&l->queue);
	l->s[0].l = l->s[1].l = l;
	if ((rc = stream_open(l, loop, 0, out_fd)) < 0) {
		clogs_close(l);
		return rc;
	}
	if ((rc = stream_open(l, loop, 1, err_fd)) < 0) {
		close(*out_fd);
		clogs_close(l);
		return rc;
	}
	*out = l;
	return 0;
}

void
clogs_close(Clogs *l)
{
	int i;

	l->closing = 1;
	for (i = 0; i < 2; i++)
		if (l->s[i].open)
			stream_eof(&l->s[i]);
	if (l->handles == 0) {
		json_decref(l->pending.lines);
		free(l);
	}
}

void
clogs_add(Clogs *l, Logsink *k)
{
	size_t i;
	int w;

	for (i = 0; i < json_array_size(l->pending.lines) && !k->truncated; i++) {
		json_t *line = json_array_get(l->pending.lines, i);
		size_t n = json_string_length(line);
		if (k->bytes + n > k->limit) {
			k->truncated = 1;
			break;
		}
		k->bytes += n;
		sink_keep(k, line);
	}
	json_array_clear(l->pending.lines);
	l->pending.bytes = 0;
	l->pending.truncated = 0;
	k->ended[0] = l->eof[0];
	k->ended[1] = l->eof[1];
	if (logsink_done(k))
		return;
	TAILQ_INSERT_TAIL(&l->queue, k, link);
	k->queued = 1;
	for (w = 0; w < 2; w++)
		if (!k->ended[w] && l->cur[w] == NULL)
			l->cur[w] = k;
}

void
clogs_swap(Clogs *l, Logsink *done, Logsink *k)
{
	int w;

	if (!k->queued || done->queued)
		return;
	TAILQ_INSERT_BEFORE(k, done, link);
	TAILQ_REMOVE(&l->queue, k, link);
	for (w = 0; w < 2; w++) {
		if (l->cur[w] == k)
			l->cur[w] = done;
		done->ended[w] = k->ended[w];
		k->ended[w] = 1;
	}
	done->queued = 1;
	k->queued = 0;
}

void
clogs_remove(Clogs *l, Logsink *k)
{
	if (k->queued)
		sink_unqueue(l, k);
}
