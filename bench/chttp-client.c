/* chttp-client.c — instructions per warm /run through the backend's own client (backend/container_http.c) and through curluv (lib/curluv.c).
 *
 *   chttp-client chttp|curluv SOCKET N
 *
 * Sends 100 warm-up POST /run to a proxy on the Unix socket SOCKET (an
 * action initialised there), then N more, one at a time on one keep-alive
 * connection, as the local domain does; under valgrind --tool=callgrind
 * --collect-atstart=no only the N are counted (the client's side alone:
 * the proxy is another process). bench/chttp-curluv runs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <valgrind/callgrind.h>

#include "container_http.h"
#include "curluv.h"

static const char body[] =
        "{\"value\":{\"name\":\"bench\",\"n\":42},\"namespace\":\"guest\",\"action_name\":\"/guest/echo\","
        "\"activation_id\":\"0123456789abcdef0123456789abcdef\",\"deadline\":\"4102444800000\","
        "\"transaction_id\":\"bench\"}";
static const char *const hdrs[] = { "Content-Type: application/json", NULL };
static int left, warm, failed, use_curl;
static Chttp *h;
static Curluv *cu;

static void next(void);

static void
counted(int ok)
{
	if (!ok)
		failed++;
	if (warm > 0 && --warm == 0)
		CALLGRIND_START_INSTRUMENTATION;
	if (left-- > 0) {
		next();
		return;
	}
	CALLGRIND_STOP_INSTRUMENTATION;
	uv_stop(uv_default_loop());
}

static void
chttp_done(int err, int status, const char *b, size_t len, void *arg)
{
	(void)b, (void)len, (void)arg;
	counted(err == 0 && status == 200);
}

static void
curl_done(CurluvResp *r, void *arg)
{
	(void)arg;
	counted(r->rc == 0 && r->status == 200);
}

static void
next(void)
{
	int rc;

	if (use_curl)
		rc = curluv_request(cu, "POST", "http://localhost/run", hdrs, body, sizeof body - 1, 0, curl_done,
		                    NULL);
	else
		rc = chttp_post(h, "/run", strdup(body), sizeof body - 1, chttp_done, NULL);
	if (rc) {
		fprintf(stderr, "request: %d\n", rc);
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	uv_loop_t *loop = uv_default_loop();

	if (argc != 4)
		return fprintf(stderr, "usage: chttp-client chttp|curluv SOCKET N\n"), 2;
	use_curl = strcmp(argv[1], "curluv") == 0;
	left = atoi(argv[3]);
	warm = 100;
	if (use_curl ? curluv_init(loop, &cu) || curluv_unix_socket(cu, argv[2])
	             : chttp_new_unix(loop, argv[2], 1 << 20, &h))
		return fprintf(stderr, "client: cannot start\n"), 1;
	next();
	uv_run(loop, UV_RUN_DEFAULT);
	printf("%s: %d calls, %d failed\n", argv[1], atoi(argv[3]) + 100, failed);
	return failed != 0;
}
