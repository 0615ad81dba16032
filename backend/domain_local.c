/* domain_local.c — the local execution domain: faasfs-proxy processes in sandboxes on this host.
 *
 * A container here is one proxy process started by sandbox.c, listening on
 * the Unix socket proxy.sock in the container's own folder, with its stdout
 * and stderr on pipes that container_logs.c reads. The socket, not a port on
 * 127.0.0.1: a round trip costs less than over loopback TCP, and the folder
 * (bind-mounted at the same path in the sandbox) is hidden from every other
 * container, so no other function even finds the socket. When that path
 * does not fit a socket address (a long data directory), the proxy listens
 * on 127.0.0.1:PORT instead, a port of our block (free_port) that any local
 * process could reach; the proxy's token guards both.
 *
 * We know the proxy is up when a connection to it succeeds (we retry every
 * millisecond for PROBE_FAST_MS, then every 10 ms up to START_MS); that first
 * connection is kept for the first call. We learn that the process ended
 * from its pidfd.
 *
 * A call is an HTTP POST (container_http.c) plus, for a run, a log sink. It
 * ends when both the answer and the run's two sentinels have come; if the
 * answer comes and the sentinels do not within LOG_GRACE_MS, the logs end
 * with OpenWhisk's "There was an issue while collecting your logs" line. A
 * lost connection ends the call at once with the logs so far.
 *
 * Sentinels name no activation: a pair ends the oldest sink still
 * collecting (container_logs.c). With many runs in flight that may be one
 * still running while the run the pair came after has answered, and that
 * one would wait for a later pair, or the grace, and lose its logs. So a
 * call ended before its answer waits on x->early, an answered call whose
 * sink is not done on x->waiting, and the two meet: the answered call
 * takes the ended sink's place (clogs_swap), the other goes back to
 * collecting. Each answer thus ends its call as soon as as many pairs as
 * answers have come, whichever runs they were.
 *
 * When the process is gone, calls in flight end with an error, then the
 * scheduler hears container_down() exactly once, after every call has ended.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container_http.h"
#include "container_logs.h"
#include "domain.h"
#include "fns.h"
#include "log.h"
#include "sandbox.h"

enum {
	START_MS = 10000,    /* the proxy must listen within this */
	PROBE_FAST_MS = 200, /* try to connect every ms this long, then every 10 ms */
	PORT_FIRST = 20000,  /* 64 blocks of ports up to 32767, below the ephemeral range */
	PORTS_PER_BLOCK = 199,
	LOG_GRACE_MS = 1000,  /* sentinels may trail the answer by this much */
	RESULT_MAX = 4 << 20, /* longest answer we take from a proxy */
	TOKEN_HEX = 32,       /* a container's secret: 128 bits */
};

#define PYTHON "/usr/bin/python3" /* the proxy's default --python */
#define NODE "/usr/bin/node"      /* and --node */

struct Domain {
	uv_loop_t *loop;
	SandboxHost *host;
	int shells; /* keep shells (sandbox_shell.c): not with --no-zygote */
	char proxy[PATH_MAX];
	char node_launcher[PATH_MAX + 32]; /* launchers/launcher.js beside the proxy */
	LIST_HEAD(, Lct) all;              /* every container of the domain */
	unsigned next_port;
	const char *fill[4]; /* kinds of shells to make ahead (shell_kind's), once... */
	int nfill;           /* ...the backend is quiet (local_quiet, fill_cb) */
	int net_fill;        /* and networks */
	int fill_wait_ms;    /* or this long at the latest (SchedConfig.stem_wait_ms) */
	uv_timer_t *filler;  /* its own allocation: closed by local_close */
	int closing;
};

