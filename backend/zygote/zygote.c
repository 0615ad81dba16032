/* zygote.c — python's zygote, the C half (faasfs-zygote.so, loaded by launchers/zygote.py): forks containers.
 *
 * The zygote is a python interpreter that has started and imported the
 * launcher's modules once; zygote.py then calls zygote_serve, which never
 * returns in the zygote itself. For each request of the backend (zygote.h)
 * it clones a child C1 exactly as sandbox.c clones a proxy, with the same
 * namespaces and CLONE_PARENT, so C1 is the backend's child as if the
 * backend had cloned it (the backend reaps it, its parent-death signal is
 * tied to the backend). C1 runs the same steps, sandbox_child_enter of
 * sandbox_child.c: its cgroups, network namespace, mounts, rlimits, uid,
 * no_new_privs, stdio and seccomp. Only then does it fork C2, which is
 * already the container's in every respect, and exec the proxy with
 * --adopt PID,IN,OUT,ERR,CTL: C2's pid and the proxy's ends of C2's
 * stdin, stdout, stderr and fd 3. C2 returns from zygote_serve (0) into
 * python, which runs the launcher as a stem cell: the interpreter's start
 * is not paid again.
 *
 * C2 is a copy of the zygote's memory: it copies the pages it may write
 * (launcher_unshare), wipes the request (the proxy's token is in its envp)
 * before it returns, and python's at-fork handlers run (random reseeds
 * itself).
 *
 * A request with ZFD_CTL asks for a shell (sandbox_shell.c): it has no
 * argv, envp, stdout nor stderr. C1 takes the same steps with /dev/null for
 * stdout and stderr and forks C2 the same way, then waits on ZFD_CTL for
 * them (a Zgo: sandbox_child_shell_wait) before its exec; C2 never has
 * the token.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox_int.h"
#include "zygote.h"

/* CPython's, resolved in the interpreter that loads us. */
void PyOS_BeforeFork(void);
void PyOS_AfterFork_Parent(void);
void PyOS_AfterFork_Child(void);

/* struct clone_args of linux/sched.h, version 0 */
typedef struct Cargs {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
} Cargs;

static Zreq q;
static int fds[ZFD_N];
static SandboxHost h;
static Sandbox sb;
static SandboxSpec sp;
static ChildArgs a;
static char *argv[ZREQ_ARGS + 3], *envp[ZREQ_ARGS + 1];

/* The request as child_args. */
static int
unflatten(void)
{
	const char *p = q.str, *end = q.str + sizeof q.str;

	if (q.nhide < 0 || q.nhide > MAX_HIDE || q.nargv < (fds[ZFD_CTL] >= 0 ? 0 : 1) || q.nargv > ZREQ_ARGS ||
	    q.nenv < 0 || q.nenv > ZREQ_ARGS || q.flen > ZREQ_FILTER)
		return -EINVAL;
	q.workdir[sizeof q.workdir - 1] = q.proxy_dir[sizeof q.proxy_dir - 1] = q.exe[sizeof q.exe - 1] = '\0';
	memset(&h, 0, sizeof h);
	memset(&sb, 0, sizeof sb);
	h.mode = q.mode;
	h.nhide = q.nhide;
	h.self_pidfd = fds[ZFD_SELF];
	h.filter.len = (unsigned short)q.flen;
	h.filter.filter = q.filter;
	if (sandbox_child_strings(&p, end, h.hide, q.nhide) < 0 || sandbox_child_strings(&p, end, argv, q.nargv) < 0 ||
	    sandbox_child_strings(&p, end, envp, q.nenv) < 0)
		return -EINVAL;
	memcpy(sb.workdir, q.workdir, sizeof sb.workdir);
	sb.uid = q.uid;
	sb.net_fd = fds[ZFD_NET];
	sb.ready_fd = fds[ZFD_READY];
	sp.exe = q.exe;
	sp.argv = argv;
	sp.envp = envp;
	sp.out_fd = fds[ZFD_OUT];
	sp.err_fd = fds[ZFD_ERR];
	memset(&a, 0, sizeof a);
	a.h = &h;
	a.sb = &sb;
	a.sp = &sp;
	memcpy(a.proxy_dir, q.proxy_dir, sizeof a.proxy_dir);
	memcpy(a.procs, q.procs, sizeof a.procs);
	memcpy(a.uid_map, q.uid_map, sizeof a.uid_map);
	memcpy(a.gid_map, q.gid_map, sizeof a.gid_map);
	a.err_fd = fds[ZFD_REPORT];
	a.ctl_fd = fds[ZFD_CTL];
	a.memory_mb = q.memory_mb;
	return 0;
}

/* Write-populate the pages of [lo, hi) that are there (mincore): those
 * the zygote touched, which C2 shares with it. A page never touched is
 * not shared: populating it would only zero a page the launcher may never
 * use (python's arenas, the heap's free top, stacks), as a launcher
 * started anew does not either. */
