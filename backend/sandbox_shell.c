/* sandbox_shell.c — shells: sandboxes made ahead, their launcher already started in them, waiting for their proxy.
 *
 * A container's start costs its sandbox: the moves into its cgroups (on
 * cgroup v1 the first waits for an RCU grace period, milliseconds), its
 * mounts, its network, and its launcher: a fork from the zygote and the
 * copy of the pages it shares with it (python), or an interpreter's start
 * (node: 80-90 ms of CPU here). A shell is all of that done before any
 * container asks: a prepared sandbox (uid, working directory, cgroups,
 * network) whose first process C1 is made with no argv, envp, stdout nor
 * stderr, but the child's end of a socket (ctl_fd). C1 goes through every
 * step of the sandbox exactly as for a container (sandbox_child_enter,
 * with /dev/null for stdout and stderr), starts the launcher C2 as the
 * proxy would (sandbox_child_fork_launcher: its four pipes, a session of
 * its own), and waits on the socket. For python the zygote clones C1
 * (ZFD_CTL in its request) and C2 is its fork (zygote.c); for node the
 * backend clones C1 (sandbox_child_shell_main) and C2 execs node's
 * launcher with the environment the proxy gives a stem cell. Starting a
 * container in it (sandbox_spawn) sends C1 the proxy's arguments and
 * environment (its token) with the container's log pipes (a Zgo,
 * sandbox_shell_go): C1 makes them its stdout and stderr and execs the
 * proxy with --adopt, which is all that is left to do. So the container
 * that comes out is the one a start would have made, and the launcher
 * never had the token.
 *
 * SHELL_STOCK shells are kept of each kind that has them, made by
 * sandbox_shell_fill after a start of that kind; they are no containers of
 * the scheduler's. A shell is made when the backend is quiet (sched_quiet,
 * the domain's fill_later) with a container's CPU weight: the least weight starved
 * node's shell (80 ms of CPU to make) so that the next new node action
 * waited for it (41-53 ms back to back unpinned, against 11-25). Its
 * slirp4netns is niced to 19 until it is taken, then 0. A shell that died (the backend closing its socket
 * discards it) is noticed when taken, and another taken. At shutdown they
 * go with their files.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "sandbox_int.h"
#include "zygote.h"

/* A shell in sb (prepared): C1 cloned by kind's zygote, or by us to start
 * launcher. 0 or -errno. */
static int
shell_spawn(SandboxHost *h, Sandbox *sb, const char *kind, const char *exe, char *const *launcher, char *const *env,
            char *err, size_t elen)
{
	char *const none[] = { NULL };
	SandboxSpec sp = { .exe = exe,
		           .argv = none,
		           .envp = none,
		           .out_fd = -1,
		           .err_fd = -1,
		           .zygote = launcher ? NULL : kind,
		           .launcher = launcher,
		           .launcher_env = env };
	int sv[2], rc;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	rc = sandbox_child_spawn(h, sb, &sp, sv[1], err, elen);
	close(sv[1]);
	if (rc < 0) {
		close(sv[0]);
		return rc;
	}
	sb->ctl_fd = sv[0];
	return 0;
}

static int
count_kind(SandboxHost *h, const char *kind)
{
	int i, n = 0;

	for (i = 0; i < h->nshells; i++)
		n += strcmp(h->shells[i].kind, kind) == 0;
	return n;
}

void
sandbox_shell_fill(SandboxHost *h, const char *kind, const char *exe, char *const *launcher, char *const *env)
{
	char err[256];
	struct shell *s;
	int rc;

	while (h->mode == SB_ROOT && h->nshells < SHELL_MAX && count_kind(h, kind) < SHELL_STOCK &&
	       (launcher || sandbox_zygote_ready(h, kind))) {
		s = &h->shells[h->nshells];
		if (sandbox_prepare(h, &s->sb, SHELL_MEMORY_MB, err, sizeof err) < 0) {
			log_warn("%s", err);
			return;
		}
		sandbox_net_nice(&s->sb, 19); /* until taken (sandbox_shell_take) */
		if ((rc = shell_spawn(h, &s->sb, kind, exe, launcher, env, err, sizeof err)) < 0) {
			if (rc != -EAGAIN)
				log_warn("sandbox: a shell: %s", err);
			sandbox_release(h, &s->sb);
			return;
		}
		snprintf(s->kind, sizeof s->kind, "%s", kind);
		h->nshells++;
	}
}