typedef struct Lct {
	Container *c;
	Domain *d;
	LIST_ENTRY(Lct) link; /* on d->all */
	Sandbox sb;
	uv_poll_t exitw;
	uv_timer_t probe;
	Clogs *logs;
	Chttp *http;
	char sock[sizeof((struct sockaddr_un *)0)->sun_path]; /* the proxy's socket, or "" */
	int port;                                             /* else its port on 127.0.0.1 */
	int64_t probe_fast;                                   /* retry every millisecond until then */
	int64_t probe_until;
	int up; /* container_up() called */
	int exited;
	int handles;                     /* exitw and probe not yet closed */
	int calls;                       /* calls not yet ended */
	TAILQ_HEAD(lcallq, Lcall) early; /* sentinels come, no answer yet */
	struct lcallq waiting;           /* answered, no sentinels yet */
	int down;
	char why[160];
	char token[TOKEN_HEX + 1]; /* the proxy's FAASFS_PROXY_TOKEN */
} Lct;

typedef struct Lcall {
	Lct *x;
	domain_reply_cb cb;
	void *arg;
	Logsink sink;
	int collecting;
	int replied;
	int err, status;
	char *body;
	size_t len;
	uv_timer_t grace;
	int grace_on;
	TAILQ_ENTRY(Lcall) qlink; /* on x->early or x->waiting */
	int onq;                  /* Q_EARLY, Q_WAITING or 0 */
} Lcall;

enum { Q_EARLY = 1, Q_WAITING };

/* ---- calls ---- */

static void
unqueue(Lcall *k)
{
	if (k->onq == Q_EARLY)
		TAILQ_REMOVE(&k->x->early, k, qlink);
	else if (k->onq == Q_WAITING)
		TAILQ_REMOVE(&k->x->waiting, k, qlink);
	k->onq = 0;
}

static void
enqueue(Lcall *k, int q)
{
	TAILQ_INSERT_TAIL(q == Q_EARLY ? &k->x->early : &k->x->waiting, k, qlink);
	k->onq = q;
}

static void
call_free(uv_handle_t *h)
{
	free(h->data);
}

static void lct_maybe_down(Lct *x);

/* The call is over: tell the scheduler, with body borrowed or kept. */
static void
call_end(Lcall *k, const char *body, size_t len)
{
	DomainReply r = { .err = k->err,
		          .status = k->status,
		          .body = body ? body : "",
		          .len = len,
		          .logs = k->collecting ? k->sink.lines : NULL };
	Lct *x = k->x;

	unqueue(k);
	if (k->collecting && x->logs)
		clogs_remove(x->logs, &k->sink);
	k->cb(x->c, &r, k->arg);
	if (k->collecting)
		json_decref(k->sink.lines);
	free(k->body);
	x->calls--;
	if (k->grace_on)
		uv_close((uv_handle_t *)&k->grace, call_free);
	else
		free(k);
	lct_maybe_down(x);
}

static void
grace_cb(uv_timer_t *t)
{
	Lcall *k = t->data;

	logsink_note(&k->sink, "stderr", "There was an issue while collecting your logs. Data might be missing.");
	call_end(k, k->body, k->len);
}

/* The answered call w takes the ended sink of e, whose answer has not come. */
static void
take_sentinels(Lcall *w, Lcall *e)
{
	unqueue(e);
	clogs_swap(w->x->logs, &e->sink, &w->sink);
}

static void
sink_cb(Logsink *s, void *arg)
{
	Lcall *k = arg, *w;

	(void)s;
	if (!k->replied && (w = TAILQ_FIRST(&k->x->waiting)) == NULL) {
		enqueue(k, Q_EARLY);
		return;
	}
	if (!k->replied)
		take_sentinels(w, k); /* the pair was w's */
	else
		w = k;
	if (w->grace_on)
		uv_timer_stop(&w->grace);
	call_end(w, w->body, w->len);
}

/* A run's line as it comes, for the scheduler's run (the call's arg). */
static void
sink_line(const json_t *line, void *arg)
{
	Lcall *k = arg;

	run_log_line(k->arg, line);
}

