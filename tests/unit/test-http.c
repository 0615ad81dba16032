/* test-http.c — lib/http.c and lib/curluv.c against each other on one loop:
 * a real server on a loopback port, real libcurl transfers. The same server
 * also listens on a Unix-domain socket, and the tests marked over_unix run
 * again through it, with a curluv told to use the socket. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <cmocka.h>
#include "curluv.h"
#include "http.h"

static uv_loop_t *loop;
static HttpServer *srv, *usrv, *gsrv; /* gsrv: with a check and short timeouts */
static Curluv *cu, *tcp_cu, *unix_cu;
static char base[64], tcp_base[64], sockdir[64], sockpath[128];
static int aborts, done_count;
static CurluvResp last;
static char last_body[4096];
static uv_timer_t later_timer;

static void
answer_later(uv_timer_t *t)
{
	HttpReq *r = t->data;

	http_respond(r, 200, "text/plain", NULL, r->body, r->body_len);
}

static void
on_abort(HttpReq *r)
{
	(void)r;
	aborts++;
}

static void
handler(HttpReq *r, void *arg)
{
	char q[64], buf[512];
	const char *v;
	int n;

	(void)arg;
	if (strcmp(r->path, "/later") == 0) {
		later_timer.data = r;
		uv_timer_start(&later_timer, answer_later, 20, 0);
		return;
	}
	if (strcmp(r->path, "/never") == 0) {
		r->abort_cb = on_abort;
		later_timer.data = r;
		uv_timer_start(&later_timer, answer_later, 500, 0);
		return;
	}
	if (strcmp(r->path, "/stream") == 0) {
		http_stream_start(r, 200, "text/plain", NULL);
		http_stream_write(r, "one\n", 4);
		http_stream_write(r, "two\n", 4);
		http_stream_end(r);
		return;
	}
	if (strcmp(r->path, "/teapot") == 0) {
		http_respond(r, 418, "text/plain", NULL, "teapot", 6);
		return;
	}
	v = http_query_get(r, "x", q, sizeof q);
	n = snprintf(buf, sizeof buf, "%s %s x=%s len=%zu ct=%s", r->method, r->path, v ? v : "-", r->body_len,
	             http_header_get(r, "content-type") ? http_header_get(r, "content-type") : "-");
	http_respond(r, 200, "text/plain", "X-Test: 1\r\n", buf, n);
}

static void
on_done(CurluvResp *resp, void *arg)
{
	(void)arg;
	last = *resp;
	snprintf(last_body, sizeof last_body, "%s", resp->body ? resp->body : "");
	done_count++;
}

static void
run_until_done(int want)
{
	while (done_count < want)
		uv_run(loop, UV_RUN_ONCE);
}

static void
request(const char *method, const char *path, const char *body, const char *const *hdrs)
{
	char url[256];
	int want = done_count + 1;

	snprintf(url, sizeof url, "%s%s", base, path);
	assert_int_equal(curluv_request(cu, method, url, hdrs, body, body ? strlen(body) : 0, 5000, on_done, NULL), 0);
	run_until_done(want);
}

static void
test_get_with_query(void **state)
{
	(void)state;
	request("GET", "/a%20b?y=2&x=1+2", NULL, NULL);
	assert_int_equal(last.rc, CURLE_OK);
	assert_int_equal(last.status, 200);
	assert_string_equal(last_body, "GET /a b x=1 2 len=0 ct=-");
}

static void
test_post_body_and_headers(void **state)
{
	const char *hdrs[] = { "Content-Type: text/csv", NULL };

	(void)state;
	request("POST", "/p", "a,b\n1,2\n", hdrs);
	assert_string_equal(last_body, "POST /p x=- len=8 ct=text/csv");
	request("PUT", "/q", "{}", NULL);
	assert_string_equal(last_body, "PUT /q x=- len=2 ct=application/x-www-form-urlencoded");
	request("DELETE", "/d", NULL, NULL);
	assert_string_equal(last_body, "DELETE /d x=- len=0 ct=-");
}

static void
test_async_answer(void **state)
{
	(void)state;
	request("POST", "/later", "echo me", NULL);
	assert_int_equal(last.status, 200);
	assert_string_equal(last_body, "echo me");
}

static void
test_stream(void **state)
{
	(void)state;
	request("GET", "/stream", NULL, NULL);
	assert_string_equal(last_body, "one\ntwo\n");
}

static void
test_body_limit(void **state)
{
	char *big = malloc(5000);

	(void)state;
	memset(big, 'a', 4999);
	big[4999] = '\0';
	request("POST", "/big", big, NULL);
	free(big);
	assert_int_equal(last.status, 413);
}