/* Its C1 is still there (its pidfd is not readable). */
static int
shell_alive(Sandbox *sb)
{
	struct pollfd p = { .fd = sb->pidfd, .events = POLLIN };

	return sb->pidfd >= 0 && poll(&p, 1, 0) == 0;
}

void
sandbox_shell_discard(SandboxHost *h, Sandbox *sb)
{
	sandbox_kill_wait(sb);
	sandbox_release(h, sb);
}

/* Take the i-th shell out of the stock into sb. */
static void
shell_out(SandboxHost *h, int i, Sandbox *sb)
{
	*sb = h->shells[i].sb;
	memmove(h->shells + i, h->shells + i + 1, (size_t)(--h->nshells - i) * sizeof *h->shells);
}

int
sandbox_shell_take(SandboxHost *h, Sandbox *sb, const char *kind, int memory_mb)
{
	int i;

	for (i = 0; kind && i < h->nshells;) {
		if (strcmp(h->shells[i].kind, kind) != 0) {
			i++;
			continue;
		}
		shell_out(h, i, sb); /* the oldest of its kind: the likeliest to be done */
		if (shell_alive(sb)) {
			sandbox_net_nice(sb, 0);
			if (sandbox_set_memory(h, sb, memory_mb) == 0)
				return 0;
			log_warn("sandbox: a shell: cannot set its memory limit to %d MB", memory_mb);
		}
		sandbox_shell_discard(h, sb);
	}
	return -EAGAIN;
}

void
sandbox_shell_drain(SandboxHost *h)
{
	Sandbox sb;

	while (h->nshells > 0) {
		shell_out(h, h->nshells - 1, &sb);
		sandbox_shell_discard(h, &sb);
	}
}

/* sp's argv and envp after each other in go.str. */
static int
go_strings(Zgo *go, const SandboxSpec *sp)
{
	char *const *v[2] = { sp->argv, sp->envp };
	int n[2] = { 0, 0 }, k;
	size_t at = 0, len;

	for (k = 0; k < 2; k++)
		for (; v[k][n[k]]; n[k]++) {
			len = strlen(v[k][n[k]]) + 1;
			if (n[k] >= ZREQ_ARGS || at + len > sizeof go->str)
				return -E2BIG;
			memcpy(go->str + at, v[k][n[k]], len);
			at += len;
		}
	go->nargv = n[0];
	go->nenv = n[1];
	return 0;
}

int
sandbox_shell_go(Sandbox *sb, const SandboxSpec *sp)
{
	static Zgo go;
	int io[2] = { sp->out_fd, sp->err_fd }, rc;
	struct iovec iov = { &go, sizeof go };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof io)];
	} u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	ssize_t r;

	memset(&go, 0, sizeof go);
	memset(&u, 0, sizeof u);
	go.magic = ZGO_MAGIC;
	go.size = sizeof go;
	if ((rc = go_strings(&go, sp)) < 0)
		return rc;
	u.h.cmsg_level = SOL_SOCKET;
	u.h.cmsg_type = SCM_RIGHTS;
	u.h.cmsg_len = CMSG_LEN(sizeof io);
	memcpy(CMSG_DATA(&u.h), io, sizeof io);
	while ((r = sendmsg(sb->ctl_fd, &m, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	rc = r == (ssize_t)sizeof go ? 0 : r < 0 ? -errno : -EPIPE;
	explicit_bzero(&go, sizeof go); /* the proxy's token is in its envp */
	close(sb->ctl_fd);
	sb->ctl_fd = -1;
	return rc;
}