static void
http_cb(int err, int status, const char *body, size_t len, void *arg)
{
	Lcall *k = arg;

	k->replied = 1;
	k->err = err;
	k->status = status;
	if (!err && k->collecting && !logsink_done(&k->sink) && !TAILQ_EMPTY(&k->x->early) && k->x->logs)
		take_sentinels(k, TAILQ_FIRST(&k->x->early));
	if (err || !k->collecting || logsink_done(&k->sink)) {
		call_end(k, body, len);
		return;
	}
	/* the sentinels have not come yet: keep the answer and wait a little */
	k->body = emalloc(len + 1);
	memcpy(k->body, body, len);
	k->body[len] = '\0';
	k->len = len;
	enqueue(k, Q_WAITING);
	k->grace.data = k;
	uv_timer_init(k->x->d->loop, &k->grace);
	k->grace_on = 1;
	uv_timer_start(&k->grace, grace_cb, LOG_GRACE_MS, 0);
}

static int
local_call(Container *c, const char *path, char *body, size_t len, long logs_limit, domain_reply_cb cb, void *arg)
{
	Lct *x = c->priv;
	Lcall *k;
	int rc;

	if (x->exited || !x->http) {
		free(body);
		return -ESRCH;
	}
	k = ecalloc(1, sizeof *k);
	k->x = x;
	k->cb = cb;
	k->arg = arg;
	if (logs_limit >= 0) {
		logsink_init(&k->sink, (size_t)logs_limit, sink_cb, k);
		k->sink.line_cb = sink_line;
		clogs_add(x->logs, &k->sink);
		k->collecting = 1;
	}
	if ((rc = chttp_post(x->http, path, body, len, http_cb, k)) < 0) {
		if (k->collecting) {
			clogs_remove(x->logs, &k->sink);
			json_decref(k->sink.lines);
		}
		free(body);
		free(k);
		return rc;
	}
	x->calls++;
	return 0;
}

/* ---- the process ---- */

static void
handle_closed(uv_handle_t *h)
{
	Lct *x = h->data;

	x->handles--;
	lct_maybe_down(x);
}

static void
lct_maybe_down(Lct *x)
{
	Container *c = x->c;

	if (!x->exited || x->calls > 0 || x->handles > 0 || x->down)
		return;
	x->down = 1;
	sandbox_release(x->d->host, &x->sb);
	if (!x->up) {
		x->up = 1;
		container_up(c, -ESRCH, x->why);
	}
	c->priv = NULL;
	LIST_REMOVE(x, link);
	container_down(c, x->why);
	free(x);
}

static void
describe_exit(Lct *x, int status)
{
	if (sandbox_failure(&x->sb, x->why, sizeof x->why))
		log_error("%s: %s", x->c->name, x->why);
	else if (WIFEXITED(status))
		snprintf(x->why, sizeof x->why, "the container exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(x->why, sizeof x->why, "the container was killed by signal %d%s", WTERMSIG(status),
		         sandbox_oom(&x->sb) ? " (out of memory)" : "");
}

/* The proxy process ended: everything about it ends now. */
static void
lct_exited(Lct *x, int status)
{
	if (x->exited)
		return;
	x->exited = 1;
	if (!x->why[0])
		describe_exit(x, status);
	if (!uv_is_closing((uv_handle_t *)&x->exitw))
		uv_close((uv_handle_t *)&x->exitw, handle_closed);
	if (!uv_is_closing((uv_handle_t *)&x->probe))
		uv_close((uv_handle_t *)&x->probe, handle_closed);
	if (x->http)
		chttp_close(x->http);
	x->http = NULL;
	if (x->logs)
		clogs_close(x->logs);
	x->logs = NULL;
	lct_maybe_down(x);
}

static void
exit_cb(uv_poll_t *p, int status, int events)
{
	Lct *x = p->data;
	int ws = 0;

	(void)status;
	(void)events;
	if (sandbox_reap(&x->sb, &ws))
		lct_exited(x, ws);
}

static void probe_timer_cb(uv_timer_t *t);

