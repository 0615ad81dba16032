/* sandbox_child.c — the child between clone and exec: mounts, limits, privileges, then the proxy.
 *
 * Everything here runs in the child of clone() in a process that has
 * threads: no malloc, no stdio, syscalls only (what it needs was computed
 * by the parent, in child_args). A failed step writes {step, errno} to the
 * report pipe and exits 127.
 *
 * The file system it leaves the function: every mount of the host is
 * detached (its FUSE mounts, the data directory's, /sys, /boot...), but for
 * the root; then a fresh /proc, a minimal /dev (null, zero, full, random,
 * urandom, tty bound from the host's, fd, stdin, stdout, stderr, shm), empty
 * tmpfs over the hidden directories, and its working directory and the
 * proxy's folder bound back (from copies made with open_tree before the
 * detaching). /proc/self/mounts shows only these.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sandbox_int.h"
#include "zygote.h"

const char *const sandbox_dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty", NULL };

const char *
sandbox_hide_opts(const char *dir)
{
	return strcmp(dir, "/tmp") == 0 || strcmp(dir, "/var/tmp") == 0 || strcmp(dir, "/dev/shm") == 0
	               ? "1777,size=256m"
	               : "0755,size=1m";
}

/* Without cgroups, memory is held by RLIMIT_DATA (private writable memory):
 * soft at the limit, hard at the largest limit an action may have. */
int
sandbox_data_limit(pid_t pid, int memory_mb)
{
	struct rlimit rl = { (rlim_t)memory_mb << 20, (rlim_t)DATA_MAX_MB << 20 };

	if (rl.rlim_max < rl.rlim_cur)
		rl.rlim_max = rl.rlim_cur;
	return prlimit(pid, RLIMIT_DATA, &rl, NULL);
}

void
sandbox_child_fail(const ChildArgs *a, int step)
{
	int msg[2] = { step, errno };

	if (write(a->err_fd, msg, sizeof msg) < 0)
		_exit(126);
	_exit(127);
}

/* mkdir -p path, for a bind target inside a fresh tmpfs. */
static void
child_mkdirs(const char *path)
{
	char buf[512];
	size_t i, n = strlen(path);

	if (n >= sizeof buf)
		return;
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		mkdir(buf, 0755);
		buf[i] = i < n ? '/' : '\0';
	}
}

/* A copy of the mount tree at path, detached, to put back later with
 * child_bind_back: it outlives the detaching of the host's mounts. */
static int
child_clone_tree(const char *path, int recursive)
{
	return open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
}

static void
child_bind_back(const ChildArgs *a, const char *path, int fd)
{
	if (fd < 0)
		return;
	child_mkdirs(path);
	if (move_mount(fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		sandbox_child_fail(a, ST_BIND);
	close(fd);
}

/* Undo the \ooo escapes of a mount point in mountinfo, in place. */
static void
unescape(char *s)
{
	char *o = s;

	for (; *s; s++, o++)
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[3] >= '0') {
			*o = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o = *s;
		}
	*o = '\0';
}

/* Detach every mount but the root. A detach takes the mounts below its
 * mount with it (MNT_DETACH), so only a mount whose parent was not
 * detached before is detached on its own, parents first (a mount comes
 * after its parent in mountinfo; one that does not is detached on its
 * own): each umount2 waits for an RCU grace period, one for the host's
 * /proc, /sys, /dev each instead of one per mount. A mount a user
 * namespace cannot undo (locked, without root) stays. */
static void
child_detach_all(const ChildArgs *a)
{
	static char info[256 * 1024]; /* the child's own copy: no malloc here */
	static int gone[2048];
	char *line, *save = NULL, *f;
	ssize_t n, got = 0;
	int fd, i, k, id, parent, ngone = 0;

	if ((fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)) < 0)
		sandbox_child_fail(a, ST_DETACH);
	while ((n = read(fd, info + got, sizeof info - 1 - got)) > 0)
		got += n;
	close(fd);
	info[got] = '\0';
	for (line = strtok_r(info, "\n", &save); line && ngone < 2048; line = strtok_r(NULL, "\n", &save)) {
		/* "36 35 98:0 /root /mnt/point rw,... - type source opts": the fifth field */
		if (sscanf(line, "%d %d", &id, &parent) != 2)
			continue;
		for (f = line, i = 0; i < 4 && (f = strchr(f, ' ')); i++)
			f++;
		if (!f)
			continue;
		f[strcspn(f, " ")] = '\0';
		unescape(f);
		if (strcmp(f, "/") == 0)
			continue;
		for (k = 0; k < ngone && gone[k] != parent; k++)
			;
		if (k < ngone || umount2(f, MNT_DETACH) == 0)
			gone[ngone++] = id;
	}
}

