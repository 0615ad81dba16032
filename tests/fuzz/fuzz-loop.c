/* fuzz-loop.c — libFuzzer target: the proxy's action-loop reader (fd 3 of proxy/child.c, answers read as proxy/proc.c does).
 *
 * The input is what a function process writes on fd 3, through a real
 * pipe, in pieces (the first byte picks their size). Each whole line is
 * judged as an answer: a result must be a JSON object or array, and a
 * tagged answer names its activation ({"activation_id", "result"}). An
 * answer longer than the proxy takes ends the reading. */
#include "../../proxy/child.c"

static unsigned long nlines;
static int ended;

static void
on_line(Child *c, char *line, size_t len)
{
	const char *id, *res;
	size_t idlen, reslen;

	(void)c;
	if (line == NULL) {
		ended = 1;
		return;
	}
	nlines++;
	if (line[len] != '\0')
		abort();
	result_valid(line, len);
	if (js_check(line, len) == '{' && js_member(line, len, "activation_id", &id, &idlen) == '"' &&
	    js_member(line, len, "result", &res, &reslen) >= 0 && (res < line || res + reslen > line + len))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static Proxy px;
	static uv_loop_t *loop;
	Child c;
	size_t cut, off = 0;
	int p[2];

	if (size < 1)
		return 0;
	if (!loop) {
		loop = uv_default_loop();
		px.loop = loop;
		px.opt.max_body = 4096; /* answer_max: 4 max_body + 64 KiB */
	}
	cut = (size_t)data[0] * 61 + 1;
	data++, size--;
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0)
		abort();
	memset(&c, 0, sizeof c);
	c.px = &px;
	c.ctlfd = p[0];
	c.running = 1;
	c.line_cb = on_line;
	c.out.eof = c.err.eof = 1; /* no function's stdout and stderr here: child_drain reads none */
	uv_poll_init(loop, &c.ctl, p[0]);
	nlines = 0;
	ended = 0;
	while (off < size && !ended) {
		size_t n = size - off < cut ? size - off : cut;
		ssize_t w = write(p[1], data + off, n);
		if (w > 0)
			off += (size_t)w;
		ctl_read(&c);
	}
	close(p[1]);
	while (!ended)
		ctl_read(&c);
	uv_close((uv_handle_t *)&c.ctl, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	close(p[0]);
	buf_free(&c.line);
	return 0;
}