static void
test_keepalive_reuse(void **state)
{
	long fresh = -1;

	(void)state;
	request("GET", "/one", NULL, NULL);
	request("GET", "/two", NULL, NULL);
	curl_easy_getinfo(last.easy, CURLINFO_NUM_CONNECTS, &fresh);
	assert_int_equal(fresh, 0);
}

static void
test_abort_when_peer_leaves(void **state)
{
	char url[256];
	int want = done_count + 1;

	(void)state;
	aborts = 0;
	snprintf(url, sizeof url, "%s/never", base);
	assert_int_equal(curluv_request(cu, "GET", url, NULL, NULL, 0, 100, on_done, NULL), 0);
	run_until_done(want);
	assert_int_equal(last.rc, CURLE_OPERATION_TIMEDOUT);
	while (aborts == 0)
		uv_run(loop, UV_RUN_ONCE);
	assert_int_equal(aborts, 1);
	/* let the handler's late answer run and be dropped */
	while (uv_is_active((uv_handle_t *)&later_timer))
		uv_run(loop, UV_RUN_ONCE);
}

/* A request started from inside libcurl's write callback of another one
 * still runs (curluv defers adding it to the next turn of the loop). */
static int nested_started;

static size_t
start_nested(char *data, size_t size, size_t n, void *arg)
{
	char url[256];

	(void)data;
	(void)arg;
	if (!nested_started) {
		nested_started = 1;
		snprintf(url, sizeof url, "%s/nested?x=in", base);
		assert_int_equal(curluv_request(cu, "GET", url, NULL, NULL, 0, 5000, on_done, NULL), 0);
	}
	return size * n;
}

static void
ignore_done(CurluvResp *resp, void *arg)
{
	(void)resp;
	(void)arg;
}

static void
test_request_from_write_callback(void **state)
{
	CURL *easy = curl_easy_init();
	char url[256];
	int want = done_count + 1;

	(void)state;
	nested_started = 0;
	snprintf(url, sizeof url, "%s/stream", base);
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, start_nested);
	assert_int_equal(curluv_add(cu, easy, ignore_done, NULL), 0);
	run_until_done(want);
	assert_int_equal(last.status, 200);
	assert_string_equal(last_body, "GET /nested x=in len=0 ct=-");
}

/* Raw bytes: two pipelined requests then garbage, answered in order, then
 * a 400 and the connection closed. The client runs in a thread while the
 * loop serves. */
static char raw_out[4096];
static volatile int raw_done;

static void
raw_client(void *arg)
{
	int port = *(int *)arg, fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	const char *req = "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"
	                  "BOGUS\r\n\r\n";
	size_t got = 0;
	ssize_t n;

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0 && write(fd, req, strlen(req)) > 0)
		while ((n = read(fd, raw_out + got, sizeof raw_out - 1 - got)) > 0)
			got += n;
	raw_out[got] = '\0';
	close(fd);
	raw_done = 1;
}

static void
test_pipelining_and_garbage(void **state)
{
	uv_thread_t th;
	int port = http_server_port(srv);
	char *first, *second, *bad;

	(void)state;
	uv_thread_create(&th, raw_client, &port);
	while (!raw_done) {
		uv_run(loop, UV_RUN_NOWAIT);
		usleep(500);
	}
	uv_thread_join(&th);
	first = strstr(raw_out, "GET /1 ");
	second = strstr(raw_out, "GET /2 ");
	bad = strstr(raw_out, "HTTP/1.1 400");
	assert_non_null(first);
	assert_non_null(second);
	assert_non_null(bad);
	assert_true(first < second && second < bad);
}

/* ---- the guarded server: a check before the body, short timeouts ---- */

static void
check(HttpReq *r, void *arg)
{
	(void)arg;
	if (strcmp(r->path, "/locked") == 0)
		http_respond(r, 401, "application/json", NULL, "{\"error\":\"no key\"}", 18);
	else if (strcmp(r->path, "/small") == 0)
		r->max_body = 10;
}

/* A raw client in a thread: connect, send one, read until want shows (or
 * the connection ends), send two, read to the end. Reads give up after
 * 10 s, so a server that never answers fails the test rather than hangs it. */
typedef struct Exchange {
	const char *one, *want, *two;
	char out[8192];
	size_t got;
	int eof; /* the server closed */
	volatile int done;
} Exchange;

static void
read_until(int fd, Exchange *x, const char *want)
{
	ssize_t n;

	while (x->got < sizeof x->out - 1 && (!want || !strstr(x->out, want))) {
		n = read(fd, x->out + x->got, sizeof x->out - 1 - x->got);
		if (n <= 0) {
			x->eof = n == 0 || errno == ECONNRESET;
			return;
		}
		x->got += n;
		x->out[x->got] = '\0';
	}
}