static void
probe_cb(int err, int status, const char *body, size_t len, void *arg)
{
	Lct *x = arg;

	(void)status;
	(void)body;
	(void)len;
	x->calls--;
	if (x->exited || x->up) {
		lct_maybe_down(x);
		return;
	}
	if (err == 0) {
		x->up = 1;
		container_up(x->c, 0, NULL);
		return;
	}
	if (uv_now(x->d->loop) >= (uint64_t)x->probe_until) {
		snprintf(x->why, sizeof x->why, "the proxy did not listen within %d ms", START_MS);
		sandbox_kill(&x->sb);
		return;
	}
	uv_timer_start(&x->probe, probe_timer_cb, uv_now(x->d->loop) < (uint64_t)x->probe_fast ? 1 : 10, 0);
}

static void
probe_start(Lct *x)
{
	if (x->exited || !x->http)
		return;
	if (chttp_probe(x->http, probe_cb, x) < 0)
		sandbox_kill(&x->sb);
	else
		x->calls++; /* x stays until the probe has ended */
}

static void
probe_timer_cb(uv_timer_t *t)
{
	probe_start(t->data);
}

/* port (0: any) if it is free on 127.0.0.1 now and not given to a
 * container of ours (a proxy may not have bound it yet), else 0. */
static int
port_free(Domain *d, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
		                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		                  .sin_port = htons((uint16_t)port) };
	socklen_t len = sizeof sa;
	Lct *x;
	int fd, ok;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && getsockname(fd, (struct sockaddr *)&sa, &len) == 0;
	close(fd);
	if (!ok)
		return 0;
	LIST_FOREACH(x, &d->all, link)
		if (x->port == ntohs(sa.sin_port))
			return 0;
	return ntohs(sa.sin_port);
}

/* A port for a new proxy. With a block of our own (see sandbox_host_block)
 * it comes from PORTS_PER_BLOCK ports below the kernel's ephemeral range
 * that no other backend uses, so a proxy can never answer for another
 * backend's container; else one the kernel gives. */
static int
free_port(Domain *d)
{
	int block = sandbox_host_block(d->host), i, port;

	for (i = 0; block >= 0 && i < PORTS_PER_BLOCK; i++) {
		port = PORT_FIRST + block * PORTS_PER_BLOCK + (d->next_port++ % PORTS_PER_BLOCK);
		if (port_free(d, port))
			return port;
	}
	for (i = 0; i < 8; i++)
		if ((port = port_free(d, 0)) > 0)
			return port;
	return -EADDRNOTAVAIL;
}

/* Where the proxy is to listen, as its --listen: the socket in its folder,
 * or a port when the socket's path is too long for an address. */
static int
listen_where(Domain *d, Lct *x, char *listen, size_t len)
{
	int n = snprintf(x->sock, sizeof x->sock, "%s/proxy.sock", x->sb.workdir);

	if (n > 0 && (size_t)n < sizeof x->sock) {
		snprintf(listen, len, "unix:%s", x->sock);
		return 0;
	}
	x->sock[0] = '\0';
	if ((x->port = free_port(d)) < 0)
		return x->port;
	snprintf(listen, len, "127.0.0.1:%d", x->port);
	return 0;
}

/* The environment of every proxy, and of a stem cell's launcher, which the
 * proxy starts with its PATH and __OW_WAIT_FOR_ACK (python's zygote starts
 * with the same, so the launchers it forks have it too). */
#define CONTAINER_PATH "PATH=/usr/local/bin:/usr/bin:/bin"
static char *const stem_env[] = { CONTAINER_PATH, "__OW_WAIT_FOR_ACK=1", NULL };
/* A node shell's launcher also takes ahead the paths of its first init and
 * run (FAASFS_WARM, which it takes out of its environment: launcher.js). */
static char *const node_shell_env[] = { CONTAINER_PATH, "__OW_WAIT_FOR_ACK=1", "FAASFS_WARM=1", NULL };

/* Is kind family ("python") or a version of it ("python:3")? */
static int
of_family(const char *kind, const char *family)
{
	size_t n = strlen(family);

	return strncmp(kind, family, n) == 0 && (kind[n] == '\0' || kind[n] == ':');
}

/* The kind whose zygote starts a container of kind (python:3...), or NULL. */
static const char *
zygote_kind(const char *kind)
{
	return of_family(kind, "python") ? "python" : NULL;
}

