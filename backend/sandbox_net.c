/* sandbox_net.c — a container's own network: a namespace with its loopback, the platform's API in it, outbound through slirp4netns.
 *
 * Each container (as root) gets a network namespace of its own, made by
 * the backend before the clone: the loop's thread unshares one, brings its
 * loopback up, opens in it a listening socket on 127.0.0.1 at the API's
 * port (handed to the backend, which serves the API there exactly as on
 * its own socket, so __OW_API_HOST works unchanged), keeps a descriptor of
 * the namespace and goes back to the host's. The child enters it with
 * setns. So a function sees no socket of the host (/proc/net/tcp, unix,
 * abstract Unix sockets), reaches no service on the host's loopback, and
 * no other container.
 *
 * Outbound traffic goes through slirp4netns (when installed, unless
 * --network=isolated): a user-mode TCP/IP stack that makes a tap device in
 * the namespace (10.0.2.100, gateway 10.0.2.2, DNS 10.0.2.3) and opens the
 * connections from the host's side as ordinary sockets, with
 * --disable-host-loopback, so 10.0.2.2 does not lead to the host's
 * loopback. It runs as the backend's child with its own sandbox and
 * seccomp, ends when the container's end of its exit pipe closes, and the
 * container waits (before its exec) until slirp4netns says the network is
 * up.
 *
 * slirp4netns takes milliseconds to start (tens on a loaded host: it makes
 * a sandbox of its own), and a new namespace half a millisecond of the
 * loop's: so NET_STOCK networks are kept made ahead, each with its API
 * socket served and its slirp4netns up, and a container takes the oldest
 * (sandbox_net_make); sandbox_net_fill makes new ones after a start. The
 * slirp4netns of a network in the stock runs at nice 19, so that making it
 * ahead takes no CPU from a container; taken, it is set back to 0 (with
 * the child it forks to enter the namespace: the whole process group). A
 * network in the stock has had no process in it: taking one is the same
 * as making one.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "sandbox_int.h"

extern char **environ;

static const char *const slirp_paths[] = { "/usr/bin/slirp4netns", "/usr/local/bin/slirp4netns", NULL };

void
sandbox_net_init(SandboxHost *h)
{
	int i;

	h->host_net_fd = -1;
	if (h->mode != SB_ROOT || h->net_mode == SB_NET_HOST)
		return;
	if ((h->host_net_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0) {
		log_warn("sandbox: no network namespaces (%s): containers share the host's", strerror(errno));
		return;
	}
	for (i = 0; h->net_mode == SB_NET_OUTBOUND && slirp_paths[i]; i++)
		if (access(slirp_paths[i], X_OK) == 0) {
			h->slirp = slirp_paths[i];
			break;
		}
	if (h->net_mode == SB_NET_OUTBOUND && !h->slirp)
		log_warn("sandbox: slirp4netns is not installed: containers have no outbound network");
}

/* Bring the loopback of the namespace we are in up. */
static int
lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

	if (s < 0)
		return -errno;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0 || (ifr.ifr_flags |= IFF_UP, ioctl(s, SIOCSIFFLAGS, &ifr)) < 0)
		rc = -errno;
	close(s);
	return rc;
}

/* A listening socket on 127.0.0.1:port in the namespace we are in. */
static int
api_socket(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		                 .sin_port = htons((uint16_t)port),
		                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1;

	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 128) < 0) {
		one = -errno;
		close(s);
		return one;
	}
	return s;
}

