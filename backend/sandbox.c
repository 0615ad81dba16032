/* sandbox.c — start a container's proxy as an unprivileged, namespaced, resource-limited child.
 *
 * How a child is made. The backend clone()s the child itself (uv_spawn cannot
 * run code between fork and exec) with new pid, mount, ipc and uts
 * namespaces and a pidfd. The child first moves itself into the
 * container's memory and pids cgroups (writing 0 to cgroup.procs), so the
 * limits hold before the program runs a single instruction, and the
 * backend's loop never waits for the move. Then the child, still root:
 *   - makes every mount private and mounts a fresh /proc for its pid namespace;
 *   - covers with an empty tmpfs the places where other people's data lives:
 *     /tmp, /var/tmp, /dev/shm, /root, /home, /run, /var/lib, /srv, /mnt,
 *     /media, the run directory and its parent (normally the backend's data
 *     directory, where the store is), and the folder of the API's socket
 *     (the data directory too, by default);
 *   - binds back only its own working directory and the proxy's folder (the
 *     proxy's launchers live there) at their usual paths;
 *   - lowers its rlimits (core 0, file size, open files, processes of its uid);
 *   - drops every group and becomes its own uid (one uid per container, from
 *     a block of a range without passwd entries that this backend holds
 *     alone: /run/faasfs/uids-N.lock), asks for SIGKILL if the backend dies,
 *     and execs the proxy with a small fixed environment.
 * A failed step writes {step, errno} to a close-on-exec pipe and exits 127;
 * sandbox_spawn does not wait for the exec, and when the child ends,
 * sandbox_failure() reads that pipe to say which step failed.
 *
 * The child is pid 1 of its namespace: SIGKILL to it ends every process the
 * function started (fork bombs included), and the kernel reaps them all
 * before the pidfd reports the exit, so the cgroups can go right away.
 *
 * Without root (SB_USERNS) the same is done inside a new user namespace:
 * the child maps our uid and gid to 1000 there, makes the mounts with the
 * capabilities the new namespace gives it, and execs the proxy as that
 * plain user, which has none left to undo them. There are no uids of their
 * own and no cgroups, so RLIMIT_DATA holds memory (the backend changes it
 * with prlimit when a stem cell is given to an action).
 *
 * A python container is cloned by python's zygote instead (sandbox_zygote.c),
 * from the same child_args and through the same steps, and its first
 * process forks the launcher before it execs the proxy; most often ahead,
 * as a shell (sandbox_shell.c) that waits for its proxy's arguments.
 *
 * Code reaches the proxy only through /init, and the proxy keeps it in the
 * container's working directory: the store is never visible.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sandbox_int.h"
#include "mem.h"

static const char *const hidden_dirs[] = {
	"/tmp", "/var/tmp", "/dev/shm", "/root", "/home", "/run", "/var/lib", "/srv", "/mnt", "/media", NULL,
};

/* Steps, for the parent's message. */
static const char *const step_names[] = {
	"enter its cgroups",
	"make mounts private",
	"mount /proc",
	"hide directories",
	"bind the working directory",
	"chdir",
	"setrlimit",
	"drop privileges",
	"set up stdio",
	"exec",
	"new session",
	"map its user namespace",
	"detach the host's mounts",
	"make /dev",
	"enter its network namespace",
	"load its seccomp filter",
	"start the launcher from the zygote",
	"take its program",
};

int
sandbox_pathf(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int
rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void
host_hide(SandboxHost *h, const char *dir)
{
	struct stat st;
	int i;

	if (h->nhide >= MAX_HIDE || !*dir || strcmp(dir, "/") == 0)
		return;
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return;
	for (i = 0; i < h->nhide; i++)
		if (strcmp(h->hide[i], dir) == 0)
			return;
	h->hide[h->nhide] = estrdup(dir);
	if (h->hide[h->nhide])
		h->nhide++;
}

/* A block of uids no other live backend on this host uses: the first of
 * /run/faasfs/uids-N.lock we can lock (the lock goes when we do), starting
 * at one picked by our pid. */
static int
uid_block(SandboxHost *h)
{
	char path[64];
	int i, n, fd;

	mkdir("/run/faasfs", 0700);
	for (i = 0; i < UID_BLOCKS; i++) {
		n = (int)((getpid() + i) % UID_BLOCKS);
		snprintf(path, sizeof path, "/run/faasfs/uids-%d.lock", n);
		if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
			break;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			h->block_fd = fd;
			h->block = n;
			return n;
		}
		close(fd);
	}
	log_warn("sandbox: no free block of uids; another backend may share ours");
	return (int)(getpid() % UID_BLOCKS);
}

