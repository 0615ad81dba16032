/* main.c — faasfs-backend: options, the store, the scheduler, the HTTP server, the loop.
 *
 * Start-up order matters: the store is opened (and migrated) first, any
 * activation left running by a previous process is marked failed, the
 * guest namespace is made if needed, then the scheduler and the HTTP
 * server start. SIGINT/SIGTERM stop the server, the containers and the
 * store in that order, committing whatever is queued.
 *
 * The API is served on TCP (--listen) and, for local clients, on a
 * Unix-domain socket (--socket, DATA/api.sock by default), where a round
 * trip costs less; both are the same server, key required.
 *
 * `faasfs-backend --add-namespace NAME` makes a namespace in the store of
 * --data and prints its credential "uuid:key"; `--set-limits NAME` with
 * quota options sets that namespace's own quotas (quota.c). Both may run
 * while a daemon uses the same store.
 *
 * Started by systemd with Type=notify (deploy/systemd), it says READY=1 on
 * $NOTIFY_SOCKET once both listeners serve and the guest key is written, so
 * a mount ordered after it finds both (the protocol of sd_notify(3), a
 * datagram, without linking libsystemd).
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fns.h"
#include "log.h"
#include "sandbox.h"

enum { PRUNE_BATCH = 50000, KEEP_EVENTS = 100000 };

/* The API's Unix socket: --socket PATH, "" for none (--socket none). Kept
 * here, not in options: only start-up and shutdown need it. */
static char socket_path[1024];
static int socket_asked; /* given with --socket, not the default */
static HttpServer *socket_srv;

static void
usage(FILE *f)
{
	fprintf(f, "usage: faasfs-backend [--listen HOST:PORT] [--socket PATH|none] [--data DIR] [--proxy PATH]\n"
	           "         [--run-dir DIR] [--no-sandbox] [--idle SECONDS] [--stemcells N] [--max-containers N]\n"
	           "         [--max-memory MB] [--queue N] [--keep-activations N] [--keep-days N]\n"
	           "         [--prune-every SECONDS] [--max-payload BYTES] [--watch-root DIR]... [--metrics "
	           "key|open|socket]\n"
	           "         [--cpu-limit CORES] [--network outbound|isolated|host] [--no-zygote] [--sync-full]\n"
	           "         [--verbose] [--concurrent-invocations N] [--invocations-per-minute N]\n"
	           "         [--fires-per-minute N]\n"
	           "         [--max-starts N] [--short-run MS] [--pool NAME:cpu=CORES,containers=N,memory=MB]... "
	           "[--scheduler "
	           "[NS=]NAME]...\n"
	           "       faasfs-backend [--data DIR] --add-namespace NAME\n"
	           "       faasfs-backend [--data DIR] --set-limits NAME [--concurrent-invocations N|default]\n"
	           "         [--invocations-per-minute N|default] [--fires-per-minute N|default]\n");
}

static int
mkdirs(const char *path, mode_t mode)
{
	char buf[1024], *p;

	snprintf(buf, sizeof buf, "%s", path);
	for (p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(buf, 0755) && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

static void
default_paths(Options *o)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char exe[PATH_MAX];
	ssize_t n;

	if (xdg && *xdg)
		snprintf(o->data_dir, sizeof o->data_dir, "%s/faasfs", xdg);
	else
		snprintf(o->data_dir, sizeof o->data_dir, "%s/.local/share/faasfs", home ? home : "/tmp");
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	snprintf(o->proxy_path, sizeof o->proxy_path, "%s/../proxy/faasfs-proxy", n > 0 ? dirname(exe) : ".");
}

static int
parse_listen(Options *o, char *arg)
{
	char *colon = strrchr(arg, ':');
	int64_t port;

	if (!colon || num_int(colon + 1, 0, 65535, &port))
		return -EINVAL;
	*colon = 0;
	o->listen_host = arg;
	o->listen_port = (int)port;
	return 0;
}

static int
number(const char *arg, int *out)
{
	int64_t v;
	if (num_int(arg, 0, INT_MAX, &v))
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/* --watch-root DIR: a directory under which files/changes may watch. */
static int
watch_root(Options *o, const char *dir)
{
	char real[PATH_MAX];

	if (o->nwatch_roots == (int)(sizeof o->watch_roots / sizeof o->watch_roots[0])) {
		fprintf(stderr, "faasfs-backend: at most %d --watch-root\n", o->nwatch_roots);
		return -EINVAL;
	}
	if (!realpath(dir, real) || strlen(real) >= sizeof o->watch_roots[0]) {
		fprintf(stderr, "faasfs-backend: --watch-root %s: %s\n", dir, strerror(errno));
		return -EINVAL;
	}
	snprintf(o->watch_roots[o->nwatch_roots++], sizeof o->watch_roots[0], "%s", real);
	return 0;
}

/* The index of arg among the n words (an option's modes), or -EINVAL. */
static int
word_of(const char *const *words, int n, const char *arg, int *out)
{
	for (int i = 0; i < n; i++)
		if (strcmp(arg, words[i]) == 0)
			return *out = i, 0;
	return -EINVAL;
}

static int
metrics_mode(const char *arg, int *out)
{
	static const char *const modes[] = {
		[METRICS_KEY] = "key", [METRICS_OPEN] = "open", [METRICS_SOCKET] = "socket"
	};

	return word_of(modes, 3, arg, out);
}

/* --cpu-limit CORES ("0.5"; 0 for none) in thousandths of a core. */
static int
cpu_limit(const char *arg, int *out)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end || !(v >= 0 && v <= 1024))
		return -EINVAL;
	*out = (int)(v * 1000 + 0.5);
	return 0;
}

