/* test-chttp.c — backend/container_http.c: thousands of calls at once to one proxy socket, each its own answer. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <cmocka.h>
#include "http.h"
#include "../../backend/container_http.h"

enum { N = 3000 }; /* calls at once: well over a listen backlog of 1024 */

typedef struct Call {
	int i;
	int done, err, status;
	char answer[32];
} Call;

static int ncalls_done;

static void
echo(HttpReq *req, void *arg)
{
	(void)arg;
	http_respond(req, 200, "application/json", NULL, req->body, req->body_len);
}

static void
done_cb(int err, int status, const char *body, size_t len, void *arg)
{
	Call *c = arg;

	c->done++;
	c->err = err;
	c->status = status;
	snprintf(c->answer, sizeof c->answer, "%.*s", (int)len, body ? body : "");
	ncalls_done++;
}

/* Both ends of N connections live in this process. */
static int
descriptors_enough(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) < 0)
		return 0;
	if (r.rlim_cur < 2 * N + 100 && r.rlim_max >= 2 * N + 100) {
		r.rlim_cur = 2 * N + 100;
		setrlimit(RLIMIT_NOFILE, &r);
		getrlimit(RLIMIT_NOFILE, &r);
	}
	return r.rlim_cur >= 2 * N + 100;
}

/* N calls are posted in one loop turn, before the server has accepted any
 * connection: the client must not connect them all at once, or the
 * connects past the socket's backlog fail (EAGAIN). Every call gets the
 * answer to its own body. */
static void
test_burst(void **state)
{
	char dir[] = "/tmp/test-chttp.XXXXXX", path[64], body[32];
	Call *calls = calloc(N, sizeof *calls);
	uv_loop_t loop;
	HttpServer *srv;
	Chttp *h;
	char *b;
	int i;

	(void)state;
	if (!descriptors_enough())
		skip();
	assert_non_null(calls);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/proxy.sock", dir);
	uv_loop_init(&loop);
	assert_int_equal(http_listen_unix(&loop, path, NULL, echo, NULL, &srv), 0);
	assert_int_equal(chttp_new_unix(&loop, path, 1 << 20, &h), 0);
	for (i = 0; i < N; i++) {
		calls[i].i = i;
		snprintf(body, sizeof body, "{\"i\":%d}", i);
		assert_non_null(b = strdup(body));
		assert_int_equal(chttp_post(h, "/run", b, strlen(b), done_cb, &calls[i]), 0);
	}
	while (ncalls_done < N && uv_run(&loop, UV_RUN_ONCE))
		;
	for (i = 0; i < N; i++) {
		snprintf(body, sizeof body, "{\"i\":%d}", i);
		assert_int_equal(calls[i].done, 1);
		assert_int_equal(calls[i].err, 0);
		assert_int_equal(calls[i].status, 200);
		assert_string_equal(calls[i].answer, body);
	}
	chttp_close(h);
	http_close(srv);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	rmdir(dir);
	free(calls);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
