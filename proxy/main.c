/* main.c — faasfs-proxy: options, the environment, the loop, shutdown. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dat.h"
#include "fns.h"
#include "log.h"
#include "num.h"

extern char **environ;

/* How many CPUs this process may run on. */
static int
cpus(void)
{
	cpu_set_t set;

	return sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: faasfs-proxy [--listen HOST:PORT|unix:PATH] [--kind KIND] [--launchers DIR]\n"
	           "\t[--python PATH] [--node PATH] [--bash PATH] [--workdir DIR]\n"
	           "\t[--max-body BYTES] [--log-limit BYTES] [--concurrency N] [--timeout MS]\n"
	           "\t[--spin USEC] [--adopt PID,IN,OUT,ERR,CTL] [-v] [--log FILE]\n");
}

/* The number s of option what into *out, or -EINVAL saying why on stderr. */
static int
number(const char *what, const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (num_int(s, min, max, out) == 0)
		return 0;
	fprintf(stderr, "faasfs-proxy: %s%s%s: not a whole number from %lld to %lld\n", what,
	        what[strlen(what) - 1] == '=' ? "" : " ", s, (long long)min, (long long)max);
	return -EINVAL;
}

/* --log FILE, a relative one in the --workdir. */
static int
open_log(const Opts *o)
{
	char path[4096];

	if (o->log[0] == '/' || !o->workdir)
		return log_open(o->log);
	snprintf(path, sizeof path, "%s/%s", o->workdir, o->log);
	return log_open(path);
}

/* "HOST:PORT", ":PORT", "PORT" or "unix:PATH". */
static int
parse_listen(Opts *o, const char *s)
{
	static char host[256];
	const char *colon = strrchr(s, ':');
	int64_t port;

	if (strncmp(s, "unix:", 5) == 0) {
		o->sock = s + 5;
		return *o->sock ? 0 : -EINVAL;
	}
	o->sock = NULL;
	if (number("--listen", colon ? colon + 1 : s, 0, 65535, &port) < 0)
		return -EINVAL;
	if (colon && colon > s) {
		snprintf(host, sizeof host, "%.*s", (int)(colon - s), s);
		o->host = host;
	}
	o->port = (int)port;
	return 0;
}

/* BYTES, with k, m or g for KiB, MiB, GiB ("1.5m"), into *out. */
static int
parse_size(const char *what, const char *s, size_t *out)
{
	char *end;
	double v = strtod(s, &end);

	switch (*end) {
	case 'k':
	case 'K': v *= 1024, end++; break;
	case 'm':
	case 'M': v *= 1024 * 1024, end++; break;
	case 'g':
	case 'G': v *= 1024 * 1024 * 1024, end++; break;
	}
	if (end == s || *end || !(v >= 0 && v < 1e18)) {
		fprintf(stderr, "faasfs-proxy: %s %s: not a size (BYTES, or with k, m or g)\n", what, s);
		return -EINVAL;
	}
	*out = (size_t)v;
	return 0;
}

/* The defaults, and PORT from the environment; -EINVAL if it is no port. */
static int
defaults(Opts *o)
{
	static char launchers[PATH_MAX];
	size_t n = sizeof launchers;
	const char *port = getenv("PORT");
	int64_t v = 8080;

	if (port && *port && number("PORT=", port, 0, 65535, &v) < 0)
		return -EINVAL;
	o->host = "0.0.0.0";
	o->port = (int)v;
	o->python = "/usr/bin/python3";
	o->node = "/usr/bin/node";
	o->bash = "/bin/bash";
	o->max_body = 48u << 20;
	o->log_limit = 10u << 20;
	o->concurrency = 1;
	o->spin = 100;
	o->wait_ack = getenv("OW_WAIT_FOR_ACK") && *getenv("OW_WAIT_FOR_ACK");
	if (getenv("FAASFS_KIND") && *getenv("FAASFS_KIND")) /* a runtime image's (--kind comes first) */
		o->kind = getenv("FAASFS_KIND");
	if (uv_exepath(launchers, &n) == 0) {
		snprintf(launchers + strlen(dirname(launchers)), sizeof launchers - strlen(launchers), "/launchers");
		o->launchers = launchers;
	}
	return 0;
}