static int
network_mode(const char *arg, int *out)
{
	static const char *const modes[] = {
		[SB_NET_OUTBOUND] = "outbound", [SB_NET_ISOLATED] = "isolated", [SB_NET_HOST] = "host"
	};

	return word_of(modes, 3, arg, out);
}

/* A repeated option's values, space-separated in buf (none may hold a space). */
static int
word_append(char *buf, size_t size, const char *arg)
{
	size_t n = strlen(buf);

	if (!*arg || strchr(arg, ' ') || n + strlen(arg) + 2 > size)
		return -EINVAL;
	snprintf(buf + n, size - n, "%s%s", n ? " " : "", arg);
	return 0;
}

/* What a command other than the daemon asks for. */
typedef struct Command {
	const char *add_ns;   /* --add-namespace */
	const char *limit_ns; /* --set-limits */
	int limits[NQUOTA];   /* the quota options: -2 not given, -1 "default" */
} Command;

/* Parse argv into o and cmd; returns 0, 1 for --help, or -EINVAL. */
static int
parse_options(int argc, char **argv, Options *o, Command *cmd)
{
	static const struct option longs[] = {
		{ "listen", 1, 0, 'l' },
		{ "socket", 1, 0, 'U' },
		{ "data", 1, 0, 'd' },
		{ "proxy", 1, 0, 'p' },
		{ "run-dir", 1, 0, 'r' },
		{ "no-sandbox", 0, 0, 'S' },
		{ "idle", 1, 0, 'i' },
		{ "stemcells", 1, 0, 's' },
		{ "max-containers", 1, 0, 'c' },
		{ "max-memory", 1, 0, 'm' },
		{ "queue", 1, 0, 'q' },
		{ "keep-activations", 1, 0, 'k' },
		{ "keep-days", 1, 0, 'K' },
		{ "prune-every", 1, 0, 'E' },
		{ "max-payload", 1, 0, 'P' },
		{ "metrics", 1, 0, 'M' },
		{ "cpu-limit", 1, 0, 'C' },
		{ "network", 1, 0, 'N' },
		{ "watch-root", 1, 0, 'W' },
		{ "sync-full", 0, 0, 'F' },
		{ "add-namespace", 1, 0, 'A' },
		{ "verbose", 0, 0, 'v' },
		{ "help", 0, 0, 'h' },
		{ "set-limits", 1, 0, 'L' },
		{ "concurrent-invocations", 1, 0, 1000 + Q_CONCURRENT },
		{ "invocations-per-minute", 1, 0, 1000 + Q_INVOKES },
		{ "fires-per-minute", 1, 0, 1000 + Q_FIRES },
		{ "no-zygote", 0, 0, 'Z' },
		{ "max-starts", 1, 0, 'X' },
		{ "short-run", 1, 0, 'R' },
		{ "pool", 1, 0, 'O' },
		{ "scheduler", 1, 0, 'Y' },
		{ 0, 0, 0, 0 },
	};
	static const char *const quota_names[NQUOTA] = { "concurrentInvocations", "invocationsPerMinute",
		                                         "firesPerMinute" };
	int c, rc = 0, payload = 0;

	while (!rc && (c = getopt_long(argc, argv, "l:d:hv", longs, NULL)) != -1) {
		switch (c) {
		case 'l': rc = parse_listen(o, optarg); break;
		case 'U':
			snprintf(socket_path, sizeof socket_path, "%s", strcmp(optarg, "none") ? optarg : "");
			socket_asked = 1;
			break;
		case 'd': snprintf(o->data_dir, sizeof o->data_dir, "%s", optarg); break;
		case 'p': snprintf(o->proxy_path, sizeof o->proxy_path, "%s", optarg); break;
		case 'r': snprintf(o->run_dir, sizeof o->run_dir, "%s", optarg); break;
		case 'S': o->sandbox = 0; break;
		case 'Z': o->no_zygote = 1; break;
		case 'i': rc = number(optarg, &o->idle_s); break;
		case 's': rc = number(optarg, &o->stemcells); break;
		case 'c': rc = number(optarg, &o->max_containers); break;
		case 'm': rc = number(optarg, &o->max_memory_mb); break;
		case 'q': rc = number(optarg, &o->queue_max); break;
		case 'k': rc = number(optarg, &o->keep_count); break;
		case 'K': rc = number(optarg, &o->keep_days); break;
		case 'E': rc = number(optarg, &o->prune_s); break;
		case 'P': rc = number(optarg, &payload), o->max_payload = payload; break;
		case 'F': o->sync_full = 1; break;
		case 'W': rc = watch_root(o, optarg); break;
		case 'M': rc = metrics_mode(optarg, &o->metrics); break;
		case 'C': rc = cpu_limit(optarg, &o->cpu_millis); break;
		case 'N': rc = network_mode(optarg, &o->network); break;
		case 'A': cmd->add_ns = optarg; break;
		case 'L': cmd->limit_ns = optarg; break;
		case 1000 + Q_CONCURRENT:
		case 1000 + Q_INVOKES:
		case 1000 + Q_FIRES: rc = quota_option(quota_names[c - 1000], optarg, cmd->limits); break;
		case 'X': rc = number(optarg, &o->max_starts); break;
		case 'R': rc = number(optarg, &o->short_run_ms); break;
		case 'O': rc = word_append(o->pools, sizeof o->pools, optarg); break;
		case 'Y': rc = word_append(o->schedulers, sizeof o->schedulers, optarg); break;
		case 'v': log_level = LOG_DEBUG; break;
		case 'h': return 1;
		default: return -EINVAL;
		}
	}
	if (rc || optind < argc)
		return -EINVAL;
	for (int i = 0; !cmd->limit_ns && i < NQUOTA; i++)
		if (cmd->limits[i] >= 0) /* the daemon's: the system's quotas */
			o->quota[i] = cmd->limits[i];
	if (o->prune_s < 1)
		o->prune_s = 1;
	if (!socket_asked)
		snprintf(socket_path, sizeof socket_path, "%.1000s/api.sock", o->data_dir);
	return 0;
}