static void
exchange_client(void *arg)
{
	Exchange *x = arg;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(http_server_port(gsrv)) };
	struct timeval tv = { 10, 0 };

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
		if (x->one && write(fd, x->one, strlen(x->one)) < 0)
			x->eof = 1;
		read_until(fd, x, x->want);
		if (x->two && !x->eof && write(fd, x->two, strlen(x->two)) < 0)
			x->eof = 1;
		if (!x->eof)
			read_until(fd, x, NULL);
	}
	close(fd);
	x->done = 1;
}

static void
run_exchange(Exchange *x)
{
	uv_thread_t th;

	uv_thread_create(&th, exchange_client, x);
	while (!x->done) {
		uv_run(loop, UV_RUN_NOWAIT);
		usleep(500);
	}
	uv_thread_join(&th);
}

/* A refusal comes when the headers are complete: no body was sent yet. */
static void
test_refused_before_body(void **state)
{
	static char body[100000];
	Exchange x = { .one = "PUT /locked HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n",
		       .want = "no key\"}",
		       .two = body };

	(void)state;
	memset(body, 'a', sizeof body - 1);
	run_exchange(&x);
	assert_non_null(strstr(x.out, "HTTP/1.1 401 Unauthorized\r\n")); /* http_parser's phrase */
	assert_non_null(strstr(x.out, "Connection: close"));
	assert_true(x.eof);
}

/* The check's lower limit holds for a declared length and for a chunked body. */
static void
test_check_lowers_limit(void **state)
{
	Exchange x = { .one = "POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n" };
	Exchange y = { .one = "POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
		              "b\r\n0123456789a\r\n0\r\n\r\n" };

	(void)state;
	run_exchange(&x);
	assert_non_null(strstr(x.out, "HTTP/1.1 413 "));
	run_exchange(&y);
	assert_non_null(strstr(y.out, "HTTP/1.1 413 "));
}

/* The reason phrase is http_parser's; a code it does not name has none. */
static void
test_reason_phrase(void **state)
{
	Exchange x = { .one = "GET /teapot HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" };
	Exchange y = { .one = "GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" };

	(void)state;
	run_exchange(&x);
	assert_non_null(strstr(x.out, "HTTP/1.1 418 \r\n"));
	assert_non_null(strstr(x.out, "\r\n\r\nteapot"));
	run_exchange(&y);
	assert_non_null(strstr(y.out, "HTTP/1.1 200 OK\r\n"));
}

/* A connection that sends nothing is closed after idle_ms; one that stops
 * in its headers or its body gets 408, then is closed. */
