/* sandbox_zygote.c — the backend's side of python's zygote: start it, ask it to fork a container, restart it.
 *
 * A zygote (proxy/launchers/zygote.py with backend/zygote/zygote.c) is an
 * interpreter started once, as root like the backend, on a SOCK_SEQPACKET
 * socket of ours (its fd 3), in our mount namespace (it sees the
 * containers' working directories as we do), with the environment the
 * proxy gives a stem cell, nothing else of ours open, and a parent-death
 * signal. To start a container of its kind, sandbox.c hands us the child's
 * arguments (child_args, computed as for its own clone); we flatten them
 * into a Zreq, send it with its descriptors and wait for the answer: the
 * pid of the container's first process (our child, by CLONE_PARENT) and
 * its pidfd. From there the container is the same as one we cloned.
 *
 * Not ready yet (python starts in tens of milliseconds), dead, or a request
 * it cannot carry: -EAGAIN, and sandbox.c clones the proxy itself, which
 * starts its launcher as before. A dead zygote is started again, at most
 * once a second. A zygote that does not answer within ZYGOTE_WAIT_MS is
 * killed, and the container's start fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sandbox_int.h"
#include "zygote.h"
#include "mem.h"

enum { ZYGOTE_WAIT_MS = 5000, ZYGOTE_RESTART_MS = 1000, ZYGOTE_FIRST_MS = 3000 };

struct Zygote {
	char kind[16];
	char *argv[5];
	char *envp[ZREQ_ARGS + 1];
	pid_t pid;
	int sock;
	int ready;
	int was_ready;   /* it has been ready once */
	int64_t started; /* ms, monotonic */
	unsigned long forks;
};