/* Every mount but the root detached at once: a copy of the root mount
 * alone (open_tree without AT_RECURSIVE), attached at /proc for a moment,
 * becomes the root (pivot_root), and the old root goes with every mount
 * below it in one umount2, one RCU grace period instead of one a detach.
 * -1 where that cannot be (a user namespace's locked mounts, a root with
 * no parent): child_detach_all then. */
static int
child_pivot(void)
{
	int fd, rc = -1;

	if ((fd = open_tree(AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)) < 0)
		return -1;
	if (move_mount(fd, "", AT_FDCWD, "/proc", MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		close(fd);
		return -1;
	}
	if (fchdir(fd) == 0 && syscall(SYS_pivot_root, ".", ".") == 0)
		rc = umount2(".", MNT_DETACH);
	else
		umount2("/proc", MNT_DETACH);
	close(fd);
	return chdir("/") < 0 ? -1 : rc;
}

/* A minimal /dev: the harmless devices bound from the host's (opened
 * before), the usual links, a folder for shm. */
static void
child_dev(const ChildArgs *a, const int *dev_fd)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "/dev/fd" },
		{ "/proc/self/fd/0", "/dev/stdin" },
		{ "/proc/self/fd/1", "/dev/stdout" },
		{ "/proc/self/fd/2", "/dev/stderr" },
	};
	char path[64];
	int i, fd;

	if (mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k,nr_inodes=64") < 0)
		sandbox_child_fail(a, ST_DEV);
	for (i = 0; sandbox_dev_nodes[i]; i++) {
		if (dev_fd[i] < 0)
			continue;
		snprintf(path, sizeof path, "/dev/%s", sandbox_dev_nodes[i]);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666)) >= 0)
			close(fd);
		child_bind_back(a, path, dev_fd[i]);
	}
	for (i = 0; i < 4; i++)
		symlink(links[i][0], links[i][1]);
	mkdir("/dev/shm", 01777);
}