/* --adopt PID,IN,OUT,ERR,CTL: the descriptors must be open; they are
 * close-on-exec from now on, as every descriptor of ours. */
static int
parse_adopt(Opts *o, const char *s)
{
	int i;

	if (sscanf(s, "%d,%d,%d,%d,%d", &o->adopt_pid, &o->adopt_fd[0], &o->adopt_fd[1], &o->adopt_fd[2],
	           &o->adopt_fd[3]) != 5 ||
	    o->adopt_pid <= 0)
		return -EINVAL;
	for (i = 0; i < 4; i++)
		if (o->adopt_fd[i] < 3 || fcntl(o->adopt_fd[i], F_SETFD, FD_CLOEXEC) < 0)
			return -EINVAL;
	return 0;
}

/* 0, 1 for --help, or -EINVAL. */
static int
parse_opts(Opts *o, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "listen", 1, 0, 'l' },
		{ "kind", 1, 0, 'k' },
		{ "launchers", 1, 0, 'L' },
		{ "python", 1, 0, 'P' },
		{ "node", 1, 0, 'N' },
		{ "bash", 1, 0, 'B' },
		{ "workdir", 1, 0, 'w' },
		{ "max-body", 1, 0, 'm' },
		{ "log-limit", 1, 0, 'g' },
		{ "concurrency", 1, 0, 'c' },
		{ "timeout", 1, 0, 't' },
		{ "spin", 1, 0, 's' },
		{ "verbose", 0, 0, 'v' },
		{ "help", 0, 0, 'h' },
		{ "adopt", 1, 0, 'A' },
		{ "log", 1, 0, 'G' },
		{ 0, 0, 0, 0 },
	};
	int64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "l:k:w:c:t:vh", longs, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (parse_listen(o, optarg) < 0)
				return -EINVAL;
			break;
		case 'k': o->kind = optarg; break;
		case 'L': o->launchers = optarg; break;
		case 'P': o->python = optarg; break;
		case 'N': o->node = optarg; break;
		case 'B': o->bash = optarg; break;
		case 'w': o->workdir = optarg; break;
		case 'm':
			if (parse_size("--max-body", optarg, &o->max_body) < 0)
				return -EINVAL;
			break;
		case 'g':
			if (parse_size("--log-limit", optarg, &o->log_limit) < 0)
				return -EINVAL;
			break;
		case 'c':
			if (number("--concurrency", optarg, 1, INT_MAX, &v) < 0)
				return -EINVAL;
			o->concurrency = (int)v;
			break;
		case 't':
			if (number("--timeout", optarg, 0, LONG_MAX, &v) < 0)
				return -EINVAL;
			o->timeout = (long)v;
			break;
		case 's':
			if (number("--spin", optarg, 0, LONG_MAX, &v) < 0)
				return -EINVAL;
			o->spin = (long)v;
			break;
		case 'A':
			if (parse_adopt(o, optarg) < 0)
				return -EINVAL;
			break;
		case 'v': o->verbose++; break;
		case 'G': o->log = optarg; break;
		case 'h': return 1;
		default: return -EINVAL;
		}
	}
	if (o->kind && kind_lookup(o->kind) == NULL) {
		fprintf(stderr, "faasfs-proxy: unknown kind %s\n", o->kind);
		return -EINVAL;
	}
	if (optind < argc || o->concurrency < 1)
		return -EINVAL;
	return 0;
}

/* PATH (the proxy's, or a default) and the proxy's own __OW_* variables,
 * such as __OW_API_HOST set by whoever started the proxy. */
