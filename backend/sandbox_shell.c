/* sandbox_shell.c — shells: sandboxes made ahead, a zygote's launcher already in them, waiting for their proxy.
 *
 * A container's start from the zygote still costs its sandbox: the moves
 * into its cgroups (on cgroup v1 the first waits for an RCU grace period,
 * milliseconds), its mounts, its network, and the launcher's copy of the
 * pages it shares with the zygote. A shell is all of that done before any
 * container asks: a prepared sandbox (uid, working directory, cgroups,
 * network) whose first process C1 the zygote has cloned with a request
 * that has no argv, envp, stdout nor stderr, but the child's end of a
 * socket (ZFD_CTL). C1 goes through every step of the sandbox exactly as
 * for a container (sandbox_child_enter, with /dev/null for stdout and
 * stderr), forks the launcher C2, which goes its way as before (zygote.c),
 * and waits on the socket. Starting a container in it (sandbox_spawn) sends
 * C1 the proxy's arguments and environment (its token) with the container's
 * log pipes (sandbox_zygote_go): C1 makes them its stdout and stderr and
 * execs the proxy with --adopt, which is all that is left to do. So the
 * container that comes out is the one a request would have made, and
 * neither the launcher nor the shell ever held the token before.
 *
 * SHELL_STOCK shells are kept per kind with a zygote, made by
 * sandbox_shell_fill after a start, when the zygote is ready; they are no
 * containers of the scheduler's. A shell that died (the backend closing
 * its socket discards it) is noticed when taken, and another taken. At
 * shutdown they go with their files.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "sandbox_int.h"

/* A shell for kind in sb (prepared), C1 cloned by the zygote. 0 or -errno. */
static int
shell_spawn(sandbox_host *h, sandbox *sb, const char *kind, const char *exe, char *err, size_t elen)
{
	char *const none[] = { NULL };
	sandbox_spec sp = { .exe = exe, .argv = none, .envp = none, .out_fd = -1, .err_fd = -1, .zygote = kind };
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

void
sandbox_shell_fill(sandbox_host *h, const char *kind, const char *exe)
{
	char err[256];
	sandbox *sb;
	int rc;

	while (h->nshells < SHELL_STOCK && sandbox_zygote_ready(h, kind)) {
		sb = &h->shells[h->nshells];
		if (sandbox_prepare(h, sb, SHELL_MEMORY_MB, err, sizeof err) < 0) {
			log_warn("%s", err);
			return;
		}
		if ((rc = shell_spawn(h, sb, kind, exe, err, sizeof err)) < 0) {
			if (rc != -EAGAIN)
				log_warn("sandbox: a shell: %s", err);
			sandbox_release(h, sb);
			return;
		}
		h->nshells++;
	}
}

/* Its C1 is still there (its pidfd is not readable). */
static int
shell_alive(sandbox *sb)
{
	struct pollfd p = { .fd = sb->pidfd, .events = POLLIN };

	return sb->pidfd >= 0 && poll(&p, 1, 0) == 0;
}

void
sandbox_shell_discard(sandbox_host *h, sandbox *sb)
{
	sandbox_kill_wait(sb);
	sandbox_release(h, sb);
}

int
sandbox_shell_take(sandbox_host *h, sandbox *sb, const char *kind, int memory_mb)
{
	if (!sandbox_zygote_of(h, kind))
		return -EAGAIN;
	while (h->nshells > 0) {
		*sb = h->shells[0]; /* the oldest: the likeliest to be done */
		memmove(h->shells, h->shells + 1, (size_t)--h->nshells * sizeof *h->shells);
		if (shell_alive(sb)) {
			if (sandbox_set_memory(h, sb, memory_mb) == 0)
				return 0;
			log_warn("sandbox: a shell: cannot set its memory limit to %d MB", memory_mb);
		}
		sandbox_shell_discard(h, sb);
	}
	return -EAGAIN;
}

void
sandbox_shell_drain(sandbox_host *h)
{
	while (h->nshells > 0)
		sandbox_shell_discard(h, &h->shells[--h->nshells]);
}