static void
child_mounts(const ChildArgs *a)
{
	int dev_fd[8], i, work_fd, proxy_fd;
	char opts[64];

	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		sandbox_child_fail(a, ST_PRIVATE);
	if ((work_fd = child_clone_tree(a->sb->workdir, 1)) < 0 || (proxy_fd = child_clone_tree(a->proxy_dir, 1)) < 0)
		sandbox_child_fail(a, ST_BIND);
	for (i = 0; sandbox_dev_nodes[i]; i++) {
		snprintf(opts, sizeof opts, "/dev/%s", sandbox_dev_nodes[i]);
		dev_fd[i] = child_clone_tree(opts, 0);
	}
	if (child_pivot() < 0)
		child_detach_all(a);
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		sandbox_child_fail(a, ST_PROC);
	child_dev(a, dev_fd);
	for (i = 0; i < a->h->nhide; i++) {
		snprintf(opts, sizeof opts, "mode=%s,nr_inodes=%d", sandbox_hide_opts(a->h->hide[i]), HIDE_INODES);
		if (mount("tmpfs", a->h->hide[i], "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0 && errno != ENOENT)
			sandbox_child_fail(a, ST_HIDE);
	}
	child_bind_back(a, a->proxy_dir, proxy_fd);
	child_bind_back(a, a->sb->workdir, work_fd);
}

/* Lower a limit to at most v (raising would need CAP_SYS_RESOURCE). */
static int
lower_limit(int resource, rlim_t v)
{
	struct rlimit rl;

	if (getrlimit(resource, &rl) < 0)
		return -1;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < v)
		v = rl.rlim_max;
	rl.rlim_cur = rl.rlim_max = v;
	return setrlimit(resource, &rl);
}

static void
child_limits(const ChildArgs *a)
{
	if (lower_limit(RLIMIT_CORE, 0) < 0 || lower_limit(RLIMIT_FSIZE, (rlim_t)FSIZE_MB << 20) < 0)
		sandbox_child_fail(a, ST_RLIMIT);
	lower_limit(RLIMIT_NOFILE, NOFILE_MAX); /* a tracer such as valgrind may refuse it */
	if (a->sb->uid >= 0 && lower_limit(RLIMIT_NPROC, PIDS_MAX) < 0)
		sandbox_child_fail(a, ST_RLIMIT);
	if (a->h->mode == SB_USERNS && sandbox_data_limit(0, a->memory_mb) < 0)
		sandbox_child_fail(a, ST_RLIMIT);
}

/* Ask for SIGKILL when the backend dies, and make sure it has not died
 * already: a backend killed between our clone and this prctl sends no
 * signal, and the child would live on as an orphan container. In our pid
 * namespace getppid() says 0, so the backend's own pidfd (inherited from
 * the clone) tells: it is readable once the backend is gone. */
static int
child_tie(const ChildArgs *a)
{
	struct pollfd p = { .fd = a->h->self_pidfd, .events = POLLIN };

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return -1;
	if (p.fd >= 0 && poll(&p, 1, 0) > 0)
		_exit(127);
	return 0;
}

static void
child_drop(const ChildArgs *a)
{
	uid_t u = (uid_t)a->sb->uid;

	if (setgroups(0, NULL) < 0 || setresgid(u, u, u) < 0 || setresuid(u, u, u) < 0)
		sandbox_child_fail(a, ST_DROP);
	/* after the uid change, which clears the parent-death signal */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || child_tie(a) < 0)
		sandbox_child_fail(a, ST_DROP);
}

/* Map our uid and gid to USERNS_ID in the new user namespace. The child
 * keeps every capability there until its exec (for the mounts); the program
 * it execs runs as a plain user with none, so it cannot undo the mounts. */
static void
child_userns(const ChildArgs *a)
{
	static const char *const files[] = { "/proc/self/setgroups", "/proc/self/uid_map", "/proc/self/gid_map" };
	const char *text[] = { "deny", a->uid_map, a->gid_map };
	int i, fd;

	for (i = 0; i < 3; i++) {
		if ((fd = open(files[i], O_WRONLY | O_CLOEXEC)) < 0 ||
		    write(fd, text[i], strlen(text[i])) != (ssize_t)strlen(text[i]))
			sandbox_child_fail(a, ST_USERNS);
		close(fd);
	}
}

static void
child_stdio(const ChildArgs *a)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	sigset_t all;

	/* a shell's stdout and stderr come with its program (sandbox_zygote.c) */
	if (null < 0 || dup2(null, 0) < 0 || dup2(a->sp->out_fd >= 0 ? a->sp->out_fd : null, 1) < 0 ||
	    dup2(a->sp->err_fd >= 0 ? a->sp->err_fd : null, 2) < 0)
		sandbox_child_fail(a, ST_STDIO);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	/* everything else the backend had open stays behind at exec */
	syscall(SYS_close_range, 3, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */);
}

/* exec the proxy. A binary being rebuilt in place is, for a moment, busy
 * or not yet executable: wait for it a little (the child sleeps, not the
 * backend). */
static void
child_exec(const ChildArgs *a)
{
	struct timespec pause = { 0, 25 * 1000 * 1000 };
	int tries;

	for (tries = 0; tries < EXEC_TRIES; tries++) {
		execve(a->sp->exe, a->sp->argv, a->sp->envp);
		if (errno != ETXTBSY && errno != EACCES)
			return;
		nanosleep(&pause, NULL);
	}
}

/* Close at once every descriptor of the backend's the child does not need.
 * They are all close-on-exec, but the exec is milliseconds away (a move
 * between cgroups waits for an RCU grace period): meanwhile the child would
 * hold the API's listening sockets, and a backend killed then could not be
 * started again on its port until the child is gone. */