/* In a fresh namespace (the thread is in it): lo up, the API socket, a descriptor of it. */
static int
net_fill(SandboxHost *h, Sandbox *sb, int *api_fd)
{
	int rc;

	if ((rc = lo_up()) < 0)
		return rc;
	if (h->api_port > 0 && (*api_fd = api_socket(h->api_port)) < 0)
		return *api_fd;
	if ((sb->net_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	return 0;
}

/* slirp4netns for the namespace; the child waits on sb->ready_fd. In a
 * process group of its own (it forks to enter the namespace), niced to 19
 * when made ahead (idle). */
static int
slirp_start(SandboxHost *h, Sandbox *sb, int idle)
{
	char ns[32], exitfd[32], readyfd[32];
	char *argv[] = { (char *)h->slirp,
		         "--configure",
		         "--mtu=65520",
		         "--disable-host-loopback",
		         "--enable-sandbox",
		         "--enable-seccomp",
		         exitfd,
		         readyfd,
		         "--netns-type=path",
		         ns,
		         "tap0",
		         NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int ex[2], ready[2], rc;

	if (pipe2(ex, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(ready, O_CLOEXEC) < 0) {
		close(ex[0]), close(ex[1]);
		return -errno;
	}
	snprintf(ns, sizeof ns, "/proc/self/fd/3");
	snprintf(exitfd, sizeof exitfd, "--exit-fd=4");
	snprintf(readyfd, sizeof readyfd, "--ready-fd=5");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, sb->net_fd, 3);
	posix_spawn_file_actions_adddup2(&fa, ex[0], 4);
	posix_spawn_file_actions_adddup2(&fa, ready[1], 5);
	/* and nothing else of the backend's: a socket a library made without
	 * SOCK_CLOEXEC (libmosquitto's) held open by slirp4netns outlives its
	 * close in the backend, and epoll goes on watching the dead socket
	 * under the number the next one reuses */
	posix_spawn_file_actions_addclosefrom_np(&fa, 6);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP); /* pgroup 0: its pid */
	rc = posix_spawn(&sb->slirp_pid, h->slirp, &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	if (rc == 0 && idle)
		sandbox_net_nice(sb, 19);
	close(ex[0]);
	close(ready[1]);
	if (rc != 0) {
		close(ex[1]);
		close(ready[0]);
		sb->slirp_pid = 0;
		return -rc;
	}
	sb->slirp_exit_fd = ex[1];
	sb->ready_fd = ready[0];
	return 0;
}

/* A new network for sb: its namespace, API and slirp4netns (niced when idle). */
static int
net_new(SandboxHost *h, Sandbox *sb, int idle, char *err, size_t elen)
{
	int rc, api_fd = -1;

	if (unshare(CLONE_NEWNET) < 0) {
		snprintf(err, elen, "sandbox: network namespace: %s", strerror(errno));
		return -errno;
	}
	rc = net_fill(h, sb, &api_fd);
	if (setns(h->host_net_fd, CLONE_NEWNET) < 0) { /* cannot happen; if it did, the loop would be lost */
		log_error("sandbox: cannot go back to the host's network namespace: %s", strerror(errno));
		abort();
	}
	if (rc == 0 && api_fd >= 0 && h->api_open && !(sb->api_srv = h->api_open(h->api_arg, api_fd)))
		rc = -EIO; /* the API's server would not take the socket */
	else if (rc < 0 && api_fd >= 0)
		close(api_fd);
	if (rc == 0 && h->slirp && (rc = slirp_start(h, sb, idle)) < 0)
		log_warn("sandbox: slirp4netns: %s: the container has no outbound network", strerror(-rc)), rc = 0;
	if (rc < 0) {
		snprintf(err, elen, "sandbox: network namespace: %s", strerror(-rc));
		sandbox_net_release(h, sb);
	}
	return rc;
}

/* Move the network of from to to (whose own is none). */
static void
net_move(Sandbox *to, Sandbox *from)
{
	to->net_fd = from->net_fd;
	to->ready_fd = from->ready_fd;
	to->slirp_exit_fd = from->slirp_exit_fd;
	to->slirp_pid = from->slirp_pid;
	to->api_srv = from->api_srv;
	from->net_fd = from->ready_fd = from->slirp_exit_fd = -1;
	from->slirp_pid = 0;
	from->api_srv = NULL;
}

int
sandbox_net_make(SandboxHost *h, Sandbox *sb, char *err, size_t elen)
{
	int i;

	sb->net_fd = sb->ready_fd = sb->slirp_exit_fd = -1;
	if (h->host_net_fd < 0)
		return 0;
	if (h->nstock == 0)
		return net_new(h, sb, 0, err, elen);
	net_move(sb, &h->stock[0]); /* the oldest: the likeliest to be up */
	sandbox_net_nice(sb, 0);    /* a container's network now: its full share of the CPU */
	for (i = 1; i < h->nstock; i++)
		net_move(&h->stock[i - 1], &h->stock[i]);
	h->nstock--;
	return 0;
}

void
sandbox_net_nice(Sandbox *sb, int nice)
{
	if (sb->slirp_pid > 0)
		setpriority(PRIO_PGRP, (id_t)sb->slirp_pid, nice);
}

void
sandbox_net_fill(SandboxHost *h)
{
	char err[256];
	Sandbox *n;

	while (h->host_net_fd >= 0 && h->nstock < NET_STOCK) {
		n = &h->stock[h->nstock];
		n->net_fd = n->ready_fd = n->slirp_exit_fd = -1;
		n->slirp_pid = 0;
		n->api_srv = NULL;
		if (net_new(h, n, 1, err, sizeof err) < 0) {
			log_warn("%s", err);
			return;
		}
		h->nstock++;
	}
}

void
sandbox_net_drain(SandboxHost *h)
{
	while (h->nstock > 0)
		sandbox_net_release(h, &h->stock[--h->nstock]);
}

void
sandbox_net_off(SandboxHost *h, Sandbox *sb)
{
	sandbox_net_release(h, sb);
}

void
sandbox_net_release(SandboxHost *h, Sandbox *sb)
{
	if (sb->api_srv && h->api_close)
		h->api_close(sb->api_srv);
	sb->api_srv = NULL;
	if (sb->slirp_pid > 0) {
		kill(sb->slirp_pid, SIGKILL);
		while (waitpid(sb->slirp_pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	sb->slirp_pid = 0;
	if (sb->slirp_exit_fd >= 0)
		close(sb->slirp_exit_fd);
	if (sb->ready_fd >= 0)
		close(sb->ready_fd);
	if (sb->net_fd >= 0)
		close(sb->net_fd);
	sb->net_fd = sb->ready_fd = sb->slirp_exit_fd = -1;
}