/* The kind of shells a container of kind starts in: its zygote's, node's
 * (its launcher started anew), or NULL (none). */
static const char *
shell_kind(Domain *d, const char *kind)
{
	if (!d->shells)
		return NULL;
	if (zygote_kind(kind))
		return zygote_kind(kind);
	return of_family(kind, "nodejs") && d->node_launcher[0] ? "nodejs" : NULL;
}

/* Make ahead what the starts took: shells of the kinds in d->fill (node's
 * launcher runs as the proxy runs a stem cell's, "node launchers/launcher.js")
 * and networks. */
static void
fill_cb(uv_timer_t *t)
{
	Domain *d = t->data;
	char *node[] = { NODE, d->node_launcher, NULL };
	const char *k;

	while (d->nfill > 0) {
		k = d->fill[--d->nfill];
		sandbox_shell_fill(d->host, k, d->proxy, zygote_kind(k) ? NULL : node,
		                   zygote_kind(k) ? stem_env : node_shell_env);
	}
	if (d->net_fill)
		sandbox_net_fill(d->host);
	d->net_fill = 0;
}

/* After the start of x: its shell's and its network's replacements, made
 * when the backend is quiet (local_quiet), or fill_wait_ms from now at the
 * latest (steady load has no gap): made at once, a shell (the zygote's
 * answer on the loop's thread, the launcher's CPU) and a network (unshare,
 * spawning slirp4netns) would delay the answer of the run this start's
 * stem cell is serving. */
static void
fill_later(Domain *d, Lct *x)
{
	const char *k = shell_kind(d, x->c->kind);
	int i;

	for (i = 0; i < d->nfill && k && d->fill[i] != k; i++)
		;
	if (k && x->sock[0] && i == d->nfill && d->nfill < (int)(sizeof d->fill / sizeof *d->fill))
		d->fill[d->nfill++] = k; /* a shell's network cannot become the host's: not after a port */
	d->net_fill = 1;
	if (d->closing)
		return;
	if (!sched_busy(x->c->s))
		uv_timer_start(d->filler, fill_cb, 0, 0); /* on the loop's next turn */
	else if (!uv_is_active((uv_handle_t *)d->filler))
		uv_timer_start(d->filler, fill_cb, (uint64_t)d->fill_wait_ms, 0);
}

/* The backend has nothing in flight (sched_quiet): what fill_later put off
 * is made now, after the stem cells the scheduler started first. */
static void
local_quiet(Domain *d)
{
	if (uv_is_active((uv_handle_t *)d->filler)) {
		uv_timer_stop(d->filler);
		fill_cb(d->filler);
	}
}

/* Python's zygote: proxy/launchers/zygote.py, and its C half built beside
 * our binary, backend/zygote/faasfs-zygote.so; python as the proxy runs it. */
static void
zygote_open(Domain *d)
{
	char script[PATH_MAX + 32], so[PATH_MAX + 32], exe[PATH_MAX], *slash;
	ssize_t n;
	int rc;

	snprintf(script, sizeof script, "%s", d->proxy);
	if ((slash = strrchr(script, '/')))
		snprintf(slash, sizeof script - (size_t)(slash - script), "/launchers/zygote.py");
	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) < 0)
		return;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')))
		*slash = '\0';
	snprintf(so, sizeof so, "%s/zygote/faasfs-zygote.so", exe);
	if ((rc = sandbox_zygote_open(d->host, "python", PYTHON, script, so, stem_env)) < 0)
		log_warn("sandbox: no python zygote (%s: %s): python containers start their interpreter",
		         rc == -ENOENT ? "missing" : "cannot start", rc == -ENOENT ? so : strerror(-rc));
	else
		log_info("sandbox: python containers are forked from a zygote (%s)", script);
}

