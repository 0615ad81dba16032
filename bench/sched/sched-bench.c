/* sched-bench.c — the scheduler alone with a real proxy: sched_submit → done_cb latency and throughput.
 *
 * usage: sched-bench PROXY CODE.b64 KIND RUNS CONCURRENCY [direct]
 * Runs an action whose code is CODE.b64 (a base64 executable), or CODE.js
 * (node source, text), through the scheduler and the local domain, sandbox
 * and all, with CONCURRENCY runs in flight, SCHED_BENCH_PER_CONTAINER (the
 * action's concurrency limit, default 1) at once in each container, and prints "runs N conc C p50_us P p99_us Q per_s R cpu_us U",
 * U being the CPU time this process (the scheduler, the local domain and
 * the harness; not the proxy) spent per run. With "direct" the same runs go
 * straight to one plain proxy through the same HTTP client (no scheduler,
 * no sandbox, no log collection): the baseline the scheduler is measured by.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <uv.h>

#include "container_http.h"
#include "sched.h"

static sched *s;
static run_spec spec;
static uint64_t *lat;
static int runs, conc, issued, done, failed;
static uint64_t t0, t_end;

typedef struct slot {
	uint64_t start;
} slot;

static void submit(slot *sl);

static chttp *direct; /* direct mode: the proxy's endpoint */
static uv_process_t direct_proc;
static char *direct_body;
static int direct_ready;

static void
finished(slot *sl, int ok)
{
	if (!ok)
		failed++;
	lat[done++] = uv_hrtime() - sl->start;
	if (issued < runs)
		submit(sl);
	else
		free(sl);
	if (done == runs)
		t_end = uv_hrtime();
}

static void
direct_done(int err, int status, const char *body, size_t len, void *arg)
{
	(void)body;
	(void)len;
	finished(arg, err == 0 && status == 200);
}

static void
done_cb(run_result *res, void *arg)
{
	slot *sl = arg;

	if (res->status != RUN_SUCCESS && failed < 3)
		fprintf(stderr, "sched-bench: run failed: %s\n", json_dumps(res->result, 0));
	finished(sl, res->status == RUN_SUCCESS);
}

static void
submit(slot *sl)
{
	char id[33];
	int rc;

	snprintf(id, sizeof id, "%032d", issued++);
	spec.activation_id = id;
	sl->start = uv_hrtime();
	if (direct)
		rc = chttp_post(direct, "/run", strdup(direct_body), strlen(direct_body), direct_done, sl);
	else
		rc = sched_submit(s, &spec, done_cb, sl);
	if (rc < 0) {
		fprintf(stderr, "sched-bench: submit: %d\n", rc);
		exit(1);
	}
}

static int
cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0)
		return NULL;
	if ((buf = calloc(1, (size_t)n + 1)) && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void
direct_step(int err, int status, const char *body, size_t len, void *arg)
{
	(void)body;
	(void)len;
	(void)arg;
	direct_ready = err == 0 && (status == 0 || status == 200) ? 1 : -1;
}

/* Start a plain proxy on a free port, wait until it listens, /init it. */
static int
direct_start(uv_loop_t *loop, const char *proxy)
{
	char listen[32], *args[] = { (char *)proxy, "--listen", listen, NULL };
	uv_process_options_t o = { .file = proxy, .args = args };
	uv_stdio_container_t io[3] = { { .flags = UV_IGNORE }, { .flags = UV_IGNORE }, { .flags = UV_IGNORE } };
	json_t *init;
	char *text;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t salen = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port, tries;

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &salen) < 0)
		return -1;
	port = ntohs(sa.sin_port);
	close(fd);

	snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
	o.stdio = io;
	o.stdio_count = 3;
	if (uv_spawn(loop, &direct_proc, &o) < 0 || chttp_new(loop, port, 1 << 20, &direct) < 0)
		return -1;
	for (tries = 0; tries < 1000 && direct_ready != 1; tries++) {
		direct_ready = 0;
		usleep(1000);
		chttp_probe(direct, direct_step, NULL);
		while (!direct_ready)
			uv_run(loop, UV_RUN_ONCE);
	}
	init = json_pack("{s:{s:s,s:s,s:s,s:b,s:{},s:s}}", "value", "name", "bench", "main", "main", "code", spec.code,
	                 "binary", spec.binary, "env", "kind", spec.kind);
	text = json_dumps(init, JSON_COMPACT);
	json_decref(init);
	direct_ready = 0;
	chttp_post(direct, "/init", text, strlen(text), direct_step, NULL);
	while (!direct_ready)
		uv_run(loop, UV_RUN_ONCE);
	direct_body = strdup("{\"value\":{},\"deadline\":\"99999999999999\",\"namespace\":\"guest\","
	                     "\"action_name\":\"/guest/bench\",\"activation_id\":\"0\",\"transaction_id\":\"0\"}");
	return direct_ready == 1 ? 0 : -1;
}