static void
test_timeouts(void **state)
{
	Exchange idle = { 0 };
	Exchange head = { .one = "GET / HTTP/1.1\r\nHost:" };
	Exchange body = { .one = "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc" };
	Exchange after = { .one = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n" };

	(void)state;
	run_exchange(&idle);
	assert_true(idle.eof);
	assert_int_equal(idle.got, 0);
	run_exchange(&head);
	assert_true(head.eof);
	assert_non_null(strstr(head.out, "HTTP/1.1 408 "));
	run_exchange(&body);
	assert_true(body.eof);
	assert_non_null(strstr(body.out, "HTTP/1.1 408 "));
	/* answered, then idle: closed too */
	run_exchange(&after);
	assert_non_null(strstr(after.out, "HTTP/1.1 200 "));
	assert_true(after.eof);
}

/* The soft descriptor limit was raised to the hard one (main lowered it). */
static void
test_nofile_raised(void **state)
{
	struct rlimit rl;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_true(rl.rlim_cur == rl.rlim_max);
}

/* With fewer than HTTP_FD_RESERVE descriptors left, a new client is
 * answered 503 (not dropped in silence), and served again once there is room. */
static void
test_reserve_503(void **state)
{
	struct rlimit rl, low;
	Exchange x = { .one = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n" };
	Exchange y = { .one = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n" };
	int fd = open("/dev/null", O_RDONLY); /* the lowest free descriptor */

	(void)state;
	close(fd);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	low = rl;
	low.rlim_cur = fd + HTTP_FD_RESERVE / 2;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	run_exchange(&x);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_non_null(strstr(x.out, "HTTP/1.1 503 "));
	assert_non_null(strstr(x.out, "{\"error\":"));
	run_exchange(&y);
	assert_non_null(strstr(y.out, "HTTP/1.1 200 "));
}

#define OVER_UNIX(f)                                          \
	{                                                     \
#f " over unix", f, over_unix, over_tcp, NULL \
	}

/* Run a test over the socket. The URL's host cannot be resolved, so a
 * transfer that went over TCP would fail. */
static int
over_unix(void **state)
{
	(void)state;
	cu = unix_cu;
	snprintf(base, sizeof base, "http://faasfs.invalid");
	return 0;
}

static int
over_tcp(void **state)
{
	(void)state;
	cu = tcp_cu;
	snprintf(base, sizeof base, "%s", tcp_base);
	return 0;
}

static void
close_server(HttpServer *s)
{
	http_close(s);
	uv_run(loop, UV_RUN_NOWAIT);
}

/* A socket file like the one a killed server leaves: bound, never listened on. */
static void
stale_socket(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	snprintf(a.sun_path, sizeof a.sun_path, "%.100s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	close(fd);
}

/* The socket file: 0600, replaced when nobody accepts on it, kept when a
 * server does or when it is not a socket, gone after http_close. */
static void
test_unix_socket_file(void **state)
{
	char file[96];
	struct stat st;
	HttpServer *other;
	FILE *f;

	(void)state;
	assert_int_equal(stat(sockpath, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(http_listen_unix(loop, sockpath, NULL, handler, NULL, &other), -EADDRINUSE);
	assert_int_equal(http_server_port(usrv), -1);
	close_server(usrv);
	usrv = NULL;
	assert_int_equal(stat(sockpath, &st), -1);

	snprintf(file, sizeof file, "%s/file", sockdir);
	assert_non_null(f = fopen(file, "w"));
	fclose(f);
	assert_int_equal(http_listen_unix(loop, file, NULL, handler, NULL, &other), -EEXIST);
	assert_int_equal(stat(file, &st), 0);
	unlink(file);

	snprintf(file, sizeof file, "%s/stale", sockdir);
	stale_socket(file);
	assert_int_equal(http_listen_unix(loop, file, NULL, handler, NULL, &other), 0);
	close_server(other);
	assert_int_equal(stat(file, &st), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_with_query),
		cmocka_unit_test(test_post_body_and_headers),
		cmocka_unit_test(test_async_answer),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_body_limit),
		cmocka_unit_test(test_keepalive_reuse),
		cmocka_unit_test(test_abort_when_peer_leaves),
		cmocka_unit_test(test_pipelining_and_garbage),
		cmocka_unit_test(test_request_from_write_callback),
		OVER_UNIX(test_get_with_query),
		OVER_UNIX(test_post_body_and_headers),
		OVER_UNIX(test_async_answer),
		OVER_UNIX(test_stream),
		OVER_UNIX(test_body_limit),
		OVER_UNIX(test_keepalive_reuse),
		OVER_UNIX(test_abort_when_peer_leaves),
		OVER_UNIX(test_request_from_write_callback),
		cmocka_unit_test(test_unix_socket_file),
		cmocka_unit_test(test_refused_before_body),
		cmocka_unit_test(test_check_lowers_limit),
		cmocka_unit_test(test_reason_phrase),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_nofile_raised),
		cmocka_unit_test(test_reserve_503),
	};
	HttpLimits lim = { .max_body = 4096 };
	HttpLimits glim = { .max_body = 4096, .header_ms = 100, .body_ms = 100, .idle_ms = 100, .check = check };
	struct rlimit rl;
	int rc;

	/* lowered here, raised by the first listener */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max > 512) {
		rl.rlim_cur = 512;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	loop = uv_default_loop();
	uv_timer_init(loop, &later_timer);
	if (http_listen(loop, "127.0.0.1", 0, &lim, handler, NULL, &srv) != 0 ||
	    http_listen(loop, "127.0.0.1", 0, &glim, handler, NULL, &gsrv) != 0)
		return 1;
	snprintf(tcp_base, sizeof tcp_base, "http://127.0.0.1:%d", http_server_port(srv));
	snprintf(sockdir, sizeof sockdir, "/tmp/test-http.XXXXXX");
	if (mkdtemp(sockdir) == NULL)
		return 1;
	snprintf(sockpath, sizeof sockpath, "%s/api.sock", sockdir);
	if (http_listen_unix(loop, sockpath, &lim, handler, NULL, &usrv) != 0)
		return 1;
	if (curluv_init(loop, &tcp_cu) != 0 || curluv_init(loop, &unix_cu) != 0)
		return 1;
	curluv_unix_socket(unix_cu, sockpath);
	over_tcp(NULL);
	cmocka_set_message_output(CM_OUTPUT_TAP);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (usrv != NULL)
		close_server(usrv);
	rmdir(sockdir);
	return rc;
}