/* Node's launcher, launchers/launcher.js beside the proxy, for its shells. */
static void
node_launcher(Domain *d)
{
	char *slash;

	snprintf(d->node_launcher, sizeof d->node_launcher, "%s", d->proxy);
	if ((slash = strrchr(d->node_launcher, '/')))
		snprintf(slash, sizeof d->node_launcher - (size_t)(slash - d->node_launcher), "/launchers/launcher.js");
	if (access(d->node_launcher, R_OK) < 0 || access(NODE, X_OK) < 0)
		d->node_launcher[0] = '\0';
}

static int
lct_spawn(Domain *d, Lct *x)
{
	char listen[sizeof "unix:" + sizeof x->sock], err[256], token[sizeof "FAASFS_PROXY_TOKEN=" + TOKEN_HEX];
	char *argv[] = { d->proxy,   "--listen",  listen,  "--workdir", x->sb.workdir, "--kind",
		         x->c->kind, "--verbose", "--log", "proxy.log", NULL };
	char *envp[] = { CONTAINER_PATH, "HOME=/tmp", "TMPDIR=/tmp", "LANG=C.UTF-8", token, NULL };
	SandboxSpec sp = { .exe = d->proxy, .argv = argv, .envp = envp, .zygote = zygote_kind(x->c->kind) };
	int rc = 0, shell = 0;

	if (!x->c->debug) /* a debug action's proxy logs verbosely to proxy.log (sched_hold.c) */
		argv[7] = NULL;
	if (!x->c->kind[0])
		memmove(argv + 5, argv + 7, 4 * sizeof *argv);
	/* on a port, other functions share the host's loopback; on the socket,
	 * the function itself can reach its proxy: only we know this secret */
	random_hex(x->token, TOKEN_HEX);
	snprintf(token, sizeof token, "FAASFS_PROXY_TOKEN=%s", x->token);
	if (sandbox_shell_take(d->host, &x->sb, shell_kind(d, x->c->kind), x->c->memory_mb) == 0) {
		shell = 1;
		if (listen_where(d, x, listen, sizeof listen) < 0 || !x->sock[0]) {
			sandbox_shell_discard(d->host, &x->sb); /* a port of ours must be on the host's loopback */
			shell = 0;
		}
	}
	if (!shell && (rc = sandbox_prepare(d->host, &x->sb, x->c->memory_mb, err, sizeof err)) < 0) {
		log_error("%s: %s", x->c->name, err);
		return rc;
	}
	if (x->c->cpu_millis >= 0 && (rc = sandbox_set_cpu(d->host, &x->sb, x->c->cpu_millis)) < 0) {
		log_error("%s: cannot set its CPU quota to %d thousandths of a core: %s", x->c->name, x->c->cpu_millis,
		          strerror(-rc));
		sandbox_release(d->host, &x->sb);
		return rc;
	}
	if (!shell && (rc = listen_where(d, x, listen, sizeof listen)) == 0 && !x->sock[0])
		sandbox_net_off(d->host, &x->sb); /* a port of ours must be on the host's loopback */
	if (rc < 0 || (rc = clogs_open(d->loop, &x->logs, &sp.out_fd, &sp.err_fd)) < 0) {
		sandbox_release(d->host, &x->sb);
		return rc;
	}
	rc = sandbox_spawn(d->host, &x->sb, &sp, err, sizeof err);
	close(sp.out_fd);
	close(sp.err_fd);
	if (rc < 0) {
		log_error("%s: %s", x->c->name, err);
		clogs_close(x->logs);
		x->logs = NULL;
	}
	return rc;
}