static void
child_close_fds(const ChildArgs *a)
{
	int keep[7] = { a->err_fd,     a->h->self_pidfd, a->sp->out_fd, a->sp->err_fd,
		        a->sb->net_fd, a->sb->ready_fd,  a->ctl_fd };
	int i, j, t, from = 3;

	for (i = 1; i < 7; i++)
		for (j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			t = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (i = 0; i < 7; i++) {
		if (keep[i] < from)
			continue;
		if (keep[i] > from)
			syscall(SYS_close_range, from, keep[i] - 1, 0);
		from = keep[i] + 1;
	}
	syscall(SYS_close_range, from, ~0U, 0);
}

/* Wait (up to 5 s) for slirp4netns to have the network up; without it
 * (it failed, or is not there) the function starts all the same, offline. */
static void
child_net_wait(const ChildArgs *a)
{
	struct pollfd p = { .fd = a->sb->ready_fd, .events = POLLIN };
	char c;

	if (p.fd < 0)
		return;
	if (poll(&p, 1, 5000) > 0 && read(p.fd, &c, 1) < 0)
		return;
	close(p.fd);
}

void
sandbox_child_enter(const ChildArgs *a)
{
	int i, fd;

	child_close_fds(a);
	/* Moving a task between v1 cgroups waits for an RCU grace period
	 * (milliseconds): the child does it itself, so the backend never waits. */
	for (i = 0; i < 3; i++) {
		if (!a->procs[i][0])
			continue;
		if ((fd = open(a->procs[i], O_WRONLY | O_CLOEXEC)) < 0 || write(fd, "0", 1) != 1)
			sandbox_child_fail(a, ST_CGROUP);
		close(fd);
	}
	if (a->h->mode == SB_USERNS)
		child_userns(a);
	if (a->sb->net_fd >= 0 && setns(a->sb->net_fd, CLONE_NEWNET) < 0)
		sandbox_child_fail(a, ST_NET);
	if (a->h->mode != SB_PLAIN) {
		child_mounts(a);
	} else if (setsid() < 0) {
		sandbox_child_fail(a, ST_SETSID);
	}
	if (chdir(a->sb->workdir) < 0)
		sandbox_child_fail(a, ST_CHDIR);
	child_limits(a);
	if (a->h->mode == SB_ROOT)
		child_drop(a);
	else if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || child_tie(a) < 0)
		sandbox_child_fail(a, ST_DROP);
	child_stdio(a);
	child_net_wait(a);
	if (a->h->filter.len && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &a->h->filter) < 0)
		sandbox_child_fail(a, ST_SECCOMP);
}

void
sandbox_child_exec(const ChildArgs *a)
{
	child_exec(a);
	sandbox_child_fail(a, ST_EXEC);
}

/* ---- a launcher forked before the proxy: the zygote's containers, shells ---- */

int
sandbox_child_strings(const char **p, const char *end, char **out, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		const char *z = memchr(*p, '\0', (size_t)(end - *p));

		if (!z)
			return -EINVAL;
		out[i] = (char *)*p;
		*p = z + 1;
	}
	out[n] = NULL;
	return 0;
}

/* The launcher: fds 0-3 are its pipes and nothing else is open. */
static void
launcher_fds(const int *theirs)
{
	int i, hi[4];

	for (i = 0; i < 4; i++)
		if ((hi[i] = fcntl(theirs[i], F_DUPFD_CLOEXEC, 16)) < 0)
			_exit(127);
	for (i = 0; i < 4; i++)
		if (dup2(hi[i], i) < 0)
			_exit(127);
	syscall(SYS_close_range, 4, ~0U, 0);
}