/* Remove working directories that dead backends left in the run directory
 * ("c<pid>-<slot>"). */
static void
run_dir_sweep(SandboxHost *h)
{
	char path[1100];
	struct dirent *e;
	DIR *d;
	int pid, slot;

	if (!(d = opendir(h->run_dir)))
		return;
	while ((e = readdir(d)))
		if (sscanf(e->d_name, "c%d-%d", &pid, &slot) == 2 && pid > 0 && kill(pid, 0) < 0 && errno == ESRCH &&
		    sandbox_pathf(path, sizeof path, "%s/%s", h->run_dir, e->d_name) == 0) {
			umount2(path, MNT_DETACH); /* its tmpfs, if it had one */
			nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
		}
	closedir(d);
}

/* The folder path is in is hidden unless it is a top-level system folder
 * other than /tmp (functions need /usr, /var...): for the run directory
 * that is normally the data directory, where the store is; for the API's
 * socket, the folder that holds it. */
static void
host_hide_parent(SandboxHost *h, const char *path)
{
	char parent[PATH_MAX], real[PATH_MAX], *slash;

	snprintf(parent, sizeof parent, "%s", path);
	if (!(slash = strrchr(parent, '/')))
		snprintf(parent, sizeof parent, ".");
	else if (slash == parent)
		return;
	else
		*slash = '\0';
	if (!realpath(parent, real) || strcmp(real, "/") == 0)
		return;
	if (strchr(real + 1, '/') || strcmp(real, "/tmp") == 0)
		host_hide(h, real);
}

/* "uid+pidns+mntns+ipcns+cgroup-v1+cpu+netns+slirp+seccomp" */
static void
host_describe(SandboxHost *h)
{
	snprintf(h->describe, sizeof h->describe, "%s%s%s%s%s%s",
	         h->mode == SB_ROOT     ? "uid+pidns+mntns+ipcns"
	         : h->mode == SB_USERNS ? "userns+pidns+mntns+ipcns"
	                                : "plain",
	         h->mem_base[0]         ? (h->v2 ? "+cgroup-v2" : "+cgroup-v1")
	         : h->mode == SB_USERNS ? "+rlimit-data"
	         : h->mode == SB_ROOT   ? "+no-memory-limit"
	                                : "",
	         h->cpu_base[0] && h->cpu_millis ? "+cpu" : "", h->host_net_fd >= 0 ? "+netns" : "",
	         h->slirp && h->host_net_fd >= 0 ? "+slirp" : "", h->filter.len ? "+seccomp" : "");
}

int
sandbox_host_new(const char *run_dir, const char *socket_path, int enabled, SandboxHost **out, char *warn, size_t wlen)
{
	SandboxHost *h;
	char real[PATH_MAX];
	int i;

	warn[0] = '\0';
	h = ecalloc(1, sizeof *h);
	if (mkdir(run_dir, 0711) < 0 && errno != EEXIST) {
		free(h);
		return -errno;
	}
	if (sandbox_pathf(h->run_dir, sizeof h->run_dir, "%s", realpath(run_dir, real) ? real : run_dir) < 0) {
		free(h);
		return -ENAMETOOLONG;
	}
	h->mode = !enabled ? SB_PLAIN : geteuid() == 0 ? SB_ROOT : SB_USERNS;
	h->block_fd = h->block = -1;
	h->self_pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0); /* close-on-exec by itself */
	run_dir_sweep(h);
	if (h->mode == SB_USERNS)
		snprintf(warn, wlen,
		         "not root: containers share our uid in user namespaces, and their memory "
		         "is limited by RLIMIT_DATA only");
	if (h->mode == SB_ROOT) {
		chmod(h->run_dir, 0711);
		sandbox_cgroups_init(h);
		if (!h->mem_base[0])
			snprintf(warn, wlen, "no memory cgroup: functions run without a memory limit");
		h->uid_base = UID_FIRST + uid_block(h) * UID_BLOCK;
	}
	if (h->mode != SB_PLAIN) {
		for (i = 0; hidden_dirs[i]; i++)
			host_hide(h, hidden_dirs[i]);
		host_hide(h, h->run_dir);
		host_hide_parent(h, h->run_dir);
		if (socket_path)
			host_hide_parent(h, socket_path);
	}
	h->host_net_fd = -1;
	if (h->mode != SB_PLAIN)
		sandbox_seccomp_build(&h->filter);
	host_describe(h);
	*out = h;
	return 0;
}