static char **
base_env(void)
{
	const char *path = getenv("PATH");
	char **env = NULL, *eq, name[256];
	int i;

	env_set(&env, "PATH", path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (i = 0; environ[i]; i++) {
		if (strncmp(environ[i], "__OW_", 5) != 0 || (eq = strchr(environ[i], '=')) == NULL ||
		    (size_t)(eq - environ[i]) >= sizeof name)
			continue;
		snprintf(name, sizeof name, "%.*s", (int)(eq - environ[i]), environ[i]);
		env_set(&env, name, eq + 1);
	}
	return env;
}

/* The folder for actions: --workdir, else a fresh one under $TMPDIR. */
static int
make_workdir(Proxy *px)
{
	const char *tmp = getenv("TMPDIR");
	char *dir;

	if (px->opt.workdir) {
		px->workdir = estrdup(px->opt.workdir);
		return 0;
	}
	dir = easprintf("%s/faasfs-proxy.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		free(dir);
		return -errno;
	}
	px->workdir = dir;
	px->own_workdir = 1;
	return 0;
}

static void
on_signal(uv_signal_t *s, int sig)
{
	Proxy *px = s->data;

	log_debug("signal %d: stopping", sig);
	px->stopping = 1;
	proc_stop(px);
	once_stop(px);
	http_close(px->srv);
	uv_signal_stop(&px->sigterm);
	uv_signal_stop(&px->sigint);
	uv_stop(px->loop);
}

/* Where --listen points, for messages. */
static const char *
listen_name(Opts *o, int port)
{
	static char name[300];

	if (o->sock)
		return o->sock;
	snprintf(name, sizeof name, "%s:%d", o->host, port);
	return name;
}

static int
start(Proxy *px)
{
	/* The backend keeps its connections to us for the container's life: no
	 * idle limit; the token is asked before any body. */
	HttpLimits lim = { .max_body = px->opt.max_body, .idle_ms = -1, .check = serve_check };
	Opts *o = &px->opt;
	int rc;

	if (o->sock)
		rc = http_listen_unix(px->loop, o->sock, &lim, serve_request, px, &px->srv);
	else
		rc = http_listen(px->loop, o->host, o->port, &lim, serve_request, px, &px->srv);
	if (rc < 0) {
		log_error("cannot listen on %s: %s", listen_name(o, o->port), uv_strerror(rc));
		return rc;
	}
	uv_signal_init(px->loop, &px->sigterm);
	uv_signal_init(px->loop, &px->sigint);
	px->sigterm.data = px->sigint.data = px;
	uv_signal_start(&px->sigterm, on_signal, SIGTERM);
	uv_signal_start(&px->sigint, on_signal, SIGINT);
	log_debug("listening on %s, actions in %s", listen_name(o, http_server_port(px->srv)), px->workdir);
	return 0;
}

/* With --kind python or nodejs, start its launcher now (a stem cell). */
static void
prelaunch(Proxy *px)
{
	char err[ERRMAX];

	if (proc_prelaunch(px, err, sizeof err) < 0)
		log_warn("%s", err);
}

int
main(int argc, char **argv)
{
	static Proxy proxy;
	Proxy *px = &proxy;
	int rc;

	mem_init();
	log_prog = "faasfs-proxy";
	signal(SIGPIPE, SIG_IGN);
	STAILQ_INIT(&px->initq);
	TAILQ_INIT(&px->queue);
	if ((rc = auth_init(px)) < 0) { /* first: before any function process exists */
		log_error("cannot take the token: %s", strerror(-rc));
		return 1;
	}
	if (defaults(&px->opt) < 0)
		return 2;
	if ((rc = parse_opts(&px->opt, argc, argv)) != 0) {
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 2;
	}
	log_level = px->opt.verbose ? LOG_DEBUG : LOG_WARN;
	if (px->opt.log && (rc = open_log(&px->opt)) < 0) {
		log_error("cannot write the log %s: %s", px->opt.log, strerror(-rc));
		return 1;
	}
	if (cpus() < 2)
		px->opt.spin = 0; /* spinning would keep the child off the one CPU */
	px->loop = uv_default_loop();
	px->lastnl[1] = px->lastnl[2] = 1;
	if ((px->baseenv = base_env()) == NULL || (rc = make_workdir(px)) < 0) {
		log_error("cannot make a work folder: %s", strerror(errno));
		return 1;
	}
	rc = start(px);
	if (rc == 0 && init_from_env(px) < 0)
		rc = -EINVAL;
	if (rc == 0 && px->action == NULL)
		prelaunch(px);
	if (rc == 0)
		uv_run(px->loop, UV_RUN_DEFAULT);
	action_free(px->action);
	if (px->own_workdir)
		rmtree(px->workdir);
	return rc == 0 ? 0 : 1;
}