pid_t
sandbox_child_fork_launcher(const ChildArgs *a, pid_t (*forkf)(void), int *ours)
{
	int p[4][2], theirs[4], i;
	pid_t pid;

	for (i = 0; i < 4; i++) {
		if (pipe2(p[i], O_CLOEXEC) < 0)
			sandbox_child_fail(a, ST_LAUNCHER);
		theirs[i] = p[i][i == 0 ? 0 : 1];
		ours[i] = p[i][i == 0 ? 1 : 0];
	}
	if ((pid = forkf()) < 0)
		sandbox_child_fail(a, ST_LAUNCHER);
	if (pid == 0) {
		setsid(); /* a process group of its own, as the proxy's uv_spawn gives */
		launcher_fds(theirs);
		return 0;
	}
	for (i = 0; i < 4; i++) {
		close(theirs[i]);
		if (fcntl(ours[i], F_SETFD, 0) < 0)
			sandbox_child_fail(a, ST_LAUNCHER);
	}
	return pid;
}

int
sandbox_child_shell_wait(const ChildArgs *a, char **argv, char **envp)
{
	static Zgo go;
	struct iovec iov = { &go, sizeof go };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	const char *p = go.str, *end = go.str + sizeof go.str;
	struct cmsghdr *c;
	int io[2] = { -1, -1 };
	ssize_t len;

	prctl(PR_SET_NAME, "faasfs-shell"); /* for ps, until the exec of the proxy names it again */
	while ((len = recvmsg(a->ctl_fd, &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (len == 0)
		_exit(0);
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof io))
			memcpy(io, CMSG_DATA(c), sizeof io);
	if (len != (ssize_t)sizeof go || go.magic != ZGO_MAGIC || go.size != sizeof go || io[0] < 0 || io[1] < 0 ||
	    go.nargv < 1 || go.nargv > ZREQ_ARGS || go.nenv < 0 || go.nenv > ZREQ_ARGS ||
	    sandbox_child_strings(&p, end, argv, go.nargv) < 0 || sandbox_child_strings(&p, end, envp, go.nenv) < 0 ||
	    dup2(io[0], 1) < 0 || dup2(io[1], 2) < 0)
		sandbox_child_fail(a, ST_SHELL);
	close(io[0]);
	close(io[1]);
	close(a->ctl_fd);
	return go.nargv;
}

void
sandbox_child_adopt(char **argv, int nargv, pid_t pid, const int *ours)
{
	static char adopt[64];

	snprintf(adopt, sizeof adopt, "%d,%d,%d,%d,%d", (int)pid, ours[0], ours[1], ours[2], ours[3]);
	argv[nargv] = "--adopt";
	argv[nargv + 1] = adopt;
	argv[nargv + 2] = NULL;
}

/* fork without the C library's handlers: the backend we are a clone of
 * had threads, one of which may have held a lock they take. */
static pid_t
raw_fork(void)
{
	return (pid_t)syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
}

/* A shell of a kind without a zygote, cloned by the backend: the sandbox,
 * then the launcher started (sp->launcher) before the proxy, whose
 * arguments come on ctl_fd. Not instrumented, as sandbox_child_main. */
__attribute__((no_sanitize_address)) int
sandbox_child_shell_main(void *p)
{
	static char *argv[ZREQ_ARGS + 3], *envp[ZREQ_ARGS + 1];
	static SandboxSpec sp;
	static ChildArgs b;
	const ChildArgs *a = p;
	int ours[4], nargv;
	pid_t pid;

	sandbox_child_enter(a);
	if ((pid = sandbox_child_fork_launcher(a, raw_fork, ours)) == 0) {
		execve(a->sp->launcher[0], a->sp->launcher, a->sp->launcher_env);
		_exit(127);
	}
	nargv = sandbox_child_shell_wait(a, argv, envp);
	sp = *a->sp;
	sp.argv = argv;
	sp.envp = envp;
	b = *a;
	b.sp = &sp;
	sandbox_child_adopt(argv, nargv, pid, ours);
	sandbox_child_exec(&b);
	return 127;
}

/* The child runs on a stack clone() was given, which AddressSanitizer does
 * not know: its clearing of the stack before a call that does not return
 * (sandbox_child_exec) only warns there, but the warning goes to its log,
 * which the new mount namespace hides, and the child dies of it. This
 * function is not instrumented; the steps it calls are. */
__attribute__((no_sanitize_address)) int
sandbox_child_main(void *p)
{
	sandbox_child_enter(p);
	sandbox_child_exec(p);
	return 127;
}