/* --add-namespace: make it, print its credential. */
static int
add_namespace(const Options *o, const char *name)
{
	char path[1100], cred[256];
	Store *st;
	int rc;

	snprintf(path, sizeof path, "%s/faasfs.db", o->data_dir);
	if ((rc = store_open(NULL, path, o->sync_full, &st)))
		return rc;
	rc = ns_create(st, name, NULL, cred, sizeof cred);
	store_close(st);
	if (rc == -EEXIST)
		fprintf(stderr, "faasfs-backend: namespace %s exists already\n", name);
	else if (rc == 0)
		printf("%s\n", cred);
	return rc;
}

/* --set-limits: a namespace's own quotas, printed as they are now. */
static int
set_limits(const Options *o, const Command *cmd)
{
	char path[1100], err[256];
	json_t *own = NULL;
	Store *st;
	int rc;

	snprintf(path, sizeof path, "%s/faasfs.db", o->data_dir);
	if ((rc = store_open(NULL, path, o->sync_full, &st)))
		return rc;
	if ((rc = quota_set(st, cmd->limit_ns, cmd->limits, err, sizeof err)))
		fprintf(stderr, "faasfs-backend: --set-limits %s: %s\n", cmd->limit_ns, err);
	else if (store_ns_limits(st, cmd->limit_ns, &own) == 0)
		json_dumpf(own, stdout, JSON_SORT_KEYS), putchar('\n');
	json_decref(own);
	store_close(st);
	return rc;
}

static void
prune_cb(uv_timer_t *t)
{
	Backend *b = t->data;
	int64_t before = now_ms() - (int64_t)b->opt.keep_days * 86400000;

	store_prune_request(b->st, before, b->opt.keep_count, KEEP_EVENTS, PRUNE_BATCH);
	uv_timer_start(t, prune_cb, (uint64_t)b->opt.prune_s * 1000, 0);
}

/* The API on the Unix socket too. A default socket that cannot be made
 * (its path too long for one, say) is only a warning: TCP still serves. */