static int
local_start(Domain *d, Container *c)
{
	Lct *x;
	int rc;

	x = ecalloc(1, sizeof *x);
	x->c = c;
	x->d = d;
	TAILQ_INIT(&x->early);
	TAILQ_INIT(&x->waiting);
	c->priv = x;
	if ((rc = lct_spawn(d, x)) < 0) {
		c->priv = NULL;
		free(x);
		return rc;
	}
	rc = x->sock[0] ? chttp_new_unix(d->loop, x->sock, RESULT_MAX, &x->http)
	                : chttp_new(d->loop, x->port, RESULT_MAX, &x->http);
	if (rc == 0 && (rc = chttp_token(x->http, x->token)) < 0)
		chttp_close(x->http);
	if (rc < 0) {
		sandbox_kill(&x->sb);
		waitpid(x->sb.pid, NULL, 0);
		sandbox_release(d->host, &x->sb);
		clogs_close(x->logs);
		c->priv = NULL;
		free(x);
		return rc;
	}
	LIST_INSERT_HEAD(&d->all, x, link);
	uv_poll_init(d->loop, &x->exitw, x->sb.pidfd);
	uv_timer_init(d->loop, &x->probe);
	x->exitw.data = x->probe.data = x;
	x->handles = 2;
	uv_poll_start(&x->exitw, UV_READABLE, exit_cb);
	x->probe_fast = (int64_t)uv_now(d->loop) + PROBE_FAST_MS;
	x->probe_until = (int64_t)uv_now(d->loop) + START_MS;
	probe_start(x);
	fill_later(d, x);
	return 0;
}

static void
local_stop(Container *c)
{
	Lct *x = c->priv;

	if (x && !x->exited)
		sandbox_kill(&x->sb);
}

static int
local_resize(Container *c, int memory_mb)
{
	Lct *x = c->priv;

	return x ? sandbox_set_memory(x->d->host, &x->sb, memory_mb) : -ESRCH;
}

static int
local_oom(Container *c)
{
	Lct *x = c->priv;

	return x ? sandbox_oom(&x->sb) : 0;
}

static int
local_open(uv_loop_t *loop, const SchedConfig *cfg, Domain **out, char *err, size_t elen)
{
	Domain *d;
	char warn[256];
	int rc;

	d = ecalloc(1, sizeof *d);
	d->loop = loop;
	if (!realpath(cfg->proxy_path, d->proxy))
		snprintf(d->proxy, sizeof d->proxy, "%s", cfg->proxy_path);
	if ((rc = sandbox_host_new(cfg->run_dir, cfg->socket_path, cfg->sandbox, &d->host, warn, sizeof warn)) < 0) {
		snprintf(err, elen, "run directory %s: %s", cfg->run_dir, strerror(-rc));
		free(d);
		return rc;
	}
	if (warn[0])
		log_warn("sandbox: %s", warn);
	d->filler = emalloc(sizeof *d->filler);
	uv_timer_init(loop, d->filler);
	d->filler->data = d;
	d->fill_wait_ms = cfg->stem_wait_ms;
	sandbox_host_cpu(d->host, cfg->cpu_millis);
	sandbox_host_net(d->host, cfg->network, cfg->api_port, cfg->api_open, cfg->api_close, cfg->api_arg);
	if (!cfg->no_zygote)
		zygote_open(d);
	d->shells = !cfg->no_zygote;
	node_launcher(d);
	*out = d;
	return 0;
}

/* The backend stops: every container goes now, with its files. */
static void
local_shutdown(Domain *d)
{
	Lct *x;

	d->closing = 1; /* nothing more made ahead */
	uv_timer_stop(d->filler);
	LIST_FOREACH(x, &d->all, link)
		sandbox_kill_wait(&x->sb);
	sandbox_host_shutdown(d->host);
}

static void
filler_closed(uv_handle_t *h)
{
	free(h);
}

static void
local_close(Domain *d)
{
	uv_close((uv_handle_t *)d->filler, filler_closed);
	sandbox_host_free(d->host);
	free(d);
}

static const char *
local_workdir(Container *c)
{
	Lct *x = c->priv;

	return x && !x->exited ? x->sb.workdir : NULL;
}

static const char *
local_describe(Domain *d)
{
	return sandbox_host_describe(d->host);
}

const DomainOps domain_local_ops = {
	.name = "local",
	.stemcells = 1,
	.open = local_open,
	.close = local_close,
	.describe = local_describe,
	.start = local_start,
	.call = local_call,
	.resize = local_resize,
	.stop = local_stop,
	.oom = local_oom,
	.shutdown = local_shutdown,
	.workdir = local_workdir,
	.quiet = local_quiet,
};