void
sandbox_host_free(SandboxHost *h)
{
	int i;

	if (!h)
		return;
	sandbox_host_shutdown(h);
	sandbox_zygote_close(h);
	for (i = 0; i < h->nhide; i++)
		free(h->hide[i]);
	free(h->filter.filter);
	if (h->host_net_fd >= 0)
		close(h->host_net_fd);
	if (h->block_fd >= 0)
		close(h->block_fd);
	if (h->self_pidfd >= 0)
		close(h->self_pidfd);
	free(h);
}

int
sandbox_own_mounts(void)
{
	if (geteuid() != 0)
		return 0;
	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return -errno;
	return 0;
}

void
sandbox_host_cpu(SandboxHost *h, int millis)
{
	h->cpu_millis = millis > 0 ? millis : 0;
	host_describe(h);
}

void
sandbox_host_net(SandboxHost *h, int mode, int api_port, void *(*api_open)(void *arg, int fd),
                 void (*api_close)(void *srv), void *arg)
{
	sandbox_net_drain(h);
	if (h->host_net_fd >= 0)
		close(h->host_net_fd);
	h->net_mode = mode;
	h->api_port = api_port;
	h->api_open = api_open;
	h->api_close = api_close;
	h->api_arg = arg;
	sandbox_net_init(h);
	host_describe(h);
}

int
sandbox_host_block(SandboxHost *h)
{
	return h->block;
}

const char *
sandbox_host_describe(SandboxHost *h)
{
	return h->describe;
}

/* ---- the parent's side ---- */

static int
slot_take(SandboxHost *h)
{
	int i;

	for (i = 0; i < UID_BLOCK; i++)
		if (!h->used[i]) {
			h->used[i] = 1;
			return i;
		}
	return -EAGAIN;
}

/* The working directory's tmpfs: as large as the memory limit (its pages
 * are charged to the container's memory cgroup, as whoever writes them is
 * in it), WORK_INODES files. "remount": a new limit for a running one. */
static int
workfs_mount(Sandbox *sb, int remount)
{
	char opts[128];

	snprintf(opts, sizeof opts, "size=%dm,nr_inodes=%d,mode=0700,uid=%d,gid=%d", sb->memory_mb, WORK_INODES,
	         sb->uid, sb->uid);
	if (mount("faasfs-work", sb->workdir, "tmpfs", MS_NOSUID | MS_NODEV | (remount ? MS_REMOUNT : 0), opts) < 0)
		return -errno;
	return 0;
}

int
sandbox_workfs_resize(Sandbox *sb, int memory_mb)
{
	sb->memory_mb = memory_mb;
	return sb->workfs ? workfs_mount(sb, 1) : 0;
}

/* Its folder in the run directory; as root, a tmpfs of its own, so what
 * a function writes counts against its memory limit and never fills the
 * disk the store is on. */