static int
listen_socket(Backend *b, const HttpLimits *lim)
{
	int rc;

	if (!socket_path[0])
		return 0;
	if ((rc = http_listen_unix(b->loop, socket_path, lim, api_handle, b, &socket_srv)) == 0)
		return 0;
	if (socket_asked) {
		log_error("cannot listen on %s: %s", socket_path, strerror(-rc));
		return rc;
	}
	log_warn("no socket at %s: %s", socket_path, strerror(-rc));
	socket_path[0] = 0;
	return 0;
}

static void
stop_listening(Backend *b)
{
	if (b->http)
		http_close(b->http);
	if (socket_srv)
		http_close(socket_srv);
	b->http = socket_srv = NULL;
}

static void
stop_signal(uv_signal_t *h, int sig)
{
	Backend *b = h->data;

	log_info("signal %d: stopping", sig);
	stop_listening(b);
	uv_stop(b->loop);
}

/* The current version of the action at path ("ns/pkg/name"), for the
 * knative domain's collection at start (sched.h). */
static int
action_version(void *arg, const char *path, char *out, size_t n)
{
	Backend *b = arg;
	const char *slash = strchr(path, '/');
	char ns[256];
	json_t *doc;

	if (!slash || slash - path >= (ptrdiff_t)sizeof ns)
		return -ENOENT;
	snprintf(ns, sizeof ns, "%.*s", (int)(slash - path), path);
	if (store_entity_peek(b->st, ns, "actions", slash + 1, &doc))
		return -ENOENT;
	snprintf(out, n, "%s", jstr(json_object_get(doc, "version")));
	return 0;
}

/* The API in a container's network namespace (sandbox_net.c): the same
 * server, on a socket made there. */
static void *
api_open(void *arg, int fd)
{
	Backend *b = arg;
	HttpLimits lim = { .check = api_check,
		           .max_body = b->opt.max_payload > (48u << 20) ? b->opt.max_payload : 48u << 20 };
	HttpServer *srv;

	if (http_listen_fd(b->loop, fd, &lim, api_handle, b, &srv) < 0)
		return NULL;
	return srv;
}

static void
api_close(void *srv)
{
	http_close(srv);
}

static int
start_services(Backend *b)
{
	SchedConfig sc = { 0 };
	HttpLimits lim = { .check = api_check };
	char path[1100];
	int rc;

	runtimes_probe();
	snprintf(path, sizeof path, "%s/faasfs.db", b->opt.data_dir);
	if ((rc = store_open(b->loop, path, b->opt.sync_full, &b->st)) || (rc = store_act_recover(b->st, now_ms())))
		return rc;
	if ((rc = metrics_new(&b->met)) || (rc = events_new(b, &b->ev)))
		return rc;
	store_on_event(b->st, events_emit, b->ev);
	/* Under the data directory, so the next backend sweeps what a killed one
	 * left, and the sandbox hides the store by hiding the run dir's parent. */
	if (!b->opt.run_dir[0])
		snprintf(b->opt.run_dir, sizeof b->opt.run_dir, "%.1000s/run", b->opt.data_dir);
	sc.proxy_path = b->opt.proxy_path;
	sc.run_dir = b->opt.run_dir;
	sc.max_containers = b->opt.max_containers;
	sc.max_memory_mb = b->opt.max_memory_mb;
	sc.idle_ms = b->opt.idle_s * 1000;
	sc.stemcells = b->opt.stemcells;
	sc.queue_max = b->opt.queue_max;
	sc.sandbox = b->opt.sandbox;
	sc.socket_path = socket_path[0] ? socket_path : NULL;
	sc.cpu_millis = b->opt.cpu_millis;
	sc.max_starts = b->opt.max_starts;
	sc.short_run_ms = b->opt.short_run_ms;
	sc.pools = b->opt.pools[0] ? b->opt.pools : NULL;
	sc.schedulers = b->opt.schedulers[0] ? b->opt.schedulers : NULL;
	sc.network = b->opt.network;
	sc.no_zygote = b->opt.no_zygote;
	sc.action_version = action_version;
	sc.action_arg = b;
	sc.api_open = api_open;
	sc.api_close = api_close;
	sc.api_arg = b;
	lim.max_body = b->opt.max_payload > (48u << 20) ? b->opt.max_payload : 48u << 20;
	if ((rc = http_listen(b->loop, b->opt.listen_host, b->opt.listen_port, &lim, api_handle, b, &b->http))) {
		log_error("cannot listen on %s:%d: %s", b->opt.listen_host, b->opt.listen_port, strerror(-rc));
		return rc;
	}
	sc.api_port = http_server_port(b->http);
	if ((rc = sched_new(b->loop, &sc, &b->sched))) {
		log_error("the scheduler did not start: %s", strerror(-rc));
		return rc;
	}
	if ((rc = listen_socket(b, &lim)))
		return rc;
	snprintf(b->api_host, sizeof b->api_host, "http://%s:%d", b->opt.listen_host, http_server_port(b->http));
	if ((rc = ns_guest_setup(b)) || (rc = feed_secret_load(b)) || (rc = alarms_new(b)) ||
	    (rc = gateway_domains_load(b)) || (rc = files_new(b)) || (rc = mqtt_new(b)))
		return rc;
	uv_timer_init(b->loop, &b->prune_timer);
	b->prune_timer.data = b;
	uv_timer_start(&b->prune_timer, prune_cb, 1000, 0);
	uv_unref((uv_handle_t *)&b->prune_timer);
	log_info("listening on %s%s%s, data in %s", b->api_host, socket_path[0] ? " and " : "", socket_path,
	         b->opt.data_dir);
	return 0;
}