static void
populate_present(unsigned long lo, unsigned long hi)
{
	static unsigned char vec[4096];
	unsigned long pg = (unsigned long)sysconf(_SC_PAGESIZE), base, len, i, j, n;

	for (base = lo; base < hi; base += len) {
		len = hi - base < sizeof vec * pg ? hi - base : sizeof vec * pg;
		n = len / pg;
		if (mincore((void *)base, len, vec) < 0) {
			madvise((void *)base, len, MADV_POPULATE_WRITE);
			continue;
		}
		for (i = 0; i < n; i = j) {
			while (i < n && !(vec[i] & 1))
				i++;
			for (j = i; j < n && vec[j] & 1; j++)
				;
			if (j > i)
				madvise((void *)(base + i * pg), (j - i) * pg, MADV_POPULATE_WRITE);
		}
	}
}

/* C2: copy now every page it shares with the zygote and may write
 * (MADV_POPULATE_WRITE over what is there of its private writable
 * mappings), as a launcher started anew has them: off the critical path,
 * since the launcher waits for its action, and charged to the container's
 * memory cgroup. */
static void
launcher_unshare(void)
{
	static char maps[256 * 1024];
	unsigned long lo, hi;
	char perms[8], *line, *save = NULL;
	ssize_t n, got = 0;
	int fd;

	if ((fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC)) < 0)
		return;
	while ((n = read(fd, maps + got, sizeof maps - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	maps[got] = '\0';
	for (line = strtok_r(maps, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && strcmp(perms, "rw-p") == 0)
			populate_present(lo, hi);
}

/* C1, in the sandbox: fork the launcher, give the proxy our ends (a
 * shell's first waits for its program). Returns in the launcher only. */
static void
container(void)
{
	int ours[4], nargv = q.nargv;
	pid_t pid;

	sandbox_child_enter(&a);
	if ((pid = sandbox_child_fork_launcher(&a, fork, ours)) == 0) {
		/* dumpable, as after the exec that started a launcher before: its
		 * uid change made it not, and its /proc/self would be root's */
		if (prctl(PR_SET_DUMPABLE, 1) < 0)
			_exit(127);
		launcher_unshare();
		explicit_bzero(&q, sizeof q);
		explicit_bzero(argv, sizeof argv);
		explicit_bzero(envp, sizeof envp);
		PyOS_AfterFork_Child();
		return;
	}
	if (a.ctl_fd >= 0)
		nargv = sandbox_child_shell_wait(&a, argv, envp);
	sandbox_child_adopt(argv, nargv, pid, ours);
	sandbox_child_exec(&a);
}

static void
reply(int sock, int pid, int err, int pidfd)
{
	Zrep r = { pid, err };
	struct iovec iov = { &r, sizeof r };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (pidfd >= 0) {
		memset(&u, 0, sizeof u);
		m.msg_control = u.buf;
		m.msg_controllen = sizeof u.buf;
		u.h.cmsg_level = SOL_SOCKET;
		u.h.cmsg_type = SCM_RIGHTS;
		u.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&u.h), &pidfd, sizeof pidfd);
	}
	while (sendmsg(sock, &m, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

/* One request and its descriptors into q and fds: 1, 0 at EOF, -errno. */
static int
receive(int sock)
{
	struct iovec iov = { &q, sizeof q };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(ZFD_N * sizeof(int))];
	} u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	struct cmsghdr *c;
	int got[ZFD_N], n = 0, i, k;
	ssize_t len;

	while ((len = recvmsg(sock, &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (len <= 0)
		return len < 0 ? -errno : 0;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(got, CMSG_DATA(c), (size_t)n * sizeof(int));
		}
	for (i = 0, k = 0; i < ZFD_N; i++)
		fds[i] = q.fdmask & (1 << i) && k < n ? got[k++] : -1;
	while (k < n)
		close(got[k++]);
	if ((size_t)len != sizeof q || q.magic != ZREQ_MAGIC || q.size != sizeof q || (m.msg_flags & MSG_CTRUNC))
		return -EPROTO;
	return 1;
}

static void
release(void)
{
	int i;

	for (i = 0; i < ZFD_N; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	explicit_bzero(&q, sizeof q);
}

/* Serve the backend on sock (it made the socket: its pid is the peer's).
 * Returns 0 in a launcher, -1 when the backend has gone. */
int
zygote_serve(int sock)
{
	struct ucred peer;
	socklen_t len = sizeof peer;
	Cargs ca;
	int pidfd, rc;
	long pid;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &peer, &len) < 0 ||
	    getppid() != peer.pid)
		return -1;
	reply(sock, 0, 0, -1);
	for (;;) {
		if ((rc = receive(sock)) == 0)
			return -1;
		if (rc < 0 || (rc = unflatten()) < 0) {
			reply(sock, 0, rc, -1);
			release();
			continue;
		}
		memset(&ca, 0, sizeof ca);
		pidfd = -1;
		ca.flags = (uint64_t)q.flags | CLONE_PARENT | CLONE_PIDFD;
		ca.pidfd = (uint64_t)(uintptr_t)&pidfd;
		PyOS_BeforeFork();
		pid = syscall(SYS_clone3, &ca, sizeof ca);
		if (pid == 0) {
			container();
			return 0;
		}
		rc = pid < 0 ? -errno : 0;
		PyOS_AfterFork_Parent();
		reply(sock, pid < 0 ? 0 : (int)pid, rc, pidfd);
		if (pidfd >= 0)
			close(pidfd);
		release();
	}
}