static Zreq req; /* the request being sent (the loop's thread only) */

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
zygote_down(Zygote *z)
{
	if (z->pid > 0) {
		kill(z->pid, SIGKILL);
		while (waitpid(z->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (z->sock >= 0)
		close(z->sock);
	z->pid = 0;
	z->sock = -1;
	z->ready = 0;
}

static int
zygote_spawn(Zygote *z)
{
	posix_spawn_file_actions_t fa;
	int sv[2], rc;

	z->started = mono_ms();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 3);
	posix_spawn_file_actions_addclosefrom_np(&fa, 4);
	rc = posix_spawn(&z->pid, z->argv[0], &fa, NULL, z->argv, z->envp);
	posix_spawn_file_actions_destroy(&fa);
	close(sv[1]);
	if (rc != 0) {
		close(sv[0]);
		z->pid = 0;
		return -rc;
	}
	z->sock = sv[0];
	return 0;
}

int
sandbox_zygote_open(SandboxHost *h, const char *kind, const char *python, const char *script, const char *so,
                    char *const *envp)
{
	Zygote *z;
	int i;

	if (h->zygote || access(script, R_OK) < 0 || access(so, R_OK) < 0 || access(python, X_OK) < 0)
		return -ENOENT;
	z = ecalloc(1, sizeof *z);
	snprintf(z->kind, sizeof z->kind, "%s", kind);
	z->argv[0] = estrdup(python);
	z->argv[1] = estrdup("-u");
	z->argv[2] = estrdup(script);
	z->argv[3] = estrdup(so);
	for (i = 0; envp[i] && i < ZREQ_ARGS; i++)
		z->envp[i] = estrdup(envp[i]);
	z->sock = -1;
	h->zygote = z;
	return zygote_spawn(z);
}

void
sandbox_zygote_close(SandboxHost *h)
{
	Zygote *z = h->zygote;
	int i;

	if (!z)
		return;
	zygote_down(z);
	for (i = 0; z->argv[i]; i++)
		free(z->argv[i]);
	for (i = 0; z->envp[i]; i++)
		free(z->envp[i]);
	free(z);
	h->zygote = NULL;
}

unsigned long
sandbox_zygote_forks(SandboxHost *h)
{
	return h->zygote ? h->zygote->forks : 0;
}

/* Is it there and ready? Its first message says so. The first container
 * waits for it (up to ZYGOTE_FIRST_MS after our start: python starts in
 * tens of milliseconds), so that every python container is born the same
 * way; later, one started again (at most once a second) is not waited for. */
static int
zygote_ready(Zygote *z)
{
	struct pollfd p = { .fd = z->sock, .events = POLLIN };
	int64_t left = ZYGOTE_FIRST_MS - (mono_ms() - z->started);
	Zrep r;
	ssize_t n;
	int rc;

	if (z->ready)
		return 1;
	if (z->sock < 0) {
		if (mono_ms() - z->started >= ZYGOTE_RESTART_MS && (rc = zygote_spawn(z)) < 0)
			log_warn("sandbox: cannot start the %s zygote: %s", z->kind, strerror(-rc));
		return 0;
	}
	if (!z->was_ready && left > 0)
		poll(&p, 1, (int)left);
	n = recv(z->sock, &r, sizeof r, MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n != (ssize_t)sizeof r || r.pid != 0 || r.err != 0) {
		log_warn("sandbox: the %s zygote ended before it was ready (see its error above)", z->kind);
		zygote_down(z);
		return 0;
	}
	return z->ready = z->was_ready = 1;
}

/* Append n strings to req.str at *at. */
static int
put_strings(size_t *at, char *const *s, int n)
{
	size_t len;
	int i;

	for (i = 0; i < n; i++) {
		len = strlen(s[i]) + 1;
		if (*at + len > sizeof req.str)
			return -E2BIG;
		memcpy(req.str + *at, s[i], len);
		*at += len;
	}
	return 0;
}

static int
count(char *const *v)
{
	int n = 0;

	while (v && v[n])
		n++;
	return n;
}

/* child_args as a request; the descriptors in fds, n of them. */
static int
flatten(const ChildArgs *a, int flags, int *fds, int *n)
{
	const SandboxHost *h = a->h;
	int want[ZFD_N] = { a->err_fd,       a->sp->out_fd, a->sp->err_fd, a->sb->net_fd,
		            a->sb->ready_fd, h->self_pidfd, a->ctl_fd };
	size_t at = 0;
	int i;

	memset(&req, 0, sizeof req);
	req.magic = ZREQ_MAGIC;
	req.size = sizeof req;
	req.flags = flags;
	req.mode = h->mode;
	req.uid = a->sb->uid;
	req.memory_mb = a->memory_mb;
	req.nhide = h->nhide;
	req.nargv = count(a->sp->argv);
	req.nenv = count(a->sp->envp);
	if (h->filter.len > ZREQ_FILTER || req.nargv > ZREQ_ARGS || req.nenv > ZREQ_ARGS)
		return -E2BIG;
	req.flen = h->filter.len;
	memcpy(req.filter, h->filter.filter, h->filter.len * sizeof *req.filter);
	if (sandbox_pathf(req.workdir, sizeof req.workdir, "%s", a->sb->workdir) < 0 ||
	    sandbox_pathf(req.proxy_dir, sizeof req.proxy_dir, "%s", a->proxy_dir) < 0 ||
	    sandbox_pathf(req.exe, sizeof req.exe, "%s", a->sp->exe) < 0)
		return -E2BIG;
	memcpy(req.procs, a->procs, sizeof req.procs);
	memcpy(req.uid_map, a->uid_map, sizeof req.uid_map);
	memcpy(req.gid_map, a->gid_map, sizeof req.gid_map);
	if (put_strings(&at, h->hide, h->nhide) < 0 || put_strings(&at, a->sp->argv, req.nargv) < 0 ||
	    put_strings(&at, a->sp->envp, req.nenv) < 0)
		return -E2BIG;
	for (i = 0, *n = 0; i < ZFD_N; i++)
		if (want[i] >= 0) {
			req.fdmask |= 1 << i;
			fds[(*n)++] = want[i];
		}
	return 0;
}

static int
send_req(Zygote *z, const int *fds, int n)
{
	struct iovec iov = { &req, sizeof req };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(ZFD_N * sizeof(int))];
	} u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf };
	ssize_t r;

	memset(&u, 0, sizeof u);
	m.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
	u.h.cmsg_level = SOL_SOCKET;
	u.h.cmsg_type = SCM_RIGHTS;
	u.h.cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
	memcpy(CMSG_DATA(&u.h), fds, (size_t)n * sizeof(int));
	while ((r = sendmsg(z->sock, &m, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	explicit_bzero(&req, sizeof req); /* the proxy's token is in its envp */
	return r == (ssize_t)sizeof req ? 0 : -EPIPE;
}

/* The answer, within ZYGOTE_WAIT_MS: 0 with *pid and *pidfd, or -errno. */
static int
get_reply(Zygote *z, pid_t *pid, int *pidfd)
{
	struct pollfd p = { .fd = z->sock, .events = POLLIN };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	Zrep r;
	struct iovec iov = { &r, sizeof r };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	struct cmsghdr *c;
	ssize_t n;

	*pidfd = -1;
	if (poll(&p, 1, ZYGOTE_WAIT_MS) <= 0)
		return -ETIMEDOUT;
	while ((n = recvmsg(z->sock, &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof r)
		return -EPIPE;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(pidfd, CMSG_DATA(c), sizeof *pidfd);
	if (r.err < 0 || r.pid <= 0 || *pidfd < 0) {
		if (*pidfd >= 0)
			close(*pidfd);
		return r.err < 0 ? r.err : -EPROTO;
	}
	*pid = r.pid;
	return 0;
}

/* Whatever of the container may have started, in its pids cgroup. */
static void
kill_strays(const Sandbox *sb)
{
	char path[600];
	FILE *f;
	int pid;

	if (!sb->cg_pids[0] || sandbox_pathf(path, sizeof path, "%s/cgroup.procs", sb->cg_pids) < 0 ||
	    !(f = fopen(path, "re")))
		return;
	while (fscanf(f, "%d", &pid) == 1)
		kill(pid, SIGKILL);
	fclose(f);
}

int
sandbox_zygote_clone(SandboxHost *h, const char *kind, Sandbox *sb, const ChildArgs *a, int flags)
{
	Zygote *z = h->zygote;
	int fds[ZFD_N], n, rc;

	if (!z || !kind || strcmp(kind, z->kind) != 0 || !zygote_ready(z))
		return -EAGAIN;
	if (flatten(a, flags, fds, &n) < 0) {
		explicit_bzero(&req, sizeof req);
		return -EAGAIN;
	}
	if (send_req(z, fds, n) < 0) {
		log_warn("sandbox: the %s zygote is gone; starting it again", z->kind);
		zygote_down(z);
		return -EAGAIN; /* nothing was forked */
	}
	if ((rc = get_reply(z, &sb->pid, &sb->pidfd)) == -ETIMEDOUT || rc == -EPIPE) {
		log_error("sandbox: the %s zygote %s; killed, starting it again", z->kind,
		          rc == -ETIMEDOUT ? "did not answer" : "died");
		zygote_down(z);
		kill_strays(sb);
	}
	if (rc == 0)
		z->forks++;
	return rc;
}

int
sandbox_zygote_of(SandboxHost *h, const char *kind)
{
	return h->zygote && kind && strcmp(kind, h->zygote->kind) == 0;
}

int
sandbox_zygote_ready(SandboxHost *h, const char *kind)
{
	return sandbox_zygote_of(h, kind) && h->zygote->ready;
}