static void
stop_services(Backend *b)
{
	stop_listening(b);
	if (b->sched)
		sched_free(b->sched);
	if (b->ev)
		events_free(b->ev);
	alarms_free(b);
	files_free(b);
	mqtt_free(b);
	if (b->prune_timer.loop)
		uv_close((uv_handle_t *)&b->prune_timer, NULL);
	if (b->st)
		store_close(b->st);
	uv_run(b->loop, UV_RUN_NOWAIT);
	if (b->met)
		metrics_free(b->met);
	activation_spares_free(b);
	composer_cache_free(b);
	json_decref(b->gw_apis);
	json_decref(b->gw_hosts);
	json_decref(b->running);
	jwks_free(b);
	ratelimit_free(b);
	quota_free(b);
	gateway_policy_free(b);
}

/* Tell systemd we serve (sd_notify(3)'s READY=1), when it asked; our
 * children (proxies, functions) do not inherit the socket's name. */
static void
notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') || (n = strlen(path)) >= sizeof sa.sun_path)
		return;
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@') /* an abstract address */
		sa.sun_path[0] = 0;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    sendto(fd, "READY=1", 7, MSG_NOSIGNAL, (struct sockaddr *)&sa, offsetof(struct sockaddr_un, sun_path) + n) <
	            0)
		log_warn("cannot tell systemd we are ready (%s): %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unsetenv("NOTIFY_SOCKET");
}

int
main(int argc, char **argv)
{
	static Backend b;
	Command cmd = { .limits = { -2, -2, -2 } };
	uv_signal_t sigint, sigterm;
	int rc;

	mem_init();
	log_prog = "faasfs-backend";
	if (mem_curl() < 0 || store_mem() < 0) {
		log_error("cannot start libcurl or SQLite");
		return 1;
	}
	b.opt = (Options){ .listen_host = "127.0.0.1",
		           .listen_port = 3233,
		           .sandbox = 1,
		           .keep_count = 100000,
		           .keep_days = 7,
		           .prune_s = 60,
		           .max_payload = 1 << 20,
		           .cpu_millis = 500,
		           .quota = { [Q_CONCURRENT] = 20000, [Q_INVOKES] = 1200000, [Q_FIRES] = 1200000 } };
	default_paths(&b.opt);
	if ((rc = parse_options(argc, argv, &b.opt, &cmd))) {
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 2;
	}
	if ((rc = mkdirs(b.opt.data_dir, 0700))) {
		fprintf(stderr, "faasfs-backend: cannot make %s: %s\n", b.opt.data_dir, strerror(-rc));
		return 1;
	}
	chmod(b.opt.data_dir, 0700);
	if (cmd.add_ns)
		return add_namespace(&b.opt, cmd.add_ns) ? 1 : 0;
	if (cmd.limit_ns)
		return set_limits(&b.opt, &cmd) ? 1 : 0;
	signal(SIGPIPE, SIG_IGN);
	if (b.opt.sandbox && (rc = sandbox_own_mounts()) < 0)
		log_warn("no mount namespace of our own (%s): containers' tmpfs are mounted on the host's",
		         strerror(-rc));
	b.loop = uv_default_loop();
	if ((rc = start_services(&b)) == 0) {
		uv_signal_init(b.loop, &sigint);
		uv_signal_init(b.loop, &sigterm);
		sigint.data = sigterm.data = &b;
		uv_signal_start(&sigint, stop_signal, SIGINT);
		uv_signal_start(&sigterm, stop_signal, SIGTERM);
		notify_ready();
		uv_run(b.loop, UV_RUN_DEFAULT);
	}
	stop_services(&b);
	return rc ? 1 : 0;
}