static int
workdir_make(SandboxHost *h, Sandbox *sb)
{
	int rc;

	if (sandbox_pathf(sb->workdir, sizeof sb->workdir, "%s/c%d-%d", h->run_dir, (int)getpid(), sb->slot) < 0)
		return -ENAMETOOLONG;
	if (mkdir(sb->workdir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (sb->uid >= 0 && chown(sb->workdir, (uid_t)sb->uid, (gid_t)sb->uid) < 0)
		return -errno;
	if (h->mode == SB_ROOT) {
		if ((rc = workfs_mount(sb, 0)) < 0)
			return rc;
		sb->workfs = 1;
	}
	return 0;
}

/* The child's namespaces. */
static int
ns_flags(SandboxHost *h)
{
	if (h->mode == SB_PLAIN)
		return 0;
	return CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | (h->mode == SB_USERNS ? CLONE_NEWUSER : 0);
}

/* clone the child: from the zygote of its kind when there is one ready,
 * else ourselves. */
static int
child_clone(SandboxHost *h, Sandbox *sb, const SandboxSpec *sp, ChildArgs *a)
{
	int flags = SIGCHLD | CLONE_PIDFD | ns_flags(h), rc;
	char *stack;
	pid_t pid;

	sb->pidns = h->mode != SB_PLAIN;
	if ((rc = sandbox_zygote_clone(h, sp->zygote, sb, a, ns_flags(h))) != -EAGAIN ||
	    (a->ctl_fd >= 0 && !sp->launcher))
		return rc; /* a shell of the zygote's kind is the zygote's or none */
	stack = emalloc(STACK_SIZE);
	sb->pidfd = -1;
	pid = clone(a->ctl_fd >= 0 ? sandbox_child_shell_main : sandbox_child_main, stack + STACK_SIZE, flags, a,
	            &sb->pidfd);
	free(stack);
	if (pid < 0)
		return -errno;
	sb->pid = pid;
	return 0;
}

int
sandbox_child_spawn(SandboxHost *h, Sandbox *sb, const SandboxSpec *sp, int ctl, char *err, size_t elen)
{
	ChildArgs a = { .h = h, .sb = sb, .sp = sp, .ctl_fd = ctl };
	int errp[2], rc;
	char *slash;

	snprintf(a.proxy_dir, sizeof a.proxy_dir, "%s", sp->exe);
	if ((slash = strrchr(a.proxy_dir, '/')) && slash != a.proxy_dir)
		*slash = '\0';
	if (sb->cg_mem[0])
		snprintf(a.procs[0], sizeof a.procs[0], "%s/cgroup.procs", sb->cg_mem);
	if (sb->cg_pids[0] && strcmp(sb->cg_pids, sb->cg_mem) != 0)
		snprintf(a.procs[1], sizeof a.procs[1], "%s/cgroup.procs", sb->cg_pids);
	if (sb->cg_cpu[0] && strcmp(sb->cg_cpu, sb->cg_mem) != 0)
		snprintf(a.procs[2], sizeof a.procs[2], "%s/cgroup.procs", sb->cg_cpu);
	snprintf(a.uid_map, sizeof a.uid_map, "%d %d 1", USERNS_ID, (int)geteuid());
	snprintf(a.gid_map, sizeof a.gid_map, "%d %d 1", USERNS_ID, (int)getegid());
	a.memory_mb = sb->memory_mb;
	if (pipe2(errp, O_CLOEXEC) < 0)
		return -errno;
	a.err_fd = errp[1];
	rc = child_clone(h, sb, sp, &a);
	close(errp[1]);
	if (rc < 0) {
		snprintf(err, elen, "sandbox: clone: %s", strerror(-rc));
		close(errp[0]);
		return rc;
	}
	/* the child's report comes later: sandbox_failure() reads it */
	fcntl(errp[0], F_SETFL, O_NONBLOCK);
	sb->report_fd = errp[0];
	return 0;
}

int
sandbox_failure(Sandbox *sb, char *buf, size_t len)
{
	int msg[2];

	if (sb->report_fd < 0 || read(sb->report_fd, msg, sizeof msg) != (ssize_t)sizeof msg)
		return 0;
	if (msg[0] < 0 || (size_t)msg[0] >= sizeof step_names / sizeof step_names[0])
		return 0;
	snprintf(buf, len, "sandbox: %s: %s", step_names[msg[0]], strerror(msg[1]));
	return 1;
}

int
sandbox_prepare(SandboxHost *h, Sandbox *sb, int memory_mb, char *err, size_t elen)
{
	int rc;

	memset(sb, 0, sizeof *sb);
	sb->pidfd = -1;
	sb->report_fd = -1;
	sb->uid = -1;
	sb->net_fd = sb->ready_fd = sb->slirp_exit_fd = sb->ctl_fd = -1;
	err[0] = '\0';
	if ((sb->slot = slot_take(h)) < 0) {
		snprintf(err, elen, "sandbox: no free uid");
		return -EAGAIN;
	}
	sb->memory_mb = memory_mb;
	if (h->mode == SB_ROOT)
		sb->uid = h->uid_base + sb->slot;
	if ((rc = workdir_make(h, sb)) < 0 ||
	    (h->mode == SB_ROOT && (rc = sandbox_cgroups_make(h, sb, memory_mb)) < 0)) {
		snprintf(err, elen, "sandbox: prepare %s: %s", sb->workdir, strerror(-rc));
		sandbox_release(h, sb);
		return rc;
	}
	if (h->mode == SB_ROOT && (rc = sandbox_net_make(h, sb, err, elen)) < 0) {
		sandbox_release(h, sb);
		return rc;
	}
	return 0;
}

int
sandbox_spawn(SandboxHost *h, Sandbox *sb, const SandboxSpec *sp, char *err, size_t elen)
{
	int rc;

	if (sb->ctl_fd < 0) {
		if ((rc = sandbox_child_spawn(h, sb, sp, -1, err, elen)) < 0)
			sandbox_release(h, sb);
		return rc;
	}
	if ((rc = sandbox_shell_go(sb, sp)) < 0) {
		snprintf(err, elen, "sandbox: its shell is gone: %s", strerror(-rc));
		sandbox_shell_discard(h, sb);
	}
	return rc;
}

void
sandbox_kill(Sandbox *sb)
{
	if (sb->pid <= 0)
		return;
	if (sb->pidns)
		kill(sb->pid, SIGKILL); /* pid 1 of its namespace: all go */
	else
		kill(-sb->pid, SIGKILL); /* its process group */
}

int
sandbox_reap(Sandbox *sb, int *status)
{
	pid_t r;

	if (sb->pid <= 0)
		return 1;
	r = waitpid(sb->pid, status, WNOHANG);
	if (r == 0)
		return 0;
	if (!sb->pidns)
		kill(-sb->pid, SIGKILL); /* stragglers of a plain child */
	sb->pid = 0;
	return 1;
}

/* Remove the cgroups and the working directory of a child that is gone. */
static void
sandbox_remove_files(Sandbox *sb)
{
	if (sb->cg_mem[0] && rmdir(sb->cg_mem) < 0 && errno != ENOENT)
		log_warn("sandbox: rmdir %s: %s", sb->cg_mem, strerror(errno));
	if (sb->cg_pids[0] && strcmp(sb->cg_pids, sb->cg_mem) != 0)
		rmdir(sb->cg_pids);
	if (sb->cg_cpu[0] && strcmp(sb->cg_cpu, sb->cg_mem) != 0)
		rmdir(sb->cg_cpu);
	sb->cg_mem[0] = sb->cg_pids[0] = sb->cg_cpu[0] = '\0';
	if (sb->workfs && umount2(sb->workdir, MNT_DETACH) < 0)
		log_warn("sandbox: umount %s: %s", sb->workdir, strerror(errno));
	sb->workfs = 0;
	if (sb->workdir[0])
		nftw(sb->workdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	sb->workdir[0] = '\0';
}

void
sandbox_release(SandboxHost *h, Sandbox *sb)
{
	sandbox_net_release(h, sb);
	if (sb->pidfd >= 0)
		close(sb->pidfd);
	if (sb->report_fd >= 0)
		close(sb->report_fd);
	if (sb->ctl_fd >= 0)
		close(sb->ctl_fd);
	sb->pidfd = sb->report_fd = sb->ctl_fd = -1;
	sandbox_remove_files(sb);
	if (sb->slot >= 0 && sb->slot < UID_BLOCK)
		h->used[sb->slot] = 0;
	sb->slot = -1;
}

void
sandbox_kill_wait(Sandbox *sb)
{
	if (sb->pid > 0) {
		sandbox_kill(sb);
		while (waitpid(sb->pid, NULL, 0) < 0 && errno == EINTR)
			;
		sb->pid = 0;
	}
	sandbox_remove_files(sb);
}

void
sandbox_host_shutdown(SandboxHost *h)
{
	sandbox_shell_drain(h);
	sandbox_net_drain(h);
	if (h->mem_base[0])
		rmdir(h->mem_base);
	if (h->pids_base[0] && strcmp(h->pids_base, h->mem_base) != 0)
		rmdir(h->pids_base);
	if (h->cpu_base[0] && strcmp(h->cpu_base, h->mem_base) != 0)
		rmdir(h->cpu_base);
	rmdir(h->run_dir);
}