/* CPU time of this process so far, in µs. */
static double
cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec;
}

/* Run n runs with c in flight; returns when all are done. */
static void
round_of(uv_loop_t *loop, int n, int c)
{
	int i;

	runs = n;
	issued = done = 0;
	lat = realloc(lat, sizeof *lat * (size_t)n);
	t0 = uv_hrtime();
	for (i = 0; i < c && issued < runs; i++)
		submit(calloc(1, sizeof(slot)));
	while (done < runs)
		uv_run(loop, UV_RUN_ONCE);
}

int
main(int argc, char **argv)
{
	uv_loop_t *loop = uv_default_loop();
	char run_dir[64];
	sched_config cfg = { 0 };
	double cpu0, cpu;
	int n;

	if (argc != 6 && !(argc == 7 && strcmp(argv[6], "direct") == 0)) {
		fprintf(stderr, "usage: sched-bench PROXY CODE.b64 KIND RUNS CONCURRENCY [direct]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN); /* as the backend: a write to a gone proxy is an error, not death */
	snprintf(run_dir, sizeof run_dir, "/tmp/sched-bench-%d", (int)getpid());
	cfg.proxy_path = argv[1];
	cfg.run_dir = run_dir;
	cfg.sandbox = 1;
	cfg.stemcells = -1;
	n = atoi(argv[4]);
	conc = atoi(argv[5]);
	spec = (run_spec){ .ns = "guest",
		           .path = "guest/bench",
		           .name = "bench",
		           .version = "0.0.1",
		           .kind = argv[3],
		           .code = slurp(argv[2]),
		           .binary = 1,
		           .limits = { 60000, 256, 10, 1 },
		           .params = json_object(),
		           .api_host = "http://127.0.0.1:1" };
	if (strlen(argv[2]) > 3 && strcmp(argv[2] + strlen(argv[2]) - 3, ".js") == 0)
		spec.binary = 0;
	if (getenv("SCHED_BENCH_PER_CONTAINER"))
		spec.limits.concurrency = atoi(getenv("SCHED_BENCH_PER_CONTAINER"));
	if (!spec.code || (argc == 7 ? direct_start(loop, argv[1]) : sched_new(loop, &cfg, &s)) < 0) {
		fprintf(stderr, "sched-bench: cannot start\n");
		return 1;
	}
	round_of(loop, conc * 4, conc); /* start and warm the containers */
	cpu0 = cpu_us();
	round_of(loop, n, conc);
	cpu = cpu_us() - cpu0;
	qsort(lat, (size_t)n, sizeof *lat, cmp);
	printf("runs %d conc %d p50_us %.1f p99_us %.1f per_s %.0f cpu_us %.1f\n", n, conc, lat[n / 2] / 1e3,
	       lat[n * 99 / 100] / 1e3, n / ((t_end - t0) / 1e9), cpu / n);
	if (s)
		sched_free(s);
	if (direct)
		uv_process_kill(&direct_proc, SIGKILL);
	uv_run(loop, UV_RUN_NOWAIT);
	rmdir(run_dir);
	return failed ? 1 : 0;
}
